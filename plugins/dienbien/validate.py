"""Điện Biên's checks at input: registered titles from the guidance's list, known award keys."""

from __future__ import annotations

import difflib
import unicodedata

from thidua.api import Fact, Facts, Problem, RuleSet


def title_key(title: str) -> str:
    return " ".join(unicodedata.normalize("NFC", title).split())


def validate(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    check = CHECKS.get(fact.type)
    return check(fact, facts, rules) if check else []


def _titles(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    known = [title_key(t) for t in rules.value("titles")]
    problems = []
    for title in fact.get("titles") or ():
        if title_key(title) not in known:
            near = difflib.get_close_matches(title_key(title), known, n=1, cutoff=0.5)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(Problem("titles", f"unknown title {title!r}{hint}", rules.cite("titles")))
    return problems


def _award(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    known = rules.value("dossier_copies")
    if fact.get("award") is not None and fact["award"] not in known:
        return [Problem("award", f"unknown award {fact['award']!r} (known: {', '.join(known)})", "DB-DOSSIER-1")]
    return []


def _resolution(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    if fact["award"] != rules.value("award_proposal"):
        return [Problem("award", f"a block resolves its proposals as {rules.value('award_proposal')!r}", "DB-AWARD-1")]
    return []


def _no_points(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    return [
        Problem(
            "type",
            "Điện Biên's guidance scores on the 24/HD-LĐLĐ sheet only: no bonus or deducted points",
            "DB-SCORE-1",
        )
    ]


CHECKS = {
    "emulation.registered": _titles,
    "dossier.submitted": _award,
    "conference.resolved": _resolution,
    "bonus.awarded": _no_points,
    "deduction.recorded": _no_points,
}
