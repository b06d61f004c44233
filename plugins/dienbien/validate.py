"""Điện Biên's checks at input: registered titles from the guidance's list, known award keys."""

from __future__ import annotations

import difflib
import unicodedata

from thidua.api import Fact, Facts, Problem, RuleSet


def title_key(title: str) -> str:
    return " ".join(unicodedata.normalize("NFC", title).split())


def _folded(rules: RuleSet, title: str) -> str:
    """A title as compared: NFC, single spaces, case-folded, the seed's own variant spellings made one."""
    text = title_key(title).casefold()
    for variant, canonical in rules.value("title_spellings").items():
        text = text.replace(title_key(variant).casefold(), title_key(canonical).casefold())
    return text


def canonical_title(rules: RuleSet, title: str) -> str | None:
    """DB-TITLE-1: the canonical form of a registered title, or None when it is not one of the list."""
    known = {_folded(rules, t): t for t in rules.value("titles")}
    return known.get(_folded(rules, title))


def validate(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    check = CHECKS.get(fact.type)
    return check(fact, facts, rules) if check else []


def _titles(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    titles = rules.value("titles")
    folded = {_folded(rules, t): t for t in titles}
    problems = []
    for title in fact.get("titles") or ():
        if canonical_title(rules, title) is None:
            near = difflib.get_close_matches(_folded(rules, title), list(folded), n=1, cutoff=0.8)
            hint = f" (did you mean {folded[near[0]]!r}?)" if near else ""
            problems.append(Problem("titles", f"unknown title {title!r}{hint}", rules.cite("titles")))
    return problems


def _award(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    known = rules.value("dossier_copies")
    if fact.get("award") is not None and fact["award"] not in known:
        return [Problem("award", f"unknown award {fact['award']!r} (known: {', '.join(known)})", "DB-DOSSIER-1")]
    return []


def _resolution(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:
    awards = (rules.value("award_proposal"), rules.value("award_leading"))
    if fact["award"] not in awards:
        return [
            Problem(
                "award",
                f"a block resolves its proposals as {awards[0]!r} and its leading unit as {awards[1]!r}",
                "DB-AWARD-1",
            )
        ]
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
