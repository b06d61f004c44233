"""What plugins return: decisions that carry their own explanation.

A `Line` is one step of an explanation (OpenFisca's trace, Catala's "did not apply"): the rule
id, what happened, the points if any, whether it counted, and the log positions behind it.
The mechanics that build them (ranks, award places) are in `thidua.decisions.ranking`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Problem:
    """Why an incoming event is refused: the key at fault, the reason, the rule if any."""

    key: str
    reason: str
    rule: str | None = None

    def text(self) -> str:
        return f"{self.reason} ({self.rule})" if self.rule else self.reason


@dataclass(frozen=True)
class Line:
    """One explanation entry.

    kind: score | cap | bonus | deduction | total | exclusion | condition | award | tie |
          warning | setting | note
    """

    kind: str
    text: str
    rule: str | None = None
    points: Decimal | None = None
    counted: bool = True
    events: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "text": self.text,
            "points": self.points,
            "counted": self.counted,
            "events": list(self.events),
        }


@dataclass
class UnitResult:
    unit: str
    name: str
    total: Decimal
    eligible: bool
    reasons: list[str] = field(default_factory=list)  # rule ids that exclude the unit
    rank: int | None = None
    award: str | None = None
    award_status: str | None = None  # proposed | pending | resolved | None
    lines: list[Line] = field(default_factory=list)

    def exclude(self, rule: str, text: str, events: Iterable[int] = ()) -> None:
        self.eligible = False
        if rule not in self.reasons:
            self.reasons.append(rule)
        self.lines.append(Line("exclusion", text, rule, events=tuple(events)))


@dataclass
class BlockResult:
    block: str
    name: str
    units: list[UnitResult]
    lines: list[Line] = field(default_factory=list)  # block-level notes, warnings, ties


@dataclass
class Standings:
    province: str
    period: str
    blocks: list[BlockResult]
    lines: list[Line] = field(default_factory=list)  # province-level notes (e.g. individual proposals)
    persons: list[Candidate] = field(default_factory=list)  # individuals proposed (eligibility, explain --person)

    def find(self, unit: str) -> tuple[BlockResult, UnitResult] | None:
        for block in self.blocks:
            for result in block.units:
                if result.unit == unit:
                    return block, result
        return None


@dataclass
class Level:
    level: str
    objects: list[str]
    rules: list[str]


@dataclass
class Candidate:
    subject: str
    kind: str  # unit | person
    name: str
    eligible: bool
    levels: list[Level] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


@dataclass
class Eligibility:
    province: str
    period: str
    candidates: list[Candidate]
    lines: list[Line] = field(default_factory=list)
