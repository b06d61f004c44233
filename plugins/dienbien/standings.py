"""Điện Biên's year: cross-scored totals, the hard dossier deadline, the 20% proposal quota among
excellent-rated units, the 10% leader cap on individual proposals, and dossier sizes."""

from __future__ import annotations

import math
from decimal import Decimal

from thidua.api import (
    BlockResult,
    Fact,
    Facts,
    Line,
    Place,
    RuleSet,
    Standings,
    UnitResult,
    assign_awards,
    dec,
    late_line,
    period_years,
    rank,
    score_sheet,
)

ZERO = Decimal(0)


def standings(facts: Facts, rules: RuleSet) -> Standings:
    year = period_years(facts.period)[1]
    blocks = []
    for formed in facts.blocks():
        block = formed["block"]
        result = BlockResult(
            block, formed["name"], [unit_result(facts, rules, block, u, year) for u in facts.members(block)]
        )
        result.units = rank(result.units)
        propose(facts, rules, result, year)
        blocks.append(result)
    return Standings(facts.province, facts.period, blocks, individual_proposals(facts, rules))


def rating_of(facts: Facts, year: int, unit: str) -> Fact | None:
    return facts.current("rating.recorded", unit=unit, year=year) or facts.current("rating.recorded", unit=unit)


def unit_result(facts: Facts, rules: RuleSet, block: str, unit: str, year: int) -> UnitResult:
    registered = facts.unit(unit)
    result = UnitResult(unit, registered["name"] if registered else unit, ZERO, True)
    result.total = score_sheet(facts, block, unit, lambda criterion: "DB-SCORE-1", result.lines).total
    result.lines.append(
        Line("total", f"total of the cross-scored sheet: {dec(result.total)}", "DB-SCORE-1", result.total)
    )
    dossier_deadline(facts, rules, unit, year, result)
    registration_deadline(facts, rules, unit, year, result)
    for dossier in facts.counting("dossier.submitted", unit=unit):
        result.lines += dossier_copies(rules, dossier, f"{unit}'s dossier")
    return result


def dossier_deadline(facts: Facts, rules: RuleSet, unit: str, year: int, result: UnitResult) -> None:
    """DB-TIME-1: the first dossier to arrive must arrive by 10/12; else the unit is not considered."""
    deadline = rules.deadline("deadline_dossiers", year)
    arrived = [f for f in facts.everything("dossier.submitted", unit=unit) if f.retracted_by is None]
    if not arrived:
        result.exclude("DB-TIME-1", "no report and award dossier arrived: not considered")
        return
    first = min(arrived, key=lambda f: f.at)
    if first.at < deadline:
        result.lines.append(
            Line(
                "condition",
                f"dossier arrived {first['at'][:16].replace('T', ' ')}, by 10/12: considered",
                "DB-TIME-1",
                events=(first.position,),
            )
        )
    else:
        result.exclude(
            "DB-TIME-1",
            f"dossier arrived {first['at'][:16].replace('T', ' ')}, after 10/12: not considered",
            (first.position,),
        )


def registration_deadline(facts: Facts, rules: RuleSet, unit: str, year: int, result: UnitResult) -> None:
    """DB-TIME-2: registration of the year's titles before 15/01 (a warning)."""
    registered = facts.current("emulation.registered", unit=unit)
    deadline = rules.deadline("deadline_registration", year)
    if registered is not None and not registered.at < deadline:
        result.lines.append(late_line("DB-TIME-2", "registration of titles", registered, deadline))


def dossier_copies(rules: RuleSet, dossier: Fact, whose: str) -> list[Line]:
    """DB-DOSSIER-1: 3 achievement reports for a Tổng Liên đoàn award, 1 for the LĐLĐ tỉnh's."""
    award = dossier.get("award")
    needed = rules.value("dossier_copies").get(award)
    if needed is None:
        return []
    copies = dossier.get("copies")
    if copies is None or copies < needed:
        have = "no count of copies" if copies is None else f"{copies} cop{'y' if copies == 1 else 'ies'}"
        return [
            Line(
                "warning",
                f"{whose} for {award} needs {needed} achievement report(s); {have} recorded",
                "DB-DOSSIER-1",
                counted=False,
                events=(dossier.position,),
            )
        ]
    return []


