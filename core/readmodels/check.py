"""Read models are a cache the log can always overrule: the checks that say whether they agree.

- `preflight`: before every query, cheap invariants. The index covers exactly positions 1 to its
  tracked position, and the log's hash there is the tracked hash (`ReadModels._tracked`).
  Three lookups on the index's primary key and one count, never a scan of the log.
- `replayed`: the events a query replays, checked against the chain (`thidua.log.verify.check_links`)
  and against the province-period the query asked for.
- `check`: what `thidua verify` adds to the chain check. Every index row is recomputed from the
  log, the kept block states from the index, and every kept decision part that a query would
  serve is decided afresh from the log and compared; the first difference is named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from thidua.decisions.decider import Decider
from thidua.documents.build import block_json, standings_json
from thidua.documents.jsonout import jsonl
from thidua.log.rows import Stored, decode_row
from thidua.log.verify import Tampered, check_links
from thidua.readmodels.codec import pack
from thidua.readmodels.index import REBUILD, ReadModels, scope_of
from thidua.readmodels.parts import Blocks, blocks_independent, fingerprint, part_name, split
from thidua.registry import Plugins
from thidua.replay.facts import Facts
from thidua.replay.fold import AsOf, Replay
from thidua.rules import RulesError

if TYPE_CHECKING:
    from thidua.log.store import Store

PAGE = 20000


# -- before every query ------------------------------------------------------------------------
def preflight(models: ReadModels) -> None:
    """The log's hash at the tracked position is the tracked hash, and the index covers exactly
    1..tracked position (nothing deleted, added or moved)."""
    with models._read() as c:
        c.execute("SELECT position, hash FROM thidua_tracking WHERE name = 'index'")
        found = c.fetchone()
        tracked, digest = found if found else (0, "")
        # Three statements: SQLite answers a lone count(*) from the b-tree's page counts and a lone
        # min()/max() from one end of the primary key, but scans the table for them together.
        c.execute("SELECT count(*) FROM thidua_index")
        count = c.fetchone()[0]
        c.execute("SELECT min(position) FROM thidua_index")
        first = c.fetchone()[0]
        c.execute("SELECT max(position) FROM thidua_index")
        last = c.fetchone()[0]
    if tracked:
        _at_tracked(models, tracked, digest)
    if (count, first or 1, last or 0) == (tracked, 1, tracked):
        return
    if last and last > tracked:
        raise Tampered(
            f"the index has rows up to position {last}, past its tracked position {tracked}: the read models were "
            f"altered ({REBUILD})",
            where="the index",
        )
    missing = _first_missing(models, tracked)
    raise Tampered(
        f"the index has {count} rows for positions 1 to {tracked}: the row of this position is missing; "
        f"the read models were altered ({REBUILD})",
        position=missing,
    )


def _at_tracked(models: ReadModels, tracked: int, digest: str) -> None:
    """The log still holds the tracked position, with the tracked hash."""
    rows = list(models.events([tracked]))
    if not rows:
        head = models.store.head()[0]
        raise Tampered(
            f"the read models were built from a log of {tracked} events; the log ends at position {head}: "
            f"events were removed from its end ({REBUILD})",
            tracked,
        )
    if rows[0].hash != digest:
        raise Tampered(
            f"the read models were built from a log whose hash here was {digest[:16]}…; it is now "
            f"{rows[0].hash[:16]}…: the log was rewritten or replaced under them ({REBUILD})",
            tracked,
        )


def _first_missing(models: ReadModels, tracked: int) -> int:
    """The first position 1..tracked without an index row (binary search on the primary key)."""
    low, high = 1, tracked
    with models._read() as c:
        while low < high:
            middle = (low + high) // 2
            c.execute("SELECT count(*) FROM thidua_index WHERE position BETWEEN 1 AND ?", (middle,))
            if c.fetchone()[0] < middle:
                high = middle
            else:
                low = middle + 1
    return low


# -- the events a query replays -----------------------------------------------------------------
def replayed(
    models: ReadModels,
    events: Iterable[Stored],
    province: str,
    period: str,
    head: int,
    keys: set[str] | None = None,
    as_of: AsOf = AsOf(),
) -> list[Stored]:
    """Events read through the index, each checked against the chain, the province-period and
    (`keys`: a block's `b:K`, `u:U`, `p:P`, `*`) what it is about; a neighbour in the log that
    should have been among them is an index row lost or altered."""

    def belongs(stored: Stored) -> bool:
        if (stored.record.get("province"), stored.record.get("period")) != (province, period):
            return False
        if not as_of.includes(stored.position, stored.recorded_at):
            return False
        return keys is None or (stored.type != "event.retracted" and bool(_keys(stored) & keys))

    checked = check_links(events, lambda positions: _rows_at(models, positions), head, belongs)
    for stored in checked:
        if (stored.record.get("province"), stored.record.get("period")) != (province, period):
            raise Tampered(
                f"the index files this event under {province} {period}; it is an event of "
                f"{stored.record.get('province')} {stored.record.get('period')}: the index was altered",
                stored.position,
            )
        if keys is not None and stored.type != "event.retracted" and not _keys(stored) & keys:
            raise Tampered(
                f"the index lists this event among those a block's decision rests on; it is about "
                f"{', '.join(sorted(_keys(stored)))}, none of them: the index was altered",
                stored.position,
            )
    return checked


def _keys(stored: Stored) -> set[str]:
    """What an event is about, as `Blocks` keys (see `thidua.readmodels.parts.Blocks.add`)."""
    block, unit, person, _ = scope_of(stored.type, stored.record)
    return {f"{prefix}:{value}" for prefix, value in (("b", block), ("u", unit), ("p", person)) if value} or {"*"}


def _rows_at(models: ReadModels, positions: list[int]) -> dict[int, Stored]:
    return {stored.position: stored for stored in models.events(positions)}


# -- verify ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Agreement:
    indexed: int  # index rows recomputed from the log
    parts: int  # kept decision parts decided afresh and found equal
    periods: int  # province-periods they belong to
    skipped: list[str]  # province-periods that could not be decided here (no plugin, no rule set)


def check(store: Store, plugins: Plugins) -> Agreement:
    """Every read model against the log (after the chain itself was verified); raises `Tampered`
    naming the first difference. Reads only: nothing is brought up to date or repaired."""
    models = ReadModels.of(store)
    with models._read() as c:
        c.execute("SELECT position, hash FROM thidua_tracking WHERE name = 'index'")
        found = c.fetchone()
    tracked = found[0] if found else 0
    if tracked:
        _at_tracked(models, tracked, found[1])
    _check_index(models, tracked)
    _check_blocks(models)
    parts, periods, skipped = _check_parts(models, plugins)
    return Agreement(tracked, parts, periods, skipped)


def _check_index(models: ReadModels, tracked: int) -> None:
    """Every index row 1..tracked recomputed from its event (retractions take their target's scope
    from rows already checked); no row beyond."""
    cursor = 0
    while cursor < tracked:
        with models._read() as c:
            c.execute(
                models.sql.select + "originator_version > ? AND originator_version <= ? "
                "ORDER BY originator_version LIMIT ?",
                (models.sql.ledger, cursor, tracked, PAGE),
            )
            events = [decode_row(row) for row in c.fetchall()]
            if not events:
                break
            expected = {row[0]: tuple(row) for row in models._rows(c, events)}
            c.execute(
                "SELECT * FROM thidua_index WHERE position > ? AND position <= ? ORDER BY position",
                (cursor, events[-1].position),
            )
            kept = {row[0]: tuple(row) for row in c.fetchall()}
        for position in sorted(set(expected) | set(kept)):
            if position not in kept:
                raise Tampered("the index has no row for this event: the read models were altered", position)
            if position not in expected:
                raise Tampered("the index has a row for a position the log does not hold", position)
            if kept[position] != expected[position]:
                raise Tampered(
                    f"the index row says {_shown(kept[position])}, the log says {_shown(expected[position])}: "
                    "the read models were altered",
                    position,
                )
        cursor = events[-1].position
    with models._read() as c:
        c.execute("SELECT min(position) FROM thidua_index WHERE position > ? OR position < 1", (tracked,))
        beyond = c.fetchone()[0]
    if beyond is not None:
        raise Tampered(f"the index has a row past its tracked position {tracked}", beyond)


def _shown(row: tuple) -> str:
    names = ("position", "province", "period", "type", "recorded_us", "id", "block", "unit", "person", "links")
    return "(" + ", ".join(f"{n}={v!r}" for n, v in zip(names[1:], row[1:], strict=True) if v not in (None, "")) + ")"


def _check_blocks(models: ReadModels) -> None:
    """Each kept state of a province-period's blocks equals one recomputed from the index rows."""
    with models._read() as c:
        c.execute("SELECT province, period, position, state FROM thidua_blocks ORDER BY province, period")
        kept = c.fetchall()
        for province, period, position, state in kept:
            c.execute(
                "SELECT position, type, b, u, p, links FROM thidua_index WHERE province = ? AND period = ? "
                "AND position <= ? ORDER BY position",
                (province, period, position),
            )
            fresh = Blocks()
            fresh.add(c.fetchall())
            try:
                same = Blocks.from_json(state).to_json() == fresh.to_json() and fresh.position == position
            except (orjson.JSONDecodeError, TypeError, ValueError):
                same = False
            if not same:
                raise Tampered(
                    "the kept blocks (which events each block's decision rests on) are not those of the index: "
                    "the read models were altered",
                    where=f"the kept blocks of {province} {period}",
                )


def _check_parts(models: ReadModels, plugins: Plugins) -> tuple[int, int, list[str]]:
    with models._read() as c:
        c.execute("SELECT DISTINCT province, period FROM thidua_decisions ORDER BY province, period")
        periods = [tuple(row) for row in c.fetchall()]
    compared, skipped = 0, []
    for province, period in periods:
        if province not in plugins.provinces:
            skipped.append(f"{province} {period}: no plugin installed")
            continue
        try:
            rules = plugins.ruleset(province, period)
        except RulesError as exc:
            skipped.append(f"{province} {period}: {exc}")
            continue
        made = fingerprint(plugins.modules[province], plugins.province(province).version, rules.as_json())
        kept = models.parts(province, period, made)  # checks every seal
        if not kept:
            continue
        facts = Facts.of(models.period_events(province, period), province, period)
        decider = Decider(plugins, province, rules, Replay(facts, 0, ""))
        independent = blocks_independent(plugins, province)
        if independent:
            blocks = Blocks()
            with models._read() as c:
                c.execute(
                    "SELECT position, type, b, u, p, links FROM thidua_index WHERE province = ? AND period = ? "
                    "ORDER BY position",
                    (province, period),
                )
                blocks.add(c.fetchall())
            versions = {block: blocks.version(block) for block in blocks.formed}
            standings = decider.standings()
            fresh: dict[str, tuple[Any, Any]] = {
                block: (block_json(result), result) for block, (_, result) in split(standings, facts).items()
            }
        else:
            versions = {"": "{}:{}".format(*models.stamp(province, period))}
            result = decider.standings() if decider.ranks else decider._call("thidua_eligibility")
            doc = standings_json({}, result) if decider.ranks else None
            fresh = {"": (doc, result)}
        served = [part for part, (version, _, _) in kept.items() if versions.get(part) == version]
        results = models.results(province, period, served)  # checks every result's seal
        for part in sorted(served):
            _, _, doc = kept[part]
            want_doc, want_result = fresh.get(part, (None, None))
            if _canonical(doc) != _canonical(want_doc) or _canonical_result(results.get(part)) != _canonical_result(
                want_result
            ):
                raise Tampered(
                    "it is not what the log decides today (a fresh replay of the period differs): "
                    "the read models were edited (`thidua rebuild` decides again from the log)",
                    where=part_name(province, period, part) + f" (reflecting position {kept[part][0].split(':')[0]})",
                )
            compared += 1
    return compared, len(periods), skipped


def _canonical(doc: Any) -> str | None:
    return None if doc is None else jsonl(doc)


def _canonical_result(result: Any) -> bytes | None:
    return None if result is None else orjson.dumps(pack(result), option=orjson.OPT_SORT_KEYS)
