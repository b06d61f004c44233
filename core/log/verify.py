"""Recompute the hash chain over the whole log and name the first position that breaks it; check
the rows a query replays against the chain (`check_links`).

A row is read two ways: by the library's mapper (what `eventsourcing` would rebuild) and by
`decode_row` (what replays, the index and `log` read). `verify` requires both to give the same
event and its topic to be the pinned `thidua:<type>` the hash covers, so an aliased topic or a
state the two readers see differently is an integrity failure here, never a crash elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from thidua.events import EVENT_TYPES
from thidua.log import chain
from thidua.log.rows import Stored, decode_row

if TYPE_CHECKING:
    from thidua.log.store import Store


@dataclass(frozen=True)
class Breach:
    position: int
    reason: str


@dataclass(frozen=True)
class Verified:
    count: int
    head_hash: str


class Tampered(Exception):
    """The log, or a read model kept beside it, disagrees with the hash chain: an integrity failure
    (exit 3). `where` names the first bad place: a log position, or a read model."""

    def __init__(self, reason: str, position: int | None = None, where: str | None = None):
        self.position, self.reason = position, reason
        self.where = where or (f"position {position}" if position is not None else "the store")
        super().__init__(f"integrity failure at {self.where}: {reason}")


ENVELOPE = ("province", "period")
ALTERED = (
    "the content does not match its hash: it was altered, or an event before it was removed, inserted or reordered"
)


def topic_problem(position: int, topic: str) -> str | None:
    """Why a stored topic is not the pinned topic of an event type, or None."""
    if topic.startswith("thidua:") and topic[7:] in EVENT_TYPES:
        return None
    return (
        f"the stored topic {topic[:60]!r} is not the pinned topic (thidua:<type>) of an event type: the row was altered"
    )


def verify_chain(store: Store, pinned: tuple[int, str] | None = None) -> Verified | Breach:
    """Recompute every link; with `pinned` (position, hash) from a signed checkpoint, also
    require that exact hash there, which a rewritten-and-re-hashed history cannot keep."""
    expected, previous = 1, chain.GENESIS
    for row in store.raw():
        position = row.originator_version  # the ledger's version is the position, on every engine
        if position > expected:
            return Breach(
                expected,
                f"position {expected} is missing (the next stored position is {position}): an event was removed",
            )
        if position < expected:
            return Breach(position, "positions are out of order")
        problem = topic_problem(position, row.topic)
        if problem:
            return Breach(position, problem)
        try:
            event: Any = store.mapper.to_domain_event(row)  # a LedgerEvent: TYPE, record, hash
            stored = decode_row((position, row.topic, row.state))
            recomputed = chain.link(previous, position, stored.type, stored.recorded_iso, stored.record)
        except Exception as exc:  # a row rewritten by hand may not even decode
            return Breach(position, f"the stored event cannot be read ({type(exc).__name__}): it was altered")
        if (event.TYPE, event.timestamp.isoformat(), event.record, event.hash) != (
            stored.type,
            stored.recorded_iso,
            stored.record,
            stored.hash,
        ):
            return Breach(position, "the library and the replay read this row differently: it was altered")
        if recomputed != stored.hash:
            return Breach(position, ALTERED)
        if pinned and position == pinned[0] and stored.hash != pinned[1]:
            return Breach(
                position,
                f"the hash here is {stored.hash[:16]}…, the signed checkpoint says {pinned[1][:16]}…: "
                "history up to the checkpoint was rewritten (and re-hashed)",
            )
        previous = stored.hash
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


def check_link(previous: str, stored: Stored) -> None:
    """One event against its stored predecessor's hash: its type known, its hash recomputed."""
    if stored.type not in EVENT_TYPES:
        raise Tampered(topic_problem(stored.position, "thidua:" + stored.type) or "", stored.position)
    if chain.link(previous, stored.position, stored.type, stored.recorded_iso, stored.record) != stored.hash:
        raise Tampered(ALTERED, stored.position)


def streamed(
    events: Iterable[Stored],
    wanted: Callable[[Stored], bool] | None = None,
    after: tuple[int, str] = (0, chain.GENESIS),
) -> Iterator[Stored]:
    """Events read in log order from the position `after` (position, hash), checked as they pass:
    no position missing, and every event (or only the `wanted` ones and the event after each)
    recomputed from its predecessor's stored hash. With `wanted=None` this is the chain check."""
    previous, expected, check_next = after[1], after[0] + 1, False
    for stored in events:
        if stored.position != expected:
            raise Tampered(f"position {expected} is missing: an event was removed", expected)
        record = stored.record
        malformed = not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in ENVELOPE)
        mine = not malformed and (wanted is None or wanted(stored))
        if mine or check_next or malformed or stored.type not in EVENT_TYPES:
            check_link(previous, stored)  # a row no replay could read is refused, never a crash
        check_next = mine
        previous, expected = stored.hash, expected + 1
        yield stored


def checked_read(store: Store, start: int = 1) -> Iterator[Stored]:
    """The log from `start` on, every event checked against its stored predecessor (`thidua log`)."""
    events = store.read(start=max(1, start - 1))
    after = (0, chain.GENESIS)
    if start > 1:
        first = next(events, None)
        if first is None:
            return
        if first.position != start - 1:
            raise Tampered(f"position {start - 1} is missing: an event was removed", start - 1)
        after = (first.position, first.hash)
    yield from streamed(events, after=after)


HashesAt = Callable[[list[int]], dict[int, Stored]]  # positions -> the stored events there (missing: absent)


def check_links(
    events: Iterable[Stored], rows_at: HashesAt, head: int, belongs: Callable[[Stored], bool] | None = None
) -> list[Stored]:
    """The events a query replays (in log order), each checked against the chain: recomputed from
    its content and its stored predecessor's hash, and each run's next event recomputed from the
    run's last hash (so re-hashing one edited event alone does not pass). `rows_at` reads the
    neighbours that are not among `events`; `head` is the last position they may reach. A
    neighbour that `belongs` among the events but was not given is one the index lost."""
    events = list(events)
    if not events:
        return events
    have = {stored.position: stored for stored in events}
    if len(have) != len(events) or any(a.position >= b.position for a, b in zip(events, events[1:], strict=False)):
        raise Tampered("the events read back are not in log order, or repeat: the read models were altered")
    before = [p - 1 for p in have if p > 1 and p - 1 not in have]
    after = [p + 1 for p in have if p < head and p + 1 not in have]
    neighbours = rows_at(sorted(set(before) | set(after))) if before or after else {}
    for position in before:
        if position not in neighbours:
            raise Tampered(f"position {position} is missing: an event was removed", position)
    for stored in events:
        p = stored.position
        previous = chain.GENESIS if p == 1 else (have.get(p - 1) or neighbours[p - 1]).hash
        check_link(previous, stored)
    for position in after:
        successor = neighbours.get(position)
        if successor is None:
            raise Tampered(f"position {position} is missing: an event was removed", position)
        check_link(have[position - 1].hash, successor)
    for position, neighbour in sorted(neighbours.items()):
        if belongs is not None and neighbour.type in EVENT_TYPES and belongs(neighbour):
            raise Tampered(
                "the index does not list this event where it belongs: the read models were altered", position
            )
    return events
