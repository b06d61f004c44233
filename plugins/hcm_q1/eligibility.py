"""District 1, phase 2015–2019: who may be honoured at the city and the district conference.

Every object's criteria are data (rules.toml, `objects`); this module checks them one by one
and says, for each candidate, every condition met or missed and the events behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from thidua.api import (
    INITIATIVE_SCOPES,
    Candidate,
    Eligibility,
    Fact,
    Facts,
    Level,
    Line,
    RuleSet,
    dec,
    parse_moment,
    setting,
)
from thidua.plugins.hcm_q1.validate import delegate_limit

LEVELS = ("city", "district")


def vnd(amount: Fraction | Decimal | int) -> str:
    """Money for display only: whole đồng with dots, cents when the exact value has them (rounded half up
    to 2 places here and nowhere else; comparisons use the exact value)."""
    exact = Fraction(amount)
    cents = (exact * 100 + Fraction(1, 2)) // 1
    whole, rest = divmod(int(cents), 100)
    text = f"{whole:,}".replace(",", ".")
    return f"{text} VND" if exact.denominator == 1 else f"{text},{rest:02d} VND"


@dataclass
class Credit:
    """One initiative as it counts for one person: its share of the benefit, and whether it counts at all."""

    fact: Fact
    share: Fraction  # exact: a benefit split three ways stays a third
    counts: bool
    why: str

    @property
    def scope_rank(self) -> int:
        return INITIATIVE_SCOPES.index(self.fact["scope"])


def credits(facts: Facts, person: str, phase: tuple[date, date]) -> list[Credit]:
    """Q1-INIT-1: recognised, applied, within the phase; the benefit split equally or by the shares given."""
    out = []
    for initiative in facts.counting("initiative.recognized"):
        authors = initiative["authors"]
        if person not in authors:
            continue
        benefit = Fraction(initiative["benefit_vnd"])
        if isinstance(authors, dict):
            share = benefit * Fraction(authors[person]) / sum((Fraction(v) for v in authors.values()), Fraction(0))
        else:
            share = benefit / len(authors)
        recognised = date.fromisoformat(initiative["recognized_on"])
        if not initiative["applied"]:
            out.append(Credit(initiative, share, False, "recognised but not applied"))
        elif not phase[0] <= recognised <= phase[1]:
            out.append(Credit(initiative, share, False, f"recognised {recognised:%d/%m/%Y}, outside the phase"))
        else:
            out.append(Credit(initiative, share, True, f"recognised {recognised:%d/%m/%Y}, applied"))
    return out


def exact_share(credit: Credit, initiative: Fact) -> str:
    """The share as the exact fraction of the benefit when rounding hides it (Q1-INIT-1)."""
    if credit.share.denominator == 1:
        return ""
    part = credit.share / Fraction(initiative["benefit_vnd"])
    return f" (exactly {part.numerator}/{part.denominator})"


def in_phase(honor: Fact, phase: tuple[date, date]) -> bool:
    return honor.get("year") is not None and phase[0].year <= honor["year"] <= phase[1].year


def eligibility(facts: Facts, rules: RuleSet) -> Eligibility:
    phase = (date.fromisoformat(rules.value("phase_from")), date.fromisoformat(rules.value("phase_to")))
    candidates = [person_candidate(facts, rules, p, phase) for p in facts.counting("person.registered")]
    candidates += [collective_candidate(facts, rules, u, phase) for u in facts.counting("unit.registered")]
    candidates.sort(key=lambda c: priority(facts, c))
    return Eligibility(facts.province, facts.period, candidates, balance(facts, candidates) + conferences(facts, rules))


def priority(facts: Facts, candidate: Candidate) -> tuple:
    """Q1-PRIO-1: eligible first; among them direct workers and non-leader civil servants, then city level first."""
    person = facts.person(candidate.subject) if candidate.kind == "person" else None
    preferred = person is not None and (
        person.get("category") == "direct_worker"
        or (person.get("category") == "civil_servant" and not person.get("leader", False))
    )
    top = 0 if any(level.level == "city" for level in candidate.levels) else 1
    return (not candidate.eligible, candidate.kind != "person", not preferred, top, candidate.name)


def person_candidate(facts: Facts, rules: RuleSet, person: Fact, phase: tuple[date, date]) -> Candidate:
    pid, category = person["person"], person.get("category")
    candidate = Candidate(pid, "person", person["name"], False)
    lines = candidate.lines
    mine = credits(facts, pid, phase)
    for credit in mine:
        f = credit.fact
        lines.append(
            Line(
                "condition",
                f"initiative {f['initiative']} «{f['title']}» ({f['scope']}): {credit.why}; share "
                f"{vnd(credit.share)}{exact_share(credit, f)} of {vnd(f['benefit_vnd'])}"
                + ("" if credit.counts else ": not counted"),
                "Q1-INIT-1",
                counted=credit.counts,
                events=(f.position,),
            )
        )
    objects = [o for o in rules.value("objects") if o["category"] == category]
    if not objects:
        lines.append(
            Line(
                "condition",
                f"category {category or 'not recorded'}: no object of the plan applies",
                None,
                counted=False,
                events=(person.position,),
            )
        )
    found: dict[str, list[tuple[str, str]]] = {}
    for obj in objects:
        met, obj_lines = check_object(facts, rules, pid, obj, mine, phase)
        lines += obj_lines
        if met:
            found.setdefault(obj["level"], []).append((obj["id"], obj["rule"]))
    exclusions(facts, rules, candidate, found, {"person": pid}, prior=True)
    return candidate


def check_object(
    facts: Facts, rules: RuleSet, pid: str, obj: dict[str, Any], mine: list[Credit], phase: tuple[date, date]
) -> tuple[bool, list[Line]]:
    """Every condition of one object, each as a line; met only if all are."""
    label, rule, lines, met = f"{obj['level']} object {obj['id']}", obj["rule"], [], True

    def condition(ok: bool, text: str, events: tuple[int, ...] = ()) -> None:
        nonlocal met
        met = met and ok
        lines.append(
            Line("condition", f"{label}: {text}: {'met' if ok else 'not met'}", rule, counted=ok, events=events)
        )

    if "initiatives" in obj:
        needed_scope = INITIATIVE_SCOPES.index(obj["scope"])
        counted = [c for c in mine if c.counts and c.scope_rank >= needed_scope]
        events = tuple(c.fact.position for c in counted)
        condition(
            len(counted) >= obj["initiatives"],
            f"{len(counted)} initiative(s) at {obj['scope']} scope or above, needs {obj['initiatives']}",
            events,
        )
        if "benefit_vnd" in obj:
            total = sum((c.share for c in counted), Fraction(0))
            condition(total >= obj["benefit_vnd"], f"benefit {vnd(total)}, needs {vnd(obj['benefit_vnd'])}", events)
    if obj.get("training"):
        trained = facts.current("training.contributed", person=pid)
        condition(
            trained is not None,
            "has trained and helped colleagues" if trained else "no training of colleagues recorded",
            (trained.position,) if trained else (),
        )
    if obj.get("law_abiding"):
        disciplines = facts.counting("discipline.recorded", person=pid)
        condition(
            not disciplines,
            "law-abiding (no discipline recorded)"
            if not disciplines
            else f"disciplined ({', '.join(d['level'] for d in disciplines)})",
            tuple(d.position for d in disciplines),
        )
    if obj.get("excellent_every_year"):
        first, last = phase[0].year, phase[1].year
        misses: list[str] = []
        rated: list[int] = []
        for year in range(first, last + 1):
            rating = facts.current("rating.recorded", person=pid, year=year)
            if rating is not None:
                rated.append(rating.position)
            if rating is None or rating["rating"] != "excellent":
                misses.append(f"{year}: {rating['rating'] if rating else 'no rating'}")
        condition(
            not misses,
            f"excellent every year {first}–{last}" + (f" ({'; '.join(misses)})" if misses else ""),
            tuple(rated),
        )
    if "honors_any" in obj:
        held = [h for h in facts.counting("honor.received", person=pid) if h["honor"] in obj["honors_any"]]
        good = [h for h in held if in_phase(h, phase)]
        text = (
            f"holds {good[0]['honor']} ({good[0]['year']})"
            if good
            else f"holds {' or '.join(obj['honors_any'])} in the phase"
            + (" (only outside the phase or without a year)" if held else "")
        )
        condition(bool(good), text, tuple(h.position for h in held))
    return met, lines


def exclusions(
    facts: Facts,
    rules: RuleSet,
    candidate: Candidate,
    found: dict[str, list[tuple[str, str]]],
    subject: dict[str, str],
    prior: bool,
) -> None:
    """Q1-PRIOR-1 and Q1-TIME-1, level by level; what survives are the candidate's levels."""
    for level in LEVELS:
        if level not in found:
            continue
        rules_used = [r for _, r in found[level]]
        if prior:
            honoured = [
                h for h in facts.counting("honor.received", **subject) if h["honor"] == rules.value(f"prior_{level}")
            ]
            if honoured:
                candidate.lines.append(
                    Line(
                        "exclusion",
                        f"honoured at the {level} conference of the previous phase ({rules.value(f'prior_{level}')}): "
                        f"not a candidate at {level} level",
                        "Q1-PRIOR-1",
                        events=tuple(h.position for h in honoured),
                    )
                )
                candidate.reasons.append("Q1-PRIOR-1")
                continue
            candidate.lines.append(
                Line(
                    "condition",
                    f"not honoured at the {level} conference of the previous phase ({rules.value(f'prior_{level}')}: "
                    "none recorded): not excluded",
                    "Q1-PRIOR-1",
                )
            )
            rules_used.append("Q1-PRIOR-1")
        deadline = parse_moment(rules.value(f"deadline_{level}"))
        dossiers = [
            d
            for d in facts.everything("dossier.submitted", **subject)
            if d.retracted_by is None and d.get("level") == level
        ]
        first = min(dossiers, key=lambda d: d.at) if dossiers else None
        if first is None or not first.at < deadline:
            when = f"arrived {first['at'][:16].replace('T', ' ')}" if first else "no dossier"
            candidate.lines.append(
                Line(
                    "exclusion",
                    f"{level} dossier: {when}, due before {deadline:%H:%M %d/%m/%Y}: not a candidate at {level} level",
                    "Q1-TIME-1",
                    events=(first.position,) if first else (),
                )
            )
            candidate.reasons.append("Q1-TIME-1")
            continue
        candidate.lines.append(
            Line(
                "condition",
                f"{level} dossier arrived {first['at'][:16].replace('T', ' ')}, before {deadline:%H:%M %d/%m/%Y}",
                "Q1-TIME-1",
                events=(first.position,),
            )
        )
        candidate.levels.append(Level(level, [o for o, _ in found[level]], rules_used + ["Q1-TIME-1"]))
    candidate.reasons = sorted(set(candidate.reasons))
    candidate.eligible = bool(candidate.levels)


