"""From a replay to the public documents: standings, eligibility and explain, as JSON dicts.

One place computes them, so the command line, `diff` and audit bundles can never disagree
about what a decision was. Every document starts with the same header: province, period,
`as_of`, the log position and head hash it reflects, the plugin version and the rule set.
"""

from __future__ import annotations

from typing import Any

from thidua.decisions.ranking import eligibility_from_standings
from thidua.decisions.results import Eligibility, Standings
from thidua.documents.build import eligibility_json, explain_candidate_json, explain_unit_json, header, standings_json
from thidua.registry import Plugins
from thidua.replay.facts import Facts
from thidua.replay.fold import AsOf, Replay
from thidua.rules import RuleSet


class NotRanking(Exception):
    """The province selects candidates by criteria and ranks no blocks."""


class PluginFailed(Exception):
    """A plugin raised while deciding: its fault, never the user's."""


class Decider:
    """The decisions of one province and period from one replay."""

    source = "replay"  # what a document's header says it came from: "replay", "fresh" or "kept" (parts)

    def __init__(self, plugins: Plugins, province: str, rules: RuleSet, run: Replay, as_of: AsOf = AsOf()):
        self.plugins, self.key, self.rules, self.run = plugins, province, rules, run
        self.province = plugins.province(province)
        self.head = header(self.province, rules, run.facts.period, as_of, run)
        self._standings: Standings | None = None
        self._eligibility: Eligibility | None = None

    @property
    def ranks(self) -> bool:
        return self.plugins.implements(self.key, "thidua_standings")

    @property
    def selects(self) -> bool:
        return self.plugins.implements(self.key, "thidua_eligibility")

    def standings(self) -> Standings:
        if not self.ranks:
            raise NotRanking(f"{self.key} selects candidates by criteria and ranks no blocks: use `thidua eligibility`")
        if self._standings is None:
            self._standings = self._call("thidua_standings")
        return self._standings

    def eligibility(self) -> Eligibility:
        """The plugin's own eligibility, or, for a ranking province, its award proposals."""
        if self._eligibility is None:
            self._eligibility = (
                self._call("thidua_eligibility") if self.selects else eligibility_from_standings(self.standings())
            )
        return self._eligibility

    def _call(self, hook: str, facts: Facts | None = None) -> Any:
        try:
            result = self.plugins.call(
                self.key, hook, facts=self.run.facts if facts is None else facts, rules=self.rules
            )
        except Exception as exc:
            raise PluginFailed(f"the {self.key} plugin failed: {type(exc).__name__}: {exc}") from exc
        expected = Standings if hook == "thidua_standings" else Eligibility
        if not isinstance(result, expected):
            raise PluginFailed(
                f"the {self.key} plugin's {hook} returned {type(result).__name__}, not {expected.__name__}"
                + (": a decision hook may not answer None" if result is None else "")
            )
        unknown = sorted(cited(result) - set(self.rules.rules))
        if unknown:
            raise PluginFailed(
                f"the {self.key} plugin cited rule id(s) not in rule set {self.rules.version}: "
                f"{', '.join(unknown)}: a decision must rest on a rule the catalogue can show"
            )
        return result

    # -- documents -----------------------------------------------------------------------
    def standings_json(self) -> dict[str, Any]:
        return standings_json(self.head, self.standings())

    def eligibility_json(self) -> dict[str, Any]:
        return eligibility_json(self.head, self.eligibility())

    def explain_json(self, unit: str | None = None, person: str | None = None) -> dict[str, Any] | None:
        """One subject's explanation, or None if it is not a unit of a block / a candidate."""
        if self.selects or person:
            kind, subject = ("person", person) if person else ("unit", unit)
            if subject is None:
                return None
            return explain_candidate_json(
                self.head, self.eligibility(), self.run.facts, subject, kind, self.province, self.rules
            )
        if unit is None:
            return None
        return explain_unit_json(self.head, self.standings(), self.run.facts, unit, self.province, self.rules)

    def subjects(self) -> list[tuple[str, str]]:
        """Every subject `explain` can show: (kind, key), in the order of the main document."""
        if self.selects:
            return [(c.kind, c.subject) for c in self.eligibility().candidates]
        return [("unit", u.unit) for b in self.standings().blocks for u in b.units]

    def documents(self) -> dict[str, dict[str, Any]]:
        """The main document(s) and an explain for every subject, by file name."""
        out: dict[str, dict[str, Any]] = {}
        if self.ranks:
            out["standings.json"] = self.standings_json()
        out["eligibility.json"] = self.eligibility_json()
        for kind, subject in self.subjects():
            explained = self.explain_json(**{kind: subject})
            assert explained is not None, f"{kind} {subject} is listed but cannot be explained"
            out[f"explain/{kind}-{subject}.json"] = explained
        return out


def cited(result: Standings | Eligibility) -> set[str]:
    """Every rule id a plugin's decisions cite: lines, exclusion reasons, levels."""
    lines = list(result.lines)
    ids: set[str] = set()
    if isinstance(result, Standings):
        for block in result.blocks:
            lines += block.lines
            for unit in block.units:
                lines += unit.lines
                ids.update(unit.reasons)
    else:
        for candidate in result.candidates:
            lines += candidate.lines
            ids.update(candidate.reasons)
            ids.update(rule for level in candidate.levels for rule in level.rules)
    return ids | {line.rule for line in lines if line.rule}
