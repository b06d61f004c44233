"""Lào Cai's checks at input: the 95-point sheet, the section II cap without party or union,
bonuses only for exceeded section I targets registered at the start of the year."""

from __future__ import annotations

from decimal import Decimal

from thidua.api import Fact, Facts, Problem, RuleSet, counting_score, dec

SECTIONS = ("I", "II", "III")


def validate(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    check = CHECKS.get(fact.type)
    return check(fact, facts, rules) if check else []


def _sheet(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    """LCA-SCORE-1: sections I, II, III sharing exactly 95 points; every criterion in one of them."""
    sections = fact.get("sections")
    expected = rules.value("content_points")
    if sections is None or set(sections) != set(SECTIONS):
        return [
            Problem(
                "sections",
                f"the sheet splits its {dec(expected)} points among sections I, II and III "
                '(an object {"I": …, "II": …, "III": …})',
                "LCA-SCORE-1",
            )
        ]
    total = sum(sections.values(), Decimal(0))
    if total != expected:
        return [Problem("sections", f"sections sum to {dec(total)}, not {dec(expected)}", "LCA-SCORE-1")]
    missing = [c["id"] for c in fact["criteria"] if c.get("section") is None]
    if missing:
        return [Problem("criteria", f"criteria {', '.join(missing)} name no section (I, II or III)", "LCA-SCORE-1")]
    return []


def section_ii_cap(facts: Facts, rules: RuleSet, unit: str, sheet: Fact) -> tuple[Decimal, bool]:
    """Section II's cap for this unit, and whether LCA-SCORE-2 lowered it."""
    cap = sheet["sections"]["II"]
    registered = facts.unit(unit)
    without_both = (
        registered is not None and not registered.get("has_party_org", True) and not registered.get("has_union", True)
    )
    return (cap * rules.value("no_org_section_II_share"), True) if without_both else (cap, False)


def _score(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    """LCA-SCORE-2: section II of a unit without party organisation or union stays within 50%."""
    unit = fact["unit"]
    sheet = facts.sheet(facts.block_of(unit) or "")
    if sheet is None or not sheet.get("sections"):
        return []
    criteria = {c["id"]: c for c in sheet["criteria"]}
    if criteria.get(fact["criterion"], {}).get("section") != "II":
        return []
    cap, lowered = section_ii_cap(facts, rules, unit, sheet)
    if not lowered:
        return []
    others = sum(
        (
            counting_score(facts, unit, c)
            for c, spec in criteria.items()
            if spec.get("section") == "II" and c != fact["criterion"]
        ),
        Decimal(0),
    )
    if others + fact["points"] > cap:
        return [
            Problem(
                "points",
                f"section II would total {dec(others + fact['points'])}, over {dec(cap)}: the unit has neither "
                f"a party organisation nor a union, so it scores at most "
                f"{dec(rules.value('no_org_section_II_share') * 100)}% of section II",
                "LCA-SCORE-2",
            )
        ]
    return []


def _bonus(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    """LCA-BONUS-1: at most 1 point per target; the plan registered at the start of the year."""
    per_target = rules.value("bonus_per_target")
    if fact["points"] > per_target:
        return [
            Problem(
                "points",
                f"a bonus of {dec(fact['points'])} is over {dec(per_target)} point per exceeded target",
                "LCA-BONUS-1",
            )
        ]
    registered = facts.current("emulation.registered", unit=fact["unit"])
    if registered is None:
        return []
    deadline = rules.deadline("deadline_registration", registered.at.year)
    if not registered.at < deadline:
        return [
            Problem(
                "target",
                f"target {fact['target']!r} was registered on {registered['at'][:10]}, not at the start of the year "
                f"(before {deadline.strftime('%d/%m')})",
                "LCA-BONUS-1",
            )
        ]
    return []


def _resolution(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    award = rules.value("award_leading")
    if fact["award"] != award:
        return [Problem("award", f"{fact['award']!r} is not an award of this guidance (award: {award})", "LCA-RANK-1")]
    return []


CHECKS = {
    "sheet.defined": _sheet,
    "score.self": _score,
    "score.appraised": _score,
    "bonus.awarded": _bonus,
    "conference.resolved": _resolution,
}
