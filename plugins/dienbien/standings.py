"""Điện Biên's year: cross-scored totals, the hard dossier deadline, the 20% proposal quota among
excellent-rated units, the 10% leader cap on individual proposals, and dossier sizes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

from thidua.api import (
    BlockResult,
    Candidate,
    Fact,
    Facts,
    Level,
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
from thidua.plugins.dienbien.validate import canonical_title

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
        acclaim(facts, rules, result)
        blocks.append(result)
    lines, persons = individual_proposals(facts, rules, year)
    return Standings(facts.province, facts.period, blocks, lines, persons)


def last_day(deadline: datetime) -> str:
    """A "by D" deadline is stored as strictly before D + 1: the last day in time, as printed."""
    return f"{deadline - timedelta(days=1):%d/%m/%Y}"


def rating_of(facts: Facts, year: int, unit: str) -> Fact | None:
    return facts.current("rating.recorded", unit=unit, year=year) or facts.current("rating.recorded", unit=unit)


def unit_result(facts: Facts, rules: RuleSet, block: str, unit: str, year: int) -> UnitResult:
    registered = facts.unit(unit)
    result = UnitResult(unit, registered["name"] if registered else unit, ZERO, True)
    result.total = score_sheet(
        facts, block, unit, lambda criterion: "DB-SCORE-1", result.lines, plan_rule="DB-SCORE-1"
    ).total
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
        result.exclude(
            "DB-TIME-1", f"no report and award dossier arrived (due by {last_day(deadline)}): not considered"
        )
        return
    first = min(arrived, key=lambda f: f.at)
    when = first["at"][:16].replace("T", " ")
    if first.at < deadline:
        result.lines.append(
            Line(
                "condition",
                f"dossier arrived {when}, by {last_day(deadline)}: considered",
                "DB-TIME-1",
                events=(first.position,),
            )
        )
    else:
        result.exclude(
            "DB-TIME-1", f"dossier arrived {when}, after {last_day(deadline)}: not considered", (first.position,)
        )


def registration_deadline(facts: Facts, rules: RuleSet, unit: str, year: int, result: UnitResult) -> None:
    """DB-TIME-2: registration of next year's titles before 15/01 of the next year (a warning)."""
    registered = facts.current("emulation.registered", unit=unit)
    deadline = rules.deadline("deadline_registration", year + 1)
    if registered is None:
        return
    titles = [canonical_title(rules, t) or t for t in registered.get("titles") or ()]
    result.lines.append(
        Line(
            "condition",
            f"registered for {year + 1}: {', '.join(titles) or 'no titles'} (due before {deadline:%d/%m/%Y})",
            "DB-TIME-2",
            events=(registered.position,),
        )
    )
    if not registered.at < deadline:
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
        if unit.unit in excellent and rating is not None:
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
    resolutions = [
        r
        for r in facts.counting("conference.resolved", block=block.block)
        if r["award"] == rules.value("award_proposal")
    ]
    assign_awards(
        block,
        places,
        resolutions,
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


def acclaim(facts: Facts, rules: RuleSet, block: BlockResult) -> None:
    """DB-LEAD-1: the block acclaims (suy tôn) its highest-scoring eligible unit the leading unit; a tie at
    the top stays pending until a conference resolution names the unit."""
    key = rules.value("award_leading")
    eligible = [u for u in block.units if u.eligible]
    resolved = [r for r in facts.counting("conference.resolved", block=block.block) if r["award"] == key]
    named = next((u for r in resolved for u in eligible if u.unit == r["unit"]), None)
    if named is not None:
        position = next(r.position for r in resolved if r["unit"] == named.unit)
        text = f"leading unit of block {block.block} (suy tôn đơn vị dẫn đầu): {named.unit}, resolved by the conference"
        block.lines.append(Line("award", text, "DB-LEAD-1", events=(position,)))
        named.lines.append(Line("award", text, "DB-LEAD-1", events=(position,)))
        return
    if not eligible:
        block.lines.append(Line("note", "no eligible unit: the block acclaims no leading unit", "DB-LEAD-1"))
        return
    top = [u for u in eligible if u.total == eligible[0].total]
    if len(top) == 1:
        text = (
            f"leading unit of block {block.block} (suy tôn đơn vị dẫn đầu): {top[0].unit}, "
            f"highest cross-scored total {dec(top[0].total)}"
        )
        block.lines.append(Line("award", text, "DB-LEAD-1"))
        top[0].lines.append(Line("award", text, "DB-LEAD-1"))
        return
    text = (
        f"tie for leading unit at {dec(top[0].total)} points among {', '.join(u.unit for u in top)}: "
        "pending until a conference resolution names the unit"
    )
    block.lines.append(Line("tie", text, "DB-LEAD-1"))
    for unit in top:
        unit.lines.append(Line("tie", text, "DB-LEAD-1"))


def individual_proposals(facts: Facts, rules: RuleSet, year: int) -> tuple[list[Line], list[Candidate]]:
    """Individual proposals: DB-TIME-1 (a dossier after 10/12 is not proposed), DB-QUOTA-2 (each proposing
    union's leaders at most ⌊10% × its own individual proposals⌋), DB-DOSSIER-1 (copies).

    The proposing union is the unit the person is registered with."""
    deadline = rules.deadline("deadline_dossiers", year)
    dossiers: dict[str, list[Fact]] = {}
    for dossier in facts.everything("dossier.submitted"):
        if dossier.get("person") and dossier.retracted_by is None:
            dossiers.setdefault(dossier["person"], []).append(dossier)
    if not dossiers:
        return [], []
    lines: list[Line] = []
    candidates: dict[str, Candidate] = {}
    unions: dict[str, list[tuple[Fact | None, Fact]]] = {}  # union -> [(person, first dossier)] in time
    for key in sorted(dossiers, key=lambda k: (min(d.at for d in dossiers[k]), k)):
        person = facts.person(key)
        first = min(dossiers[key], key=lambda d: (d.at, d.position))
        counting = [d for d in dossiers[key] if d.counts]
        awards = sorted({d["award"] for d in counting if d.get("award")})
        candidate = Candidate(key, "person", person["name"] if person else key, True)
        candidates[key] = candidate
        when = first["at"][:16].replace("T", " ")
        if first.at < deadline:
            candidate.lines.append(
                Line(
                    "condition",
                    f"dossier arrived {when}, by {last_day(deadline)}: proposed",
                    "DB-TIME-1",
                    events=(first.position,),
                )
            )
            union = person["unit"] if person else "?"
            unions.setdefault(union, []).append((person, first))
            candidate.levels.append(Level("proposed", awards, ["DB-AWARD-1", "DB-QUOTA-2", "DB-TIME-1"]))
        else:
            candidate.eligible = False
            candidate.reasons.append("DB-TIME-1")
            text = f"dossier arrived {when}, after {last_day(deadline)}: not proposed"
            candidate.lines.append(Line("exclusion", text, "DB-TIME-1", events=(first.position,)))
            lines.append(Line("exclusion", f"{key}: {text}", "DB-TIME-1", counted=False, events=(first.position,)))
        for dossier in counting:
            copies = dossier_copies(rules, dossier, f"{key}'s dossier")
            candidate.lines += copies
            lines += copies
    share = rules.value("leader_share")
    for union, proposed in sorted(unions.items()):
        cap = math.floor(share * len(proposed))
        leaders = [(p, d) for p, d in proposed if p is not None and p.get("leader", False)]
        arithmetic = (
            f"union {union}: {len(proposed)} individual proposal(s) in time, of them leaders: {len(leaders)}; "
            f"leader cap = ⌊{dec(share)} × {len(proposed)}⌋ = {cap}"
        )
        events = tuple(d.position for _, d in proposed)
        lines.append(Line("note", arithmetic, "DB-QUOTA-2", events=events))
        excess = leaders[cap:] if len(leaders) > cap else []
        if excess:
            names = ", ".join(f"{p['name']} ({p['person']})" for p, _ in excess)
            lines.append(
                Line(
                    "warning",
                    f"union {union}: {len(leaders)} leaders proposed, over its cap of {cap}: excess {names}; "
                    "priority goes to direct workers",
                    "DB-QUOTA-2",
                    counted=False,
                    events=tuple(d.position for _, d in excess),
                )
            )
        flagged = {p["person"] for p, _ in excess}
        for person, dossier in proposed:
            candidate = candidates[dossier["person"]]
            candidate.lines.append(Line("note", arithmetic, "DB-QUOTA-2", events=events))
            is_leader = person is not None and person.get("leader", False)
            if dossier["person"] in flagged:
                candidate.eligible = False
                candidate.reasons.append("DB-QUOTA-2")
                candidate.levels = []
                candidate.lines.append(
                    Line(
                        "exclusion",
                        f"a leader over the union's cap of {cap} (the latest to arrive): flagged, not proposed",
                        "DB-QUOTA-2",
                        events=(dossier.position,),
                    )
                )
            else:
                candidate.lines.append(
                    Line(
                        "condition",
                        ("a leader within" if is_leader else "not a leader: outside") + f" the union's cap of {cap}",
                        "DB-QUOTA-2",
                        events=(person.position,) if person is not None else (),
                    )
                )
    return lines, list(candidates.values())
