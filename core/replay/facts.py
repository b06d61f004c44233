"""The facts of one province and period, folded from the log in order.

Core handles, once for every province: superseding (a later event of the same type for the
same subject replaces the earlier one; both stay visible) and retraction (`event.retracted`
makes its target stop counting; retracting a superseding event lets the earlier one count
again). Plugins read the result through small queries and never re-implement either.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from thidua.clock import parse_moment
from thidua.events import EVENT_TYPES, about, subject_key
from thidua.fields import Field
from thidua.log.rows import Stored


def _loaders(event_type: str) -> tuple[tuple[str, Any], ...]:
    """The fields of a type whose stored form differs from the live one (decimals, nested)."""
    return tuple(
        (name, field.load)
        for name, field in EVENT_TYPES[event_type].fields().items()
        if type(field).load is not Field.load
    )


LOADERS = {event_type: _loaders(event_type) for event_type in EVENT_TYPES}


def live_record(event_type: str, stored: dict[str, Any]) -> dict[str, Any]:
    """Stored (JSON-native) record -> live values (Decimal points)."""
    record = dict(stored)
    for name, load in LOADERS[event_type]:
        if name in record:
            record[name] = load(record[name])
    return record


class Fact:
    """One event as seen by a replay: its live record and whether it still counts.

    Slotted and lazy (`at` is parsed when first read): a replay makes one per event."""

    __slots__ = ("position", "type", "record", "recorded_at", "_at", "retracted_by", "superseded_by")

    def __init__(self, position: int, type: str, record: dict[str, Any], recorded_at: datetime | None = None):
        self.position, self.type, self.record, self.recorded_at = position, type, record, recorded_at
        self._at: datetime | None = None
        self.retracted_by: int | None = None
        self.superseded_by: int | None = None

    @property
    def at(self) -> datetime:
        if self._at is None:
            self._at = parse_moment(self.record["at"])
        return self._at

    def __repr__(self) -> str:
        return f"Fact(#{self.position} {self.type} {self.status})"

    def __getitem__(self, key: str) -> Any:
        return self.record[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.record.get(key, default)

    @property
    def counts(self) -> bool:
        return self.retracted_by is None and self.superseded_by is None

    @property
    def status(self) -> str:
        if self.retracted_by is not None:
            return f"retracted by #{self.retracted_by}"
        if self.superseded_by is not None:
            return f"superseded by #{self.superseded_by}"
        return "counts"

    @property
    def subject(self) -> str | None:
        return self.record.get("unit") or self.record.get("person") or self.record.get("block")

    @classmethod
    def from_stored(cls, stored: Stored) -> Fact:
        return cls(stored.position, stored.type, live_record(stored.type, stored.record), stored.recorded_at)


MEMBERSHIP = frozenset({"block.formed", "block.member_added", "block.member_removed"})
INDEXED = ("unit", "person", "block")  # `counting(type, unit=…)` etc. read an index, not every fact of the type


class Facts:
    """Everything recorded for one (province, period), queryable by type and subject."""

    def __init__(self, province: str, period: str):
        self.province, self.period = province, period
        self.by_position: dict[int, Fact] = {}
        self.ids: dict[str, int] = {}
        self._histories: dict[tuple, list[Fact]] = {}
        self._keys_by_type: dict[str, list[tuple]] = {}
        self._by_name: dict[tuple[str, str, Any], list[Fact]] = {}  # (type, "unit", "U1") -> facts in log order
        # block -> members now; a change recomputes only its own block, so forming N blocks stays linear
        self._membership: dict[str, list[str]] = {}
        self._stale_blocks: set[str] = set()
        self._unit_blocks: dict[str, set[str]] = {}  # unit -> the blocks that list it
        self._formed_at: dict[str, int] = {}  # block -> position of the formation that counts
        self.last_position = 0

    # -- folding -------------------------------------------------------------------------
    def add(self, fact: Fact) -> None:
        self.by_position[fact.position] = fact
        self.last_position = max(self.last_position, fact.position)
        if fact.get("id"):
            self.ids[fact["id"]] = fact.position
        if fact.type == "event.retracted":
            target = self.resolve(fact["target"])
            if target is not None and target.retracted_by is None:
                target.retracted_by = fact.position
                self._refresh(subject_key(target.type, target.record, target.position))
                if target.type in MEMBERSHIP:
                    self._stale_blocks.add(target["block"])
        if fact.type in MEMBERSHIP:
            self._stale_blocks.add(fact["block"])
        key, _ = self._place(fact)
        self._refresh(key)

    def _place(self, fact: Fact) -> tuple[tuple, list[tuple]]:
        """Put a fact last in its subject's history and in the lists by unit, person and block;
        return the history's key and the lists' keys."""
        names = []
        for name in INDEXED:
            value = fact.record.get(name)
            if value is not None and isinstance(value, str):
                self._by_name.setdefault((fact.type, name, value), []).append(fact)
                names.append((fact.type, name, value))
        key = subject_key(fact.type, fact.record, fact.position)
        if key not in self._histories:
            self._histories[key] = []
            self._keys_by_type.setdefault(fact.type, []).append(key)
        self._histories[key].append(fact)
        return key, names

    @classmethod
    def of(cls, events: Iterable[Stored], province: str, period: str) -> Facts:
        """The one way stored events (of one province-period, in log order) become facts."""
        facts = cls(province, period)
        for stored in events:
            facts.add(Fact.from_stored(stored))
        return facts

    def add_all(self, facts: Iterable[Fact]) -> Facts:
        for fact in facts:
            self.add(fact)
        return self

    def _refresh(self, key: tuple) -> None:
        living = [f for f in self._histories.get(key, []) if f.retracted_by is None]
        for fact in self._histories.get(key, []):
            fact.superseded_by = None
        for earlier, later in itertools.pairwise(living):
            earlier.superseded_by = later.position

    def resolve(self, target: str | int) -> Fact | None:
        """The fact an `event.retracted` target names: an id or a position."""
        position = self.ids.get(target) if isinstance(target, str) else target
        return self.by_position.get(position) if position is not None else None

    # -- queries -------------------------------------------------------------------------
    def current(self, event_type: str, **subject: Any) -> Fact | None:
        """The fact that counts for this subject, or None ("no value", never a silent 0)."""
        key = (event_type, *map(subject.get, EVENT_TYPES[event_type].SUBJECT or ()))
        for fact in reversed(self._histories.get(key, ())):
            if fact.retracted_by is None:
                return fact
        return None

    def history(self, event_type: str, **subject: Any) -> list[Fact]:
        """Every fact for this subject, superseded and retracted ones included."""
        spec = EVENT_TYPES[event_type].SUBJECT or ()
        return list(self._histories.get((event_type,) + tuple(subject.get(k) for k in spec), []))

    def counting(self, event_type: str, **where: Any) -> list[Fact]:
        """Every fact of a type that counts now, optionally filtered by record values."""
        for name in INDEXED:
            if name in where and isinstance(where[name], str):
                return [
                    f
                    for f in self._by_name.get((event_type, name, where[name]), ())
                    if f.counts and all(f.get(k) == v for k, v in where.items())
                ]
        out = []
        for key in self._keys_by_type.get(event_type, []):
            for fact in self._histories[key]:
                if fact.counts and all(fact.get(k) == v for k, v in where.items()):
                    out.append(fact)
        out.sort(key=lambda f: f.position)
        return out

    def everything(self, event_type: str, **where: Any) -> list[Fact]:
        """Every fact of a type, counted or not, in log order."""
        for name in INDEXED:
            if name in where and isinstance(where[name], str):
                return [
                    f
                    for f in self._by_name.get((event_type, name, where[name]), ())
                    if all(f.get(k) == v for k, v in where.items())
                ]
        out = [
            f
            for key in self._keys_by_type.get(event_type, [])
            for f in self._histories[key]
            if all(f.get(k) == v for k, v in where.items())
        ]
        out.sort(key=lambda f: f.position)
        return out

    # -- the register --------------------------------------------------------------------
    def unit(self, unit: str) -> Fact | None:
        return self.current("unit.registered", unit=unit)

    def person(self, person: str) -> Fact | None:
        return self.current("person.registered", person=person)

    def block(self, block: str) -> Fact | None:
        return self.current("block.formed", block=block)

    def blocks(self) -> list[Fact]:
        return self.counting("block.formed")

    def members(self, block: str) -> list[str]:
        """The block's members now: as formed, then every later add and remove in order."""
        self._settle()
        return list(self._membership.get(block, ()))

    def _settle(self) -> None:
        """Recompute the blocks whose formation or membership changed since the last query."""
        for name in self._stale_blocks:
            for unit in self._membership.pop(name, ()):
                self._unit_blocks[unit].discard(name)
            self._formed_at.pop(name, None)
            if (formed := self.block(name)) is None:
                continue
            self._formed_at[name] = formed.position
            self._membership[name] = members = self._members(name)
            for unit in members:
                self._unit_blocks.setdefault(unit, set()).add(name)
        self._stale_blocks.clear()

    def _members(self, block: str) -> list[str]:
        formed = self.block(block)
        if formed is None:
            return []
        members = list(formed["members"])
        changes = [
            f
            for f in self.counting("block.member_added", block=block)
            + self.counting("block.member_removed", block=block)
            if f.position > formed.position
        ]
        for change in sorted(changes, key=lambda f: f.position):
            if change.type == "block.member_added" and change["unit"] not in members:
                members.append(change["unit"])
            elif change.type == "block.member_removed" and change["unit"] in members:
                members.remove(change["unit"])
        return members

    def block_of(self, unit: str) -> str | None:
        """The block listing this unit; if several do, the one formed first (in log order)."""
        self._settle()
        names = self._unit_blocks.get(unit)
        if not names:
            return None
        return min(names, key=self._formed_at.__getitem__)

    def sheet(self, block: str) -> Fact | None:
        """The block's own sheet, else the sheet for every block ("*")."""
        return self.current("sheet.defined", block=block) or self.current("sheet.defined", block="*")

    def concerning(self, unit: str | None = None, person: str | None = None) -> list[Fact]:
        """Every fact that names this unit or person (for `explain`)."""
        out = []
        for fact in self.by_position.values():
            subject = about(fact.type, fact.record)
            if (unit and unit in subject.units) or (person and person in subject.persons):
                out.append(fact)
        return sorted(out, key=lambda f: f.position)
