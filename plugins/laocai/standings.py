"""Lào Cai's year: sections, bonus, deductions, exclusions, ranking, the flag and deadline warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
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
    local_midnight,
    period_years,
    rank,
    score_sheet,
    setting,
)
from thidua.plugins.laocai.validate import SECTIONS, section_ii_cap

ZERO = Decimal(0)


def standings(facts: Facts, rules: RuleSet) -> Standings:
    year = period_years(facts.period)[1]
    blocks = []
    for formed in facts.blocks():
        block = formed["block"]
        result = BlockResult(
            block,
            formed["name"],
            [unit_result(facts, rules, block, u, year, formed_date(formed)) for u in facts.members(block)],
        )
        new_block(facts, rules, formed, year, result)
        result.units = rank(result.units)
        count, line = setting(facts, rules, "flags_ubnd_tinh", block)
        result.lines.append(line)
        places = [Place(rules.value("award_leading"), "LCA-RANK-1")] * int(count)
        assign_awards(result, places, facts.counting("conference.resolved", block=block), "LCA-RANK-1")
        result.lines += block_deadlines(facts, rules, formed, year)
        blocks.append(result)
    return Standings(facts.province, facts.period, blocks)


def formed_date(formed: Fact) -> date:
    return date.fromisoformat(formed["formed_on"]) if formed.get("formed_on") else formed.at.date()


def unit_result(facts: Facts, rules: RuleSet, block: str, unit: str, year: int, formed_on: date) -> UnitResult:
    registered = facts.unit(unit)
    result = UnitResult(unit, registered["name"] if registered else unit, ZERO, True)
    content = sections(facts, rules, block, unit, result.lines)
    bonus = bonuses(facts, rules, unit, result.lines)
    deducted = deductions(
        facts, rules, block, unit, result.lines, lapses_found(facts, rules, block, unit, year, formed_on)
    )
    result.total = content + bonus - deducted
    result.lines.append(
        Line(
            "total",
            f"total = sections {dec(content)} + bonus {dec(bonus)} − deductions {dec(deducted)}",
            "LCA-RANK-1",
            result.total,
        )
    )
    violations = facts.counting("violation.recorded", unit=unit)
    for violation in violations:
        result.exclude(
            "LCA-ELIG-1", "criticism document for a serious violation: not ranked or acclaimed", (violation.position,)
        )
    if not violations:
        result.lines.append(
            Line("condition", "no criticism document for a serious violation recorded: not excluded", "LCA-ELIG-1")
        )
    unit_deadlines(facts, rules, unit, year, formed_on, result)
    return result


def sections(facts: Facts, rules: RuleSet, block: str, unit: str, lines: list[Line]) -> Decimal:
    """LCA-SCORE-1..3: criteria (section III appraised by the board), each section within its cap."""
    score = score_sheet(
        facts, block, unit, lambda c: "LCA-SCORE-3" if c.get("section") == "III" else "LCA-SCORE-1", lines
    )
    sheet = facts.sheet(block)
    if sheet is None or not sheet.get("sections"):
        return score.total
    content = ZERO
    for section in SECTIONS:
        cap, rule = sheet["sections"][section], "LCA-SCORE-1"
        if section == "II":
            cap, lowered = section_ii_cap(facts, rules, unit, sheet)
            if lowered:
                rule = "LCA-SCORE-2"
        got = score.sections.get(section, ZERO)
        if got > cap:  # only when the register changed after the scores were recorded
            lines.append(Line("cap", f"section {section}: {dec(got)} capped at {dec(cap)}", rule, cap - got))
            got = cap
        lines.append(
            Line(
                "cap",
                f"section {section}: {dec(got)} of at most {dec(cap)}"
                + (" (50% of the sheet's cap: neither party organisation nor union)" if rule == "LCA-SCORE-2" else ""),
                rule,
            )
        )
        content += got
    return content


def bonuses(facts: Facts, rules: RuleSet, unit: str, lines: list[Line]) -> Decimal:
    """LCA-BONUS-1: each exceeded registered target at most 1 point, 5 in all."""
    registered = facts.current("emulation.registered", unit=unit)
    plans = (registered.get("targets") or {}) if registered else {}
    total = ZERO
    for bonus in facts.counting("bonus.awarded", unit=unit):
        target = bonus["target"]
        result = facts.current("target.result", unit=unit, target=target)
        planned = plans.get(target)
        events = tuple(f.position for f in (registered, result, bonus) if f)
        if planned is None or result is None or result["achieved"] <= planned:
            why = (
                "no longer registered"
                if planned is None
                else "no result"
                if result is None
                else f"not exceeded (achieved {dec(result['achieved'])}, planned {dec(planned)})"
            )
            lines.append(
                Line(
                    "bonus",
                    f"target {target}: bonus {dec(bonus['points'])} does not count: {why}",
                    "LCA-BONUS-1",
                    bonus["points"],
                    False,
                    events,
                )
            )
            continue
        lines.append(
            Line(
                "bonus",
                f"target {target}: planned {dec(planned)}, achieved {dec(result['achieved'])}: "
                f"bonus {dec(bonus['points'])}",
                "LCA-BONUS-1",
                bonus["points"],
                events=events,
            )
        )
        total += bonus["points"]
    cap = rules.value("bonus_cap")
    if total > cap:
        lines.append(Line("cap", f"bonus {dec(total)} capped at {dec(cap)}", "LCA-BONUS-1", cap - total))
        total = cap
    return total


def lapses_found(
    facts: Facts, rules: RuleSet, block: str, unit: str, year: int, formed_on: date
) -> list[tuple[str, tuple[int, ...]]]:
    """LCA-DED-3 lapses the log shows without anyone recording them: a registration (LCA-TIME-1) or
    year-end report (LCA-TIME-3) that arrived after its deadline, and a block conference the unit
    missed or attended with the wrong people."""
    found: list[tuple[str, tuple[int, ...]]] = []
    for event_type, where, deadline_name, what in LATE_DOCUMENTS:
        fact = facts.current(event_type, unit=unit, **where)
        deadline = rules.deadline(deadline_name, year)
        if deadline_name == "deadline_registration" and formed_on >= deadline.date():
            continue
        if fact is not None and not fact.at < deadline:
            found.append(
                (
                    f"{what} on {fact.at:%d/%m/%Y}, late: due before {deadline:%d/%m/%Y} ({rules.cite(deadline_name)})",
                    (fact.position,),
                )
            )
    for held in facts.counting("conference.held", block=block):
        for key, what in (("absent", "missed"), ("wrong_people", "attended with the wrong people")):
            if unit in (held.get(key) or ()):
                found.append((f"{what} the block's {held['kind']} conference of {held.at:%d/%m/%Y}", (held.position,)))
    return found


LATE_DOCUMENTS: tuple[tuple[str, dict[str, str], str, str], ...] = (
    ("emulation.registered", {}, "deadline_registration", "emulation registration"),
    ("report.submitted", {"kind": "year_end"}, "deadline_reports", "year-end report"),
)


def deductions(
    facts: Facts,
    rules: RuleSet,
    block: str,
    unit: str,
    lines: list[Line],
    found: Sequence[tuple[str, tuple[int, ...]]] = (),
) -> Decimal:
    """LCA-DED-1..3 and the block's own deductions; returns the points deducted (positive)."""
    recorded = facts.counting("deduction.recorded", unit=unit)
    total = ZERO
    # LCA-DED-1: −0.5 per document, at most −2.
    documents = [d for d in recorded if d["reason"] == "criticism_doc"]
    part, each = ZERO, rules.value("criticism_each")
    for doc in documents:
        points = each * doc.get("count", 1)
        lines.append(
            Line(
                "deduction",
                f"{doc.get('count', 1)} reminder/criticism document(s)"
                + (f" ({doc['ref']})" if doc.get("ref") else "")
                + f": −{dec(points)}",
                "LCA-DED-1",
                -points,
                events=(doc.position,),
            )
        )
        part += points
    if part > rules.value("criticism_cap"):
        lines.append(
            Line(
                "cap",
                f"criticism documents −{dec(part)} capped at −{dec(rules.value('criticism_cap'))}",
                "LCA-DED-1",
                part - rules.value("criticism_cap"),
            )
        )
        part = rules.value("criticism_cap")
    total += part
    # LCA-DED-2: tiers by the number of ineligible dossiers.
    notices = [d for d in recorded if d["reason"] == "invalid_dossiers"]
    dossiers = sum(d.get("count", 1) for d in notices)
    if dossiers:
        points = dossier_tier(rules, dossiers)
        lines.append(
            Line(
                "deduction",
                f"{dossiers} ineligible award dossier(s) in {len(notices)} notice(s): −{dec(points)}",
                "LCA-DED-2",
                -points,
                events=tuple(d.position for d in notices),
            )
        )
        total += points
    # LCA-DED-3: not following the block's rules, recorded by hand or found in the log.
    lapses = [d for d in recorded if d["reason"] == "rule_lapse"]
    each = rules.value("lapse_points")
    for lapse in lapses:
        what = lapse.get("note") or lapse.get("ref") or "not following the block's rules"
        count = lapse.get("count", 1)
        lines.append(
            Line(
                "condition",
                f"lapse recorded: {what}" + (f" (×{count})" if count > 1 else ""),
                "LCA-DED-3",
                counted=False,
                events=(lapse.position,),
            )
        )
    for text, events in found:
        lines.append(Line("condition", f"lapse found: {text}", "LCA-DED-3", counted=False, events=events))
    number = sum(d.get("count", 1) for d in lapses) + len(found)
    if number:
        per_event, line = setting(facts, rules, "lapse_per_event", block)
        points = each * (number if per_event else 1)
        how = f"−{dec(each)} per lapse" if per_event else f"−{dec(each)} once per period, however many"
        lines.append(
            Line(
                "deduction",
                f"{number} lapse(s) of the block's rules ({how}): −{dec(points)}",
                "LCA-DED-3",
                -points,
                events=tuple(d.position for d in lapses) + tuple(p for _, e in found for p in e) + line.events,
            )
        )
        total += points
    else:
        lines.append(
            Line(
                "condition",
                "no lapse of the block's rules recorded or found (late documents, conferences)",
                "LCA-DED-3",
            )
        )
    for other in (d for d in recorded if d["reason"] == "other"):
        lines.append(
            Line(
                "deduction",
                "deduction defined by the block's own sheet"
                + (f" ({other['note']})" if other.get("note") else "")
                + f": −{dec(other['points'])}",
                "LCA-SCORE-1",
                -other["points"],
                events=(other.position,),
            )
        )
        total += other["points"]
    return total


