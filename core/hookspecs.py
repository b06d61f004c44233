"""The province plugin contract. A plugin is a module with these functions marked `@hookimpl`
(from `thidua.api`, the one module a plugin imports), listed under the `thidua` entry-point
group; built-in provinces travel the same road.

All hooks are called with keyword arguments, on one plugin at a time: a plugin that fails
never takes the other provinces down. Every decision a plugin returns cites rule ids of its
own rule set and the log positions of the events behind it. "No value" is never silent: a
decision hook that returns `None` is a fault of the plugin, reported as one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from thidua.decisions.results import Eligibility, Problem, Standings
    from thidua.replay.facts import Fact, Facts
    from thidua.rules import Province, RuleSet

hookspec = pluggy.HookspecMarker("thidua")
hookimpl = pluggy.HookimplMarker("thidua")


@hookspec(firstresult=True)
def thidua_province() -> Province:  # type: ignore[empty-body]
    """Required. Return the plugin's `Province`: its key (the `province` value of events), its
    name, its version, its rule sets (each with the document, the dates it is in force and the
    rules and values it carries) and constants such as `blocks_independent`. Usually
    `load_province(files(__name__) / "rules.toml", __version__, ...)`, built once at import.
    """


@hookspec(firstresult=True)
def thidua_validate(fact: Fact, facts: Facts, rules: RuleSet) -> list[Problem]:  # type: ignore[empty-body]
    """Required. Check one incoming event against the province's rules before anything is stored.

    `fact` is the candidate (live values, a provisional position); `facts` is everything already
    recorded for its province and period, the earlier lines of the same import included; `rules`
    is the `RuleSet` in force for the period. Core has already checked keys, types, the register
    (unknown unit/person/block) and the sheet. Return a list of `Problem` (key, reason, rule id),
    empty when valid (`None` counts as empty). Reject, never clip: a score over a cap is an error
    here, not a smaller number later.
    """


@hookspec(firstresult=True)
def thidua_standings(facts: Facts, rules: RuleSet) -> Standings:  # type: ignore[empty-body]
    """Required of a province that ranks blocks (one of this and `thidua_eligibility`).

    Project one period's facts into `Standings`: per block, every member unit with its total,
    eligibility (and the rule ids that exclude it), rank and award proposal, and the `Line`s that
    explain each number. Superseded and retracted events are already resolved in `facts`: use
    `facts.current()` and `facts.counting()`. Must be a pure function of its arguments, so a
    replay gives the same answer. Returning `None` is refused as a fault of the plugin.
    """


@hookspec(firstresult=True)
def thidua_eligibility(facts: Facts, rules: RuleSet) -> Eligibility:  # type: ignore[empty-body]
    """Required of a province that selects candidates by criteria (one of this and
    `thidua_standings`): return `Eligibility`, every unit and person with the levels and objects
    they qualify for, the rules behind each, the rules that exclude them, and `Line`s that show
    each condition met or missed. A ranking province may add it too; without it, `thidua
    eligibility` reports each ranked unit's award proposal. Returning `None` is refused as a
    fault of the plugin, never read as "use the standings".
    """


REQUIRED_HOOKS = ("thidua_province", "thidua_validate")
DECISION_HOOKS = ("thidua_standings", "thidua_eligibility")  # at least one


@hookspec(firstresult=True)
def thidua_blocks_independent() -> bool:  # type: ignore[empty-body]
    """Deprecated: say `load_province(..., blocks_independent=True)` instead (a constant belongs on
    the province's description). Still honoured for plugins written before: `True` declares that
    each block's result rests only on its own events, its units' and their persons', and
    province-wide ones.
    """
