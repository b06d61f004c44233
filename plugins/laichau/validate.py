"""Lai Châu's checks at input: caps are refused, never clipped."""

from __future__ import annotations

from decimal import Decimal

from thidua.api import Fact, Facts, Problem, RuleSet, counting_score, dec

SCORERS_CAP = {
    "thuong_truc": "cap_thuong_truc",
    "ban_1": "cap_ban",
    "ban_2": "cap_ban",
    "ban_3": "cap_ban",
    "ban_4": "cap_ban",
    "ban_5": "cap_ban",
}


def validate(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    check = CHECKS.get(fact.type)
    return check(fact, facts, rules) if check else []


def _block(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    """LC-ORG-1: head and deputy are two members of the block."""
    problems = []
    for role in ("head", "deputy"):
        if fact[role] not in fact["members"]:
            problems.append(Problem(role, f"the block's {role} {fact[role]!r} is not one of its members", "LC-ORG-1"))
    if fact["head"] == fact["deputy"]:
        problems.append(Problem("deputy", "head and deputy must be two different units", "LC-ORG-1"))
    return problems


def _member_removed(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    """LC-ORG-1: the head and deputy serve until they hand over; they are not removed while serving."""
    formed = facts.current("block.formed", block=fact["block"])
    for role, label in (("head", "head"), ("deputy", "deputy")):
        if formed is not None and formed[role] == fact["unit"]:
            return [
                Problem(
                    "unit",
                    f"{fact['unit']!r} is the {label} of block {fact['block']!r} and serves until it hands over: "
                    "record the block again with its new head and deputy first",
                    "LC-ORG-1",
                )
            ]
    return []


def _sheet(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    """LC-SCORE-1: the sheet's maxima add up to at most the self-score cap."""
    total, cap = sum((c["max"] for c in fact["criteria"]), Decimal(0)), rules.value("self_score_cap")
    if total > cap:
        return [
            Problem(
                "criteria",
                f"the sheet's maxima add up to {dec(total)}, over the self-score cap of {dec(cap)}",
                rules.cite("self_score_cap"),
            )
        ]
    return []


def _provincial(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    """LC-SCORE-2: each scorer's own cap."""
    cap_name = SCORERS_CAP[fact["scorer"]]
    cap = rules.value(cap_name)
    if fact["points"] > cap:
        return [
            Problem(
                "points",
                f"{dec(fact['points'])} is over the cap of scorer {fact['scorer']} ({dec(cap)})",
                rules.cite(cap_name),
            )
        ]
    return []


def _self_part(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    """LC-SCORE-1: the self-assessed part of a unit never exceeds 150, self or appraised."""
    unit, cap = fact["unit"], rules.value("self_score_cap")
    sheet = facts.sheet(facts.block_of(unit) or "")
    if sheet is None:
        return []
    criteria = [c["id"] for c in sheet["criteria"]]
    if fact.type == "score.self":
        scores = {
            c: (f["points"] if (f := facts.current("score.self", unit=unit, criterion=c)) else Decimal(0))
            for c in criteria
        }
        label = "self-scores"
    else:
        scores = {c: counting_score(facts, unit, c) for c in criteria}
        label = "appraised self-score part"
    scores[fact["criterion"]] = fact["points"]
    total = sum(scores.values(), Decimal(0))
    if total > cap:
        return [
            Problem("points", f"the unit's {label} would total {dec(total)}, over the cap of {dec(cap)}", "LC-SCORE-1")
        ]
    return []


def _no_bonus(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    return [
        Problem(
            "type",
            f"Lai Châu's guidance has no {'bonus' if fact.type == 'bonus.awarded' else 'deducted'} points: "
            "the total is the self-assessed part plus the provincial part",
            "LC-SCORE-3",
        )
    ]


def _resolution(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    awards = (rules.value("award_leading"), rules.value("award_excellent"))
    if fact["award"] not in awards:
        return [
            Problem(
                "award",
                f"{fact['award']!r} is not an award of this guidance (awards: {', '.join(awards)})",
                "LC-AWARD-1",
            )
        ]
    return []


CHECKS = {
    "block.formed": _block,
    "block.member_removed": _member_removed,
    "sheet.defined": _sheet,
    "score.provincial": _provincial,
    "score.self": _self_part,
    "score.appraised": _self_part,
    "bonus.awarded": _no_bonus,
    "deduction.recorded": _no_bonus,
    "conference.resolved": _resolution,
}
