"""The append-only log, on the eventsourcing library's application and recorders.

All events form one stream (the ledger) whose version *is* the global position, on every
engine: appending position N+1 is an optimistic write, so if another process appended first the
library's IntegrityError tells us, and the caller re-validates against the new head and tries
again. The chain stays linear and gap-free with concurrent writers on SQLite and PostgreSQL
alike, and no position ever comes from a database sequence. The ledger is never rebuilt as an
aggregate: only its head is read to append.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Protocol
from urllib.parse import quote, unquote, urlparse

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, OperationalError, StoredEvent, Transcoding
from eventsourcing.utils import Environment, register_topic

from thidua.clock import now
from thidua.events import EVENT_TYPES
from thidua.log import chain, signals
from thidua.log.engines import Sql
from thidua.log.rows import (  # what reading needs, without the library (`thidua.log.reader`)
    LEDGER_ID,
    PAGE,
    WAIT,
    AppendConflict,
    StoreBusy,
    Stored,
    StoreError,
    busy,
    decode_row,
    read_events,
    read_only_file,
    safe_url,
    sqlite_path,
)

__all__ = [
    "LEDGER_ID",
    "AppendConflict",
    "Appended",
    "Store",
    "StoreBusy",
    "StoreError",
    "Stored",
    "busy",
    "decode_row",
    "read_only_file",
    "safe_url",
    "sqlite_path",
]

CHUNK = 5000  # rows of an append made, inserted and indexed at a time
CONNECT_TIMEOUT = 5  # seconds: an unreachable PostgreSQL is one line, soon


class DateAsISO(Transcoding):
    """`datetime.date` is not built into the library's JSON transcoder."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def _state(recorded_iso: str, record: dict[str, Any], digest: str, seal: dict[str, Any] | None = None) -> bytes:
    """A stored event's state exactly as the library's JSON transcoder writes a LedgerEvent
    (no cipher, no compressor: both would be frozen at the first write). `verify` reads rows back
    through the library's own mapper, so a drift here would show at once. The last event of a
    batch in an enforcing store also carries the batch's `seal` (thidua.actors.seal)."""
    state = {"timestamp": {"_type_": "datetime_iso", "_data_": recorded_iso}, "record": record, "hash": digest}
    if seal is not None:
        state["seal"] = seal
    return orjson.dumps(state)


class Ledger(Application):
    name = "thidua"

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Only `--db` / THIDUA_DB choose the store. The library would also read the process's
        environment (THIDUA_SQLITE_DBNAME, PERSISTENCE_MODULE, …) over what `--db` said, so a
        stray variable could silently point every command at another store; it is left out."""
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


class Batch(Protocol):
    """What `Store.append` takes: sized, and iterable more than once (a list, an import's spool)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]: ...


@dataclass(frozen=True, slots=True)
class Appended:
    """What one append committed: how many events, the first position, and the last event."""

    count: int = 0
    first: int = 0
    last: Stored | None = None

    def __bool__(self) -> bool:
        return self.count > 0


class LedgerDomainEvent(DomainEvent):
    """A stored event as the library's mapper rebuilds it (`thidua.log.verify` compares both
    readings): one subclass per event type, under the type's pinned topic (`domain_events`)."""

    record: dict[str, Any]
    hash: str

    TYPE: ClassVar[str] = ""


_DOMAIN_EVENTS: dict[str, type[LedgerDomainEvent]] = {}


def domain_events() -> dict[str, type[LedgerDomainEvent]]:
    """The library's class for each event type (`thidua.events` keeps plain classes, so that a
    query needs no library), made and registered under its pinned topic once per process."""
    if not _DOMAIN_EVENTS:
        for event_type, spec in EVENT_TYPES.items():
            cls = type(spec.__name__, (LedgerDomainEvent,), {"TYPE": event_type, "__module__": __name__})
            register_topic(spec.TOPIC, cls)
            _DOMAIN_EVENTS[event_type] = cls
    return _DOMAIN_EVENTS


def store_env(url: str, wait: float = WAIT) -> dict[str, str]:
    """Map a --db value to the library's persistence settings."""
    if url == ":memory:":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    seconds = str(max(1, math.ceil(wait)))
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlparse(url)
        if not parts.path.strip("/"):
            raise StoreError(f"--db {safe_url(url)!r}: the PostgreSQL URL names no database")
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": "thidua.log.postgres:PostgresLedgerRecorder",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")),
            "POSTGRES_HOST": parts.hostname or "localhost",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or os.environ.get("PGUSER", "")),
            "POSTGRES_PASSWORD": unquote(parts.password or os.environ.get("PGPASSWORD", "")),
            "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "POSTGRES_LOCK_TIMEOUT": seconds,
            # A command holds one connection at a time; a pool of five per process would crowd the server.
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": "2",
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "600",
        }
        return env
    if "://" in url:
        raise StoreError(f"--db {safe_url(url)!r}: expected a SQLite file path or a postgresql:// URL")
    folder = os.path.dirname(os.path.abspath(url))
    if not os.path.isdir(folder):
        raise StoreError(f"--db {url!r}: folder {folder} does not exist")
    name = url
    if read_only_file(url):
        # A copy handed to an auditor (read-only file or folder): opened as unchangeable, so SQLite
        # takes no lock and writes no journal; queries replay the log and write nothing.
        name = f"file:{quote(os.path.abspath(url))}?mode=ro&immutable=1"
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "APPLICATION_RECORDER_TOPIC": "thidua.log.engines:SQLiteLedgerRecorder",
        "SQLITE_DBNAME": name,
        "SQLITE_LOCK_TIMEOUT": seconds,
    }


