"""Read models: what queries read instead of replaying the whole log (SQLite and PostgreSQL).

Two kinds of tables live beside the library's, in the same database, each reflecting a tracked log
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

Correct with several writers: an append writes its index rows and the tracked position in its
own transaction (`thidua.log.engines`), so the index never claims an event that is not committed
and never misses one that is; a log written without them (an older store) is indexed in write
transactions that re-read the tracked position. Rows are keyed by log position, and a decision
part is a pure function of its version and fingerprint (two processes writing one write the same
thing). SQL is written once, in SQLite's dialect; `thidua.log.engines.Cursor` adapts it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from thidua.events import EVENT_TYPES, about
from thidua.log import chain
from thidua.log.rows import MODELS_LOCK, StoreBusy, Stored, busy, decode_row, operational
from thidua.log.verify import Tampered, check_link
from thidua.readmodels.parts import CHUNK, SCHEMA, Blocks, DecisionParts, blocks_seal

if TYPE_CHECKING:
    from thidua.log.store import Store

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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
    # Validating against a big period reads one type's events, of one unit (thidua.intake.lazyfacts).
    "CREATE INDEX IF NOT EXISTS thidua_index_type ON thidua_index (province, period, type, u)",
    # A block's own events (`positions`): the few rows about a block, a person or the whole province.
    "CREATE INDEX IF NOT EXISTS thidua_index_b ON thidua_index (province, period, b) WHERE b IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS thidua_index_p ON thidua_index (province, period, p) WHERE p IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS thidua_index_wide ON thidua_index (province, period) "
    "WHERE b IS NULL AND u IS NULL AND p IS NULL",
    "CREATE INDEX IF NOT EXISTS thidua_index_recorded ON thidua_index (recorded_us)",
    """CREATE TABLE IF NOT EXISTS thidua_decisions (province TEXT NOT NULL, period TEXT NOT NULL,
       part TEXT NOT NULL, fingerprint TEXT NOT NULL, version TEXT NOT NULL, ord INTEGER NOT NULL,
       doc BLOB, result BLOB, seal TEXT NOT NULL, PRIMARY KEY (province, period, part))""",
    """CREATE TABLE IF NOT EXISTS thidua_blocks (province TEXT NOT NULL, period TEXT NOT NULL,
       position INTEGER NOT NULL, state BLOB NOT NULL, seal TEXT NOT NULL, PRIMARY KEY (province, period))""",
)
TABLES = ("thidua_tracking", "thidua_index", "thidua_decisions", "thidua_blocks")
TRACK = (
    "INSERT INTO thidua_tracking VALUES ('index', ?, ?, ?) ON CONFLICT (name) DO UPDATE "
    "SET position = excluded.position, hash = excluded.hash, schema = excluded.schema"
)


def ddl(postgres: bool) -> list[str]:
    if not postgres:
        return list(DDL)
    return [s.replace("INTEGER", "BIGINT").replace("BLOB", "BYTEA") for s in DDL]


def microseconds(moment: datetime) -> int:
    """Exact integer time for range queries (a float timestamp could be off by one µs)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


