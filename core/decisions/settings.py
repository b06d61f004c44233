"""Settings: the Interpretations of RULES.md as named values a block may change by an event.

A `setting.changed` event for the block wins over one for every block ("*"), which wins
over the rule set's default. The answer always says where the value came from.
"""

from __future__ import annotations

from typing import Any

from thidua.decisions.results import Line, Problem
from thidua.fields import canonical_decimal
from thidua.replay.facts import Fact, Facts
from thidua.rules import RuleSet


def setting(facts: Facts, rules: RuleSet, name: str, block: str) -> tuple[Any, Line]:
    default = rules.settings[name]
    event = facts.current("setting.changed", block=block, setting=name) or facts.current(
        "setting.changed", block="*", setting=name
    )
    if event is not None:
        value = event["value"]
        return value, Line(
            "setting",
            f"{name} = {canonical_decimal(value)} for block {event['block']} "
            f"(default {canonical_decimal(default.value)}): {default.summary}",
            default.rule,
            events=(event.position,),
        )
    return default.value, Line(
        "setting",
        f"{name} = {canonical_decimal(default.value)} (default of rule set {rules.version}): {default.summary}",
        default.rule,
    )


def check_setting(fact: Fact, rules: RuleSet) -> list[Problem]:
    name = fact["setting"]
    if name not in rules.settings:
        known = ", ".join(sorted(rules.settings)) or "none"
        return [Problem("setting", f"unknown setting {name!r} for rule set {rules.version} (settings: {known})")]
    default, value = rules.settings[name], fact["value"]
    if value < 0:
        return [Problem("value", f"setting {name} cannot be negative", default.rule)]
    if default.value == default.value.to_integral_value() and value != value.to_integral_value():
        return [Problem("value", f"setting {name} takes a whole number", default.rule)]
    return []
