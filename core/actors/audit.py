"""`thidua verify` for actors: every batch of an enforcing store carries a seal that verifies with
the key its signer held at the batch's first position, and every event in it was the signer's to
record (role, scope, id namespace), judged against the log as it stood then. This holds even
against someone who edits the database and re-hashes the chain: they hold no actor's key.

An open store must hold no seal and no `actor.*` event (a store made open by rewriting its first
event would otherwise skip these checks)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from thidua.actors import keys, seal
from thidua.actors.gate import actor_event_problem, id_problem
from thidua.actors.mode import ENFORCING, OPEN
from thidua.actors.permissions import refusal
from thidua.actors.roster import Roster
from thidua.events import ACTOR_TYPES
from thidua.log import chain
from thidua.log.rows import Stored
from thidua.registry import Plugins
from thidua.replay.facts import Fact, Facts

# An import checks "as sent" against the moment it validates; the row is stamped when it
# commits, up to a long validation later.
VALIDATION_SLACK = timedelta(hours=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ActorBreach:
    position: int
    reason: str


@dataclass
class ActorsVerified:
    mode: str
    batches: int = 0
    signers: set[str] = field(default_factory=set)
    anchor: str | None = None  # the first administrator and its key fingerprint
    anchor_key: bytes = b""


@dataclass(frozen=True)
class Link:
    """What a seal covers of one event: enough for offline bundles, where other provinces'
    events are digests only (`record` None)."""

    position: int
    type: str
    digest: str
    record: dict[str, Any] | None
    stored: Stored | None
    seal: dict[str, Any] | None


def links(events: Iterable[Stored]) -> Iterator[Link]:
    for stored in events:
        yield Link(stored.position, stored.type, chain.record_digest(stored.record), stored.record, stored, stored.seal)


def verify_actors(events: Iterable[Link], plugins: Plugins, scope: bool = True) -> ActorsVerified | ActorBreach:
    """Walk the log in order. `scope=False` checks signatures and the roster only (a bundle holds
    other provinces' events as digests: their permissions cannot be judged there)."""
    roster = Roster()
    periods: dict[tuple[str, str], Facts] = {}
    pending: list[Link] = []
    result: ActorsVerified | None = None
    for link in events:
        if result is None:
            if link.type == "actor.appointed" and link.record is not None and link.record.get("role") == "admin":
                result = ActorsVerified(ENFORCING)
                if link.seal is not None:
                    return ActorBreach(1, "the first administrator's appointment carries a seal: it is unsigned")
                roster.apply(1, link.type, link.record)
                appointed = roster.actors[link.record["actor"]]
                result.anchor = f"{appointed.actor} ({keys.fingerprint(appointed.key)})"
                result.anchor_key = appointed.key
                continue
            result = ActorsVerified(OPEN)
        if result.mode == OPEN:
            if link.seal is not None or link.type in ACTOR_TYPES:
                return ActorBreach(
                    link.position, "an open store holds a signed batch or an appointment: its first event was altered"
                )
            continue
        pending.append(link)
        if link.seal is None:
            continue
        breach = _batch(pending, roster, periods, plugins, scope)
        if breach is not None:
            return breach
        result.batches += 1
        result.signers.add(link.seal["signer"])
        pending = []
    if pending:
        return ActorBreach(
            pending[0].position, f"positions {pending[0].position}–{pending[-1].position} are signed by nobody"
        )
    return result or ActorsVerified(OPEN)


def _batch(
    batch: list[Link], roster: Roster, periods: dict[tuple[str, str], Facts], plugins: Plugins, scope: bool
) -> ActorBreach | None:
    stamp = batch[-1].seal
    first = batch[0].position
    if not seal.well_formed(stamp) or stamp is None:
        return ActorBreach(first, "the batch's seal is malformed")
    if stamp["first"] != first:
        return ActorBreach(
            first, f"the seal at position {batch[-1].position} says its batch starts at {stamp['first']}, not {first}"
        )
    signer = stamp["signer"]
    me = roster.actors.get(signer)
    if me is None:
        return ActorBreach(first, f"signed by {signer!r}, who was not appointed at position {first}")
    if me.revoked is not None:
        return ActorBreach(first, f"signed by {signer}, revoked at position {me.revoked}")
    entries = [(link.position, link.type, link.digest) for link in batch]
    if not keys.verifies(me.key, stamp["signature"], seal.message(signer, entries)):
        return ActorBreach(
            first,
            f"the signature of positions {first}–{batch[-1].position} does not verify with {signer}'s key "
            f"{keys.fingerprint(me.key)}: the events or the signature were altered",
        )
    for link in batch:
        if link.record is None:
            continue
        record = link.record
        if link.type not in ACTOR_TYPES and record.get("actor") != signer:
            return ActorBreach(link.position, f"names actor {record.get('actor')!r} but was signed by {signer}")
        if problem := id_problem(signer, record.get("id")):
            return ActorBreach(link.position, problem)
        if link.type in ACTOR_TYPES and (found := actor_event_problem(link.type, record, roster, plugins)):
            return ActorBreach(link.position, f"{found.key}: {found.reason}")
        facts = None
        if scope and link.type not in ACTOR_TYPES and link.stored is not None:
            key = (record["province"], record["period"])
            facts = periods.setdefault(key, Facts(*key))
        province = record["province"]
        if province not in plugins.provinces and province != "*":
            continue  # a province whose plugin is not installed here: its rights cannot be judged
        if link.type in ACTOR_TYPES or facts is not None:
            permissions = plugins.province(province).permissions if province in plugins.provinces else None
            recorded = link.stored.recorded_at - VALIDATION_SLACK if link.stored is not None else EPOCH
            if found := refusal(me, link.type, record, facts, permissions, recorded):
                return ActorBreach(link.position, f"outside the signer's rights: {found.key}: {found.reason}")
        if facts is not None and link.stored is not None:
            facts.add(Fact.from_stored(link.stored))
        if link.type in ACTOR_TYPES:
            roster.apply(link.position, link.type, record)
    return None
