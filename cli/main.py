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
            from thidua.store import Store, StoreError
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

    def ruleset(self, key: str, period: str):
        from thidua.fields import Invalid, Period
        from thidua.rules import RulesError
        try:
            Period().parse(period)
        except Invalid as exc:
            raise Usage(f"--period: {exc}") from None
        try:
            return self.province(key).ruleset_for(period)
        except RulesError as exc:
            raise Usage(str(exc)) from None


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", envvar="THIDUA_DB", default="thidua.sqlite", show_default=True,
              help="SQLite file path, ':memory:', or a postgresql:// URL (also THIDUA_DB).")
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
    from thidua.importer import import_events
    if file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise BadInput(f"cannot read {file}: {exc.strerror}") from None
    outcome = import_events(ctx.store, data, ctx.plugins)
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
def log_cmd(ctx: Context, province: str | None, period: str | None, event_type: str | None,
            subject: str | None, since: int, fmt: str) -> None:
    """The stored events with position, recorded_at and hash.

    `--format jsonl` prints the event format: it imports again unchanged.

    \b
    Example:
      thidua log --province laichau --type score.provincial
      thidua log --format jsonl > backup.jsonl
    """
    from thidua.cli.render import jsonl, table
    from thidua.clock import fmt_local
    from thidua.events import EVENT_TYPES
    rows = []
    for stored in ctx.store.read(start=since):
        r = stored.record
        if (province and r["province"] != province) or (period and r["period"] != period) \
                or (event_type and stored.type != event_type):
            continue
        if subject and subject not in _subjects(r):
            continue
        if fmt == "jsonl":
            fields = EVENT_TYPES[stored.type].fields()
            wire = {"type": stored.type, **{k: fields[k].wire(fields[k].load(v)) for k, v in r.items()},
                    "position": stored.position, "recorded_at": stored.recorded_iso, "hash": stored.hash}
            click.echo(jsonl(wire))
        else:
            rows.append((stored.position, fmt_local(stored.recorded_at), stored.hash[:12], stored.type,
                         r["province"], r["period"], r["at"][:16].replace("T", " "), _summary(r)))
    if fmt == "table":
        click.echo(table(["pos", "recorded", "hash", "type", "province", "period", "at", "what"], rows, right=[0]))


def _subjects(record: dict[str, Any]) -> set[str]:
    names = {record.get(k) for k in ("unit", "person", "block", "head", "deputy")}
    for key in ("members", "authors"):
        names.update(record.get(key) or ())
    return {n for n in names if n}


def _summary(record: dict[str, Any]) -> str:
    skip = {"province", "period", "at", "id", "actor", "ref", "note"}
    parts = []
    for key, value in record.items():
        if key in skip:
            continue
        text = value if isinstance(value, str) else ",".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else "…"
        parts.append(f"{key}={text}")
    summary = " ".join(parts)
    return summary if len(summary) <= 70 else summary[:69] + "…"


@cli.command("verify")
@pass_ctx
def verify_cmd(ctx: Context) -> None:
    """Recompute the hash chain; exit 3 naming the first bad position.

    \b
    Example:
      thidua verify
    """
    from thidua.verify import Breach, verify_chain
    result = verify_chain(ctx.store)
    if isinstance(result, Breach):
        raise Integrity(f"integrity failure at position {result.position}: {result.reason}")
    click.echo(f"ok: {result.count} events, chain intact, head hash {result.head_hash}")


@cli.command("plugins")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_ctx
def plugins_cmd(ctx: Context, fmt: str) -> None:
    """Installed province plugins, their versions and rule-set versions.

    \b
    Example:
      thidua plugins
    """
    from thidua.cli.render import table, to_json
    plugins = ctx.plugins
    entries = []
    for key in sorted(plugins.provinces):
        p = plugins.provinces[key]
        entries.append({"province": key, "name": p.name, "version": p.version, "distribution": plugins.distributions[key],
                        "rulesets": [r.as_json() | {"document": r.document} for r in p.rulesets]})
    if fmt == "json":
        click.echo(to_json({"plugins": entries, "refused": plugins.refused}))
        return
    rows = []
    for e in entries:
        for i, r in enumerate(e["rulesets"]):
            rows.append((e["province"] if i == 0 else "", e["name"] if i == 0 else "", e["version"] if i == 0 else "",
                         r["version"], r["document"], f"{r['in_force_from']} → {r['in_force_to'] or 'in force'}"))
    click.echo(table(["province", "name", "plugin", "rule set", "document", "in force"], rows))
    for line in plugins.refused:
        click.echo(f"refused: {line}")


