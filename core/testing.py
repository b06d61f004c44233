"""The conformance kit: the tests every province plugin must pass, shipped with thidua.

In a plugin's tests (pytest collects the subclass; `bad_events` is optional):

    from thidua.testing import ProvinceConformance

    class TestConformance(ProvinceConformance):
        province = "laichau"
        bad_events = [({"type": "score.provincial", ..., "points": 11}, "at most 10")]

It loads the installed plugins, imports the plugin's demo events into a fresh in-memory store,
and checks: the plugin loads with its hooks; rule ids are well-formed, unique across installed
provinces and each quotes its document; every decision cites a rule id of the rule set in force;
replay is deterministic (also across PYTHONHASHSEED); `--as-of` is monotonic; the kept
decisions (read models, per block if the plugin says its blocks are independent) equal a full replay; retracting an
event decides as if it was never recorded; recording an event again changes no decision
(superseding, not adding); bad events are refused with `LINE N: key: reason` and nothing stored.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from thidua.decisions.decider import Decider, cited
from thidua.documents import jsonout
from thidua.events import EVENT_TYPES, subject_key
from thidua.intake.importer import import_events, parse_lines
from thidua.log.store import Store
from thidua.readmodels.query import ModelDecider, open_decider
from thidua.registry import Plugins, load_plugins
from thidua.replay.fold import AsOf, replay

RULE_ID = re.compile(r"[A-Z][A-Z0-9]*-[A-Z]+-[A-Z0-9]+")
REGISTER = {
    "unit.registered",
    "person.registered",
    "block.formed",
    "block.member_added",
    "block.member_removed",
    "sheet.defined",
    "event.retracted",
    "setting.changed",
}
SAMPLE = 8  # events tried per property: enough to catch a plugin that ignores retraction or supersede


def jsonl(events: list[dict[str, Any]]) -> bytes:
    """Events as import reads them; decimals stay exact (never through a float)."""
    return "".join(jsonout.jsonl(e) + "\n" for e in events).encode("utf-8")


@dataclass
class Kit:
    plugins: Plugins
    key: str
    demo: list[dict[str, Any]]  # the demo events, wire form, in file order

    @property
    def periods(self) -> tuple[str, ...]:
        return self.plugins.province(self.key).demo_periods

    def store(self, events: list[dict[str, Any]]) -> Store:
        store = Store(":memory:")
        outcome = import_events(store, jsonl(events), self.plugins)
        if outcome.problems:
            raise ValueError("; ".join(map(str, outcome.problems[:3])))
        return store

    def decider(self, store: Store, period: str, as_of: AsOf = AsOf()) -> Decider:
        rules = self.plugins.ruleset(self.key, period)
        return Decider(self.plugins, self.key, rules, replay(store, self.key, period, as_of), as_of)

    def outcome(self, store: Store, period: str) -> list[tuple]:
        """What a user cares about, without log positions: per subject its decisions."""
        decider = self.decider(store, period)
        if decider.ranks:
            return [
                (b.block, u.unit, u.total, u.rank, u.eligible, tuple(u.reasons), u.award, u.award_status)
                for b in decider.standings().blocks
                for u in b.units
            ]
        return [
            (c.kind, c.subject, c.eligible, tuple(c.reasons), tuple((lv.level, tuple(lv.objects)) for lv in c.levels))
            for c in decider.eligibility().candidates
        ]


def _scrub(document: Any) -> Any:
    """A document without what two stores legitimately differ in: recording times and hashes."""
    if isinstance(document, dict):
        return {k: _scrub(v) for k, v in document.items() if k not in ("recorded_at", "head_hash")}
    if isinstance(document, list):
        return [_scrub(v) for v in document]
    return document


class ProvinceConformance:
    """Subclass with `province = "<key>"`; optionally `bad_events = [(event, expected text)]`."""

    province: str = ""
    bad_events: list[tuple[dict[str, Any], str]] = []

    @pytest.fixture(scope="class")
    @classmethod
    def kit(cls) -> Kit:
        plugins = load_plugins()
        if cls.province not in plugins.provinces:
            pytest.fail(f"province {cls.province!r} is not installed; refused: {plugins.refused}")
        province = plugins.province(cls.province)
        if not province.demo or not province.demo_periods:
            pytest.fail(
                f"{cls.province}: the plugin ships no demo events or periods (load_province(demo=..., demo_periods=...))"
            )
        demo = []
        for source in province.demo:
            objects, problems = parse_lines(source.read_bytes())
            assert not problems, f"{source}: {problems[0]}"
            demo += [event for _, event in objects]
        return Kit(plugins, cls.province, demo)

    # -- the contract --------------------------------------------------------------------
    def test_the_plugin_loads_with_its_hooks(self, kit: Kit) -> None:
        assert not [r for r in kit.plugins.refused if repr(self.province) in r], kit.plugins.refused
        assert kit.plugins.implements(self.province, "thidua_validate")
        assert kit.plugins.implements(self.province, "thidua_standings") or kit.plugins.implements(
            self.province, "thidua_eligibility"
        )

    def test_rule_ids_are_unique_and_each_quotes_its_document(self, kit: Kit) -> None:
        province = kit.plugins.province(self.province)
        others = {
            rule: key
            for key, p in kit.plugins.provinces.items()
            if key != self.province
            for rules in p.rulesets
            for rule in rules.rules
        }
        for rules in province.rulesets:
            assert rules.document and rules.issuer and rules.title, f"rule set {rules.version} lacks its document"
            for rule in rules.rules.values():
                assert RULE_ID.fullmatch(rule.id), f"{rule.id}: rule ids are written PREFIX-AREA-N (e.g. LC-SCORE-1)"
                assert rule.quote.strip() and rule.summary.strip(), (
                    f"{rule.id}: every rule quotes the sentence it rests on"
                )
                assert rule.id not in others, f"{rule.id} is also a rule of {others.get(rule.id)}"
            for value in [*rules.values.values(), *rules.settings.values()]:
                assert value.rule in rules.rules, f"value {value.name} cites unknown rule {value.rule}"
        spans = sorted((r.in_force_from, r.in_force_to, r.version) for r in province.rulesets)
        for (_, end, version), (start, _, later) in itertools.pairwise(spans):
            assert end is not None and end <= start, f"rule sets {version} and {later} are both in force on {start}"

    def test_every_decision_cites_a_rule_of_the_rule_set_in_force(self, kit: Kit) -> None:
        store = kit.store(kit.demo)
        for period in kit.periods:
            decider = kit.decider(store, period)
            results = [decider.eligibility()] + ([decider.standings()] if decider.ranks else [])
            for result in results:
                ids = cited(result)
                assert ids, f"{period}: the decisions cite no rule at all"
                assert ids <= set(decider.rules.rules), f"unknown rule ids: {sorted(ids - set(decider.rules.rules))}"
            assert decider.subjects(), f"{period}: the demo decides nothing"

    # -- replay ----------------------------------------------------------------------------
    def test_replay_is_deterministic(self, kit: Kit) -> None:
        first, second = kit.store(kit.demo), kit.store(kit.demo)
        for period in kit.periods:
            a, b = kit.decider(first, period).documents(), kit.decider(second, period).documents()
            assert _scrub(a) == _scrub(b), f"{period}: two replays of the same events decide differently"

    def test_replay_is_byte_identical_across_hash_seeds(self, kit: Kit, tmp_path_factory) -> None:
        db = tmp_path_factory.mktemp("seeds") / "kit.sqlite"
        data = jsonl(kit.demo)
        base = [sys.executable, "-m", "thidua.cli.main", "--db", str(db)]
        subprocess.run(base + ["import", "-"], input=data, check=True, capture_output=True)
        for period in kit.periods:
            query = ["eligibility", "--province", self.province, "--period", period, "--format", "json"]
            runs = {
                seed: subprocess.run(
                    base + query, env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True, check=True
                ).stdout
                for seed in ("0", "1", "2718")
            }
            assert len(set(runs.values())) == 1, f"{period}: output depends on the hash seed"

    def test_as_of_is_monotonic(self, kit: Kit) -> None:
        store = kit.store(kit.demo)
        last = store.head()[0]
        points = sorted({max(1, last * i // 6) for i in range(7)})
        for period in kit.periods:
            seen: set[int] = set()
            for point in points:
                run = replay(store, self.province, period, AsOf(f"@{point}", position=point))
                known = set(run.facts.by_position)
                assert run.position == point and seen <= known and max(known, default=0) <= point
                seen = known
            full = kit.decider(store, period).documents()
            pinned = kit.decider(store, period, AsOf(f"@{last}", position=last)).documents()
            assert {n: dict(d, as_of=None) for n, d in pinned.items()} == full

    def test_read_models_decide_as_a_full_replay(self, kit: Kit, tmp_path_factory) -> None:
        """Imported in slices into a SQLite store, after every slice the kept decisions (and
        `Province.blocks_independent`, if claimed) must give the documents of a full replay."""
        store = Store(str(tmp_path_factory.mktemp("models") / "kit.sqlite"))
        step = max(1, len(kit.demo) // 12)
        try:
            for start in range(0, len(kit.demo), step):
                outcome = import_events(store, jsonl(kit.demo[start : start + step]), kit.plugins)
                assert not outcome.problems, outcome.problems[:3]
                for period in kit.periods:
                    kept = open_decider(
                        store, kit.plugins, self.province, period, kit.plugins.ruleset(self.province, period)
                    )
                    assert isinstance(kept, ModelDecider)
                    full = kit.decider(store, period)
                    assert kept.documents() == full.documents(), (
                        f"{period}: after {start + step} demo events the kept decisions differ from a full replay"
                    )
        finally:
            store.close()

    def _sample(self, kit: Kit, wanted) -> list[int]:
        picked, types = [], set()
        for index, event in enumerate(kit.demo):
            if event["type"] not in REGISTER and wanted(event) and event["type"] not in types:
                picked.append(index)
                types.add(event["type"])
        return picked[:SAMPLE]

    def test_a_retracted_event_decides_as_if_never_recorded(self, kit: Kit) -> None:
        tried = 0
        for index in self._sample(kit, lambda e: True):
            event = kit.demo[index]
            try:
                without = kit.store(kit.demo[:index] + kit.demo[index + 1 :])
            except ValueError:
                continue  # later events need this one (a bonus needs its result): not comparable
            target = event.get("id") or index + 1
            retracted = kit.store(
                kit.demo
                + [
                    {
                        "type": "event.retracted",
                        "province": self.province,
                        "period": event["period"],
                        "at": event["at"],
                        "target": target,
                        "reason": "conformance kit",
                    }
                ]
            )
            assert kit.outcome(retracted, event["period"]) == kit.outcome(without, event["period"]), (
                f"retracting {event['type']} (demo line {index + 1}) does not decide as if it was never recorded"
            )
            tried += 1
        assert tried, "no demo event could be retracted and compared"

    def test_recording_an_event_again_supersedes_it_and_changes_nothing(self, kit: Kit) -> None:
        base = kit.store(kit.demo)
        keys = [subject_key(e["type"], e, i) for i, e in enumerate(kit.demo)]

        def latest(index: int) -> bool:  # an event the demo itself supersedes later would change things back
            return EVENT_TYPES[kit.demo[index]["type"]].SUBJECT is not None and keys[index] not in keys[index + 1 :]

        sample = self._sample(kit, lambda e: latest(kit.demo.index(e)))
        # An empty sample would pass while proving nothing: the demo must exercise superseding.
        assert sample, "the demo has no event of a type a later one supersedes: record-again proves nothing"
        for index in sample:
            event = {k: v for k, v in kit.demo[index].items() if k != "id"}
            again = kit.store(kit.demo + [event])
            assert kit.outcome(again, event["period"]) == kit.outcome(base, event["period"]), (
                f"recording {event['type']} (demo line {index + 1}) twice changes a decision: it must supersede, not add"
            )

    # -- bad input ------------------------------------------------------------------------
    def test_bad_events_are_refused_with_line_key_and_reason(self, kit: Kit) -> None:
        store = kit.store(kit.demo)
        scored = next(e for e in kit.demo if "unit" in e and e["type"] not in REGISTER)
        cases = [
            (dict(scored, id="kit-1", unit="NO_SUCH_UNIT"), "unit", "NO_SUCH_UNIT"),
            (dict(scored, id="kit-2", pionts=1), "pionts", "unknown key"),
            (dict(scored, id="kit-3", at="31/12/2020"), "at", ""),
            *[(dict(e, id=f"kit-b{i}"), "", text) for i, (e, text) in enumerate(self.bad_events)],
        ]
        head = store.head()
        for event, key, text in cases:
            outcome = import_events(store, jsonl([event]), kit.plugins)
            assert outcome.problems, f"accepted a bad event: {event}"
            message = str(outcome.problems[0])
            assert message.startswith(f"LINE 1: {key}") and text in message, message
        assert store.head() == head, "a refused import wrote something"
