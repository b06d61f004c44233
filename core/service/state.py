"""What the requests of one service process share: its settings, the store behind a lock, who
may read and write, and `Failure`, an answer other than 200 (never a traceback).

Handlers are plain synchronous functions over the same code the command line runs (the document
functions of `thidua.cli`), so a document served is byte for byte the one `--format json` prints.
The framework runs them in its thread pool; one lock per process keeps the store's connection and
read models to one request at a time, and `uvicorn --workers N` gives N processes (the store's
optimistic append and the read models' keyed writes already take several writers).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from fastapi import Request

from thidua.cli.context import Context
from thidua.log.rows import StoreBusy
from thidua.service.auth import Keys, OpenStore, Refused, Verifier

# exit status of the command line -> HTTP status of the service
STATUS = {1: 422, 2: 400, 3: 409, 4: 503}
ENV_DB, ENV_PUBLIC, ENV_KEYS = "THIDUA_DB", "THIDUA_SERVE_PUBLIC", "THIDUA_SERVE_KEYS"


@dataclass
class Settings:
    db: str = "thidua.sqlite"
    public: bool = False  # standings pages and documents open to everyone (công khai)
    keys: Path | None = None  # a folder of ACTOR.pub files; None: an open store

    @classmethod
    def from_env(cls) -> Settings:
        """What `thidua serve` hands to each worker process."""
        keys = os.environ.get(ENV_KEYS)
        return cls(
            os.environ.get(ENV_DB, "thidua.sqlite"), os.environ.get(ENV_PUBLIC) == "1", Path(keys) if keys else None
        )

    def env(self) -> dict[str, str]:
        return {ENV_DB: self.db, ENV_PUBLIC: "1" if self.public else "0", ENV_KEYS: str(self.keys or "")}


class Failure(Exception):
    """An answer other than 200: HTTP status, the command line's exit status and its line."""

    def __init__(self, status: int, exit_code: int, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.exit_code, self.message, self.extra = status, exit_code, message, extra

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "exit_code": self.exit_code, **self.extra}


@dataclass
class Service:
    """What every request of one process shares: the store (through a command-line `Context`),
    the lock around it, and who may read and write."""

    settings: Settings
    keys: Keys = field(default_factory=OpenStore)

    def __post_init__(self) -> None:
        self.ctx = Context(self.settings.db)
        self.lock = threading.Lock()
        self.verifier = Verifier(self.keys)

    @property
    def mode(self) -> str:
        return "enforcing" if self.keys.enforcing else "open"

    @contextmanager
    def using(self):
        """The store for one request; the command line's errors become `Failure`s."""
        from thidua.log.verify import Tampered

        with self.lock:
            try:
                yield self.ctx
            except Tampered as exc:  # the log or a read model disagrees with the chain: exit 3, as the CLI
                raise Failure(409, 3, str(exc)) from None
            except click.ClickException as exc:
                exit_code = getattr(exc, "exit_code", 1)
                plain = type(exc) is click.ClickException  # a plugin's failure: the server's fault
                raise Failure(500 if plain else STATUS.get(exit_code, 400), exit_code, exc.format_message()) from None
            except StoreBusy as exc:  # the importer's own waiting (up to the store's wait) ran out
                raise Failure(503, 4, str(exc)) from None
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise Failure(503, 4, "the store stayed busy (other writers); nothing was written") from None
                raise

    def actor(self, request: Request, body: bytes, public: bool = False) -> str | None:
        """Who sent the request. An open store takes anyone; an enforcing one wants a signed
        request of a known actor, except for what `--public` opens to everyone."""
        if not self.keys.enforcing:
            return None
        try:
            who = self.verifier.actor(request.method, _target(request), body, request.headers)
        except Refused as exc:
            raise Failure(401, 1, f"not authenticated: {exc}") from None
        if who is None and not (public and self.settings.public):
            raise Failure(401, 1, "not authenticated: this store wants requests signed by an actor (--as, --key)")
        return who


def _target(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")
