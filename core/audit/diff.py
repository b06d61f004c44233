"""`thidua diff`: what changed in one province-period's decisions between two moments, and why.

Both sides are full replays (`--as-of T1` and `--as-of T2`). Each changed subject lists the
events recorded in between that name it (its own scores, its persons' records, retractions of
its events) as the cause; events of its block or of the whole province (a sheet, a setting, a
conference resolution) and, when only its rank or award moved, its block-mates' events, are
listed as the context.
"""

from __future__ import annotations

from typing import Any

from thidua.decisions.decider import Decider
from thidua.documents.build import event_json
from thidua.events import about
from thidua.replay.facts import Fact, Facts

UNIT_FIELDS = ("total", "rank", "eligible", "reasons", "award", "award_status")
CANDIDATE_FIELDS = ("eligible", "levels", "reasons")


def _side(decider: Decider) -> dict[str, Any]:
    head = decider.head
    return {"as_of": head["as_of"], "position": head["position"], "head_hash": head["head_hash"]}


def _changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None, fields: tuple[str, ...]
) -> dict[str, list[Any]]:
    if before is None or after is None:
        return {"present": [before is not None, after is not None]}
    return {f: [before[f], after[f]] for f in fields if before[f] != after[f]}


def _names(fact: Fact, facts: Facts) -> set[str]:
    """The units, persons and blocks an event is about (a retraction: its target's)."""
    if fact.type == "event.retracted":
        target = facts.resolve(fact.record["target"])
        return _names(target, facts) if target is not None else set()
    return about(fact.type, fact.record).names() - {"*"}


def _persons_of(facts: Facts, unit: str) -> set[str]:
    return {p["person"] for p in facts.counting("person.registered", unit=unit)}


def compute(before: Decider, after: Decider) -> dict[str, Any]:
    facts = after.run.facts
    lo, hi = before.run.position, after.run.position
    between = [f for p, f in sorted(facts.by_position.items()) if lo < p <= hi]
    out = {
        "province": after.key,
        "province_name": after.province.name,
        "period": facts.period,
        "from": _side(before),
        "to": _side(after),
        "rules": after.head["rules"],
        "events_between": len(between),
    }
    names = {f.position: _names(f, facts) for f in between}  # once per event, not once per subject
    wide = [f for f in between if not names[f.position] or f.get("block") == "*"]
    if before.ranks:
        out["blocks"] = _blocks(before, after, facts, between, wide, names)
    else:
        out["candidates"] = _candidates(before, after, facts, between, wide, names)
    return out


def _blocks(
    before: Decider, after: Decider, facts: Facts, between: list[Fact], wide: list[Fact], names: dict[int, set[str]]
) -> list[dict[str, Any]]:
    old = {b["block"]: b for b in before.standings_json()["blocks"]}
    new = {b["block"]: b for b in after.standings_json()["blocks"]}
    blocks = []
    for key in list(new) + [k for k in old if k not in new]:
        b_old, b_new = old.get(key, {"units": []}), new.get(key, {"units": []})
        units_old = {u["unit"]: u for u in b_old["units"]}
        units_new = {u["unit"]: u for u in b_new["units"]}
        members = list(units_new) + [u for u in units_old if u not in units_new]
        named = {u: {u} | _persons_of(facts, u) for u in members}
        block_events = [f for f in between if key in names[f.position]]
        changes = []
        for unit in members:
            changed = _changes(units_old.get(unit), units_new.get(unit), UNIT_FIELDS)
            if not changed:
                continue
            own = [f for f in between if names[f.position] & named[unit]]
            context = [f for f in block_events + wide if f not in own]
            if not own and set(changed) <= {"rank", "award", "award_status"}:
                context += [
                    f
                    for f in between
                    if f not in context and any(names[f.position] & named[m] for m in members if m != unit)
                ]
            name = (units_new.get(unit) or units_old[unit])["name"]
            changes.append(
                {
                    "unit": unit,
                    "name": name,
                    "changed": changed,
                    "events": [event_json(f) for f in own],
                    "context": [event_json(f) for f in sorted(context, key=lambda f: f.position)],
                }
            )
        if changes:
            blocks.append({"block": key, "name": b_new.get("name") or b_old.get("name"), "changes": changes})
    return blocks


def _candidates(
    before: Decider, after: Decider, facts: Facts, between: list[Fact], wide: list[Fact], names: dict[int, set[str]]
) -> list[dict[str, Any]]:
    old = {(c["kind"], c["subject"]): c for c in before.eligibility_json()["candidates"]}
    new = {(c["kind"], c["subject"]): c for c in after.eligibility_json()["candidates"]}
    out = []
    for key in list(new) + [k for k in old if k not in new]:
        changed = _changes(old.get(key), new.get(key), CANDIDATE_FIELDS)
        if not changed:
            continue
        kind, subject = key
        named = {subject} | (_persons_of(facts, subject) if kind == "unit" else set())
        own = [f for f in between if names[f.position] & named]
        out.append(
            {
                "subject": subject,
                "kind": kind,
                "name": (new.get(key) or old[key])["name"],
                "changed": changed,
                "events": [event_json(f) for f in own],
                "context": [event_json(f) for f in wide],
            }
        )
    return out