def dossier_tier(rules: RuleSet, count: int) -> Decimal:
    for low, high, points in rules.value("invalid_dossier_tiers"):
        if count >= low and (high == 0 or count <= high):
            return Decimal(str(points))
    return ZERO


def new_block(facts: Facts, rules: RuleSet, formed: Fact, year: int, result: BlockResult) -> None:
    """LCA-ELIG-2: a block formed in a year (whatever the month) ranks and proposes awards from the next year."""
    source = "formed_on" if formed.get("formed_on") else "the date of its block.formed event"
    formed_on = formed_date(formed)
    if formed_on.year >= year:
        text = (
            f"block formed on {formed_on:%d/%m/%Y} ({source}), in {formed_on.year}: it ranks and proposes awards "
            f"from {formed_on.year + 1}"
        )
        for unit in result.units:
            unit.exclude("LCA-ELIG-2", text, (formed.position,))
        result.lines.append(Line("exclusion", text, "LCA-ELIG-2", events=(formed.position,)))
        return
    text = f"block formed on {formed_on:%d/%m/%Y} ({source}), before {year}: it ranks and proposes awards in {year}"
    for unit in result.units:
        unit.lines.append(Line("condition", text, "LCA-ELIG-2", events=(formed.position,)))


def unit_deadlines(facts: Facts, rules: RuleSet, unit: str, year: int, formed_on: date, result: UnitResult) -> None:
    """LCA-TIME-1 (registration; not for a block formed after it) and LCA-TIME-3 (year-end report)."""
    for event_type, where, deadline_name, what in LATE_DOCUMENTS:
        fact = facts.current(event_type, unit=unit, **where)
        deadline = rules.deadline(deadline_name, year)
        if deadline_name == "deadline_registration" and formed_on >= deadline.date():
            continue  # the block did not exist yet when registrations were due
        if fact is None:
            result.lines.append(
                Line(
                    "warning",
                    f"no {what} recorded (due before {deadline:%d/%m/%Y})",
                    rules.cite(deadline_name),
                    counted=False,
                )
            )
        elif not fact.at < deadline:
            result.lines.append(late_line(rules.cite(deadline_name), what, fact, deadline))


