"""Checks every province shares, made before a plugin sees an event: the register (unknown
unit, person or block), block membership, the scoring sheet, targets behind a bonus,
retractions, and the point step of the rule set in force."""

from __future__ import annotations

from decimal import Decimal

from thidua.decisions.results import Problem
from thidua.decisions.scoring import counting_score
from thidua.decisions.settings import check_setting
from thidua.events import EVENT_TYPES
from thidua.fields import canonical_decimal, period_years
from thidua.replay.facts import Fact, Facts
from thidua.rules import RuleSet


def check(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    problems = _register(fact, facts)
    if problems:
        return problems
    checker = CHECKS.get(fact.type)
    problems = checker(fact, facts) if checker else []
    if fact.type == "setting.changed":
        problems += check_setting(fact, rules)
    if "points" in fact.record:
        problems += _point_step(fact, facts, rules)
    return problems


def _point_step(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    """Points are exact decimals: a step fixed by the sheet's criterion (or a rule set's `point_step`),
    else at most `point_places` decimal places; no step is assumed that no document states."""
    points, step, rule = fact["points"], None, None
    criterion = _criterion(fact, facts)
    if criterion is not None and criterion.get("step"):
        step, where = criterion["step"], f"the step of criterion {criterion['id']!r} on the sheet"
    elif (fixed := rules.values.get("point_step")) is not None:
        step, where, rule = fixed.value, "the step of the rule set", fixed.rule
    places = rules.values.get("point_places")
    rule = rule or (places.rule if places is not None else None)
    if step is not None and points % step:
        text = f"{canonical_decimal(points)} is not a multiple of {canonical_decimal(step)}, {where}"
        return [Problem("points", text, rule)]
    if step is None and places is not None and points != round(points, int(places.value)):
        text = f"{canonical_decimal(points)} has more than {int(places.value)} decimal places"
        return [Problem("points", text, rule)]
    return []


def _criterion(fact: Fact, facts: Facts) -> dict | None:
    if "criterion" not in fact.record or "unit" not in fact.record:
        return None
    sheet = facts.sheet(facts.block_of(fact["unit"]) or "")
    return next((c for c in sheet["criteria"] if c["id"] == fact["criterion"]), None) if sheet else None


def _crosscheck(fact: Fact, facts: Facts) -> list[Problem]:
    """A cross-check plan pairs members of the block; no unit checks itself."""
    members = set(facts.members(fact["block"]))
    problems = []
    for checked, checker in fact["pairs"].items():
        for unit in (checked, checker):
            if unit not in members:
                problems.append(Problem("pairs", f"unit {unit!r} is not a member of block {fact['block']!r}"))
        if checked == checker:
            problems.append(Problem("pairs", f"unit {checked!r} cannot cross-check itself"))
    return problems


def _register(fact: Fact, facts: Facts) -> list[Problem]:
    problems = []
    lookups = {"unit": facts.unit, "person": facts.person, "block": facts.block}
    where = f"in {facts.province} {facts.period}"
    for key, kind in EVENT_TYPES[fact.type].REFERS.items():
        value = fact.get(key)
        if value is None or (kind == "block" and value == "*" and fact.type == "sheet.defined"):
            continue
        names = value if isinstance(value, (list, dict)) else [value]
        for name in names:
            if lookups[kind](name) is None:
                problems.append(
                    Problem(
                        key,
                        f"unknown {kind} {name!r} {where} (record {kind}.registered first)"
                        if kind != "block"
                        else f"unknown block {name!r} {where} (record block.formed first)",
                    )
                )
    return problems


def _block_formed(fact: Fact, facts: Facts) -> list[Problem]:
    problems = []
    members = fact["members"]
    if len(set(members)) != len(members):
        problems.append(Problem("members", "a unit is listed twice"))
    for unit in members:
        other = facts.block_of(unit)
        if other is not None and other != fact["block"]:
            problems.append(Problem("members", f"unit {unit!r} is already a member of block {other!r}"))
    return problems


def _member_added(fact: Fact, facts: Facts) -> list[Problem]:
    other = facts.block_of(fact["unit"])
    if other is not None:
        return [Problem("unit", f"unit {fact['unit']!r} is already a member of block {other!r}")]
    return []


def _member_removed(fact: Fact, facts: Facts) -> list[Problem]:
    if fact["unit"] not in facts.members(fact["block"]):
        return [Problem("unit", f"unit {fact['unit']!r} is not a member of block {fact['block']!r}")]
    return []


def _sheet(fact: Fact, facts: Facts) -> list[Problem]:
    problems = []
    ids = [c["id"] for c in fact["criteria"]]
    if len(set(ids)) != len(ids):
        problems.append(Problem("criteria", "a criterion id is listed twice"))
    sections = fact.get("sections")
    for criterion in fact["criteria"]:
        section = criterion.get("section")
        if sections is not None and section not in sections:
            problems.append(
                Problem(
                    "criteria", f"criterion {criterion['id']!r} names section {section!r}, which is not in sections"
                )
            )
        elif sections is not None and criterion["max"] > sections[section]:
            problems.append(
                Problem(
                    "criteria",
                    f"criterion {criterion['id']!r} max {canonical_decimal(criterion['max'])} "
                    f"is above its section's cap {canonical_decimal(sections[section])}",
                )
            )
    return problems


def _member_pledge(fact: Fact, facts: Facts) -> list[Problem]:
    if fact["unit"] not in facts.members(fact["block"]):
        return [Problem("block", f"unit {fact['unit']!r} is not a member of block {fact['block']!r}")]
    return []


def _score(fact: Fact, facts: Facts) -> list[Problem]:
    """A self or appraised score must fit its criterion's max and its section's cap."""
    unit = fact["unit"]
    block = facts.block_of(unit)
    if block is None:
        return [Problem("unit", f"unit {unit!r} is in no block, so no sheet applies to it")]
    sheet = facts.sheet(block)
    if sheet is None:
        return [Problem("criterion", f"no sheet is defined for block {block!r} (record sheet.defined first)")]
    criteria = {c["id"]: c for c in sheet["criteria"]}
    criterion = criteria.get(fact["criterion"])
    if criterion is None:
        return [
            Problem(
                "criterion",
                f"unknown criterion {fact['criterion']!r} on the sheet of block {block!r} "
                f"(known: {', '.join(criteria)})",
            )
        ]
    if fact["points"] > criterion["max"]:
        return [
            Problem(
                "points",
                f"{canonical_decimal(fact['points'])} is over the cap of criterion "
                f"{fact['criterion']!r} ({canonical_decimal(criterion['max'])})",
            )
        ]
    sections = sheet.get("sections") or {}
    section = criterion.get("section")
    if section in sections:
        total = fact["points"] + sum(
            (
                counting_score(facts, unit, c["id"])
                for c in sheet["criteria"]
                if c.get("section") == section and c["id"] != fact["criterion"]
            ),
            Decimal(0),
        )
        if total > sections[section]:
            return [
                Problem(
                    "points",
                    f"section {section!r} would total {canonical_decimal(total)}, over its cap "
                    f"{canonical_decimal(sections[section])}",
                )
            ]
    return []


def _bonus(fact: Fact, facts: Facts) -> list[Problem]:
    unit, target = fact["unit"], fact["target"]
    registered = facts.current("emulation.registered", unit=unit)
    planned = (registered.get("targets") or {}).get(target) if registered else None
    if planned is None:
        return [
            Problem(
                "target", f"bonus for target {target!r}, which {unit!r} did not register (emulation.registered targets)"
            )
        ]
    result = facts.current("target.result", unit=unit, target=target)
    if result is None:
        return [Problem("target", f"bonus for target {target!r} with no recorded result (target.result)")]
    if result["achieved"] <= planned:
        return [
            Problem(
                "target",
                f"bonus for target {target!r}, which was not exceeded "
                f"(achieved {canonical_decimal(result['achieved'])}, planned {canonical_decimal(planned)})",
            )
        ]
    return []


def _deduction(fact: Fact, facts: Facts) -> list[Problem]:
    if fact["reason"] == "other" and "points" not in fact.record:
        return [Problem("points", "a deduction for reason 'other' needs its points")]
    if fact["reason"] != "other" and "points" in fact.record:
        return [
            Problem(
                "points",
                f"points are computed by the province for reason {fact['reason']!r}; give them only for 'other'",
            )
        ]
    return []


def _retraction(fact: Fact, facts: Facts) -> list[Problem]:
    target = facts.resolve(fact["target"])
    if target is None:
        return [Problem("target", f"no event {fact['target']!r} in {facts.province} {facts.period} to retract")]
    if target.type == "event.retracted":
        return [Problem("target", "a retraction cannot be retracted; record the event again instead")]
    if target.retracted_by is not None:
        return [
            Problem(
                "target",
                f"event at position {target.position} is already retracted (by position {target.retracted_by})",
            )
        ]
    return []


def _dossier(fact: Fact, facts: Facts) -> list[Problem]:
    if "award" not in fact.record and "level" not in fact.record:
        return [Problem("award", "a dossier names its award (or its level, city or district)")]
    return []


def _year_in_period(fact: Fact, facts: Facts) -> list[Problem]:
    first, last = period_years(facts.period)
    year = fact.get("year")
    if year is not None and fact.type == "rating.recorded" and not first <= year <= last:
        return [Problem("year", f"year {year} is outside period {facts.period}")]
    return []


def _resolution(fact: Fact, facts: Facts) -> list[Problem]:
    if fact["unit"] not in facts.members(fact["block"]):
        return [Problem("unit", f"unit {fact['unit']!r} is not a member of block {fact['block']!r}")]
    return []


CHECKS = {
    "crosscheck.planned": _crosscheck,
    "block.formed": _block_formed,
    "block.member_added": _member_added,
    "block.member_removed": _member_removed,
    "sheet.defined": _sheet,
    "pledge.signed": _member_pledge,
    "score.self": _score,
    "score.appraised": _score,
    "bonus.awarded": _bonus,
    "deduction.recorded": _deduction,
    "event.retracted": _retraction,
    "dossier.submitted": _dossier,
    "rating.recorded": _year_in_period,
    "conference.resolved": _resolution,
}
