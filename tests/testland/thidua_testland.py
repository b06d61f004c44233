"""A third-party province used only by the tests: proves the plugin contract end to end.

Its rules are deliberately simple: total = counting sheet scores + bonuses − 'other' deductions,
ranked per block; the leader gets `co_testland`. Bonuses over 1 point are refused (TL-BONUS-1).
"""

from decimal import Decimal
from pathlib import Path

from thidua.api import (
    BlockResult,
    Line,
    Place,
    Problem,
    Standings,
    UnitResult,
    assign_awards,
    counting_score,
    hookimpl,
    load_province,
    rank,
)

PROVINCE = load_province(Path(__file__).with_name("rules.toml"), "0.0.1")


@hookimpl
def thidua_province():
    return PROVINCE


@hookimpl
def thidua_validate(fact, facts, rules):
    if fact.type == "bonus.awarded" and fact["points"] > rules.value("bonus_cap"):
        return [Problem("points", f"a bonus is at most {rules.value('bonus_cap')} point", "TL-BONUS-1")]
    return []


@hookimpl
def thidua_standings(facts, rules):
    blocks = []
    for formed in facts.blocks():
        units = []
        for unit in facts.members(formed["block"]):
            sheet = facts.sheet(formed["block"])
            lines = [
                Line("score", f"criterion {c['id']}", "TL-SCORE-1", counting_score(facts, unit, c["id"]))
                for c in (sheet["criteria"] if sheet else [])
            ]
            lines += [
                Line("bonus", f"bonus {b['target']}", "TL-BONUS-1", b["points"], events=(b.position,))
                for b in facts.counting("bonus.awarded", unit=unit)
            ]
            lines += [
                Line("deduction", "deduction", "TL-SCORE-1", -d["points"], events=(d.position,))
                for d in facts.counting("deduction.recorded", unit=unit)
                if d["reason"] == "other"
            ]
            total = sum((line.points for line in lines), Decimal(0))
            result = UnitResult(unit, facts.unit(unit)["name"], total, True, lines=lines)
            for violation in facts.counting("violation.recorded", unit=unit):
                result.exclude("TL-ELIG-1", "serious violation", (violation.position,))
            units.append(result)
        block = BlockResult(formed["block"], formed["name"], rank(units))
        assign_awards(
            block,
            [Place("co_testland", "TL-SCORE-1")],
            facts.counting("conference.resolved", block=formed["block"]),
            "TL-SCORE-1",
        )
        blocks.append(block)
    return Standings(facts.province, facts.period, blocks)
