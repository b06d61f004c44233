"""Who may record what: a province's permissions as data, each grant citing the rule that gives it.

A plugin declares them in a `permissions.toml` beside its `rules.toml` and hands the file to
`thidua.api.load_province(..., permissions=...)`:

    [[grant]]
    role = "block_head"          # admin | board | block_head | unit | auditor
    scope = "block"              # own (the actor's unit) | block (the actor's block) | province
    rule = "LC-ORG-1"            # the rule id that gives this right
    types = ["score.appraised", "conference.held"]
    sections = ["I", "II"]       # optional: only criteria of these sheet sections
    as_sent = true               # optional: `at` may not be earlier than the moment of recording

The same check runs at import (a refusal is a bad line) and in `thidua verify` (a breach).
Appointments (`actor.*`) are the administrator's everywhere; an auditor records nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from thidua.events import ACTOR_TYPES, EVENT_TYPES, ROLES, about
from thidua.replay.facts import Facts

if TYPE_CHECKING:
    from thidua.actors.roster import Appointment  # (annotations only: loading a plugin's grants needs no keys)

SCOPES = ("own", "block", "province")
# Clock skew between an office and the store: an `at` this much before the recording still counts as sent now.
SKEW = timedelta(minutes=15)
ROLE_NAMES = {
    "admin": "the administrator",
    "board": "the provincial board",
    "block_head": "the block head and deputy",
    "unit": "the unit's own officer",
    "auditor": "an auditor",
}


class PermissionsError(Exception):
    """A permissions file is malformed or cites a rule its province does not have."""


@dataclass(frozen=True)
class Grant:
    role: str
    scope: str
    rule: str
    sections: tuple[str, ...] = ()
    as_sent: bool = False

    def gives(self) -> str:
        return f"{self.rule} gives it to {ROLE_NAMES[self.role]}"


@dataclass(frozen=True)
class Permissions:
    province: str
    grants: dict[str, tuple[Grant, ...]]  # event type -> who may record it

    def as_json(self) -> dict[str, Any]:
        return {
            event_type: [
                {"role": g.role, "scope": g.scope, "rule": g.rule, "sections": list(g.sections), "as_sent": g.as_sent}
                for g in grants
            ]
            for event_type, grants in sorted(self.grants.items())
        }


def load_permissions(source: Traversable, province: str, rule_ids: set[str]) -> Permissions:
    """Read a plugin's permissions.toml; every grant must cite one of the province's rule ids."""
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
        grants: dict[str, list[Grant]] = {}
        for number, item in enumerate(data.get("grant", []), start=1):
            grant = Grant(
                item["role"], item["scope"], item["rule"], tuple(item.get("sections", ())), item.get("as_sent", False)
            )
            where = f"{source}: grant {number}"
            if grant.role not in ROLES or grant.role == "auditor":
                raise PermissionsError(f"{where}: role {grant.role!r} is not one of {', '.join(ROLES[:-1])}")
            if grant.scope not in SCOPES:
                raise PermissionsError(f"{where}: scope {grant.scope!r} is not one of {', '.join(SCOPES)}")
            if grant.rule not in rule_ids:
                raise PermissionsError(f"{where}: cites rule {grant.rule!r}, which no rule set of {province} has")
            for event_type in item["types"]:
                if event_type not in EVENT_TYPES or event_type in ACTOR_TYPES:
                    raise PermissionsError(f"{where}: {event_type!r} is not an event type a province grants")
                grants.setdefault(event_type, []).append(grant)
    except (KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise PermissionsError(f"{source}: malformed permissions file ({type(exc).__name__}: {exc})") from None
    return Permissions(province, {k: tuple(v) for k, v in grants.items()})


@dataclass(frozen=True)
class Refusal:
    key: str
    reason: str


def refusal(
    actor: Appointment,
    event_type: str,
    record: dict[str, Any],
    facts: Facts | None,
    permissions: Permissions | None,
    recorded: datetime,
) -> Refusal | None:
    """Why `actor` may not record this event (None: it may). `facts` are the province-period's
    facts before the event; `recorded` is when it is (or was) recorded."""
    who = actor.describe()
    if actor.role == "auditor":
        return Refusal("type", f"actor {who} reads and checkpoints only; it records no events")
    if event_type in ACTOR_TYPES and actor.role != "admin":
        return Refusal("type", f"actor {who} may not record {event_type}: appointments are the administrator's")
    if actor.province != "*" and record["province"] != actor.province:
        return Refusal("province", f"actor {who} records events of {actor.province} only, not of {record['province']}")
    if event_type in ACTOR_TYPES:
        return None
    if event_type == "event.retracted":
        return _retraction(actor, record, facts, permissions, recorded)
    return _recording(actor, event_type, record, facts, permissions, recorded)


def _retraction(
    actor: Appointment,
    record: dict[str, Any],
    facts: Facts | None,
    permissions: Permissions | None,
    recorded: datetime,
) -> Refusal | None:
    """A retraction is allowed to whoever recorded the target, and to an office above the unit
    (block head, board, administrator) that may record the target itself."""
    target = facts.resolve(record["target"]) if facts is not None else None
    if target is None or target.type == "event.retracted" or target.get("actor") == actor.actor:
        return None  # an unknown target is the register's refusal, not a permission's
    found = _recording(actor, target.type, target.record, facts, permissions, recorded, retracting=True)
    if found is None:
        return None
    return Refusal(
        "target",
        f"actor {actor.describe()} may not retract position {target.position} ({target.type} recorded by "
        f"{target.get('actor') or 'nobody named'}): {found.reason}",
    )


def _recording(
    actor: Appointment,
    event_type: str,
    record: dict[str, Any],
    facts: Facts | None,
    permissions: Permissions | None,
    recorded: datetime,
    retracting: bool = False,
) -> Refusal | None:
    who = actor.describe()
    if permissions is None:
        if actor.role == "admin":
            return None
        return Refusal(
            "type",
            f"actor {who} may not record {event_type}: {record['province']} declares no permissions, "
            "so only an administrator records its events",
        )
    grants = permissions.grants.get(event_type, ())
    mine = [g for g in grants if g.role == actor.role and not (retracting and g.scope == "own")]
    if not mine:
        others = "; ".join(g.gives() for g in grants) or "no rule gives it to anyone"
        verb = "retract" if retracting else "record"
        return Refusal("type", f"actor {who} may not {verb} {event_type}: {others}")
    first: Refusal | None = None
    for grant in mine:
        found = _within(actor, grant, event_type, record, facts, recorded)
        if found is None:
            return None
        first = first or found
    others = "; ".join(g.gives() for g in grants if g.role != actor.role)
    return Refusal(first.key, f"{first.reason}; {others}") if first and others else first


def _within(
    actor: Appointment, grant: Grant, event_type: str, record: dict[str, Any], facts: Facts | None, recorded: datetime
) -> Refusal | None:
    """Whether one grant covers this event: the actor's scope, the sheet sections, the time sent."""
    who = f"actor {actor.describe()}"
    if grant.scope != "province":
        subject = about(event_type, record)
        unit = subject.unit
        if unit is None and subject.person and facts is not None:
            person = facts.person(subject.person)
            unit = person["unit"] if person is not None else None
    if grant.scope == "own":
        if subject.province_wide or unit != actor.unit:
            named = f"unit {unit}" if unit else "no unit of its own"
            return Refusal(
                "unit" if "unit" in record else "person" if "person" in record else "type",
                f"{who} records for its own unit only; this {event_type} is about {named} ({grant.rule})",
            )
    elif grant.scope == "block":
        members = facts.members(actor.block or "") if facts is not None else []
        if subject.block is not None and subject.block != actor.block:
            return Refusal("block", f"{who} acts for its own block only, not block {subject.block} ({grant.rule})")
        if subject.block is None and (unit is None or unit not in members):
            return Refusal(
                "unit" if "unit" in record else "person",
                f"{who} acts for its own block only; {unit or 'this subject'} is not a member of {actor.block} "
                f"({grant.rule})",
            )
    if grant.sections:
        section = _section(record, facts)
        if section not in grant.sections:
            return Refusal(
                "criterion",
                f"{who} records {event_type} for section(s) {', '.join(grant.sections)} only; criterion "
                f"{record.get('criterion')} is in section {section or '(none)'} ({grant.rule})",
            )
    if grant.as_sent and datetime.fromisoformat(record["at"]) < recorded - SKEW:
        return Refusal(
            "at",
            f"{who} records {event_type} as sent, at the moment of recording ({recorded.isoformat()}); "
            f"{record['at']} is earlier: the time something arrived is recorded by whoever received it "
            f"({grant.rule})",
        )
    return None


def _section(record: dict[str, Any], facts: Facts | None) -> str | None:
    if facts is None or "criterion" not in record or "unit" not in record:
        return None
    sheet = facts.sheet(facts.block_of(record["unit"]) or "")
    if sheet is None:
        return None
    for criterion in sheet["criteria"]:
        if criterion["id"] == record["criterion"]:
            return criterion.get("section")
    return None
