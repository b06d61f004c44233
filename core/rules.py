"""Rules as dated data: a province's rule sets, each with its document, the dates it is in
force, its rules (id, clause, the sentence of the document) and the values they use.

Values are never buried in code: a plugin asks `rules.value("self_score_cap")` and gets the
number together with the rule id it comes from. Interpretations of RULES.md are *settings*:
values with a default that a block may change with a `setting.changed` event.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from importlib.resources.abc import Traversable
from typing import Any

from thidua.clock import LOCAL, parse_moment
from thidua.fields import period_years


class RulesError(Exception):
    """A rule-set file is malformed, or no rule set is in force for a period."""


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    clause: str
    quote: str
    interpretation: str | None = None


@dataclass(frozen=True)
class Value:
    name: str
    value: Any
    rule: str
    summary: str = ""


@dataclass(frozen=True)
class RuleSet:
    """One version of a province's rules, in force from `in_force_from` until `in_force_to`."""

    province: str
    version: str
    document: str
    title: str
    issuer: str
    issued: date
    in_force_from: date
    in_force_to: date | None
    seed: str
    rules: dict[str, Rule]
    values: dict[str, Value]
    settings: dict[str, Value] = field(default_factory=dict)
    dated: bool = True  # False when the source document carries no date of its own

    def in_force_on(self, day: date) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day < self.in_force_to)

    def value(self, name: str) -> Any:
        return self.values[name].value

    def cite(self, name: str) -> str:
        """The rule id a value or setting belongs to."""
        return (self.values.get(name) or self.settings[name]).rule

    def deadline(self, name: str, year: int) -> datetime:
        """A deadline value: "MM-DD" or "MM-DDTHH:MM" in the given year, or a full ISO date-time."""
        text = str(self.value(name))
        if len(text) >= 10 and text[4] == "-":
            return parse_moment(text)
        return parse_moment(f"{year}-{text}").astimezone(LOCAL)

    def as_json(self) -> dict[str, Any]:
        return {
            "province": self.province,
            "version": self.version,
            "document": self.document,
            "issuer": self.issuer,
            "issued": self.issued.isoformat() if self.dated else None,
            "in_force_from": self.in_force_from.isoformat(),
            "in_force_to": self.in_force_to.isoformat() if self.in_force_to else None,
        }


@dataclass(frozen=True)
class Province:
    """What a plugin says about itself: its key, names, plugin version and dated rule sets."""

    key: str
    name: str
    version: str
    rulesets: tuple[RuleSet, ...]
    demo: tuple[Traversable, ...] = ()
    demo_periods: tuple[str, ...] = ()
    # True when each block's result rests only on the block's own events, its units' and their
    # persons', and province-wide ones (block "*", initiatives); blocks come in `facts.blocks()`
    # order and `Standings.lines` stays empty. Core then keeps each block's decision and decides
    # again only the blocks new events touch; the conformance kit checks the claim.
    blocks_independent: bool = False
    # Who may record what in an enforcing store (thidua.actors.permissions); None: the administrator only.
    permissions: Any = None

    def ruleset_for(self, period: str) -> RuleSet:
        """The version in force on the last day of the period; an error if there is none."""
        last_day = date(period_years(period)[1], 12, 31)
        for ruleset in self.rulesets:
            if ruleset.in_force_on(last_day):
                return ruleset
        versions = (
            "; ".join(
                f"{r.version} from {r.in_force_from}" + (f" to {r.in_force_to}" if r.in_force_to else "")
                for r in self.rulesets
            )
            or "none"
        )
        raise RulesError(f"no rule set of {self.key} is in force for period {period} (versions: {versions})")


def _decimalise(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def load_province(
    source: Traversable,
    version: str,
    demo: tuple[Traversable, ...] = (),
    demo_periods: tuple[str, ...] = (),
    blocks_independent: bool = False,
    permissions: Traversable | None = None,
) -> Province:
    """Read a plugin's rules.toml (numbers as exact decimals) and, if given, its permissions.toml
    (who may record what in an enforcing store, each grant citing one of these rules)."""
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"), parse_float=Decimal)
        key = data["province"]
        rulesets = []
        for v in data["versions"]:
            rules = {
                rid: Rule(rid, r["summary"], r.get("clause", ""), r["quote"], r.get("interpretation"))
                for rid, r in v["rules"].items()
            }
            values = {
                n: Value(n, _decimalise(x["value"]), x["rule"], x.get("summary", ""))
                for n, x in v.get("values", {}).items()
            }
            settings = {
                n: Value(n, _decimalise(x["value"]), x["rule"], x.get("summary", ""))
                for n, x in v.get("settings", {}).items()
            }
            for item in (*values.values(), *settings.values()):
                if item.rule not in rules:
                    raise RulesError(f"value {item.name!r} cites unknown rule {item.rule!r}")
            rulesets.append(
                RuleSet(
                    key,
                    v["version"],
                    v["document"],
                    v["title"],
                    v["issuer"],
                    v["issued"],
                    v["in_force_from"],
                    v.get("in_force_to"),
                    v.get("seed", ""),
                    rules,
                    values,
                    settings,
                    not v.get("undated", False),
                )
            )
    except (KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{source}: malformed rule-set file ({type(exc).__name__}: {exc})") from None
    granted = None
    if permissions is not None:
        from thidua.actors.permissions import PermissionsError, load_permissions

        try:
            granted = load_permissions(permissions, key, {rid for r in rulesets for rid in r.rules})
        except PermissionsError as exc:
            raise RulesError(str(exc)) from None
    return Province(key, data["name"], version, tuple(rulesets), demo, demo_periods, blocks_independent, granted)