def propose(facts: Facts, rules: RuleSet, block: BlockResult, year: int) -> None:
    """DB-QUOTA-1 and DB-AWARD-1: ⌊20% × excellent-rated units⌋ places, best eligible excellent first."""
    excellent = {
        u.unit for u in block.units if (r := rating_of(facts, year, u.unit)) is not None and r["rating"] == "excellent"
    }
    share = rules.value("proposal_share")
    quota = math.floor(share * len(excellent))
    events = tuple(r.position for u in block.units if (r := rating_of(facts, year, u.unit)) is not None)
    arithmetic = (
        f"proposal quota = ⌊{dec(share)} × {len(excellent)} unit(s) rated excellent⌋ = "
        f"⌊{dec(share * len(excellent))}⌋ = {quota}"
    )
    block.lines.append(Line("note", arithmetic, "DB-QUOTA-1", events=events))
    if quota == 0:
        block.lines.append(Line("note", "the quota is 0: this block proposes no unit this year", "DB-QUOTA-1"))
    for unit in block.units:
        rating = rating_of(facts, year, unit.unit)
        if unit.unit in excellent:
            unit.lines.append(
                Line(
                    "condition",
                    f"rated excellent by the province; block quota {quota}",
                    "DB-QUOTA-1",
                    events=(rating.position,),
                )
            )
        else:
            why = f"rated {rating['rating']}" if rating else "no rating recorded"
            unit.lines.append(
                Line(
                    "condition",
                    f"{why}, not excellent: ranked but not proposed",
                    "DB-QUOTA-1",
                    counted=False,
                    events=(rating.position,) if rating else (),
                )
            )
    places = [Place(rules.value("award_proposal"), "DB-AWARD-1")] * quota
    assign_awards(
        block,
        places,
        facts.counting("conference.resolved", block=block.block),
        "DB-AWARD-1",
        among=lambda unit: unit.unit in excellent,
    )
    waiting = [u for u in block.units if u.eligible and u.unit in excellent and u.award is None]
    if waiting and quota:
        nxt = waiting[0]
        block.lines.append(
            Line("note", f"next in line after the quota: {nxt.unit} ({dec(nxt.total)} points)", "DB-QUOTA-1")
        )
        nxt.lines.append(
            Line("condition", f"next in line after the block's {quota} place(s)", "DB-QUOTA-1", counted=False)
        )


def individual_proposals(facts: Facts, rules: RuleSet) -> list[Line]:
    """DB-QUOTA-2: leaders at most ⌊10% × individual proposals⌋; DB-DOSSIER-1 for individuals too."""
    proposals = sorted(
        (d for d in facts.counting("dossier.submitted") if d.get("person")), key=lambda d: (d.at, d.position)
    )
    if not proposals:
        return []
    share = rules.value("leader_share")
    cap = math.floor(share * len(proposals))
    leaders = [d for d in proposals if (p := facts.person(d["person"])) is not None and p.get("leader", False)]
    lines = [
        Line(
            "note",
            f"individual proposals: {len(proposals)}, of them leaders: {len(leaders)}; leader cap = "
            f"⌊{dec(share)} × {len(proposals)}⌋ = {cap}",
            "DB-QUOTA-2",
            events=tuple(d.position for d in proposals),
        )
    ]
    if len(leaders) > cap:
        excess = leaders[cap:]
        names = ", ".join(f"{facts.person(d['person'])['name']} ({d['person']})" for d in excess)
        lines.append(
            Line(
                "warning",
                f"{len(leaders)} leaders proposed, over the cap of {cap}: excess {names}; "
                "priority goes to direct workers",
                "DB-QUOTA-2",
                counted=False,
                events=tuple(d.position for d in excess),
            )
        )
    for dossier in proposals:
        lines += dossier_copies(rules, dossier, f"{dossier['person']}'s dossier")
    return lines
