"""Read models: what queries read instead of replaying the whole log (SQLite stores).

Two kinds of tables live beside the library's, in the same file, each reflecting a tracked log
position (`thidua_tracking`: position and the hash there, so a replaced log is noticed):

- the **index**, one row per stored event: province, period, type, when it was recorded, its
  id, the block, unit and person it is *about* (none: province-wide) and the units it
  *links* (a block's members and head, a person's unit). A query reads only its own
  province-period's rows; `--as-of` is a range; import finds ids without reading the log.
- the **decisions**, per province and period and per *part*: one block for a plugin whose
  blocks are independent (`Province.blocks_independent`), else the whole period. Each part keeps
  the version of the events it was decided from and the fingerprint of what decided it (core
  schema, plugin version and source, rule set); a part whose version or fingerprint moved is
  decided again, the others are read back. So a new event costs one block, not a replay.

Correct with several writers: the index is brought up to date in write transactions that
re-read the tracked position, its rows are keyed by log position, and a decision part is a pure
function of its version and fingerprint (two processes writing one write the same thing).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.persistence import OperationalError

from thidua.events import about
from thidua.log import chain
from thidua.log.store import Store, Stored, decode_row
from thidua.log.verify import Tampered, check_link
from thidua.readmodels.parts import CHUNK, SCHEMA, Blocks, DecisionParts, blocks_seal

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WRITE_ATTEMPTS = 20
REBUILD = "`thidua verify` names every difference; `thidua rebuild` indexes the log again"
Progress = Callable[..., None]  # progress(done_now, still_to_do=None)

DDL = (
    """CREATE TABLE IF NOT EXISTS thidua_tracking (name TEXT PRIMARY KEY, position INTEGER NOT NULL,
       hash TEXT NOT NULL, schema INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS thidua_index (position INTEGER PRIMARY KEY, province TEXT NOT NULL,
       period TEXT NOT NULL, type TEXT NOT NULL, recorded_us INTEGER NOT NULL, eid TEXT,
       b TEXT, u TEXT, p TEXT, links TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS thidua_index_period ON thidua_index (province, period, position)",
    "CREATE INDEX IF NOT EXISTS thidua_index_eid ON thidua_index (eid) WHERE eid IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS thidua_index_recorded ON thidua_index (recorded_us)",
    """CREATE TABLE IF NOT EXISTS thidua_decisions (province TEXT NOT NULL, period TEXT NOT NULL,
       part TEXT NOT NULL, fingerprint TEXT NOT NULL, version TEXT NOT NULL, ord INTEGER NOT NULL,
       doc BLOB, result BLOB, seal TEXT NOT NULL, PRIMARY KEY (province, period, part))""",
    """CREATE TABLE IF NOT EXISTS thidua_blocks (province TEXT NOT NULL, period TEXT NOT NULL,
       position INTEGER NOT NULL, state BLOB NOT NULL, seal TEXT NOT NULL, PRIMARY KEY (province, period))""",
)
TABLES = ("thidua_tracking", "thidua_index", "thidua_decisions", "thidua_blocks")


def microseconds(moment: datetime) -> int:
    """Exact integer time for range queries (a float timestamp could be off by one µs)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


Scope = tuple  # (block, unit, person, links): what an event is about; all None = province-wide


def scope_of(event_type: str, record: dict[str, Any]) -> Scope:
    """The index columns of what an event is about (`thidua.events.about`): block, unit, person
    and the units it links (`U1 U2`); all empty for a province-wide event."""
    subject = about(event_type, record)
    if subject.province_wide:
        return None, None, None, ""
    return subject.block, subject.unit, subject.person, " ".join(sorted(subject.units))


class ReadModels(DecisionParts):
    """The index of one SQLite store, and (inherited) its decision parts."""

    @classmethod
    def of(cls, store: Store) -> ReadModels:
        """The read models of a store, opened (tables checked, created) once per process."""
        models = getattr(store, "_read_models", None)
        if models is None:
            models = store._read_models = cls(store)  # type: ignore[attr-defined]
        return models

    def __init__(self, store: Store):
        self.store = store
        self.datastore = store.recorder.datastore
        self.events_table = store.recorder.events_table_name
        self._write(self._create)

    def _create(self, c: Any) -> None:
        c.execute("SELECT schema FROM thidua_tracking WHERE name = 'index'")
        found = c.fetchone()
        if found and found[0] != SCHEMA:  # tables of another layout: start again from the log
            for table in TABLES:
                c.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in DDL:
            c.execute(statement)

    def _write(self, work: Callable[[Any], Any]) -> Any:
        """Run `work(cursor)` in one write transaction that takes the write lock *first*.

        In WAL mode a transaction that has read and then writes after another process committed
        fails at once ("database is locked", no waiting), so nothing is read before the lock;
        the rare failure that remains (creating the tables) is retried."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self.datastore.transaction(commit=True) as c:
                    c.execute(DDL[0])
                    c.execute("INSERT OR REPLACE INTO thidua_tracking VALUES ('writer', 0, '', 0)")
                    return work(c)
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))

    # -- the index -----------------------------------------------------------------------
    def catch_up(self, fresh: list[Stored] | None = None, progress: Progress | None = None) -> tuple[int, str]:
        """Index every event after the tracked position; return the head (position, hash).

        `fresh` are events this process just appended (no need to read them back)."""

        def page(c: Any) -> tuple[tuple[int, str], int]:
            nonlocal fresh
            tracked = self._tracked(c)
            if fresh and fresh[0].position == tracked[0] + 1:
                events, fresh = fresh, None
            else:
                c.execute(
                    f"SELECT rowid, topic, state FROM {self.events_table} WHERE rowid > ? ORDER BY rowid LIMIT 20000",
                    (tracked[0],),
                )
                events = [decode_row(row) for row in c.fetchall()]
            if not events:
                return tracked, 0
            previous = tracked[1]
            for expected, stored in enumerate(events, start=tracked[0] + 1):
                if stored.position != expected:  # every indexed event is checked against the chain once
                    raise Tampered(f"position {expected} is missing: an event was removed", expected)
                check_link(previous, stored)
                previous = stored.hash
            rows = list(self._rows(c, events))  # (looks retraction targets up with the same cursor)
            c.executemany("INSERT OR IGNORE INTO thidua_index VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            last = events[-1]
            c.execute(
                "INSERT OR REPLACE INTO thidua_tracking VALUES ('index', ?, ?, ?)", (last.position, last.hash, SCHEMA)
            )
            return (last.position, last.hash), len(events)

        while True:
            head, count = self._write(page)
            if not count:
                return head
            if progress:
                progress(count, self.store.head()[0] - head[0])

    def _tracked(self, c: Any) -> tuple[int, str]:
        """The indexed position. Everything is dropped if the schema changed; if the log under the
        index is not the one it was built from (rewritten, truncated or replaced), nothing is
        served from it (`thidua rebuild` indexes the log again)."""
        c.execute("SELECT position, hash, schema FROM thidua_tracking WHERE name = 'index'")
        found = c.fetchone()
        if found is None:
            return 0, chain.GENESIS
        position, digest, schema = found
        if schema != SCHEMA:
            for table in TABLES:
                c.execute(f"DELETE FROM {table}")
            return 0, chain.GENESIS
        c.execute(f"SELECT rowid, topic, state FROM {self.events_table} WHERE rowid = ?", (position,))
        row = c.fetchone()
        if position and row is None:
            c.execute(f"SELECT max(rowid) FROM {self.events_table}")
            raise Tampered(
                f"the read models were built from a log of {position} events; the log ends at position "
                f"{c.fetchone()[0] or 0}: events were removed from its end ({REBUILD})",
                position,
            )
        if position and decode_row(row).hash != digest:
            raise Tampered(
                f"the read models were built from a log whose hash here was {digest[:16]}…; it is now "
                f"{decode_row(row).hash[:16]}…: the log was rewritten or replaced under them ({REBUILD})",
                position,
            )
        return position, digest

    def _rows(self, c: Any, events: list[Stored]) -> Iterator[tuple]:
        batch: dict[Any, tuple[str, str]] = {}  # targets appended in this same batch
        for stored in events:
            record = stored.record
            key = (record["province"], record["period"])
            if stored.type == "event.retracted":
                scope = batch.get((key, record["target"])) or self._target_scope(c, key, record["target"])
            else:
                scope = scope_of(stored.type, record)
            batch[(key, stored.position)] = scope
            if record.get("id"):
                batch[(key, record["id"])] = scope
            yield (stored.position, *key, stored.type, microseconds(stored.recorded_at), record.get("id"), *scope)

    def _target_scope(self, c: Any, key: tuple[str, str], target: str | int) -> Scope:
        """A retraction is about what its target was about (province-wide if it is not found)."""
        column = "eid" if isinstance(target, str) else "position"
        c.execute(
            f"SELECT b, u, p, links FROM thidua_index WHERE {column} = ? AND province = ? AND period = ? "
            "ORDER BY position DESC LIMIT 1",
            (target, *key),
        )
        found = c.fetchone()
        return tuple(found) if found else (None, None, None, "")

    def rebuild(self, progress: Progress | None = None) -> tuple[int, str]:
        """Drop every read model and index the whole log again."""

        def drop(c: Any) -> None:
            for table in TABLES:
                c.execute(f"DELETE FROM {table}")

        self._write(drop)
        return self.catch_up(progress=progress)

    # -- reading through the index ---------------------------------------------------------
    def stamp(self, province: str, period: str) -> tuple[int, int]:
        """The last position and the number of events of a province-period."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT max(position), count(*) FROM thidua_index WHERE province = ? AND period = ?", (province, period)
            )
            last, count = c.fetchone()
            return last or 0, count

    def blocks(self, province: str, period: str) -> Blocks:
        """The province-period's blocks and what each rests on, brought up to date with the
        events indexed since it was last kept (a few rows, not the whole period)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT position, state, seal FROM thidua_blocks WHERE province = ? AND period = ?", (province, period)
            )
            found = c.fetchone()
            if found and found[2] != blocks_seal(
                province, period, found[0], found[1], self.anchors(c, [f"{found[0]}:"])
            ):
                raise Tampered(
                    "the kept blocks (which events each block's decision rests on) do not match their seal: "
                    f"the read models were edited ({REBUILD})",
                    where=f"the kept blocks of {province} {period}",
                )
            blocks = Blocks.from_json(found[1]) if found else Blocks()
            c.execute(
                "SELECT position, type, b, u, p, links FROM thidua_index WHERE province = ? AND period = ? AND position > ? "
                "ORDER BY position",
                (province, period, blocks.position),
            )
            rows = c.fetchall()
        if rows:
            blocks.add(rows)
            state = (province, period, blocks.position, blocks.to_json())

            def keep(c: Any) -> None:
                sealed = blocks_seal(*state, self.anchors(c, [f"{blocks.position}:"]))
                c.execute("INSERT OR REPLACE INTO thidua_blocks VALUES (?, ?, ?, ?, ?)", (*state, sealed))

            self._write(keep)
        return blocks

    def positions(self, province: str, period: str, keys: set[str]) -> list[int]:
        """The positions of a province-period's events about any of these keys (`b:K1`, `u:U1`,
        `p:P1`, `*` for province-wide ones); SQLite scans the period's index range."""
        about: dict[str, list[str]] = {"b": [], "u": [], "p": []}
        for key in keys - {"*"}:
            about[key[0]].append(key[2:])
        where = " OR ".join(
            [f"{column} IN ({','.join('?' * len(values))})" for column, values in about.items() if values]
            + (["(b IS NULL AND u IS NULL AND p IS NULL)"] if "*" in keys else [])
        )
        if not where:
            return []
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position FROM thidua_index WHERE province = ? AND period = ? AND ({where})",
                [province, period, *about["b"], *about["u"], *about["p"]],
            )
            return [row[0] for row in c.fetchall()]

    def periods(self) -> list[tuple[str, str]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT DISTINCT province, period FROM thidua_index ORDER BY province, period")
            return [tuple(row) for row in c.fetchall()]  # type: ignore[misc]

    def events(self, positions: Iterable[int]) -> Iterator[Stored]:
        """The stored events at these positions, in log order."""
        ordered = sorted(positions)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT rowid, topic, state FROM {self.events_table} WHERE rowid IN ({','.join('?' * len(chunk))}) "
                    "ORDER BY rowid",
                    chunk,
                )
                rows = c.fetchall()
            yield from map(decode_row, rows)

    def period_events(
        self, province: str, period: str, stop: int | None = None, moment: datetime | None = None
    ) -> Iterator[Stored]:
        """One province-period's events in log order, up to a position or a recording moment."""
        where, args = "i.province = ? AND i.period = ?", [province, period]
        if stop is not None:
            where, args = where + " AND i.position <= ?", args + [stop]
        if moment is not None:
            where, args = where + " AND i.recorded_us <= ?", args + [microseconds(moment)]
        cursor = 0
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT s.rowid, s.topic, s.state FROM thidua_index i JOIN {self.events_table} s ON s.rowid = i.position "
                    f"WHERE {where} AND i.position > ? ORDER BY i.position LIMIT 10000",
                    [*args, cursor],
                )
                rows = c.fetchall()
            yield from map(decode_row, rows)
            if len(rows) < 10000:
                return
            cursor = rows[-1][0]

    def last_before(self, stop: int | None = None, moment: datetime | None = None) -> tuple[int, str]:
        """The last event of any province at or before a position or moment, and its hash."""
        with self.datastore.transaction(commit=False) as c:
            if moment is not None:
                c.execute("SELECT max(position) FROM thidua_index WHERE recorded_us <= ?", (microseconds(moment),))
            else:
                c.execute(
                    "SELECT max(position) FROM thidua_index WHERE position <= ?", (stop if stop is not None else 2**62,)
                )
            position = c.fetchone()[0]
            if not position:
                return 0, chain.GENESIS
            c.execute(f"SELECT rowid, topic, state FROM {self.events_table} WHERE rowid = ?", (position,))
            return position, decode_row(c.fetchone()).hash

    def ids(self, wanted: Iterable[str]) -> dict[str, Stored]:
        """The stored events that carry these ids."""
        wanted = list(wanted)
        positions: list[int] = []
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            with self.datastore.transaction(commit=False) as c:
                c.execute(f"SELECT position FROM thidua_index WHERE eid IN ({','.join('?' * len(chunk))})", chunk)
                positions += [row[0] for row in c.fetchall()]
        return {stored.record["id"]: stored for stored in self.events(positions)}
