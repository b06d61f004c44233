"""The public shapes of CONTRACT.md §2 (JSON keys), built from a plugin's decisions and the replay
that produced them. Tables and CSV are rendered from these same dictionaries."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from thidua.decisions.results import BlockResult, Eligibility, Line, Standings, UnitResult
from thidua.events import EVENT_TYPES
from thidua.log.rows import Stored
from thidua.replay.facts import Fact, Facts
from thidua.replay.fold import AsOf, Replay
from thidua.rules import Province, RuleSet


def header(province: Province, rules: RuleSet, period: str, as_of: AsOf, run: Replay) -> dict[str, Any]:
    return {
        "province": province.key,
        "province_name": province.name,
        "period": period,
        "as_of": as_of.label(),
        "position": run.position,
        "head_hash": run.head_hash,
        "store": run.mode,  # "open": one operator, unsigned; "enforcing": every event signed by an actor
        "plugin_version": province.version,
        "rules": rules.as_json(),
    }


def unit_json(result: UnitResult) -> dict[str, Any]:
    return {
        "unit": result.unit,
        "name": result.name,
        "rank": result.rank,
        "total": result.total,
        "eligible": result.eligible,
        "reasons": list(result.reasons),
        "award": result.award,
        "award_status": result.award_status,
        "warnings": [line.as_json() for line in result.lines if line.kind == "warning"],
    }


def block_json(block: BlockResult) -> dict[str, Any]:
    return {
        "block": block.block,
        "name": block.name,
        "units": [unit_json(u) for u in block.units],
        "notes": [line.as_json() for line in block.lines],
    }


def exact(value: Any) -> Decimal | None:
    """A number as JSON gave it back (int, float or text from `wire_number`) as the exact Decimal."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def block_from_json(doc: dict[str, Any]) -> dict[str, Any]:
    """`block_json` read back from JSON: totals and points exact Decimals again (in place)."""
    for unit in doc["units"]:
        unit["total"] = exact(unit["total"])
        for line in unit["warnings"]:
            line["points"] = exact(line["points"])
    for line in doc["notes"]:
        line["points"] = exact(line["points"])
    return doc


def standings_json(head: dict[str, Any], standings: Standings) -> dict[str, Any]:
    return {
        **head,
        "blocks": [block_json(b) for b in standings.blocks],
        "notes": [line.as_json() for line in standings.lines],
    }


def export_json(stored: Stored) -> dict[str, Any]:
    """A stored event in the public event format plus its store keys: `thidua log --format jsonl`,
    which `thidua import` takes back unchanged."""
    fields = EVENT_TYPES[stored.type].fields()
    return {
        "type": stored.type,
        **{k: fields[k].wire(fields[k].load(v)) for k, v in stored.record.items()},
        "position": stored.position,
        "recorded_at": stored.recorded_iso,
        "hash": stored.hash,
        **({"seal": stored.seal} if stored.seal is not None else {}),
    }


def event_json(fact: Fact, facts: Facts | None = None) -> dict[str, Any]:
    """An event as explain shows it: its wire record, position, whether it counts and, when it was
    retracted, the retraction's reason."""
    fields = EVENT_TYPES[fact.type].fields()
    record = {k: fields[k].wire(v) for k, v in fact.record.items()}
    out = {
        "position": fact.position,
        "type": fact.type,
        "status": fact.status,
        "recorded_at": fact.recorded_at.isoformat() if fact.recorded_at else None,
        **record,
    }
    retraction = facts.by_position.get(fact.retracted_by) if facts is not None and fact.retracted_by else None
    if retraction is not None:
        out["retraction_reason"] = retraction["reason"]
    return out


def rules_cited(lines: list[Line], rules: RuleSet, extra: Sequence[str] = ()) -> list[dict[str, Any]]:
    ids: list[str] = []
    for rule_id in [line.rule for line in lines] + list(extra):
        if rule_id and rule_id not in ids:
            ids.append(rule_id)
    out: list[dict[str, Any]] = []
    for rule_id in ids:
        rule = rules.rules.get(rule_id)
        if rule is None:
            out.append({"rule": rule_id, "summary": "(not in the rule set in force)", "document": rules.document})
            continue
        out.append(
            {
                "rule": rule_id,
                "summary": rule.summary,
                "clause": rule.clause,
                "quote": rule.quote,
                "interpretation": rule.interpretation,
                "document": rules.document,
                "issued": rules.issued.isoformat() if rules.dated else None,
                "version": rules.version,
            }
        )
    return out


def explain_unit_json(
    head: dict[str, Any], standings: Standings, facts: Facts, unit: str, province: Province, rules: RuleSet
) -> dict[str, Any] | None:
    found = standings.find(unit)
    if found is None:
        return None
    block, result = found
    cited = sorted({p for line in result.lines for p in line.events})
    events = [event_json(facts.by_position[p], facts) for p in cited if p in facts.by_position]
    history = [event_json(f, facts) for f in facts.concerning(unit=unit) if f.position not in cited]
    return {
        **head,
        "subject": unit,
        "kind": "unit",
        "block": block.block,
        "block_name": block.name,
        **unit_json(result),
        "lines": [line.as_json() for line in result.lines],
        # the unit's result in its block: quota arithmetic, award places, settings, ties, block warnings
        "context": [line.as_json() for line in block.lines],
        "rules_cited": rules_cited(result.lines + block.lines, rules, result.reasons),
        "events": events,
        "other_events": history,
    }


def explain_candidate_json(
    head: dict[str, Any],
    eligibility: Eligibility,
    facts: Facts,
    subject: str,
    kind: str,
    province: Province,
    rules: RuleSet,
) -> dict[str, Any] | None:
    found = next((c for c in eligibility.candidates if c.subject == subject and c.kind == kind), None)
    if found is None:
        return None
    cited = sorted({p for line in found.lines for p in line.events})
    events = [event_json(facts.by_position[p], facts) for p in cited if p in facts.by_position]
    history = [event_json(f, facts) for f in facts.concerning(**{kind: subject}) if f.position not in cited]
    return {
        **head,
        "subject": subject,
        "kind": kind,
        "name": found.name,
        "eligible": found.eligible,
        "levels": [{"level": lv.level, "objects": lv.objects, "rules": lv.rules} for lv in found.levels],
        "reasons": found.reasons,
        "lines": [line.as_json() for line in found.lines],
        "rules_cited": rules_cited(found.lines, rules, found.reasons),
        "events": events,
        "other_events": history,
    }


def eligibility_json(head: dict[str, Any], eligibility: Eligibility) -> dict[str, Any]:
    return {
        **head,
        "candidates": [
            {
                "subject": c.subject,
                "kind": c.kind,
                "name": c.name,
                "eligible": c.eligible,
                "levels": [{"level": lv.level, "objects": lv.objects, "rules": lv.rules} for lv in c.levels],
                "reasons": c.reasons,
            }
            for c in eligibility.candidates
        ],
        "notes": [line.as_json() for line in eligibility.lines],
    }