def _decide(ctx: Context, province: str, period: str, as_of: str | None):
    from thidua.replay import AsOfError, parse_as_of, replay
    from thidua.report import header
    rules = ctx.ruleset(province, period)
    try:
        moment = parse_as_of(as_of)
    except AsOfError as exc:
        raise Usage(str(exc)) from None
    run = replay(ctx.store, province, period, moment)
    return rules, run, header(ctx.province(province), rules, period, moment, run)


def _standings(ctx: Context, province: str, rules, run):
    if not ctx.plugins.implements(province, "thidua_standings"):
        raise Usage(f"{province} selects candidates by criteria and ranks no blocks: use `thidua eligibility`")
    return _plugin_call(ctx, province, "thidua_standings", rules, run)


def _eligibility(ctx: Context, province: str, rules, run):
    """The plugin's own eligibility, or, for a ranking province, its award proposals."""
    from thidua.decisions import eligibility_from_standings
    if ctx.plugins.implements(province, "thidua_eligibility"):
        result = _plugin_call(ctx, province, "thidua_eligibility", rules, run)
        if result is not None:
            return result
    return eligibility_from_standings(_standings(ctx, province, rules, run))


def _plugin_call(ctx: Context, province: str, hook: str, rules, run):
    try:
        return ctx.plugins.call(province, hook, facts=run.facts, rules=rules)
    except Exception as exc:
        raise click.ClickException(f"the {province} plugin failed: {type(exc).__name__}: {exc}") from exc


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
    from thidua.report import standings_json
    rules, run, head = _decide(ctx, province, period, as_of)
    result = _standings(ctx, province, rules, run)
    if block:
        result.blocks = [b for b in result.blocks if b.block == block]
        if not result.blocks:
            raise Usage(f"--block {block!r}: no such block in {province} {period}")
    click.echo(views.standings(standings_json(head, result), fmt), nl=False)


@cli.command("explain")
@click.option("--province", required=True)
@click.option("--period", required=True)
@click.option("--unit", help="The unit to explain.")
@click.option("--person", help="The person to explain.")
@click.option("--as-of", "as_of", help="Moment of knowledge: ISO date/time (local) or @N.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@pass_ctx
def explain_cmd(ctx: Context, province: str, period: str, unit: str | None, person: str | None,
                as_of: str | None, fmt: str) -> None:
    """Every point, cap, exclusion and award of one unit or person, with rule ids and events.

    \b
    Example:
      thidua explain --province laichau --period 2020 --unit LDLD_SIN_HO
    """
    from thidua.cli import views
    from thidua.report import explain_candidate_json, explain_unit_json
    if bool(unit) == bool(person):
        raise Usage("give exactly one of --unit or --person")
    rules, run, head = _decide(ctx, province, period, as_of)
    when = f" as of {head['as_of']}" if head["as_of"] else ""
    if ctx.plugins.implements(province, "thidua_eligibility") or person:
        kind, subject = ("person", person) if person else ("unit", unit)
        data = explain_candidate_json(head, _eligibility(ctx, province, rules, run), run.facts, subject, kind,
                                      ctx.province(province), rules)
        if data is None:
            raise Usage(f"--{kind} {subject!r}: no such candidate in {province} {period}{when}")
        click.echo(views.explain_candidate(data, fmt), nl=False)
        return
    data = explain_unit_json(head, _standings(ctx, province, rules, run), run.facts, unit, ctx.province(province), rules)
    if data is None:
        raise Usage(f"--unit {unit!r}: not a member of any block of {province} {period}{when}")
    click.echo(views.explain(data, fmt), nl=False)


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
    from thidua.report import eligibility_json
    rules, run, head = _decide(ctx, province, period, as_of)
    click.echo(views.eligibility(eligibility_json(head, _eligibility(ctx, province, rules, run)), fmt), nl=False)


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
    from thidua.importer import import_events
    from thidua.report import eligibility_json, standings_json
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
            rules, run, head = _decide(ctx, key, period, None)
            click.echo()
            if ctx.plugins.implements(key, "thidua_standings"):
                click.echo(views.standings(standings_json(head, _standings(ctx, key, rules, run)), "table"), nl=False)
            else:
                click.echo(views.eligibility(eligibility_json(head, _eligibility(ctx, key, rules, run)), "table"), nl=False)


def main() -> None:
    cli(prog_name="thidua")


if __name__ == "__main__":
    main()
