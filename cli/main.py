"""`thidua [--db URL] COMMAND …` — see CONTRACT.md §2.

Exit status: 0 done; 1 bad input (nothing written); 2 wrong usage; 3 integrity failure.
Errors go to stderr, one actionable line each. Heavy modules load inside the commands so
that `thidua --help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Any

import click

FORMATS = click.Choice(["table", "json", "csv"])


class BadInput(click.ClickException):
    exit_code = 1


class Integrity(click.ClickException):
    exit_code = 3


class Usage(click.ClickException):
    exit_code = 2


class Context:
    """What every command shares: the store URL and, once loaded, the store and the plugins."""

    def __init__(self, db: str):
        self.db = db
        self._store = None
        self._plugins = None

    @property
    def store(self):
        if self._store is None:
            from thidua.log.store import Store, StoreError

            try:
                self._store = Store(self.db)
            except StoreError as exc:
                raise Usage(str(exc)) from None
        return self._store

    @property
    def plugins(self):
        if self._plugins is None:
            from thidua.registry import load_plugins

            self._plugins = load_plugins()
            for line in self._plugins.refused:
                click.echo(f"warning: {line}", err=True)
        return self._plugins

    def province(self, key: str):
        from thidua.registry import UnknownProvince

        try:
            return self.plugins.province(key)
        except UnknownProvince as exc:
            raise Usage(str(exc)) from None

    def period(self, period: str) -> None:
        from thidua.fields import Invalid, Period

        try:
            Period().parse(period)
        except Invalid as exc:
            raise Usage(f"--period: {exc}") from None

    def ruleset(self, key: str, period: str):
        from thidua.rules import RulesError

        self.period(period)
        try:
            return self.province(key).ruleset_for(period)
        except RulesError as exc:
            raise Usage(str(exc)) from None


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    envvar="THIDUA_DB",
    default="thidua.sqlite",
    show_default=True,
    help="SQLite file path, ':memory:', or a postgresql:// URL (also THIDUA_DB).",
)
@click.version_option(package_name="thidua", prog_name="thidua")
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """thidua: an event-sourced log of emulation and commendation work (thi đua – khen thưởng),
    replayed by province plugins into rankings, eligibility and award decisions.

    \b
    Example:
      thidua --db demo.sqlite demo
      thidua --db demo.sqlite standings --province laichau --period 2020
    """
    ctx.obj = Context(db)
    ctx.call_on_close(lambda: ctx.obj._store.close() if ctx.obj._store else None)


@cli.command("import")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@pass_ctx
def import_cmd(ctx: Context, file: str) -> None:
    """Validate and append events from a JSONL FILE ('-' for stdin): all lines or none.

    Each bad line is reported as `LINE N: key: reason` and nothing is written (exit 1).
    Re-importing an event with a stored `id` and the same content is skipped.

    \b
    Example:
      thidua import events-2020.jsonl
      cat events.jsonl | thidua import -
    """
    from thidua.cli.progress import Progress
    from thidua.intake.importer import import_events

    if file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise BadInput(f"cannot read {file}: {exc.strerror}") from None
    progress = Progress("validating", data.count(b"\n") + 1)
    try:
        outcome = import_events(ctx.store, data, ctx.plugins, progress)
    finally:
        progress.close()
    if outcome.problems:
        for problem in outcome.problems:
            click.echo(str(problem), err=True)
        raise BadInput(f"{len(outcome.problems)} problem(s); nothing was appended")
    click.echo(f"appended {len(outcome.appended)}, skipped {outcome.skipped} (already stored)")


@cli.command("log")
@click.option("--province", help="Only this province.")
@click.option("--period", help="Only this period.")
@click.option("--type", "event_type", help="Only this event type, e.g. score.self.")
@click.option("--subject", help="Only events naming this unit, person or block.")
@click.option("--since", type=click.IntRange(min=1), default=1, help="From this log position.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@pass_ctx
def log_cmd(
    ctx: Context,
    province: str | None,
    period: str | None,
    event_type: str | None,
    subject: str | None,
    since: int,
    fmt: str,
) -> None:
    """The stored events with position, recorded_at and hash.

    `--format jsonl` prints the event format: it imports again unchanged.

    \b
    Example:
      thidua log --province laichau --type score.provincial
      thidua log --format jsonl > backup.jsonl
    """
    from thidua.cli.render import table
    from thidua.clock import fmt_local
    from thidua.documents.build import export_json
    from thidua.documents.jsonout import jsonl

    rows = []
    for stored in ctx.store.read(start=since):
        r = stored.record
        if (
            (province and r["province"] != province)
            or (period and r["period"] != period)
            or (event_type and stored.type != event_type)
        ):
            continue
        if subject and subject not in _subjects(stored.type, r):
            continue
        if fmt == "jsonl":
            click.echo(jsonl(export_json(stored)))
        else:
            rows.append(
                (
                    stored.position,
                    fmt_local(stored.recorded_at),
                    stored.hash[:12],
                    stored.type,
                    r["province"],
                    r["period"],
                    r["at"][:16].replace("T", " "),
                    _summary(r),
                )
            )
    if fmt == "table":
        click.echo(table(["pos", "recorded", "hash", "type", "province", "period", "at", "what"], rows, right=[0]))


def _subjects(event_type: str, record: dict[str, Any]) -> set[str]:
    from thidua.events import about

    return about(event_type, record).names()


def _summary(record: dict[str, Any]) -> str:
    skip = {"province", "period", "at", "id", "actor", "ref", "note"}
    parts = []
    for key, value in record.items():
        if key in skip:
            continue
        text = (
            value
            if isinstance(value, str)
            else ",".join(value)
            if isinstance(value, list) and all(isinstance(v, str) for v in value)
            else "…"
        )
        parts.append(f"{key}={text}")
    summary = " ".join(parts)
    return summary if len(summary) <= 70 else summary[:69] + "…"


@cli.command("plugins")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_ctx
def plugins_cmd(ctx: Context, fmt: str) -> None:
    """Installed province plugins, their versions and rule-set versions.

    \b
    Example:
      thidua plugins
    """
    from thidua.cli.render import table
    from thidua.documents.jsonout import to_json

    plugins = ctx.plugins
    entries = []
    for key in sorted(plugins.provinces):
        p = plugins.provinces[key]
        entries.append(
            {
                "province": key,
                "name": p.name,
                "version": p.version,
                "distribution": plugins.distributions[key],
                "rulesets": [r.as_json() | {"document": r.document} for r in p.rulesets],
            }
        )
    if fmt == "json":
        click.echo(to_json({"plugins": entries, "refused": plugins.refused}))
        return
    rows = []
    for e in entries:
        for i, r in enumerate(e["rulesets"]):
            rows.append(
                (
                    e["province"] if i == 0 else "",
                    e["name"] if i == 0 else "",
                    e["version"] if i == 0 else "",
                    r["version"],
                    r["document"],
                    f"{r['in_force_from']} → {r['in_force_to'] or 'in force'}",
                )
            )
    click.echo(table(["province", "name", "plugin", "rule set", "document", "in force"], rows))
    for line in plugins.refused:
        click.echo(f"refused: {line}")


def _decider(ctx: Context, province: str, period: str, as_of: str | None, quiet: bool = False, replayed: bool = False):
    """Ready to decide one province and period as of a moment: from the read models (brought
    up to date first, with a bar on a terminal if that takes long), or by replay."""
    from thidua.cli.progress import Progress
    from thidua.readmodels.query import open_decider
    from thidua.replay.fold import AsOfError, parse_as_of

    rules = ctx.ruleset(province, period)
    try:
        moment = parse_as_of(as_of)
    except AsOfError as exc:
        raise Usage(str(exc)) from None
    progress = Progress("indexing new events", 0, enabled=not quiet)  # catching up tells it how many
    try:
        return open_decider(ctx.store, ctx.plugins, province, period, rules, moment, progress, replayed)
    finally:
        progress.close()


def _document(decider, what: str, **subject: str):
    """A decision document; a plugin's failure or the wrong kind of province as one clear line."""
    from thidua.decisions.decider import NotRanking, PluginFailed

    try:
        return getattr(decider, f"{what}_json")(**subject)
    except NotRanking as exc:
        raise Usage(str(exc)) from None
    except PluginFailed as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command("standings")