def block_deadlines(facts: Facts, rules: RuleSet, formed: Fact, year: int) -> list[Line]:
    """LCA-TIME-2 (budget estimate), LCA-TIME-3 (conference), LCA-TIME-4 (dossiers within 5 days)."""
    block, lines = formed["block"], []
    budget = facts.current("report.submitted", unit=formed["head"], kind="budget_estimate")
    deadline = rules.deadline("deadline_budget", year)
    if formed_date(formed) >= deadline.date():
        lines.append(
            Line(
                "note",
                f"block formed on {formed_date(formed):%d/%m/%Y}: its head was not approved before "
                f"{deadline:%d/%m/%Y}, so no budget estimate was due",
                "LCA-TIME-2",
                counted=False,
                events=(formed.position,),
            )
        )
    elif budget is None:
        lines.append(
            Line(
                "warning",
                f"no budget estimate from the head {formed['head']} recorded (due before {deadline:%d/%m/%Y})",
                "LCA-TIME-2",
                counted=False,
            )
        )
    elif not budget.at < deadline:
        lines.append(late_line("LCA-TIME-2", "budget estimate", budget, deadline))
    conference = facts.current("conference.held", block=block, kind="year_end")
    deadline = rules.deadline("deadline_conference", year)
    if conference is None:
        lines.append(
            Line(
                "warning",
                f"no year-end conference recorded (due before {deadline:%d/%m/%Y})",
                "LCA-TIME-3",
                counted=False,
            )
        )
        return lines
    if not conference.at < deadline:
        lines.append(late_line("LCA-TIME-3", "year-end conference", conference, deadline))
    window_end = local_midnight(conference.at.date() + timedelta(days=int(rules.value("dossier_window_days")) + 1))
    members = set(facts.members(block))
    for dossier in facts.counting("dossier.submitted"):
        if dossier.get("unit") in members and not dossier.at < window_end:
            lines.append(
                Line(
                    "warning",
                    f"award dossier of {dossier['unit']} on {dossier['at'][:10]}, more than "
                    f"{rules.value('dossier_window_days')} days after the year-end conference of {conference['at'][:10]}",
                    "LCA-TIME-4",
                    counted=False,
                    events=(dossier.position, conference.position),
                )
            )
    return lines
