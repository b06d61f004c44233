"""The append-only log, on the eventsourcing library's application, recorder and notification log.

All events form one stream (the ledger) whose version *is* the global position. Appending
position N+1 is an optimistic write: if another process appended first, the library's
IntegrityError tells us, and the caller re-validates against the new head and tries again.
So the chain stays linear and gap-free with concurrent writers on SQLite and PostgreSQL
alike. The ledger is never rebuilt as an aggregate: only its head is read to append.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote, urlparse
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, StoredEvent, Transcoding
from eventsourcing.sqlite import SQLiteApplicationRecorder

from thidua.clock import now
from thidua.events import EVENT_TYPES
from thidua.log import chain, signals

LEDGER_ID: UUID = uuid5(NAMESPACE_URL, "thidua:ledger")
PAGE = 1000


class StoreError(Exception):
    """The store cannot be opened or used (bad URL, missing driver); a usage problem."""


class AppendConflict(Exception):
    """Another writer appended first; re-validate against the new head and retry."""


class DateAsISO(Transcoding):
    """`datetime.date` is not built into the library's JSON transcoder."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def _state(recorded_iso: str, record: dict[str, Any], digest: str) -> bytes:
    """A stored event's state exactly as the library's JSON transcoder writes a LedgerEvent
    (no cipher, no compressor: both would be frozen at the first write). `verify` reads rows back
    through the library's own mapper, so a drift here would show at once."""
    return orjson.dumps(
        {"timestamp": {"_type_": "datetime_iso", "_data_": recorded_iso}, "record": record, "hash": digest}
    )


class Ledger(Application):
    name = "thidua"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


@dataclass(frozen=True, slots=True)
class Stored:
    """One stored event as the rest of the code sees it."""

    position: int
    type: str
    record: dict[str, Any]  # JSON-native stored form (decimals as text)
    recorded_at: datetime
    hash: str

    @property
    def recorded_iso(self) -> str:
        return self.recorded_at.isoformat()


def store_env(url: str) -> dict[str, str]:
    """Map a --db value to the library's persistence settings."""
    if url == ":memory:":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlparse(url)
        if not parts.path.strip("/"):
            raise StoreError(f"--db {url!r}: the PostgreSQL URL names no database")
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")),
            "POSTGRES_HOST": parts.hostname or "localhost",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or ""),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
        }
        return env
    if "://" in url:
        raise StoreError(f"--db {url!r}: expected a SQLite file path or a postgresql:// URL")
    folder = os.path.dirname(os.path.abspath(url))
    if not os.path.isdir(folder):
        raise StoreError(f"--db {url!r}: folder {folder} does not exist")
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": url, "SQLITE_LOCK_TIMEOUT": "30"}


def sqlite_path(url: str) -> str | None:
    """The file a --db value names, or None for PostgreSQL, ':memory:' and remote stores."""
    if url == ":memory:" or "://" in url:
        return None
    return url


def decode_row(row: tuple[int, str, bytes]) -> Stored:
    """A (rowid, topic, state) row of the recorder's table, decoded with orjson (see `_state`)."""
    position, topic, state = row
    data = orjson.loads(state)
    return Stored(
        position, topic[7:], data["record"], datetime.fromisoformat(data["timestamp"]["_data_"]), data["hash"]
    )


