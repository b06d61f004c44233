"""District 1's checks at input: delegate limits (Q1-DEL-1), dossiers name their level (Q1-TIME-1)."""

from __future__ import annotations

from thidua.api import Fact, Facts, Problem, RuleSet


def validate(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    check = CHECKS.get(fact.type)
    return check(fact, facts, rules) if check else []


def delegate_limit(facts: Facts, rules: RuleSet, fact: Fact) -> tuple[int, str]:
    """The most delegates this conference may have, and why."""
    if fact["kind"] == "district":
        return rules.value("delegates_district"), "a district conference"
    unit = facts.unit(fact.get("unit") or "")
    workers = unit.get("workers") if unit else None
    if workers is not None and workers > rules.value("large_union_workers"):
        return rules.value("delegates_large_union"), (
            f"a union of {workers} workers (more than {rules.value('large_union_workers')}, "
            "with the upper level's approval)"
        )
    return rules.value("delegates_grassroots"), "a grassroots conference"


def _conference(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    if fact["kind"] not in ("grassroots", "district"):
        return [Problem("kind", "District 1's plan holds grassroots and district conferences", "Q1-TIME-2")]
    delegates = fact.get("delegates")
    if delegates is None:
        return []
    total = delegates["models"] + delegates["guests"]
    limit, why = delegate_limit(facts, rules, fact)
    if total > limit:
        return [Problem("delegates", f"{total} delegates, over the limit of {limit} for {why}", "Q1-DEL-1")]
    return []


def _dossier(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    if fact.get("level") is None:
        return [Problem("level", "a District 1 dossier names its level: city or district", "Q1-TIME-1")]
    return []


def _no_points(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    return [
        Problem(
            "type", "District 1's plan selects candidates by criteria: it has no points, scores, bonuses or deductions"
        )
    ]


CHECKS = {
    "conference.held": _conference,
    "dossier.submitted": _dossier,
    "score.self": _no_points,
    "score.appraised": _no_points,
    "score.provincial": _no_points,
    "bonus.awarded": _no_points,
    "deduction.recorded": _no_points,
}
