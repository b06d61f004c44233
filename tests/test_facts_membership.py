"""Block membership is kept block by block (issue 16): after any sequence of formations, moves and
retractions, `members` and `block_of` asked after every event equal a replay that asks once at the end."""

from __future__ import annotations

import random

import pytest

from thidua.replay.facts import Fact, Facts

UNITS = [f"U{i}" for i in range(8)]
BLOCKS = ["K1", "K2", "K3"]


def random_history(rng: random.Random, length: int) -> list[Fact]:
    facts: list[Fact] = []
    for position in range(1, length + 1):
        roll = rng.random()
        block = rng.choice(BLOCKS)
        if roll < 0.3:
            members = rng.sample(UNITS, rng.randint(2, 4))
            record = {"block": block, "members": members, "head": members[0], "deputy": members[1]}
            facts.append(Fact(position, "block.formed", record))
        elif roll < 0.55:
            facts.append(Fact(position, "block.member_added", {"block": block, "unit": rng.choice(UNITS)}))
        elif roll < 0.8:
            facts.append(Fact(position, "block.member_removed", {"block": block, "unit": rng.choice(UNITS)}))
        elif facts:
            facts.append(Fact(position, "event.retracted", {"target": rng.choice(facts).position}))
    return facts


def replayed(history: list[Fact]) -> Facts:
    fresh = Facts("laichau", "2020")
    for fact in history:
        fresh.add(Fact(fact.position, fact.type, dict(fact.record)))
    return fresh


@pytest.mark.parametrize("seed", range(40))
def test_membership_asked_after_every_event_equals_a_replay_asked_once(seed):
    rng = random.Random(seed)
    history = random_history(rng, 40)
    live = Facts("laichau", "2020")
    for done, fact in enumerate(history, start=1):
        live.add(fact)
        once = replayed(history[:done])
        assert {b: live.members(b) for b in BLOCKS} == {b: once.members(b) for b in BLOCKS}
        assert {u: live.block_of(u) for u in UNITS} == {u: once.block_of(u) for u in UNITS}
        # the definition: the first counting formation, in log order, whose block lists the unit
        for unit in UNITS:
            first = next((f["block"] for f in once.blocks() if unit in once.members(f["block"])), None)
            assert live.block_of(unit) == first


def test_a_unit_listed_by_two_blocks_belongs_to_the_one_formed_first():
    facts = Facts("laichau", "2020")
    facts.add(Fact(1, "block.formed", {"block": "K2", "members": ["A", "B"], "head": "A", "deputy": "B"}))
    facts.add(Fact(2, "block.formed", {"block": "K1", "members": ["B", "C"], "head": "B", "deputy": "C"}))
    assert facts.block_of("B") == "K2"
    facts.add(Fact(3, "event.retracted", {"target": 1}))
    assert facts.block_of("B") == "K1" and facts.members("K2") == [] and facts.block_of("A") is None
