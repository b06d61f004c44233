"""The rule catalogue: every rule id an output can cite, with the regulation behind it.

An entry is one rule in one rule-set version: the document (number, title, issuer, date),
the clause, the Vietnamese sentence it rests on, the values and settings it uses, the dates
the version is in force, and the Interpretation (with its setting) where RULES.md made one.
"""

from __future__ import annotations

from typing import Any

from thidua.registry import Plugins
from thidua.rules import Province, Rule, RuleSet


def entry(province: Province, rules: RuleSet, rule: Rule) -> dict[str, Any]:
    values = [
        {"name": v.name, "value": v.value, "summary": v.summary} for v in rules.values.values() if v.rule == rule.id
    ]
    settings = [
        {"name": s.name, "default": s.value, "summary": s.summary} for s in rules.settings.values() if s.rule == rule.id
    ]
    return {
        "rule": rule.id,
        "province": province.key,
        "province_name": province.name,
        "summary": rule.summary,
        "clause": rule.clause,
        "quote": rule.quote,
        "interpretation": rule.interpretation,
        "values": values,
        "settings": settings,
        **rules.as_json(),
        "title": rules.title,
        "seed": rules.seed,
    }


def listing(province: Province, period: str | None = None) -> list[dict[str, Any]]:
    """Every rule of the version in force for `period`, or of every version."""
    versions = [province.ruleset_for(period)] if period else list(province.rulesets)
    return [entry(province, rules, rule) for rules in versions for rule in rules.rules.values()]


def lookup(plugins: Plugins, rule_id: str, province: str | None = None) -> list[dict[str, Any]]:
    """The rule under this id in every version that holds it (newest version last)."""
    keys = [province] if province else sorted(plugins.provinces)
    found = []
    for key in keys:
        p = plugins.province(key)
        found += [entry(p, rules, rules.rules[rule_id]) for rules in p.rulesets if rule_id in rules.rules]
    return found
