"""What reading the log needs, without the event library: the stored event as the code sees
it (`Stored`, decoded straight from a row with orjson), the store's error kinds, and the SQL
thidua writes itself (`Sql`, `Cursor`) on either engine.

`thidua.log.store` (appends, verification, PostgreSQL: the library's recorders) and
`thidua.log.reader` (queries of a SQLite store: the standard library's sqlite3 alone) share it,
so a query answered from kept parts never imports `eventsourcing`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson

LEDGER_ID: UUID = uuid5(NAMESPACE_URL, "thidua:ledger")  # the one stream: its version is the position
SCHEMA_LOCK = 7_351_001  # advisory lock keys: creating the schema, writing read models
MODELS_LOCK = 7_351_002
PAGE = 1000
WAIT = 60.0  # seconds a writer waits for other writers before "store busy" (CONTRACT.md §3)


class StoreError(Exception):
    """The store cannot be opened or used (bad URL, missing driver); a usage problem."""


class AppendConflict(Exception):
    """Another writer appended first, or held the store past the wait: re-validate and retry."""


class StoreBusy(Exception):
    """Other writers kept the store for longer than the wait; nothing was written (exit 4)."""

    def __init__(self, wait: float):
        super().__init__(f"the store stayed busy (other writers) for {wait:g} s; nothing was written")


def safe_url(url: str) -> str:
    """A store URL fit for an error line: never the password."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


@dataclass(frozen=True, slots=True)
class Stored:
    """One stored event as the rest of the code sees it."""

    position: int
    type: str
    record: dict[str, Any]  # JSON-native stored form (decimals as text)
    recorded_at: datetime
    hash: str
    seal: dict[str, Any] | None = None  # the signed seal of the batch this event ends (enforcing stores)

    @property
    def recorded_iso(self) -> str:
        return self.recorded_at.isoformat()


def sqlite_path(url: str) -> str | None:
    """The file a --db value names, or None for PostgreSQL, ':memory:' and remote stores."""
    if url == ":memory:" or "://" in url:
        return None
    return url


def decode_row(row: tuple[int, str, bytes]) -> Stored:
    """A (position, topic, state) row of the recorder's table (position: the ledger's version), decoded with orjson (see `thidua.log.store._state`)."""
    position, topic, state = row
    data = orjson.loads(state)
    return Stored(
        position,
        topic[7:],
        data["record"],
        datetime.fromisoformat(data["timestamp"]["_data_"]),
        data["hash"],
        data.get("seal"),
    )


def read_only_file(url: str) -> bool:
    """A SQLite store this process may read but not write (the file, or its folder, where SQLite
    keeps its write-ahead log)."""
    path = sqlite_path(url)
    if path is None or not os.path.exists(path):
        return False
    folder = os.path.dirname(os.path.abspath(path))
    return not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))


def operational(exc: BaseException) -> bool:
    """An engine's operational error (a lock not had in time, among others): the standard
    library's sqlite3 one (`thidua.log.reader`), or the library's wrapping of either engine's."""
    if isinstance(exc, sqlite3.OperationalError):
        return True
    persistence = sys.modules.get("eventsourcing.persistence")  # loaded with any library recorder
    return persistence is not None and isinstance(exc, persistence.OperationalError)


def busy(exc: Exception) -> bool:
    """Another writer held the store past the wait: SQLite's busy timeout, PostgreSQL's lock timeout."""
    text = str(exc)
    return any(sign in text for sign in ("locked", "lock timeout", "due to lock", "deadlock detected"))


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

    def __init__(self, recorder: Any, postgres: bool | None = None):
        """`recorder`: the library's (`postgres` found from its kind) or `thidua.log.reader`'s."""
        if postgres is None:
            from eventsourcing.sqlite import SQLiteApplicationRecorder  # (loaded with the recorder)

            postgres = not isinstance(recorder, SQLiteApplicationRecorder)
        self.postgres = postgres
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


def read_events(sql: Sql, datastore: Any, start: int = 1, stop: int | None = None) -> Iterator[Stored]:
    """Stored events in global order, from position `start` to `stop` inclusive: pages of rows
    decoded with orjson, no event objects, no mapper. `datastore.transaction(commit=False)` gives
    a cursor (the library's datastores, or `thidua.log.reader`'s)."""
    statement = sql.select + "originator_version >= ? AND originator_version <= ? "
    statement += "ORDER BY originator_version LIMIT ?"
    cursor, last = start, stop if stop is not None else 2**62
    while True:
        with datastore.transaction(commit=False) as c:
            c = sql.cursor(c)
            c.execute(statement, (sql.ledger, cursor, last, PAGE * 10))
            rows = c.fetchall()
        yield from map(decode_row, rows)
        if len(rows) < PAGE * 10:
            return
        cursor = rows[-1][0] + 1
