"""Signed requests: who sent a request to the service, and that nobody replays or alters it.

A client holding an actor's Ed25519 key (from `thidua keygen`) signs four lines — the method,
the path with its query, the SHA-256 of the body and the time — and sends them as headers:

    X-Thidua-Actor: block_head_1
    X-Thidua-Time: 2026-11-22T06:30:00Z
    X-Thidua-Signature: <base64 of the Ed25519 signature>

The service finds the actor's public key through a `Keys` lookup, checks the signature, refuses a
time more than `FRESH` away from its own clock, and refuses a signature it has already seen within
that window (a replayed request). Who the actors are is not decided here: `Keys.who` is the one
question asked, so the actor registry of the log (issue 17) plugs in as another `Keys`.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

FRESH = 300  # seconds a signed request stays valid either side of the server's clock
ACTOR, TIME, SIGNATURE = "X-Thidua-Actor", "X-Thidua-Time", "X-Thidua-Signature"


class Keys(Protocol):
    """Who may sign requests: the public key of an actor, or None for someone unknown."""

    enforcing: bool  # False: an open store, where unsigned requests are accepted (one operator)

    def who(self, actor: str) -> Any | None: ...


class OpenStore:
    """A store never initialised: no actors, every request accepted as before (CONTRACT.md §3)."""

    enforcing = False

    def who(self, actor: str) -> Any | None:
        return None


class KeyFolder:
    """Actors as files: `FOLDER/ACTOR.pub` holds the actor's Ed25519 public key (PEM).

    A stand-in until actors are appointed by events in the log; the service asks only `who`."""

    enforcing = True

    def __init__(self, folder: Path):
        self.folder = folder

    def who(self, actor: str) -> Any | None:
        if not actor or not all(c.isalnum() or c in "_-." for c in actor) or actor.startswith("."):
            return None
        path = self.folder / f"{actor}.pub"
        if not path.is_file():
            return None
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (ValueError, TypeError, OSError):
            return None
        return key if isinstance(key, ed25519.Ed25519PublicKey) else None


def message(method: str, target: str, body: bytes, moment: str) -> bytes:
    """What is signed: method, path with query, body digest and time, one per line."""
    return "\n".join((method.upper(), target, hashlib.sha256(body).hexdigest(), moment)).encode("utf-8")


def sign_headers(key_path: Path, actor: str, method: str, target: str, body: bytes) -> dict[str, str]:
    """The headers that make a request the actor's (client side)."""
    from thidua.audit.checkpoint import _load

    key = _load(key_path, private=True)
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = key.sign(message(method, target, body, moment))
    return {ACTOR: actor, TIME: moment, SIGNATURE: base64.b64encode(signature).decode()}


class Refused(Exception):
    """Not authenticated (401): the line says why."""


@dataclass
class Verifier:
    """Checks the signed headers of requests against `keys`; remembers recent signatures."""

    keys: Keys
    fresh: int = FRESH

    def __post_init__(self) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def actor(self, method: str, target: str, body: bytes, headers: Any) -> str | None:
        """The actor who signed the request, None for an unsigned one; raises Refused."""
        actor, moment, signature = headers.get(ACTOR), headers.get(TIME), headers.get(SIGNATURE)
        if not (actor or moment or signature):
            return None
        if not (actor and moment and signature):
            raise Refused(f"a signed request needs all of {ACTOR}, {TIME} and {SIGNATURE}")
        try:
            sent = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise Refused(f"{TIME}: expected UTC time as YYYY-MM-DDTHH:MM:SSZ, got {moment!r}") from None
        now = time.time()
        if abs(now - sent) > self.fresh:
            raise Refused(
                f"{TIME}: {moment} is more than {self.fresh} s from the server's clock; sign the request again"
            )
        key = self.keys.who(actor)
        if key is None:
            raise Refused(f"{ACTOR}: unknown actor {actor!r}")
        try:
            raw = base64.b64decode(signature, validate=True)
            from cryptography.exceptions import InvalidSignature

            key.verify(raw, message(method, target, body, moment))
        except (ValueError, InvalidSignature):
            raise Refused(f"{SIGNATURE}: does not verify with {actor}'s key for this request") from None
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - 2 * self.fresh:
                self._seen.popitem(last=False)
            if signature in self._seen:
                raise Refused("this signed request was already received: a replay is refused; sign it again")
            self._seen[signature] = now
        return actor
