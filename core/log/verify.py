"""Recompute the hash chain over the whole log and name the first position that breaks it."""

from __future__ import annotations

from dataclasses import dataclass

from thidua.log import chain
from thidua.log.store import LEDGER_ID, Store


@dataclass(frozen=True)
class Breach:
    position: int
    reason: str


@dataclass(frozen=True)
class Verified:
    count: int
    head_hash: str


def verify_chain(store: Store, pinned: tuple[int, str] | None = None) -> Verified | Breach:
    """Recompute every link; with `pinned` (position, hash) from a signed checkpoint, also
    require that exact hash there, which a rewritten-and-re-hashed history cannot keep."""
    expected, previous = 1, chain.GENESIS
    for notification in store.raw():
        position = notification.id
        if position > expected:
            return Breach(
                expected,
                f"position {expected} is missing (the next stored position is {position}): an event was removed",
            )
        if position < expected:
            return Breach(position, "positions are out of order")
        if notification.originator_id != LEDGER_ID or notification.originator_version != position:
            return Breach(
                position, f"stored as ledger version {notification.originator_version}: an event was inserted or moved"
            )
        try:
            event = store.mapper.to_domain_event(notification)
            recomputed = chain.link(previous, position, event.TYPE, event.timestamp.isoformat(), event.record)
        except Exception as exc:  # a row rewritten by hand may not even decode
            return Breach(position, f"the stored event cannot be read ({type(exc).__name__}): it was altered")
        if recomputed != event.hash:
            return Breach(
                position,
                "the content does not match its hash: it was altered, or an event before it was removed, inserted or reordered",
            )
        if pinned and position == pinned[0] and event.hash != pinned[1]:
            return Breach(
                position,
                f"the hash here is {event.hash[:16]}…, the signed checkpoint says {pinned[1][:16]}…: "
                "history up to the checkpoint was rewritten (and re-hashed)",
            )
        previous = event.hash
        expected += 1
    if pinned and pinned[0] > expected - 1:
        return Breach(
            expected,
            f"the log ends at position {expected - 1}, before the signed checkpoint's position {pinned[0]}: "
            "events were removed from its end",
        )
    if pinned and pinned[0] == 0 and pinned[1] != chain.GENESIS:
        return Breach(0, "the checkpoint's empty-log hash is not the genesis hash")
    return Verified(expected - 1, previous)