def collective_candidate(facts: Facts, rules: RuleSet, unit: Fact, phase: tuple[date, date]) -> Candidate:
    """Q1-DIST-C: a grassroots union awarded the city people's committee's Bằng khen in the phase."""
    uid, obj = unit["unit"], rules.value("collective")
    candidate = Candidate(uid, "unit", unit["name"], False)
    held = [h for h in facts.counting("honor.received", unit=uid) if h["honor"] in obj["honors_any"]]
    good = [h for h in held if in_phase(h, phase)]
    candidate.lines.append(
        Line(
            "condition",
            "district collective: "
            + (
                f"holds {good[0]['honor']} ({good[0]['year']})"
                if good
                else f"holds {' or '.join(obj['honors_any'])} in the phase"
            )
            + (": met" if good else ": not met"),
            "Q1-DIST-C",
            counted=bool(good),
            events=tuple(h.position for h in held),
        )
    )
    found = {"district": [("collective", "Q1-DIST-C")]} if good else {}
    exclusions(facts, rules, candidate, found, {"unit": uid}, prior=False)
    return candidate


def balance(facts: Facts, candidates: list[Candidate]) -> list[Line]:
    """Q1-PRIO-1: the shares of women and of ethnic-minority candidates among eligible persons."""
    people = [p for c in candidates if c.kind == "person" and c.eligible and (p := facts.person(c.subject))]
    if not people:
        return [Line("note", "no eligible individual candidates", "Q1-PRIO-1")]
    women = sum(1 for p in people if p.get("gender") == "female")
    minority = sum(1 for p in people if p.get("ethnic_minority", False))

    def pct(n: int) -> str:
        return f"{Decimal(100 * n) / len(people):.1f}%"

    return [
        Line(
            "note",
            f"eligible individuals: {len(people)}; women {women} ({pct(women)}); ethnic minority {minority} "
            f"({pct(minority)})",
            "Q1-PRIO-1",
            events=tuple(p.position for p in people),
        )
    ]


