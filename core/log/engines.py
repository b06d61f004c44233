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

The SQL thidua writes itself (`Sql`, `Cursor`) lives in `thidua.log.rows`, which queries use
without the library.

Positions are the ledger's version (`originator_version`) on both engines: a notification id
comes from a sequence that a failed insert uses up, which would leave gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from thidua.log.rows import LEDGER_ID, MODELS_LOCK, SCHEMA_LOCK, Cursor, Sql

__all__ = ["LEDGER_ID", "MODELS_LOCK", "SCHEMA_LOCK", "Build", "Cursor", "SQLiteLedgerRecorder", "Sql", "Within"]

Within = Callable[[Any], None]  # runs inside the append's transaction, after the insert
Build = Callable[[], Iterable[Sequence[StoredEvent]]]  # makes the rows, a chunk at a time, once the write lock is held


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