def _unreachable(env: dict[str, str], exc: Exception) -> str:
    """Why PostgreSQL cannot be reached, in one line (the pool only says it timed out)."""
    try:
        import psycopg

        psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=CONNECT_TIMEOUT,
        ).close()
    except Exception as probe:  # the driver's own reason: refused, unknown host, authentication
        exc = probe
    text = " ".join(str(exc).split())
    if env["POSTGRES_PASSWORD"]:
        text = text.replace(env["POSTGRES_PASSWORD"], "***")
    return text


class Store:
    """The log: append with the chain, read in global order, verify."""

    def __init__(self, url: str = "thidua.sqlite", wait: float = WAIT):
        self.url, self.wait = url, wait
        env = store_env(url, wait)
        if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
            try:
                import psycopg  # noqa: F401
            except ImportError:
                raise StoreError("PostgreSQL needs its driver: pip install 'thidua[postgres]'") from None
            # The pool retries in the background and logs each try; the one line below says it all.
            logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
        domain_events()  # the mapper resolves stored topics to them
        try:
            self.app = Ledger(env=env)
        except Exception as exc:  # the library raises several kinds for a store it cannot open
            reason = _unreachable(env, exc) if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres" else str(exc)
            raise StoreError(f"cannot open the store {safe_url(url)!r}: {reason}") from None
        self.recorder: Any = self.app.recorder  # the engine's own recorder (datastore, table name)
        self.mapper = self.app.mapper
        self.last_appended = Appended()  # what this process's last append committed
        self.after_commit: Callable[[], None] | None = None  # run at once, before any held signal
        self.read_only = read_only_file(url)
        # A read-only store has no read models to bring up to date: every query replays the log.
        self.sql = Sql(self.recorder) if url != ":memory:" and not self.read_only else None

    def close(self) -> None:
        self.app.close()

    def head(self) -> tuple[int, str]:
        """The last position and its hash (0 and the genesis hash for an empty log)."""
        last = self.recorder.select_events(LEDGER_ID, desc=True, limit=1)
        if not last:
            return 0, chain.GENESIS
        return last[0].originator_version, orjson.loads(last[0].state)["hash"]

    def append(
        self,
        items: Batch,
        expected_head: tuple[int, str],
        within: Callable[[Any, list[Stored]], None] | None = None,
        timeout: float | None = None,
        seal: Callable[[list[tuple[int, str, str]]], dict[str, Any]] | None = None,
    ) -> Appended:
        """Append (type, stored record) pairs after `expected_head`, in one transaction;
        `within(cursor, stored)` runs in that transaction (the read models) for each chunk of rows,
        waiting for other writers at most `timeout` seconds. `items` may be any sized collection
        that can be iterated more than once (a list, or an import's spool on disk): it is read a
        chunk at a time, so an append of any size holds one chunk in memory. `seal` (enforcing
        stores) signs the batch's (position, type, record digest) entries; its result is stored
        with the batch's last event.

        Raises AppendConflict if the head moved since the caller validated, or the wait ran out.
        """
        count = len(items)
        fresh: list[Stored] = []  # the chunk just inserted, for `within`
        last: list[Stored] = []  # the batch's last event, once made

        def build() -> Iterator[list[StoredEvent]]:
            # Called once the write lock is held: recording times then follow the log order, so
            # `--as-of` a moment is always a prefix of the log, however long a writer waited.
            # Rows are made a chunk at a time, each inserted (and indexed) before the next is made:
            # one transaction of any size holds one chunk of rows, not all of them.
            position, previous = expected_head
            recorded_at = now()  # one transaction, one moment
            iso = recorded_at.isoformat()
            signed = None
            if seal is not None and count:
                entries = [(position + n, t, chain.record_digest(r)) for n, (t, r) in enumerate(items, start=1)]
                signed = seal(entries)
                del entries
            final = expected_head[0] + count
            rest = iter(items)
            while chunk := list(itertools.islice(rest, CHUNK)):
                rows: list[StoredEvent] = []
                fresh.clear()
                for event_type, record in chunk:
                    position += 1
                    digest = chain.link_digest(previous, position, event_type, iso, chain.record_digest(record))
                    ended = signed if position == final else None
                    topic = EVENT_TYPES[event_type].TOPIC
                    rows.append(StoredEvent(LEDGER_ID, position, topic, _state(iso, record, digest, ended)))
                    fresh.append(Stored(position, event_type, record, recorded_at, digest, ended))
                    previous = digest
                last[:] = fresh[-1:]
                yield rows

        extra: dict[str, Any] = {}
        if self.sql is not None:
            extra["build"] = build
            extra["within"] = (lambda c: within(c, fresh)) if within else None
        if self.sql is not None and self.sql.postgres:
            extra["timeout"] = self.wait if timeout is None else timeout
        rows = [] if self.sql is not None else [row for chunk in build() for row in chunk]
        # The library's recorder, one transaction; the rows are what its mapper would write. Signals
        # wait until `last_appended` says what committed, so an interrupted command can tell.
        with signals.held():
            try:
                self.recorder.insert_events(rows, **extra)
            except IntegrityError:
                raise AppendConflict() from None
            except OperationalError as exc:
                if busy(exc):
                    raise AppendConflict() from None
                raise
            self.last_appended = Appended(count, expected_head[0] + 1, last[0]) if count else Appended()
            if self.after_commit is not None:
                self.after_commit()
        return self.last_appended

    def read(self, start: int = 1, stop: int | None = None) -> Iterator[Stored]:
        """Stored events in global order, from position `start` to `stop` inclusive."""
        if self.sql is None:
            for event in self.raw(start, stop):
                yield self._stored(event)
            return
        yield from read_events(self.sql, self.recorder.datastore, start, stop)

    @property
    def is_sqlite(self) -> bool:
        return self.sql is not None and not self.sql.postgres

    @property
    def has_read_models(self) -> bool:
        """Read models live beside the log, in the same database (see `thidua.readmodels.index`)."""
        return self.sql is not None

    def _stored(self, event: StoredEvent) -> Stored:
        """Decode a row with orjson, straight from its state: the library's mapper would build
        a domain event first and dominate the cost of a replay (see `_state`)."""
        return decode_row((event.originator_version, event.topic, event.state))

    def raw(self, start: int = 1, stop: int | None = None) -> Iterator[StoredEvent]:
        """The ledger's stored events as the library reads them (for verification)."""
        after = start - 1
        while True:
            page = self.recorder.select_events(LEDGER_ID, gt=after, lte=stop, limit=PAGE)
            yield from page
            if len(page) < PAGE:
                return
            after = page[-1].originator_version