SEEK_UNITS = 300  # units of a block up to which `positions` seeks rather than scans
TYPES = tuple(sorted(EVENT_TYPES))

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
        assert store.sql is not None, "read models need a SQLite or PostgreSQL store"
        self.store = store
        self.sql = store.sql
        self.datastore = store.recorder.datastore
        self.events_table = store.recorder.events_table_name
        if not self._ready():
            self._write(self._create)

    def _ready(self) -> bool:
        """Every table there, of this schema: read without locks, so a query never queues behind
        a long import just to learn that nothing needs creating."""
        with self._read() as c:
            if self.sql.postgres:
                c.execute("SELECT count(to_regclass(t)) FROM unnest(?::text[]) AS t", (list(TABLES),))
            else:
                c.execute(f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN {TABLES}")
            if c.fetchone()[0] != len(TABLES):
                return False
            c.execute("SELECT schema FROM thidua_tracking WHERE name = 'index'")
            found = c.fetchone()
        return found is None or found[0] == SCHEMA

    def _create(self, c: Any) -> None:
        found = None
        if self.sql.postgres:  # DDL on PostgreSQL takes locks: only when something is missing
            c.execute("SELECT to_regclass('thidua_tracking') IS NOT NULL, to_regclass('thidua_blocks') IS NOT NULL")
            tracking, complete = c.fetchone()
            if tracking:
                c.execute("SELECT schema FROM thidua_tracking WHERE name = 'index'")
                found = c.fetchone()
                if complete and (found is None or found[0] == SCHEMA):
                    return
        else:  # (the tracking table was made by `_lock`)
            c.execute("SELECT schema FROM thidua_tracking WHERE name = 'index'")
            found = c.fetchone()
        if found and found[0] != SCHEMA:  # tables of another layout: start again from the log
            for table in TABLES:
                c.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in ddl(self.sql.postgres):
            c.execute(statement)

    @contextmanager
    def _read(self) -> Iterator[Any]:
        """A read transaction that sees one snapshot throughout, as SQLite's do: on PostgreSQL each
        statement would otherwise see the appends committed meanwhile (a tracked position read
        before, index rows read after, would look like an altered index)."""
        with self.datastore.transaction(commit=False) as c:
            c = self.sql.cursor(c)
            if self.sql.postgres:
                c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield c

    def _lock(self, c: Any, timeout: float | None = None) -> None:
        """Take the read models' write lock *first*.

        SQLite: in WAL mode a transaction that has read and then writes after another process
        committed fails at once ("database is locked", no waiting), so nothing is read before
        the lock. PostgreSQL: an advisory lock, also taken by an append's own transaction."""
        if self.sql.postgres:
            if timeout is not None:
                c.execute(f"SET LOCAL lock_timeout = '{max(1, int(timeout * 1000))}ms'")
            c.execute("SELECT pg_advisory_xact_lock(?)", (MODELS_LOCK,))
        else:
            c.execute(DDL[0])
            c.execute("INSERT OR REPLACE INTO thidua_tracking VALUES ('writer', 0, '', 0)")

    def _write(self, work: Callable[[Any], Any]) -> Any:
        """Run `work(cursor)` in one write transaction that holds the write lock; other writers
        are waited for (with backoff) up to the store's wait, then StoreBusy."""
        deadline = time.monotonic() + self.store.wait
        attempt = 0
        while True:
            try:
                with self.datastore.transaction(commit=True) as c:
                    c = self.sql.cursor(c)
                    self._lock(c, max(0.001, deadline - time.monotonic()))
                    return work(c)
            except Exception as exc:
                if not (operational(exc) and busy(exc)):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusy(self.store.wait) from None
            attempt += 1
            time.sleep(min(0.5, 0.02 * attempt))

    def within_append(self, c: Any, events: list[Stored]) -> None:
        """Index events in their append's own transaction, if the index is current up to them
        (else a later `catch_up` reads them from the log)."""
        c = self.sql.cursor(c)
        if self.sql.postgres:
            c.execute("SELECT pg_advisory_xact_lock(?)", (MODELS_LOCK,))
        if events and self._tracked(c)[0] == events[0].position - 1:
            self._index(c, events)

    def _index(self, c: Any, events: list[Stored]) -> tuple[int, str]:
        rows = list(self._rows(c, events))  # (looks retraction targets up with the same cursor)
        self.sql.insert_index(c, rows)
        last = events[-1]
        c.execute(TRACK, (last.position, last.hash, SCHEMA))
        return last.position, last.hash

    # -- the index -----------------------------------------------------------------------
    def catch_up(self, fresh: list[Stored] | None = None, progress: Progress | None = None) -> tuple[int, str]:
        """Index every event after the tracked position; return the head (position, hash).

        `fresh` are events this process just appended (no need to read them back)."""
        if fresh is None:
            current = self._current()
            if current is not None:
                return current  # the usual case (appends index themselves): no write lock taken

        def page(c: Any) -> tuple[tuple[int, str], int]:
            nonlocal fresh
            tracked = self._tracked(c)
            if fresh and fresh[0].position == tracked[0] + 1:
                events, fresh = fresh, None
            else:
                c.execute(
                    self.sql.select + "originator_version > ? ORDER BY originator_version LIMIT 20000",
                    (self.sql.ledger, tracked[0]),
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
            return self._index(c, events), len(events)

        while True:
            head, count = self._write(page)
            if not count:
                return head
            if progress:
                progress(count, self.store.head()[0] - head[0])

    def _current(self) -> tuple[int, str] | None:
        """The tracked position and hash if the index covers the whole log, read without locks."""
        with self._read() as c:
            c.execute("SELECT position, hash, schema FROM thidua_tracking WHERE name = 'index'")
            found = c.fetchone()
            if found is None or found[2] != SCHEMA:
                return None
            c.execute(
                self.sql.select + "originator_version >= ? ORDER BY originator_version LIMIT 2",
                (self.sql.ledger, found[0]),
            )
            rows = c.fetchall()
        if len(rows) == 1 and rows[0][0] == found[0] and decode_row(rows[0]).hash == found[1]:
            return found[0], found[1]
        return None

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
        c.execute(self.sql.select + "originator_version = ?", (self.sql.ledger, position))
        row = c.fetchone()
        if position and row is None:
            c.execute(
                f"SELECT max(originator_version) FROM {self.events_table} WHERE originator_id = ?", (self.sql.ledger,)
            )
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
        with self._read() as c:
            c.execute(
                "SELECT max(position), count(*) FROM thidua_index WHERE province = ? AND period = ?", (province, period)
            )
            last, count = c.fetchone()
            return last or 0, count

    def blocks(self, province: str, period: str) -> Blocks:
        """The province-period's blocks and what each rests on, brought up to date with the
        events indexed since it was last kept (a few rows, not the whole period)."""
        with self._read() as c:
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
                c.execute(
                    "INSERT INTO thidua_blocks VALUES (?, ?, ?, ?, ?) ON CONFLICT (province, period) DO UPDATE SET "
                    "position = excluded.position, state = excluded.state, seal = excluded.seal "
                    "WHERE thidua_blocks.position < excluded.position",
                    (*state, sealed),
                )

            self._write(keep)
        return blocks

    def positions(self, province: str, period: str, keys: set[str]) -> list[int]:
        """The positions of a province-period's events about any of these keys (`b:K1`, `u:U1`,
        `p:P1`, `*` for province-wide ones). A block of a few hundred units is found by seeks (the
        index's (province, period, type, u) key for its units, the partial keys for blocks, persons
        and province-wide events), so it costs the same in a period of 1,000 blocks as of 10; a
        bigger one scans the period's index range once."""
        about: dict[str, list[str]] = {"b": [], "u": [], "p": []}
        for key in keys - {"*"}:
            about[key[0]].append(key[2:])
        if len(about["u"]) > SEEK_UNITS:
            return self._scan_positions(province, period, about, "*" in keys)
        head = "SELECT position FROM thidua_index WHERE province = ? AND period = ? AND "
        found: set[int] = set()
        with self._read() as c:
            if about["u"]:
                c.execute(
                    head + f"type IN ({','.join('?' * len(TYPES))}) AND u IN ({','.join('?' * len(about['u']))})",
                    [province, period, *TYPES, *about["u"]],
                )
                found.update(row[0] for row in c.fetchall())
            for column in ("b", "p"):
                if about[column]:
                    marks = ",".join("?" * len(about[column]))
                    c.execute(
                        head + f"{column} IS NOT NULL AND {column} IN ({marks})", [province, period, *about[column]]
                    )
                    found.update(row[0] for row in c.fetchall())
            if "*" in keys:
                c.execute(head + "b IS NULL AND u IS NULL AND p IS NULL", [province, period])
                found.update(row[0] for row in c.fetchall())
        return sorted(found)

    def _scan_positions(self, province: str, period: str, about: dict[str, list[str]], wide: bool) -> list[int]:
        where = " OR ".join(
            [f"{column} IN ({','.join('?' * len(values))})" for column, values in about.items() if values]
            + (["(b IS NULL AND u IS NULL AND p IS NULL)"] if wide else [])
        )
        if not where:
            return []
        with self._read() as c:
            c.execute(
                f"SELECT position FROM thidua_index WHERE province = ? AND period = ? AND ({where})",
                [province, period, *about["b"], *about["u"], *about["p"]],
            )
            return sorted(row[0] for row in c.fetchall())

    def count(self, province: str, period: str, stop: int | None = None) -> int:
        """How many events a province-period has (up to a position)."""
        with self._read() as c:
            c.execute(
                "SELECT count(*) FROM thidua_index WHERE province = ? AND period = ? AND position <= ?",
                [province, period, stop if stop is not None else 2**62],
            )
            return int(c.fetchone()[0])

    def periods(self) -> list[tuple[str, str]]:
        with self._read() as c:
            c.execute("SELECT DISTINCT province, period FROM thidua_index ORDER BY province, period")
            return [(row[0], row[1]) for row in c.fetchall()]

    def events(self, positions: Iterable[int]) -> Iterator[Stored]:
        """The stored events at these positions, in log order."""
        ordered = sorted(positions)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            with self._read() as c:
                c.execute(
                    self.sql.select
                    + f"originator_version IN ({','.join('?' * len(chunk))}) ORDER BY originator_version",
                    [self.sql.ledger, *chunk],
                )
                rows = c.fetchall()
            yield from map(decode_row, rows)

    def period_events(
        self, province: str, period: str, stop: int | None = None, moment: datetime | None = None
    ) -> Iterator[Stored]:
        """One province-period's events in log order, up to a position or a recording moment."""
        args: list[Any] = [province, period]
        where = "i.province = ? AND i.period = ?"
        if stop is not None:
            where, args = where + " AND i.position <= ?", args + [stop]
        if moment is not None:
            where, args = where + " AND i.recorded_us <= ?", args + [microseconds(moment)]
        cursor = 0
        while True:
            with self._read() as c:
                c.execute(
                    f"SELECT s.originator_version, s.topic, s.state FROM thidua_index i JOIN {self.events_table} s "
                    f"ON s.originator_id = ? AND s.originator_version = i.position "
                    f"WHERE {where} AND i.position > ? ORDER BY i.position LIMIT 10000",
                    [self.sql.ledger, *args, cursor],
                )
                rows = c.fetchall()
            yield from map(decode_row, rows)
            if len(rows) < 10000:
                return
            cursor = rows[-1][0]

    def last_before(self, stop: int | None = None, moment: datetime | None = None) -> tuple[int, str]:
        """The last event of any province at or before a position or moment, and its hash."""
        with self._read() as c:
            if moment is not None:
                c.execute("SELECT max(position) FROM thidua_index WHERE recorded_us <= ?", (microseconds(moment),))
            else:
                c.execute(
                    "SELECT max(position) FROM thidua_index WHERE position <= ?", (stop if stop is not None else 2**62,)
                )
            position = c.fetchone()[0]
            if not position:
                return 0, chain.GENESIS
            c.execute(self.sql.select + "originator_version = ?", (self.sql.ledger, position))
            return position, decode_row(c.fetchone()).hash

    def ids(self, wanted: Iterable[str]) -> dict[str, Stored]:
        """The stored events that carry these ids."""
        wanted = list(wanted)
        positions: list[int] = []
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            with self._read() as c:
                c.execute(f"SELECT position FROM thidua_index WHERE eid IN ({','.join('?' * len(chunk))})", chunk)
                positions += [row[0] for row in c.fetchall()]
        return {stored.record["id"]: stored for stored in self.events(positions)}
