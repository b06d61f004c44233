"""Lai Châu's year: scores, exclusions, ranking, flags and deadline warnings, per block."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from thidua.api import (
    DISCIPLINE_LEVELS,
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
    parse_moment,
    period_years,
    rank,
    score_sheet,
    setting,
)
from thidua.plugins.laichau.validate import SCORERS_CAP

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
        places = []
        for name, award in (("flags_tld", "award_leading"), ("flags_ldld_tinh", "award_excellent")):
            count, line = setting(facts, rules, name, block)
            result.lines.append(line)
            places += [Place(rules.value(award), rules.cite(award))] * int(count)
        assign_awards(result, places, facts.counting("conference.resolved", block=block), "LC-AWARD-2")
        result.lines += block_deadlines(facts, rules, formed, year)
        blocks.append(result)
    return Standings(facts.province, facts.period, blocks)


def unit_result(facts: Facts, rules: RuleSet, block: str, unit: str, year: int) -> UnitResult:
    registered = facts.unit(unit)
    result = UnitResult(unit, registered["name"] if registered else unit, ZERO, True)
    self_part = self_assessed(facts, rules, block, unit, result.lines)
    provincial = provincial_part(facts, rules, unit, result.lines)
    result.total = self_part + provincial
    result.lines.append(
        Line(
            "total",
            f"total = self-assessed part {dec(self_part)} + provincial part {dec(provincial)} "
            f"(at most {dec(rules.value('total_cap'))})",
            "LC-SCORE-3",
            result.total,
        )
    )
    key_leader_discipline(facts, rules, unit, result)
    registration_and_pledge(facts, unit, block, result)
    reports(facts, rules, unit, year, result)
    return result


def self_assessed(facts: Facts, rules: RuleSet, block: str, unit: str, lines: list[Line]) -> Decimal:
    """LC-SCORE-1: per criterion the appraised value if any, else the self-score."""
    part = score_sheet(facts, block, unit, lambda criterion: "LC-SCORE-1", lines, plan_rule="LC-CROSS-1").total
    lines.append(
        Line("cap", f"self-assessed part {dec(part)} of at most {dec(rules.value('self_score_cap'))}", "LC-SCORE-1")
    )
    return part


def provincial_part(facts: Facts, rules: RuleSet, unit: str, lines: list[Line]) -> Decimal:
    """LC-SCORE-2: the standing committee and the five departments, each under its own cap."""
    part = ZERO
    for scorer, cap_name in SCORERS_CAP.items():
        score = facts.current("score.provincial", unit=unit, scorer=scorer)
        cap = dec(rules.value(cap_name))
        if score is None:
            lines.append(
                Line(
                    "score",
                    f"provincial {scorer} (at most {cap}): no score recorded, nothing counted",
                    "LC-SCORE-2",
                    None,
                    False,
                )
            )
            continue
        lines.append(
            Line(
                "score",
                f"provincial {scorer}: {dec(score['points'])} of at most {cap}",
                "LC-SCORE-2",
                score["points"],
                events=(score.position,),
            )
        )
        part += score["points"]
    lines.append(
        Line("cap", f"provincial part {dec(part)} of at most {dec(rules.value('provincial_cap'))}", "LC-SCORE-2")
    )
    return part


def key_leader_discipline(facts: Facts, rules: RuleSet, unit: str, result: UnitResult) -> None:
    """LC-ELIG-1: a key leader disciplined at warning level or above excludes the unit."""
    threshold = DISCIPLINE_LEVELS.index(rules.value("excluding_discipline"))
    below = DISCIPLINE_LEVELS[threshold - 1] if threshold else None
    leaders = [p for p in facts.counting("person.registered", unit=unit) if p.get("key_leader", False)]
    excluded = False
    for person in leaders:
        for discipline in facts.counting("discipline.recorded", person=person["person"]):
            events = (person.position, discipline.position)
            if DISCIPLINE_LEVELS.index(discipline["level"]) >= threshold:
                excluded = True
                result.exclude(
                    "LC-ELIG-1",
                    f"key leader {person['name']} ({person['person']}) disciplined: {discipline['level']}",
                    events,
                )
            else:
                result.lines.append(
                    Line(
                        "condition",
                        f"key leader {person['name']} disciplined at {discipline['level']}, "
                        f"below {rules.value('excluding_discipline')}: does not exclude",
                        "LC-ELIG-1",
                        events=events,
                    )
                )
    if not excluded:
        names = ", ".join(f"{p['name']} ({p['person']})" for p in leaders) or "none registered"
        result.lines.append(
            Line(
                "condition",
                f"key leaders ({names}): none disciplined at {rules.value('excluding_discipline')} or above"
                + (f", {below} does not exclude" if below else "")
                + ": not excluded",
                "LC-ELIG-1",
                events=tuple(p.position for p in leaders),
            )
        )


def registration_and_pledge(facts: Facts, unit: str, block: str, result: UnitResult) -> None:
    """LC-ELIG-2: registered for emulation and signed the year's pledge; a unit moved to another block
    keeps the pledge it signed with its first block that year."""
    registered = facts.current("emulation.registered", unit=unit)
    pledges = sorted(facts.counting("pledge.signed", unit=unit), key=lambda f: (f.get("block") != block, f.position))
    pledge = pledges[0] if pledges else None
    missing = [
        what for what, fact in (("emulation registration", registered), ("signed pledge", pledge)) if fact is None
    ]
    events = tuple(f.position for f in (registered, pledge) if f)
    if missing or pledge is None:
        result.exclude("LC-ELIG-2", "no " + " and no ".join(missing) + " for the year", events)
        return
    where = (
        f"signed the year's pledge with block {pledge['block']} before moving to block {block}"
        if pledge["block"] != block
        else f"signed the pledge of block {block}"
    )
    result.lines.append(Line("condition", f"registered for emulation and {where}", "LC-ELIG-2", events=events))


def reports(facts: Facts, rules: RuleSet, unit: str, year: int, result: UnitResult) -> None:
    """LC-ELIG-3 (submitted in the year) and LC-TIME-1/2 (late ones are warnings)."""
    for kind, deadline_name, label in (
        ("mid_year", "deadline_mid_year", "mid-year (sơ kết)"),
        ("year_end", "deadline_year_end", "year-end (tổng kết)"),
    ):
        report = facts.current("report.submitted", unit=unit, kind=kind)
        if report is None:
            result.exclude("LC-ELIG-3", f"no {label} report submitted")
            continue
        if report.at.year != year:
            result.exclude("LC-ELIG-3", f"{label} report dated {report['at'][:10]}, not in {year}", (report.position,))
            continue
        result.lines.append(
            Line("condition", f"{label} report submitted {report['at'][:10]}", "LC-ELIG-3", events=(report.position,))
        )
        deadline = rules.deadline(deadline_name, year)
        if not report.at < deadline:
            result.lines.append(late(rules, deadline_name, f"{label} report", report, deadline))


def late(rules: RuleSet, deadline_name: str, what: str, fact: Fact, deadline) -> Line:
    return late_line(rules.cite(deadline_name), what, fact, deadline)


def conference_notice(rules: RuleSet, formed: Fact, held: Fact, label: str) -> list[Line]:
    """LC-TIME-5: the head reports the conference to the province at least 15 days before it (a warning)."""
    days = int(rules.value("notice_days"))
    due = held.at.date() - timedelta(days=days)
    rule = rules.cite("notice_days")
    if held.get("notified_at") is None:
        text = f"no notice of the {label} from the head {formed['head']} recorded (due by {due:%d/%m/%Y}, {days} days before)"
        return [Line("warning", text, rule, counted=False, events=(held.position,))]
    notified = parse_moment(held["notified_at"])
    if notified.date() > due:
        text = (
            f"the head {formed['head']} reported the {label} of {held.at:%d/%m/%Y} on {notified:%d/%m/%Y}, "
            f"less than {days} days before it (due by {due:%d/%m/%Y})"
        )
        return [Line("warning", text, rule, counted=False, events=(held.position,))]
    text = f"the head reported the {label} on {notified:%d/%m/%Y}, at least {days} days before it"
    return [Line("note", text, rule, events=(held.position,))]


def block_deadlines(facts: Facts, rules: RuleSet, formed: Fact, year: int) -> list[Line]:
    """LC-TIME-1..4 at block level: conferences, the scoring results, the head's proposals."""
    block, lines = formed["block"], []
    for kind, deadline_name, label in (
        ("mid_year", "deadline_mid_year", "mid-year conference"),
        ("year_end", "deadline_year_end", "year-end conference"),
    ):
        held = facts.current("conference.held", block=block, kind=kind)
        deadline = rules.deadline(deadline_name, year)
        if held is None:
            lines.append(
                Line(
                    "warning",
                    f"no {label} recorded (due before {deadline.strftime('%d/%m/%Y')})",
                    rules.cite(deadline_name),
                    counted=False,
                )
            )
        elif not held.at < deadline:
            lines.append(late(rules, deadline_name, label, held, deadline))
        if held is not None:
            lines += conference_notice(rules, formed, held, label)
    deadline = rules.deadline("deadline_scoring", year)
    # each member's own scores, through the unit index: linear in the block, not in the province
    late_scores = sorted(
        (f for unit in set(facts.members(block)) for f in facts.counting("score.appraised", unit=unit)),
        key=lambda f: f.position,
    )
    late_scores = [f for f in late_scores if not f.at < deadline]
    if late_scores:
        lines.append(
            Line(
                "warning",
                f"{len(late_scores)} appraised score(s) reached the province on or after "
                f"{deadline.strftime('%d/%m/%Y')}",
                rules.cite("deadline_scoring"),
                counted=False,
                events=tuple(f.position for f in late_scores),
            )
        )
    deadline = rules.deadline("deadline_proposals", year)
    dossiers = facts.counting("dossier.submitted", unit=formed["head"])
    if not dossiers:
        lines.append(
            Line(
                "warning",
                f"no achievement report and proposals from the head {formed['head']} recorded "
                f"(due before {deadline.strftime('%d/%m/%Y')})",
                rules.cite("deadline_proposals"),
                counted=False,
            )
        )
    for dossier in dossiers:
        if not dossier.at < deadline:
            lines.append(
                late(
                    rules, "deadline_proposals", f"the head's proposals ({dossier.get('award', '')})", dossier, deadline
                )
            )
    return lines
