"""The facts of a big stored province-period, read from the index as validation asks for them.

Appending one line to a period of 200,000 events must not fold all of them: validating a score
asks for the unit's registration, its block, the sheet and the unit's own earlier scores, a few
dozen events. `LazyFacts` answers every query of `Facts` exactly as a full fold would, loading
what the query can see first:
- the structure of the period (formations and membership, sheets, settings, retractions) at once;
- for a query naming a unit, person or block (`current("score.self", unit="U1", …)`,
  `counting(…, unit="U1")`), the events of that type naming it (and the type's province-wide
  ones); for any other query, every event of the type; for a retraction, its target's events.
Loaded events are put in log order, and superseding is worked out again for their subjects, so a
subject's history is the same list a full fold makes. A query the index cannot narrow (a plugin
asking for every score of the period) still gets the whole type: slower, never different.
"""

from __future__ import annotations

from typing import Any

from thidua.events import EVENT_TYPES
from thidua.readmodels.index import ReadModels
from thidua.replay.facts import INDEXED, MEMBERSHIP, Fact, Facts

# Loaded whole, in log order, when the facts are made: small, and read by almost every check.
STRUCTURE = frozenset({*MEMBERSHIP, "event.retracted", "sheet.defined", "setting.changed"})
COLUMN = {"unit": "u", "person": "p", "block": "b"}


def _narrowable(event_type: str, name: str) -> bool:
    """The index's column for `name` holds the record's own value for this type (`events.about`)."""
    cls = EVENT_TYPES[event_type]
    return not cls.PROVINCE_WIDE and (name in cls.REFERS or name in (cls.SUBJECT or ()))


class LazyFacts(Facts):
    def __init__(self, province: str, period: str, models: ReadModels, stop: int):
        super().__init__(province, period)
        self._models, self._stop = models, stop
        self._whole: set[str] = set()
        self._named: set[tuple[str, str, str]] = set()
        self._adding: int | None = None  # position of the fact being added (a retraction resolves before it)
        self._whole.update(STRUCTURE)  # (before the fold: a retraction's target among them is already there)
        for stored in self._models.events(self._positions(sorted(STRUCTURE))):
            self.add(Fact.from_stored(stored))

    # -- reading from the index ----------------------------------------------------------
    def _positions(self, types: list[str], name: str | None = None, value: str | None = None) -> list[int]:
        """Positions of these types' events (naming `value` as `name`, and the province-wide ones)."""
        # (`+position`: SQLite, without statistics, would otherwise walk the period's position index)
        head = "SELECT position FROM thidua_index WHERE province = ? AND period = ? AND +position <= ? AND "
        args: list[Any] = [self.province, self.period, self._stop, *types]
        of_types = f"type IN ({','.join('?' * len(types))})"
        with self._models._read() as c:
            if name is None:
                c.execute(head + of_types, args)
                return [row[0] for row in c.fetchall()]
            # Two seeks of the (province, period, type, u) index rather than one scan of the type.
            c.execute(head + of_types + f" AND {COLUMN[name]} = ?", [*args, value])
            found = [row[0] for row in c.fetchall()]
            c.execute(head + of_types + " AND u IS NULL AND b IS NULL AND p IS NULL", args)
            return found + [row[0] for row in c.fetchall()]

    def _load(self, positions: list[int], name: str | None = None, value: str | None = None) -> None:
        fresh = [
            Fact.from_stored(stored)
            for stored in self._models.events(p for p in positions if p not in self.by_position)
            if name is None or stored.record.get(name) == value
        ]
        if fresh:
            self._insert(fresh)

    def _insert(self, fresh: list[Fact]) -> None:
        """Facts older than some already held: each goes to its place in log order. (No retraction
        is among them, and none targets them unresolved: a retraction loads its target's events.)"""
        touched_names: set[tuple] = set()
        touched_keys: set[tuple] = set()
        for fact in fresh:
            self.by_position[fact.position] = fact
            if fact.get("id"):
                self.ids[fact["id"]] = fact.position
            key, names = self._place(fact)
            touched_keys.add(key)
            touched_names.update(names)
        for named in touched_names:
            self._by_name[named].sort(key=lambda f: f.position)
        for key in touched_keys:
            self._histories[key].sort(key=lambda f: f.position)
            self._refresh(key)

    def _ensure(self, event_type: str, given: dict[str, Any], order: tuple[str, ...]) -> None:
        if event_type in self._whole:
            return
        for name in order:
            value = given.get(name)
            if isinstance(value, str) and _narrowable(event_type, name):
                if (event_type, name, value) not in self._named:
                    self._load(self._positions([event_type], name, value), name, value)
                    self._named.add((event_type, name, value))
                return
        self._load(self._positions([event_type]))
        self._whole.add(event_type)

    def _ensure_fact(self, position: int) -> None:
        """The events of the one at `position` that share its subject (it may supersede or be superseded)."""
        if not 0 < position <= self._stop:
            return
        for stored in self._models.events([position]):
            if (stored.record["province"], stored.record["period"]) == (self.province, self.period):
                self._ensure(stored.type, stored.record, INDEXED)

    # -- what a full fold answers --------------------------------------------------------
    def add(self, fact: Fact) -> None:
        self._adding = fact.position
        try:
            super().add(fact)
        finally:
            self._adding = None

    def resolve(self, target: str | int) -> Fact | None:
        position = self.ids.get(target) if isinstance(target, str) else target
        if position is None and isinstance(target, str):
            stored = self._models.ids([target]).get(target)
            if stored is not None and stored.position <= self._stop:
                position = stored.position
        if isinstance(position, int) and position not in self.by_position:
            self._ensure_fact(position)
        found = super().resolve(target) if isinstance(target, int) else self.by_position.get(position or -1)
        if found is not None and self._adding is not None and found.position >= self._adding:
            return None  # a full fold has not reached it yet
        return found

    def current(self, event_type: str, **subject: Any) -> Fact | None:
        self._ensure(event_type, subject, tuple(n for n in EVENT_TYPES[event_type].SUBJECT or () if n in COLUMN))
        return super().current(event_type, **subject)

    def history(self, event_type: str, **subject: Any) -> list[Fact]:
        self._ensure(event_type, subject, tuple(n for n in EVENT_TYPES[event_type].SUBJECT or () if n in COLUMN))
        return super().history(event_type, **subject)

    def counting(self, event_type: str, **where: Any) -> list[Fact]:
        self._ensure(event_type, where, INDEXED)
        return super().counting(event_type, **where)

    def everything(self, event_type: str, **where: Any) -> list[Fact]:
        self._ensure(event_type, where, INDEXED)
        return super().everything(event_type, **where)

    def concerning(self, unit: str | None = None, person: str | None = None) -> list[Fact]:
        for event_type in EVENT_TYPES:
            self._ensure(event_type, {}, ())
        return super().concerning(unit, person)
