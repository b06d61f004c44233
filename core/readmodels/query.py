"""Answering a query: from the read models when the store has them, by full replay otherwise.

The documents are the same either way, byte for byte (the property tests replay every prefix
of random logs both ways). Only the cost differs: a query reads the index of its own
province-period, re-decides the parts whose events moved and reads the others back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from thidua.actors.mode import mode_of
from thidua.decisions.decider import Decider, PluginFailed
from thidua.decisions.results import BlockResult, Eligibility, Standings
from thidua.documents.build import block_json, explain_unit_json, standings_json
from thidua.log.verify import streamed
from thidua.readmodels import check
from thidua.readmodels.index import Progress, ReadModels
from thidua.readmodels.parts import blocks_independent, fingerprint, split
from thidua.registry import Plugins
from thidua.replay.facts import Facts
from thidua.replay.fold import AsOf, Replay, replay_events
from thidua.rules import RuleSet

if TYPE_CHECKING:
    from thidua.log.store import Store

REPLAY_SHARE = 4  # more than 1/4 of the blocks moved: one replay of the period beats many small ones


def open_decider(
    store: Store,
    plugins: Plugins,
    province: str,
    period: str,
    rules: RuleSet,
    as_of: AsOf = AsOf(),
    progress: Progress | None = None,
    replayed: bool = False,
    fresh: bool = False,
) -> Decider:
    """The decider for one query; `progress` hears how many events the index caught up.
    `replayed`: the caller reads `decider.run.facts` (diff), so fold the period's facts.
    `fresh`: replay the whole log, every link of its chain recomputed, no read model read.

    Nothing is answered from what cannot be stood behind: the read models' invariants are
    checked first (`check.preflight`), kept parts against their seals, and every event replayed
    against the chain; any failure is `Tampered` (exit 3)."""
    if fresh or not store.has_read_models:
        period_only = None if fresh else (lambda s: (s.record["province"], s.record["period"]) == (province, period))
        events = streamed(store.read(stop=as_of.position), period_only)
        decider = Decider(plugins, province, rules, replay_events(events, province, period, as_of), as_of)
        decider.source = "fresh" if fresh else "replay"
        return decider
    models = ReadModels.of(store)
    check.preflight(models)
    head = models.catch_up(progress=progress)
    if as_of.position is None and as_of.moment is None and not replayed:
        return ModelDecider(plugins, province, rules, models, period, head)
    events = models.period_events(province, period, stop=as_of.position, moment=as_of.moment)
    facts = Facts.of(check.replayed(models, events, province, period, head[0], as_of=as_of), province, period)
    head = models.last_before(as_of.position, as_of.moment)
    return Decider(plugins, province, rules, Replay(facts, *head, mode_of(store)), as_of)


class ModelDecider(Decider):
    """Decisions of the present moment, kept per part (block, or the whole period)."""

    source = "kept"

    def __init__(
        self, plugins: Plugins, province: str, rules: RuleSet, models: ReadModels, period: str, head: tuple[int, str]
    ):
        super().__init__(plugins, province, rules, Replay(Facts(province, period), *head, mode_of(models.store)))
        self.models, self.period = models, period
        self.blocks = models.blocks(province, period) if blocks_independent(plugins, province) else None
        self.fingerprint = fingerprint(plugins.modules[province], self.province.version, rules.as_json())
        self._docs: dict[str, tuple[int, Any]] | None = None
        self.decided = 0  # parts decided again by this query (the others were read back)

    # -- the parts -----------------------------------------------------------------------
    def _versions(self) -> dict[str, str]:
        if self.blocks is not None:
            return {block: self.blocks.version(block) for block in self.blocks.formed}
        return {"": "{}:{}".format(*self.models.stamp(self.key, self.period))}

    def docs(self) -> dict[str, tuple[int, Any]]:
        """part -> (order, document part), bringing stale parts up to date first."""
        if self._docs is None:
            stored = self.models.parts(self.key, self.period, self.fingerprint)
            versions = self._versions()
            stale = [part for part, version in versions.items() if part not in stored or stored[part][0] != version]
            gone = [part for part in stored if part not in versions]
            decided = self._decide(stale, versions) if stale else {}
            self.decided = len(decided)
            if decided or gone:
                self.models.save(self.key, self.period, self.fingerprint, decided, gone)
            self._docs = {part: (order, doc) for part, (_, order, doc) in stored.items() if part in versions}
            self._docs.update((part, (order, doc)) for part, (_, order, doc, _) in decided.items())
        return self._docs

    def _decide(self, stale: list[str], versions: dict[str, str]) -> dict[str, tuple[str, int, Any, Any]]:
        hook = "thidua_standings" if self.ranks else "thidua_eligibility"
        if self.blocks is None or len(stale) * REPLAY_SHARE > len(versions):
            facts = self._period_facts()
            result = self._call(hook, facts)
            if self.blocks is None:
                doc = standings_json({}, result) if self.ranks else None  # the document without its header
                return {"": (versions[""], 0, doc, result)}
            found = self._split(result, facts)
            return {block: (versions[block], *found.get(block, (0, None, None))) for block in stale}
        out = {}
        for block in stale:
            facts = self._facts([block])
            found = self._split(self._call(hook, facts), facts)
            out[block] = (versions[block], *found.get(block, (0, None, None)))
        return out

    def _facts(self, blocks: list[str]) -> Facts:
        """Only what these blocks' decisions rest on (see `thidua.readmodels.index.Blocks`)."""
        assert self.blocks is not None, "only a province with independent blocks decides block by block"
        keys = set().union(*(self.blocks.keys(block) for block in blocks)) if blocks else set()
        read = self.models.events(self.models.positions(self.key, self.period, keys))
        return Facts.of(
            check.replayed(self.models, read, self.key, self.period, self.run.position, keys), self.key, self.period
        )

    def _period_facts(self) -> Facts:
        """The whole period, every event checked against the chain."""
        events = self.models.period_events(self.key, self.period)
        return Facts.of(
            check.replayed(self.models, events, self.key, self.period, self.run.position), self.key, self.period
        )

    def _split(self, result: Standings, facts: Facts) -> dict[str, tuple[int, Any, BlockResult]]:
        if result.lines:
            raise PluginFailed(
                f"the {self.key} plugin says its blocks are independent (Province.blocks_independent) "
                "but decided province-wide lines: they would be lost per block"
            )
        return {block: (order, block_json(found), found) for block, (order, found) in split(result, facts).items()}

    # -- documents -----------------------------------------------------------------------
    def standings(self) -> Standings:
        if not self.ranks:
            return super().standings()  # the one NotRanking message
        if self._standings is None:
            results = self.models.results(self.key, self.period, list(self.docs()))
            if self.blocks is None:
                self._standings = results[""]
            else:
                blocks = [
                    results[part] for part, (order, doc) in sorted(self.docs().items(), key=lambda p: p[1][0]) if doc
                ]
                self._standings = Standings(self.key, self.period, blocks)
        return self._standings

    def standings_json(self) -> dict[str, Any]:
        if not self.ranks:
            super().standings()  # the one NotRanking message
        docs = self.docs()
        if self.blocks is None:
            return {**self.head, **docs[""][1]}
        blocks = [doc for order, doc in sorted(docs.values(), key=lambda d: d[0]) if doc]
        return {**self.head, "blocks": blocks, "notes": []}

    def eligibility(self) -> Eligibility:
        if self._eligibility is None and self.selects:
            self.docs()
            self._eligibility = self.models.results(self.key, self.period, [""])[""]
        return super().eligibility()

    def explain_json(self, unit: str | None = None, person: str | None = None) -> dict[str, Any] | None:
        self.source = "replay"  # an explanation is replayed from the events behind it, never kept
        if self.blocks is None or person or self.selects:
            facts = self._period_facts()
            return Decider(
                self.plugins, self.key, self.rules, Replay(facts, self.run.position, self.run.head_hash, self.run.mode)
            ).explain_json(unit, person)
        if unit is None:
            return None
        # Only the blocks whose events link the unit: its decision and every event naming it are there.
        facts = self._facts([block for block in self.blocks.formed if unit in self.blocks.units.get(block, ())])
        return explain_unit_json(
            self.head, self._call("thidua_standings", facts), facts, unit, self.province, self.rules
        )
