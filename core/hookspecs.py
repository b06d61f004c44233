"""The province plugin contract. A plugin is a module with these functions marked `@hookimpl`,
listed under the `thidua` entry-point group (built-in provinces use the same road).

All hooks are called with keyword arguments, on one plugin at a time: a plugin that fails
never takes the other provinces down. Every decision a plugin returns cites rule ids of its
own rule set and the log positions of the events behind it (see `thidua.api`).
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("thidua")
hookimpl = pluggy.HookimplMarker("thidua")


@hookspec(firstresult=True)
def thidua_province():
    """Required. Return the plugin's `thidua.api.Province`: its key (the `province` value of
    events), its name, its version and its rule sets, each with the document, the dates it is
    in force and the rules and values it carries. Usually `load_province(files(...)/"rules.toml")`.
    """


@hookspec(firstresult=True)
def thidua_validate(fact, facts, rules):
    """Required. Check one incoming event against the province's rules before anything is stored.

    `fact` is the candidate (`thidua.api.Fact`, live values, a provisional position);
    `facts` is everything already recorded for its province and period, the earlier lines of
    the same import included; `rules` is the `RuleSet` in force for the period. Core has
    already checked keys, types, the register (unknown unit/person/block) and the sheet.
    Return a list of `thidua.api.Problem` (key, reason, rule id); empty when valid.
    Reject, never clip: a score over a cap is an error here, not a smaller number later.
    """


@hookspec(firstresult=True)
def thidua_standings(facts, rules):
    """Required of a province that ranks blocks (one of this and `thidua_eligibility`). Project one period's facts into `thidua.api.Standings`: per block,
    every member unit with its total, eligibility (and the rule ids that exclude it), rank
    and award proposal, and the `Line`s that explain each number. Superseded and retracted
    events are already resolved in `facts`: use `facts.current()` and `facts.counting()`.
    Must be a pure function of its arguments, so a replay gives the same answer.
    """


@hookspec(firstresult=True)
def thidua_eligibility(facts, rules):
    """Required of a province that selects candidates by criteria (one of this and
    `thidua_standings`): return `thidua.api.Eligibility`, every unit and person with the
    levels and objects they qualify for, the rules behind each, the rules that exclude them,
    and `Line`s that show each condition met or missed. A ranking province may add it too;
    without it, `thidua eligibility` reports each ranked unit's award proposal.
    """


REQUIRED_HOOKS = ("thidua_province", "thidua_validate")
DECISION_HOOKS = ("thidua_standings", "thidua_eligibility")  # at least one


@hookspec(firstresult=True)
def thidua_blocks_independent():
    """Optional, for a ranking province. Return True when each block's result depends only on
    the block's own events (formed, members, conferences, its sheet and settings), the events
    of the units they name and of those units' persons, and province-wide events (block "*",
    initiatives); blocks come in `facts.blocks()` order and `Standings.lines` stays empty.
    Core then keeps each block's decision and decides again only the blocks new events touch.
    The conformance kit checks the claim against a full replay.
    """
