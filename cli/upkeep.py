"""`thidua rebuild`: the read models from scratch (see `thidua.readmodels.index`).

Queries keep the read models up to date by themselves; rebuilding is for an auditor who wants
decisions made afresh from the log alone, and after restoring a store from a backup. A plugin
or rule-set version change needs no rebuild: its parts are decided again when next asked.
"""

from __future__ import annotations

import contextlib
import time

import click

from thidua.cli import options
from thidua.cli.context import Context, Interrupted, Usage, pass_ctx


@click.command("rebuild")
@options.province(required=False, help="Decide only this province's periods again (the index is always rebuilt).")
@options.period(required=False, help="Only this period.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes deciding periods at once [default: one per CPU, at most one per period].",
)
@pass_ctx
def rebuild_cmd(ctx: Context, province: str | None, period: str | None, jobs: int | None) -> None:
    """Drop every read model, index the whole log again and decide every province-period,
    the periods in parallel processes (one per CPU).

    Each period's decisions are written whole or not at all. Interrupted (Ctrl-C), it stops
    with exit 130 and says how far it got; what it had not done is done when next queried.

    \b
    Example:
      thidua rebuild
      thidua rebuild --province laichau --period 2020
    """
    from thidua.cli.progress import Progress
    from thidua.decisions.decider import PluginFailed
    from thidua.log.verify import Tampered
    from thidua.readmodels.index import ReadModels
    from thidua.readmodels.rebuild import decide_all
    from thidua.rules import RulesError

    store = ctx.store
    if not store.has_read_models:
        raise Usage(f"--db {ctx.db!r}: an in-memory store keeps no read models; it is always replayed")
    if province:
        ctx.province(province)
    if period:
        ctx.period(period)
    started = time.perf_counter()
    models = ReadModels.of(store)
    with contextlib.suppress(Tampered):  # read models that disagree with the log are what a rebuild replaces
        models.catch_up()
    if (province or period) and not any(province in (None, p) and period in (None, y) for p, y in models.periods()):
        raise Usage(
            f"no events recorded for {province or 'any province'}{' ' + period if period else ''}: nothing to rebuild"
        )
    indexing = Progress("indexing", store.head()[0])
    try:
        position, _ = models.rebuild(indexing)
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted while indexing: no event was written; the index is completed and every period "
            "decided when next queried"
        ) from None
    finally:
        indexing.close()
    # Appointments are filed under period "*": nothing to decide there.
    wanted = [(p, y) for p, y in models.periods() if (province in (None, p)) and (period in (None, y)) and y != "*"]
    decidable = []
    for key, year in wanted:
        if key not in ctx.plugins.provinces:
            click.echo(f"warning: {key} {year}: no plugin installed for {key}; not decided", err=True)
            continue
        try:
            ctx.plugins.ruleset(key, year)
        except RulesError as exc:
            click.echo(f"warning: {key} {year}: {exc}; not decided", err=True)
            continue
        decidable.append((key, year))
    # The biggest periods first: the workers finish together rather than one alone at the end.
    decidable.sort(key=lambda key_year: -models.stamp(*key_year)[1])
    parts = done = 0
    deciding = Progress("deciding", len(wanted))
    deciding(len(wanted) - len(decidable))
    try:
        for outcome in decide_all(store, ctx.plugins, decidable, jobs):
            try:
                outcome.raise_failure()  # one line naming the period; the other workers are stopped
            except PluginFailed as exc:
                raise click.ClickException(str(exc)) from None
            deciding(1)
            parts, done = parts + outcome.parts, done + 1
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: no event was written; the index was rebuilt and at least {done} of {len(decidable)} "
            "province-period(s) decided again (each period whole or not at all); the rest are decided "
            "when next queried"
        ) from None
    finally:
        deciding.close()
    click.echo(
        f"indexed {position} event(s); decided {len(wanted)} province-period(s) in {parts} part(s) "
        f"in {time.perf_counter() - started:.2f} s"
    )
