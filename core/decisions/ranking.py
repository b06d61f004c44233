"""Shared mechanics every ranking province needs, once: competition ranks with ties, and award
places with pending ties and conference resolutions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from thidua.decisions.results import BlockResult, Candidate, Eligibility, Level, Line, Standings, UnitResult


def rank(units: list[UnitResult]) -> list[UnitResult]:
    """Competition ranking of eligible units by total (1, 1, 3); ineligible ones follow by total,
    unranked. Equal totals list by unit key so the order is reproducible."""
    eligible = sorted((u for u in units if u.eligible), key=lambda u: (-u.total, u.unit))
    for index, unit in enumerate(eligible):
        unit.rank = eligible[index - 1].rank if index and unit.total == eligible[index - 1].total else index + 1
    ineligible = sorted((u for u in units if not u.eligible), key=lambda u: (-u.total, u.unit))
    for unit in ineligible:
        unit.rank = None
    return eligible + ineligible


@dataclass(frozen=True)
class Place:
    """One award place: the award key and the rule that creates it."""

    award: str
    rule: str


def assign_awards(
    block: BlockResult,
    places: Sequence[Place],
    resolutions: Sequence[Any],
    tie_rule: str,
    among: Callable[[UnitResult], bool] = lambda unit: True,
) -> None:
    """Give the block's places to its ranked eligible units, best first.

    A conference resolution (`conference.resolved`) names a unit for an award and takes that
    place first. A group of tied units that does not fit in the places of one award is not
    broken: every member is `pending` for the first award it contests, until a resolution.
    `among` narrows who may receive a place (e.g. only units rated excellent).
    """
    counts: dict[tuple[str, str], int] = {}
    for place in places:
        counts[(place.award, place.rule)] = counts.get((place.award, place.rule), 0) + 1
    block.lines.append(
        Line(
            "note",
            "award places: " + (", ".join(f"{n} × {award}" for (award, _), n in counts.items()) or "none"),
            places[0].rule if places else tie_rule,
        )
    )
    open_places = list(places)
    by_unit = {u.unit: u for u in block.units}
    settled: set[str] = set()
    for resolution in resolutions:
        unit = by_unit.get(resolution["unit"])
        slot = next((p for p in open_places if p.award == resolution["award"]), None)
        if unit is None:
            continue
        if not unit.eligible or not among(unit):
            block.lines.append(
                Line(
                    "warning",
                    f"conference resolution for {resolution['award']} names {unit.unit}, which is "
                    f"excluded ({', '.join(unit.reasons) or 'not a candidate for this award'}): not applied",
                    tie_rule,
                    counted=False,
                    events=(resolution.position,),
                )
            )
            continue
        if slot is None:
            block.lines.append(
                Line(
                    "warning",
                    f"conference resolution names {unit.unit} for {resolution['award']}, "
                    "but no such place is open: not applied",
                    tie_rule,
                    counted=False,
                    events=(resolution.position,),
                )
            )
            continue
        open_places.remove(slot)
        unit.award, unit.award_status = slot.award, "resolved"
        unit.lines.append(
            Line(
                "award", f"{slot.award}: resolved by the year-end conference", slot.rule, events=(resolution.position,)
            )
        )
        unit.lines.append(
            Line(
                "award",
                "a recorded conference resolution overrides the computed proposal",
                tie_rule,
                events=(resolution.position,),
            )
        )
        settled.add(unit.unit)
    ranked = [u for u in block.units if u.eligible and among(u) and u.unit not in settled]
    index = 0
    while index < len(ranked) and open_places:
        group = [u for u in ranked if u.total == ranked[index].total]
        contested = open_places[: len(group)]
        if len(group) <= len(open_places) and len({p.award for p in contested}) == 1:
            for unit in group:
                unit.award, unit.award_status = contested[0].award, "proposed"
                unit.lines.append(
                    Line(
                        "award",
                        f"{contested[0].award}: proposed, rank {unit.rank} of the block's eligible units",
                        contested[0].rule,
                    )
                )
        else:
            names = ", ".join(u.unit for u in group)
            awards = ", ".join(p.award for p in contested)
            text = (
                f"tie at {group[0].total} points among {names} across an award boundary ({awards}): "
                "pending until a conference resolution names the unit"
            )
            block.lines.append(Line("tie", text, tie_rule))
            for unit in group:
                unit.award, unit.award_status = contested[0].award, "pending"
                unit.lines.append(Line("tie", text, tie_rule))
        del open_places[: len(group)]
        index += len(group)


def eligibility_from_standings(standings: Standings) -> Eligibility:
    """For a ranking province: each unit as a candidate, its award proposal as its one level."""
    candidates = []
    for block in standings.blocks:
        for unit in block.units:
            award_rules = [line.rule for line in unit.lines if line.kind in ("award", "tie") and line.rule]
            levels = (
                [Level(unit.award_status or "proposed", [unit.award], sorted(set(award_rules)))] if unit.award else []
            )
            candidates.append(
                Candidate(unit.unit, "unit", unit.name, unit.eligible, levels, list(unit.reasons), unit.lines)
            )
    candidates += standings.persons
    return Eligibility(standings.province, standings.period, candidates, list(standings.lines))