class Store:
    """The log: append with the chain, read in global order, verify."""

    def __init__(self, url: str = "thidua.sqlite"):
        self.url = url
        env = store_env(url)
        if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
            try:
                import psycopg  # noqa: F401
            except ImportError:
                raise StoreError("PostgreSQL needs its driver: pip install 'thidua[postgres]'") from None
        try:
            self.app = Ledger(env=env)
        except Exception as exc:  # the library raises several kinds for a store it cannot open
            raise StoreError(f"cannot open the store {url!r}: {exc}") from None
        self.recorder = self.app.recorder
        self.mapper = self.app.mapper
        self.last_appended: list[Stored] = []  # what this process's last append committed
        self.after_commit: Callable[[], None] | None = None  # run at once, before any held signal

    def close(self) -> None:
        self.app.close()

    def head(self) -> tuple[int, str]:
        """The last position and its hash (0 and the genesis hash for an empty log)."""
        last = self.recorder.select_events(LEDGER_ID, desc=True, limit=1)
        if not last:
            return 0, chain.GENESIS
        return last[0].originator_version, orjson.loads(last[0].state)["hash"]

    def append(self, items: Sequence[tuple[str, dict[str, Any]]], expected_head: tuple[int, str]) -> list[Stored]:
        """Append (type, stored record) pairs after `expected_head`, in one transaction.

        Raises AppendConflict if the head moved since the caller validated.
        """
        position, previous = expected_head
        rows: list[StoredEvent] = []
        stored: list[Stored] = []
        for event_type, record in items:
            position += 1
            recorded_at = now()
            iso = recorded_at.isoformat()
            digest = chain.link(previous, position, event_type, iso, record)
            rows.append(StoredEvent(LEDGER_ID, position, EVENT_TYPES[event_type].TOPIC, _state(iso, record, digest)))
            stored.append(Stored(position, event_type, record, recorded_at, digest))
            previous = digest
        # The library's recorder, one transaction; the rows are what its mapper would write. Signals
        # wait until `last_appended` says what committed, so an interrupted command can tell.
        with signals.held():
            try:
                self.recorder.insert_events(rows)
            except IntegrityError:
                raise AppendConflict() from None
            self.last_appended = stored
            if self.after_commit is not None:
                self.after_commit()
        return stored

    def read(self, start: int = 1, stop: int | None = None) -> Iterator[Stored]:
        """Stored events in global order, from position `start` to `stop` inclusive."""
        if isinstance(self.recorder, SQLiteApplicationRecorder):
            yield from self._read_sqlite(start, stop)
            return
        cursor = start
        while True:
            page = self.recorder.select_notifications(cursor, PAGE, stop=stop)
            if not page:
                return
            for notification in page:
                yield self._stored(notification)
            if len(page) < PAGE:
                return
            cursor = page[-1].id + 1

    def _read_sqlite(self, start: int, stop: int | None) -> Iterator[Stored]:
        """The fast path on SQLite: the recorder's own table and connection, pages of rows
        decoded with orjson; no notification objects, no mapper."""
        table = self.recorder.events_table_name
        statement = f"SELECT rowid, topic, state FROM {table} WHERE rowid >= ? AND rowid <= ? ORDER BY rowid LIMIT ?"
        cursor, last = start, stop if stop is not None else 2**62
        while True:
            with self.recorder.datastore.transaction(commit=False) as c:
                c.execute(statement, (cursor, last, PAGE * 10))
                rows = c.fetchall()
            yield from map(decode_row, rows)
            if len(rows) < PAGE * 10:
                return
            cursor = rows[-1][0] + 1

    @property
    def is_sqlite(self) -> bool:
        """Read models live beside the log in the same SQLite file (see `thidua.readmodels.index`)."""
        return isinstance(self.recorder, SQLiteApplicationRecorder) and self.url != ":memory:"

    def _stored(self, notification: Any) -> Stored:
        """Decode a row with orjson, straight from its state: the library's mapper would build
        a domain event first and dominate the cost of a replay (see `_state`)."""
        state = orjson.loads(notification.state)
        return Stored(
            notification.id,
            notification.topic[7:],
            state["record"],
            datetime.fromisoformat(state["timestamp"]["_data_"]),
            state["hash"],
        )

    def raw(self, start: int = 1) -> Iterator[Any]:
        """The library's notifications as stored (for verification)."""
        cursor = start
        while True:
            page = self.recorder.select_notifications(cursor, PAGE)
            if not page:
                return
            yield from page
            if len(page) < PAGE:
                return
            cursor = page[-1].id + 1
