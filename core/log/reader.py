"""A SQLite store as a query reads it: the standard library's sqlite3 alone, no event library.

A query (`standings`, `explain`, `eligibility`) reads the log's rows, the index and the kept
decision parts, and writes only read models (the index catching up, parts decided again). None
of that needs the library's application, mapper or recorder, whose import is most of the
start-up of a query answered from kept parts. `Reader` answers every call a query makes of a
`thidua.log.store.Store` on such a store, with the same SQL on the same tables, in transactions
begun and ended as the library's SQLite datastore begins and ends them (its connection settings:
autocommit mode with explicit `BEGIN`, the lock timeout from `--wait`, write-ahead logging).

Appends, verification, PostgreSQL, ':memory:' and read-only copies stay on the library's
`Store`; `open_reader` says None for them (and for a file that is not a store yet).
"""

from __future__ import annotations

import math
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import orjson

from thidua.log import chain
from thidua.log.rows import WAIT, Sql, Stored, read_events, read_only_file, sqlite_path

EVENTS_TABLE = "stored_events"  # the library's SQLite recorder's table (`SQLiteApplicationRecorder`)


class Datastore:
    """One connection, and transactions on it as the library's `SQLiteDatastore` makes them.

    Its commits are not flushed to disk one by one (`synchronous=NORMAL`; the library's are):
    all it ever writes is read models, which the log re-derives. In write-ahead-log mode every
    transaction stays whole, so a power cut can only lose the last ones entirely, and what they
    held is made again: the index catches up from its tracked position, a part whose version or
    seal does not match is decided again. The next append's own flush (or the checkpoint when the
    last connection closes) makes them durable. Each commit saved is a disk flush, ~10 ms here.
    """

    def __init__(self, path: str, lock_timeout: int):
        self.connection = sqlite3.connect(
            path, uri=True, check_same_thread=False, isolation_level=None, timeout=lock_timeout
        )
        (mode,) = self.connection.execute("PRAGMA journal_mode").fetchone()
        if mode.lower() != "wal":
            (mode,) = self.connection.execute("PRAGMA journal_mode=WAL").fetchone()
        if mode.lower() == "wal":  # (with a rollback journal, NORMAL could cost more than the last commits)
            self.connection.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[sqlite3.Cursor]:
        cursor = self.connection.cursor()
        try:
            cursor.execute("BEGIN")
            try:
                yield cursor
            except BaseException:
                self.connection.rollback()
                raise
            if commit:
                self.connection.commit()
            else:
                self.connection.rollback()
        finally:
            cursor.close()

    def close(self) -> None:
        self.connection.close()


class Recorder:
    """What the read models use of the library's recorder: its datastore and its table."""

    def __init__(self, datastore: Datastore):
        self.datastore = datastore
        self.events_table_name = EVENTS_TABLE


class Reader:
    """A writable SQLite store's log and read models, for one query (see the module)."""

    read_only = False
    is_sqlite = True
    has_read_models = True

    def __init__(self, url: str, wait: float, datastore: Datastore):
        self.url, self.wait = url, wait
        self.recorder = Recorder(datastore)
        self.sql = Sql(self.recorder, postgres=False)

    def close(self) -> None:
        self.recorder.datastore.close()

    def head(self) -> tuple[int, str]:
        """The last position and its hash (0 and the genesis hash for an empty log)."""
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_version, state FROM {EVENTS_TABLE} WHERE originator_id = ? "
                "ORDER BY originator_version DESC LIMIT 1",
                (self.sql.ledger,),
            )
            last = c.fetchone()
        if last is None:
            return 0, chain.GENESIS
        return last[0], orjson.loads(last[1])["hash"]

    def read(self, start: int = 1, stop: int | None = None) -> Iterator[Stored]:
        """Stored events in global order, from position `start` to `stop` inclusive."""
        return read_events(self.sql, self.recorder.datastore, start, stop)


def open_reader(url: str, wait: float = WAIT) -> Reader | None:
    """A `Reader` for a --db value naming an existing, writable SQLite store, else None."""
    path = sqlite_path(url)
    if path is None or not os.path.isfile(path) or read_only_file(url):
        return None
    try:
        datastore = Datastore(path, max(1, math.ceil(wait)))
    except sqlite3.Error:
        return None  # the library's store says why, in its own words
    try:
        found = datastore.connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (EVENTS_TABLE,)
        ).fetchone()[0]
    except sqlite3.Error:
        found = 0
    if not found:
        datastore.close()
        return None
    return Reader(url, wait, datastore)
