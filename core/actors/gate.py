"""The gate of an enforcing store at import: who is writing, what they may write, and the seal.

An *open* store (never initialised) takes any line as before and refuses only `actor.*` events.
An *enforcing* store (its position 1 appoints the first administrator, `thidua init`) takes a
batch only from an actor in force whose private key matches its appointment; every line must be
permitted to that actor (thidua.actors.permissions), carries the actor in its record (covered by
the chain) and, if it has an `id`, takes it from the actor's own namespace `ACTOR/…`, so no actor
can take the ids another office is about to send. The batch is sealed with one signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from thidua.actors import keys, seal
from thidua.actors.mode import ENFORCING, mode_of
from thidua.actors.permissions import Refusal, refusal
from thidua.actors.roster import Appointment, Roster
from thidua.clock import now
from thidua.events import ACTOR_TYPES, EVENT_TYPES
from thidua.log.store import Store
from thidua.registry import Plugins
from thidua.replay.facts import Facts


@dataclass(frozen=True)
class Signer:
    """Who writes: an actor's name and its private key (`--as ACTOR --key KEYFILE`); or, through the
    service, an actor authenticated by its signed request with the `seal` it made of the entries the
    service prepared (the service never holds the key), or none yet (`seal` None: prepare only)."""

    actor: str
    key: Any = None
    seal: dict[str, Any] | None = None

    @classmethod
    def load(cls, actor: str, key_file: Path) -> Signer:
        return cls(actor, keys.load_private(key_file))


class SealMismatch(Exception):
    """The seal a remote writer made does not sign what would be appended now (the log moved)."""


def roster_of(store: Store, plugins: Plugins, stop: int) -> Roster:
    """The roster at log position `stop`: actor events are filed under period "*"."""
    if not stop:
        return Roster()
    if store.has_read_models:
        from thidua.readmodels.index import ReadModels

        models = ReadModels.of(store)
        models.catch_up()
        found = [e for p in ["*", *plugins.provinces] for e in models.period_events(p, "*", stop=stop)]
        return Roster.of(sorted(found, key=lambda e: e.position))
    return Roster.of(s for s in store.read(stop=stop) if s.type in ACTOR_TYPES)


def id_problem(actor: str, event_id: str | None) -> str | None:
    """Ids are namespaced per actor in an enforcing store: `ACTOR/…`."""
    if event_id is None or event_id.startswith(actor + "/"):
        return None
    owner = event_id.split("/", 1)[0] if "/" in event_id else None
    whose = f"it is in {owner}'s namespace" if owner else "it has no actor namespace"
    return f"id {event_id!r} is not actor {actor}'s to use: {whose}; in an enforcing store ids begin with '{actor}/'"


def actor_event_problem(event_type: str, record: dict[str, Any], roster: Roster, plugins: Plugins) -> Refusal | None:
    """What an appointment or revocation must say, whoever records it."""
    name = record["actor"]
    if record["period"] != "*":
        return Refusal("period", 'an appointment holds for every period: give "*"')
    if record["province"] != "*" and record["province"] not in plugins.provinces:
        return Refusal("province", f"unknown province {record['province']!r}")
    if event_type == "actor.revoked":
        if roster.in_force(name) is None:
            return Refusal("actor", f"actor {name} is not in force: nothing to revoke")
        return None
    if "/" in name:
        return Refusal("actor", "an actor's name may not contain '/': it opens the actor's id namespace")
    try:
        keys.raw_public_key(record["public_key"])
    except keys.BadKey as exc:
        return Refusal("public_key", str(exc))
    role, province = record["role"], record["province"]
    needs = {"block_head": "block", "unit": "unit"}.get(role)
    if needs and needs not in record:
        return Refusal(needs, f"a {role} is appointed for one {needs}: give {needs!r}")
    if needs and province == "*":
        return Refusal("province", f"a {role} acts in one province: name it")
    extra = {"block", "unit"} - {needs} & set(record)
    if extra:
        return Refusal(sorted(extra)[0], f"a {role} is not appointed for a {sorted(extra)[0]}")
    return None


class Gate:
    """One import's view of actors; `None` signer for an open store."""

    def __init__(self, store: Store, plugins: Plugins, signer: Signer | None):
        self.store, self.plugins, self.signer = store, plugins, signer
        self.mode = mode_of(store)
        self.roster = Roster()
        self.me: Appointment | None = None
        self.checked_at = now()

    @property
    def enforcing(self) -> bool:
        return self.mode == ENFORCING

    def stamp(self, event_type: str, record: dict[str, Any]) -> Refusal | None:
        """Before anything is read from the log: the signer goes into a record that names no actor (so
        re-importing a file, or one's own export, finds the stored twins and skips them)."""
        if not self.enforcing:
            if event_type in ACTOR_TYPES:
                return Refusal(
                    "type", f"{event_type}: this store is open (one operator); `thidua init` makes an enforcing store"
                )
            return None
        assert self.signer is not None
        if event_type not in ACTOR_TYPES:
            record.setdefault("actor", self.signer.actor)
        return None

    def begin(self, head: tuple[int, str]) -> Refusal | None:
        """Against the head about to be extended: the signer must be in force, with this key."""
        self.checked_at = now()
        if not self.enforcing:
            return None
        assert self.signer is not None
        self.roster = roster_of(self.store, self.plugins, head[0])
        name = self.signer.actor
        found = self.roster.actors.get(name)
        if found is None:
            return Refusal("--as", f"actor {name} is not appointed in this store")
        if found.revoked is not None:
            return Refusal("--as", f"actor {name} was revoked at position {found.revoked}: it records nothing more")
        if self.signer.key is not None and keys.public_of(self.signer.key) != found.key:
            return Refusal(
                "--key",
                f"the key given is {keys.fingerprint(keys.public_of(self.signer.key))}, not actor {name}'s "
                f"{keys.fingerprint(found.key)}",
            )
        self.me = found
        return None

    def check(self, event_type: str, record: dict[str, Any], facts: Facts | None) -> Refusal | None:
        if not self.enforcing or self.me is None:
            return None
        given = record.get("actor")
        if event_type not in ACTOR_TYPES and given != self.me.actor:
            return Refusal("actor", f"this line names actor {given!r}, but the batch is signed by {self.me.actor}")
        if problem := id_problem(self.me.actor, record.get("id")):
            return Refusal("id", problem)
        if event_type in ACTOR_TYPES:
            found = actor_event_problem(event_type, record, self.roster, self.plugins)
            if found:
                return found
        province = record["province"]
        permissions = self.plugins.province(province).permissions if province in self.plugins.provinces else None
        return refusal(self.me, event_type, record, facts, permissions, self.checked_at)

    def accepted(self, position: int, event_type: str, record: dict[str, Any]) -> None:
        if event_type in ACTOR_TYPES:
            self.roster.apply(position, event_type, record)

    def sealer(self):
        if not self.enforcing:
            return None
        assert self.signer is not None
        signer, me = self.signer, self.me
        if signer.key is not None:
            return lambda entries: seal.make(signer.actor, signer.key, entries)

        def given(entries: list[seal.Entry]) -> dict[str, Any]:
            made = signer.seal
            if not (
                seal.well_formed(made)
                and made is not None
                and made["signer"] == signer.actor
                and made["first"] == entries[0][0]
                and me is not None
                and keys.verifies(me.key, made["signature"], seal.message(signer.actor, entries))
            ):
                raise SealMismatch()
            return {"signer": made["signer"], "first": made["first"], "signature": made["signature"]}

        return given


