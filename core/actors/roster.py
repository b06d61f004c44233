"""The roster: who holds which role and key at a log position, folded from `actor.appointed` and
`actor.revoked` events. Replaying a prefix of the log (`--as-of`) gives the roster of that moment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from thidua.actors.keys import BadKey, raw_public_key
from thidua.events import ACTOR_TYPES


@dataclass(frozen=True)
class Appointment:
    """One actor's role, scope and key, in force from log position `since` (until `revoked`)."""

    actor: str
    name: str
    role: str
    province: str  # a province key, or "*" for every province
    block: str | None
    unit: str | None
    key: bytes  # Ed25519, 32 raw bytes
    since: int
    revoked: int | None = None

    def describe(self) -> str:
        """`THAN_UYEN (unit, unit LDLD_THAN_UYEN of laichau)`: the actor, its role and scope."""
        where = "every province" if self.province == "*" else self.province
        scope = {
            "unit": f"unit {self.unit} of {where}",
            "block_head": f"block {self.block} of {where}",
        }.get(self.role, where)
        return f"{self.actor} ({self.role}, {scope})"

    def as_json(self) -> dict[str, Any]:
        from thidua.actors.keys import fingerprint

        return {
            "actor": self.actor,
            "name": self.name,
            "role": self.role,
            "province": self.province,
            "block": self.block,
            "unit": self.unit,
            "key": fingerprint(self.key),
            "since": self.since,
            "revoked": self.revoked,
        }


class Roster:
    """Every actor ever appointed, by name; the latest appointment of a name replaces the earlier one."""

    def __init__(self) -> None:
        self.actors: dict[str, Appointment] = {}

    def copy(self) -> Roster:
        other = Roster()
        other.actors = dict(self.actors)
        return other

    def apply(self, position: int, event_type: str, record: dict[str, Any]) -> None:
        if event_type == "actor.appointed":
            try:
                key = raw_public_key(record["public_key"])
            except BadKey:
                key = b""  # refused at input; a row edited by hand holds no key that could verify
            self.actors[record["actor"]] = Appointment(
                record["actor"],
                record["name"],
                record["role"],
                record["province"],
                record.get("block"),
                record.get("unit"),
                key,
                position,
            )
        elif event_type == "actor.revoked" and record["actor"] in self.actors:
            self.actors[record["actor"]] = replace(self.actors[record["actor"]], revoked=position)

    def in_force(self, actor: str) -> Appointment | None:
        found = self.actors.get(actor)
        return found if found is not None and found.revoked is None else None

    @classmethod
    def of(cls, events: Iterable[Any]) -> Roster:
        """From stored events (anything with position, type and record), in log order."""
        roster = cls()
        for stored in events:
            if stored.type in ACTOR_TYPES:
                roster.apply(stored.position, stored.type, stored.record)
        return roster