def conferences(facts: Facts, rules: RuleSet) -> list[Line]:
    """Q1-DEL-1/2 (size and the model/guest share) and Q1-TIME-2 (dates) of each conference."""
    lines = []
    for held in facts.counting("conference.held"):
        who = held.get("unit") or held.get("block")
        deadline = parse_moment(
            rules.value(
                "deadline_district_conference" if held["kind"] == "district" else "deadline_grassroots_conference"
            )
        )
        if not held.at < deadline:
            lines.append(
                Line(
                    "warning",
                    f"{held['kind']} conference of {who} on {held['at'][:10]}, not before {deadline:%d/%m/%Y}",
                    "Q1-TIME-2",
                    counted=False,
                    events=(held.position,),
                )
            )
        delegates = held.get("delegates")
        if not delegates:
            continue
        total = delegates["models"] + delegates["guests"]
        limit, why = delegate_limit(facts, rules, held)
        share = Decimal(100 * delegates["models"]) / total if total else Decimal(0)
        minimum, _ = setting(facts, rules, "min_model_share_percent", held.get("block") or "*")
        text = (
            f"{held['kind']} conference of {who}: {total} delegates (limit {limit}, {why}); advanced models "
            f"{delegates['models']} ({share:.1f}%), guests {delegates['guests']}"
        )
        if share < minimum:
            lines.append(
                Line(
                    "warning",
                    text + f": model share below {dec(minimum)}%",
                    "Q1-DEL-2",
                    counted=False,
                    events=(held.position,),
                )
            )
        else:
            lines.append(Line("note", text, "Q1-DEL-2", events=(held.position,)))
    return lines
