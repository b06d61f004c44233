"""The library's recorders, with one addition each: a `within(cursor)` callback that runs inside
the append's own transaction, after the events are inserted (the library's `searchabletimestamps`
example writes its index the same way). The read models use it, so an index row and its tracked
position commit together with the event, or not at all.

PostgreSQL (`thidua.log.postgres`, loaded only for a postgresql:// store) differs from the library's recorder in three ways, each for a reason seen under load:
- the insert is one plain transaction (lock, insert, read models) instead of a pipeline, which
  can hang on large batches (psycopg issue #685);
- the table lock waits at most the caller's `timeout`, so a writer never waits forever;
- the schema is created under an advisory lock and only when missing, so many processes opening
  a new store at once do not fail with "tuple concurrently updated".

Positions are the ledger's version (`originator_version`) on both engines: a notification id
comes from a sequence that a failed insert uses up, which would leave gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

LEDGER_ID: UUID = uuid5(NAMESPACE_URL, "thidua:ledger")  # the one stream: its version is the position
Within = Callable[[Any], None]  # runs inside the append's transaction, after the insert
Build = Callable[[], Iterable[Sequence[StoredEvent]]]  # makes the rows, a chunk at a time, once the write lock is held
SCHEMA_LOCK = 7_351_001  # advisory lock keys: creating the schema, writing read models
MODELS_LOCK = 7_351_002


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    def _insert_events(
        self,
        c: Any,
        stored_events: Sequence[StoredEvent],
        *,
        build: Build | None = None,
        within: Within | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if build is None:
            ids = super()._insert_events(c, stored_events, **kwargs)
            if within is not None:
                within(c)
            return ids
        # Take the write lock first (a write that changes nothing), then make and insert the rows
        # chunk by chunk, each indexed (`within`) before the next is made.
        c.execute(f"UPDATE {self.events_table_name} SET topic = topic WHERE 0")
        for chunk in build():
            # The library's own statement, once per chunk (it executes it row by row, for
            # notification ids nobody here reads).
            c.executemany(
                self.insert_events_statement,
                [
                    (
                        s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                        s.originator_version,
                        s.topic,
                        s.state,
                    )
                    for s in chunk
                ],
            )
            if within is not None:
                within(c)
        return None


class Cursor:
    """A PostgreSQL cursor that speaks the SQLite dialect thidua's own tables are written in:
    `?` placeholders and rows as tuples."""

    def __init__(self, cursor: Any):
        from psycopg.rows import tuple_row

        self.cursor = cursor
        cursor.row_factory = tuple_row

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(statement.replace("?", "%s"), params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        statement = statement.replace("?", "%s")
        for row in rows:  # psycopg's executemany pipelines, which can hang on large batches (#685)
            self.cursor.execute(statement, row)

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self.cursor.fetchall()


class Sql:
    """What differs between the engines for the SQL thidua writes itself: the ledger's id as the
    column stores it, the cursor, and bulk inserts."""

    def __init__(self, recorder: Any):
        self.postgres = not isinstance(recorder, SQLiteApplicationRecorder)
        self.ledger: UUID | str = LEDGER_ID if self.postgres else LEDGER_ID.hex
        self.events = recorder.events_table_name
        # (position, topic, state) of the ledger's events; positions are versions, never row ids
        self.select = f"SELECT originator_version, topic, state FROM {self.events} WHERE originator_id = ? AND "

    def cursor(self, c: Any) -> Any:
        return Cursor(c) if self.postgres and not isinstance(c, Cursor) else c

    def insert_index(self, c: Any, rows: list[tuple]) -> None:
        """Index rows (position first) after the tracked position; one COPY on PostgreSQL."""
        if not rows:
            return
        if not self.postgres:
            marks = ", ".join("?" * len(rows[0]))
            c.executemany(f"INSERT INTO thidua_index VALUES ({marks}) ON CONFLICT DO NOTHING", rows)
            return
        c.execute("DELETE FROM thidua_index WHERE position >= ?", (rows[0][0],))  # (none: tracked moves with them)
        with c.cursor.copy("COPY thidua_index FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
