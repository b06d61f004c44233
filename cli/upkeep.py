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
from thidua.cli.context import Context, Usage, pass_ctx


@click.command("rebuild")
@options.province(required=False, help="Decide only this province's periods again (the index is always rebuilt).")
@options.period(required=False, help="Only this period.")
@pass_ctx
def rebuild_cmd(ctx: Context, province: str | None, period: str | None) -> None:
    """Drop every read model, index the whole log again and decide every province-period.

    \b
    Example:
      thidua rebuild
      thidua rebuild --province laichau --period 2020
    """
    from thidua.cli.progress import Progress
    from thidua.decisions.decider import PluginFailed
    from thidua.log.verify import Tampered
    from thidua.readmodels.index import ReadModels
    from thidua.readmodels.query import ModelDecider
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
    finally:
        indexing.close()
    # Appointments are filed under period "*": nothing to decide there.
    wanted = [(p, y) for p, y in models.periods() if (province in (None, p)) and (period in (None, y)) and y != "*"]
    parts = 0
    deciding = Progress("deciding", len(wanted))
    try:
        for key, year in wanted:
            deciding(1)
            if key not in ctx.plugins.provinces:
                click.echo(f"warning: {key} {year}: no plugin installed for {key}; not decided", err=True)
                continue
            try:
                rules = ctx.plugins.ruleset(key, year)
            except RulesError as exc:
                click.echo(f"warning: {key} {year}: {exc}; not decided", err=True)
                continue
            decider = ModelDecider(ctx.plugins, key, rules, models, year, models.catch_up())
            try:
                decider.docs()
            except PluginFailed as exc:
                raise click.ClickException(str(exc)) from exc
            parts += decider.decided
    finally:
        deciding.close()
    click.echo(
        f"indexed {position} event(s); decided {len(wanted)} province-period(s) in {parts} part(s) "
        f"in {time.perf_counter() - started:.2f} s"
    )