@click.option("--province", required=True, help="Plugin key, e.g. laichau.")
@click.option("--period", required=True, help='A year "2020" or a phase "2015-2019".')
@click.option("--block", help="Only this block.")
@click.option("--as-of", "as_of", help="Moment of knowledge: ISO date/time (local) or @N (log position).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@pass_ctx
def standings_cmd(ctx: Context, province: str, period: str, block: str | None, as_of: str | None, fmt: str) -> None:
    """Ranked units per block with totals, eligibility and award proposals.

    \b
    Example:
      thidua standings --province laichau --period 2020
      thidua standings --province laichau --period 2020 --as-of 2020-12-20 --format json
    """
    from thidua.cli import views

    data = _document(_decider(ctx, province, period, as_of, quiet=fmt == "json"), "standings")
    if block:
        data["blocks"] = [b for b in data["blocks"] if b["block"] == block]
        if not data["blocks"]:
            raise Usage(f"--block {block!r}: no such block in {province} {period}")
    click.echo(views.standings(data, fmt), nl=False)


@cli.command("explain")
@click.option("--province", required=True)
@click.option("--period", required=True)
@click.option("--unit", help="The unit to explain.")
@click.option("--person", help="The person to explain.")
@click.option("--as-of", "as_of", help="Moment of knowledge: ISO date/time (local) or @N.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@pass_ctx
def explain_cmd(
    ctx: Context, province: str, period: str, unit: str | None, person: str | None, as_of: str | None, fmt: str
) -> None:
    """Every point, cap, exclusion and award of one unit or person, with rule ids and events.

    \b
    Example:
      thidua explain --province laichau --period 2020 --unit LDLD_SIN_HO
    """
    from thidua.cli import views

    if bool(unit) == bool(person):
        raise Usage("give exactly one of --unit or --person")
    decider = _decider(ctx, province, period, as_of, quiet=fmt == "json")
    when = f" as of {decider.head['as_of']}" if decider.head["as_of"] else ""
    candidate = decider.selects or person
    data = _document(decider, "explain", unit=unit, person=person)
    if data is None:
        kind, subject = ("person", person) if person else ("unit", unit)
        what = "no such candidate in" if candidate else "not a member of any block of"
        raise Usage(f"--{kind} {subject!r}: {what} {province} {period}{when}")
    click.echo((views.explain_candidate if candidate else views.explain)(data, fmt), nl=False)


@cli.command("eligibility")
@click.option("--province", required=True, help="Plugin key, e.g. hcm_q1.")
@click.option("--period", required=True, help='A year "2020" or a phase "2015-2019".')
@click.option("--as-of", "as_of", help="Moment of knowledge: ISO date/time (local) or @N (log position).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@pass_ctx
def eligibility_cmd(ctx: Context, province: str, period: str, as_of: str | None, fmt: str) -> None:
    """Candidates (units and persons) with the levels and objects they qualify for.

    Listed by priority: eligible first, then the plan's preferred groups, the highest level first.

    \b
    Example:
      thidua eligibility --province hcm_q1 --period 2015-2019
      thidua explain --province hcm_q1 --period 2015-2019 --person NV_LAN
    """
    from thidua.cli import views

    click.echo(
        views.eligibility(_document(_decider(ctx, province, period, as_of, quiet=fmt == "json"), "eligibility"), fmt),
        nl=False,
    )


@cli.command("demo")
@pass_ctx
def demo_cmd(ctx: Context) -> None:
    """Import the bundled demo events of every installed province and print their standings.

    Safe to run again: demo events carry ids, so a second run appends nothing.

    \b
    Example:
      thidua --db demo.sqlite demo
    """
    from thidua.cli import views
    from thidua.intake.importer import import_events

    for key in sorted(ctx.plugins.provinces):
        province = ctx.plugins.provinces[key]
        for demo in province.demo:
            outcome = import_events(ctx.store, demo.read_bytes(), ctx.plugins)
            if outcome.problems:
                for problem in outcome.problems:
                    click.echo(f"{demo.name}: {problem}", err=True)
                raise BadInput(f"the demo data of {key} is invalid; nothing was appended")
            click.echo(f"{key}: {demo.name}: appended {len(outcome.appended)}, skipped {outcome.skipped}")
        for period in province.demo_periods:
            decider = _decider(ctx, key, period, None)
            click.echo()
            if decider.ranks:
                click.echo(views.standings(_document(decider, "standings"), "table"), nl=False)
            else:
                click.echo(views.eligibility(_document(decider, "eligibility"), "table"), nl=False)


from thidua.cli import audit, kit, upkeep  # noqa: E402,F401  (verify, keygen, checkpoint, bundle, diff, rules; plugin; rebuild)


def main() -> None:
    cli(prog_name="thidua")


if __name__ == "__main__":
    # `python -m thidua.cli.main`: run the importable module, where every command is registered.
    from thidua.cli.main import main as _main

    _main()