def genesis(admin: str, name: str, public_key: bytes, at: datetime) -> tuple[str, dict[str, Any]]:
    """Position 1 of an enforcing store: the first administrator, unsigned (the trust anchor)."""
    from thidua.clock import local_iso

    fields = EVENT_TYPES["actor.appointed"].fields()
    record = {
        "province": "*",
        "period": "*",
        "at": local_iso(at),
        "actor": admin,
        "name": name,
        "role": "admin",
        "public_key": keys.encode_public(public_key),
    }
    return "actor.appointed", {k: fields[k].store(fields[k].parse(v)) for k, v in record.items()}


def public_key_of(store: Store, plugins: Plugins, actor: str) -> bytes | None:
    """The Ed25519 key (32 raw bytes) of an actor in force now, or None: the key lookup for a
    service that authenticates requests (reads open to appointed actors, writes signed by them)."""
    found = roster_of(store, plugins, store.head()[0]).in_force(actor)
    return found.key if found is not None else None


class RosterKeys:
    """The service's `Keys` lookup (thidua.service.auth) answered by the log's roster: the public key
    of an actor in force at the store's head, or None. Reads of an enforcing store are open to
    appointed actors; each write is then checked by the gate like a local import."""

    enforcing = True

    def __init__(self, store: Store, plugins: Plugins):
        self.store, self.plugins = store, plugins

    def who(self, actor: str) -> Any | None:
        from cryptography.hazmat.primitives.asymmetric import ed25519

        raw = public_key_of(self.store, self.plugins, actor)
        return ed25519.Ed25519PublicKey.from_public_bytes(raw) if raw else None


class StoreKeys:
    """The service's `Keys` for a store the service serves: enforcing exactly when the store is
    (its position 1 appoints an administrator), each actor's key from the roster at the head. It
    holds its own connection, under its own lock, beside the service's."""

    def __init__(self, db: str, plugins: Any):
        import threading

        self.db, self.plugins, self.lock = db, plugins, threading.Lock()
        self._store: Store | None = None

    def _open(self) -> Store | None:
        from thidua.log.store import sqlite_path

        if self._store is None:
            path = sqlite_path(self.db)
            if path is not None and not Path(path).exists():
                return None  # `serve` creates it with the first write: open until `thidua init`
            self._store = Store(self.db)
        return self._store

    @property
    def enforcing(self) -> bool:
        with self.lock:
            store = self._open()
            return store is not None and mode_of(store) == ENFORCING

    @enforcing.setter
    def enforcing(self, value: bool) -> None:
        raise AttributeError("a store is enforcing by its log (`thidua init`), not by a setting")

    def who(self, actor: str) -> Any | None:
        with self.lock:
            store = self._open()
            return RosterKeys(store, self.plugins()).who(actor) if store is not None else None
