"""Scoring on a sheet, shared by every province that uses one: per criterion the appraised value
if there is one, else the self-score, each as an explanation line with every version of that
criterion's scores (superseded and retracted ones included), and the subtotal per section."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from thidua.decisions.results import Line
from thidua.fields import canonical_decimal as dec
from thidua.replay.facts import Fact, Facts

ZERO = Decimal(0)


@dataclass
class SheetScore:
    total: Decimal = ZERO
    sections: dict[str | None, Decimal] = field(default_factory=dict)
    defined: bool = True


def score_sheet(
    facts: Facts,
    block: str,
    unit: str,
    rule_for: Callable[[dict], str],
    lines: list[Line],
    plan_rule: str | None = None,
) -> SheetScore:
    """Append one line per criterion of the block's sheet and return the counted points.

    Each appraisal names its appraiser when the event does; with `plan_rule`, the block's cross-check
    plan (crosscheck.planned) is shown for the unit, and an appraisal by another unit is a warning."""
    planned = cross_check_plan(facts, block, unit, plan_rule, lines) if plan_rule else None
    sheet = facts.sheet(block)
    if sheet is None:
        lines.append(
            Line("score", f"no sheet is defined for block {block}: nothing can be counted", rule_for({}), None, False)
        )
        return SheetScore(defined=False)
    result = SheetScore()
    for criterion in sheet["criteria"]:
        cid, cap, section = criterion["id"], criterion["max"], criterion.get("section")
        own = facts.current("score.self", unit=unit, criterion=cid)
        appraised = facts.current("score.appraised", unit=unit, criterion=cid)
        events = tuple(
            sorted(
                f.position
                for t in ("score.self", "score.appraised")
                for f in facts.history(t, unit=unit, criterion=cid)
            )
        )
        label = (
            f"criterion {cid}"
            + (f" ({criterion['name']})" if criterion.get("name") else "")
            + (f", section {section}" if section else "")
            + f", max {dec(cap)}"
        )
        rule = rule_for(criterion)
        if appraised is not None:
            was = f"self-score {dec(own['points'])} is replaced" if own else "no self-score"
            by = f" by {appraised['appraiser']}" if appraised.get("appraiser") else ""
            lines.append(
                Line(
                    "score",
                    f"{label}: appraised{by} {dec(appraised['points'])}; {was}",
                    rule,
                    appraised["points"],
                    events=events,
                )
            )
            points = appraised["points"]
            if planned is not None and planned[0] and appraised.get("appraiser") not in (None, planned[0]):
                lines.append(
                    Line(
                        "warning",
                        f"criterion {cid} appraised by {appraised['appraiser']}, but the block's cross-check plan "
                        f"names {planned[0]}",
                        plan_rule,
                        counted=False,
                        events=(appraised.position, planned[1]),
                    )
                )
        elif own is not None:
            lines.append(
                Line(
                    "score",
                    f"{label}: self-score {dec(own['points'])}, not appraised",
                    rule,
                    own["points"],
                    events=events,
                )
            )
            points = own["points"]
        else:
            lines.append(Line("score", f"{label}: no score recorded, nothing counted", rule, None, False))
            points = ZERO
        result.total += points
        result.sections[section] = result.sections.get(section, ZERO) + points
    return result


def cross_check_plan(
    facts: Facts, block: str, unit: str, rule: str, lines: list[Line]
) -> tuple[str | None, int] | None:
    """The unit the block's cross-check plan names to check this unit, and the plan's position."""
    plan = facts.current("crosscheck.planned", block=block)
    if plan is None:
        lines.append(Line("note", f"no cross-check plan recorded for block {block}", rule, counted=False))
        return None
    checker = plan["pairs"].get(unit)
    text = (
        f"cross-check plan of block {block}: {unit} is checked by {checker}"
        if checker
        else f"cross-check plan of block {block} names no unit to check {unit}"
    )
    lines.append(Line("note", text, rule, counted=bool(checker), events=(plan.position,)))
    return checker, plan.position


def late_line(rule: str, what: str, fact: Fact, deadline: datetime) -> Line:
    """A warning that names the late event and the deadline it missed."""
    return Line(
        "warning",
        f"{what} on {fact['at'][:16].replace('T', ' ')}, not before {deadline.strftime('%d/%m/%Y %H:%M').replace(' 00:00', '')}",
        rule,
        counted=False,
        events=(fact.position,),
    )


def counting_score(facts: Facts, unit: str, criterion: str) -> Decimal:
    """The score that counts for a criterion: the appraised value if any, else the self-score."""
    fact = facts.current("score.appraised", unit=unit, criterion=criterion) or facts.current(
        "score.self", unit=unit, criterion=criterion
    )
    return fact["points"] if fact else Decimal(0)
