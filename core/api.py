"""The public API of thidua for province plugins: the one module a plugin imports.

Everything a plugin needs is named here and in `__all__`; every other module of thidua is
private and may move. Hook signatures and what each hook returns are in `thidua.hookspecs`
(its docstrings are the plugin author's reference); `docs/adding-a-province.md` walks through it.
"""

from thidua.clock import LOCAL, local_midnight, parse_moment
from thidua.decisions.ranking import Place, assign_awards, rank
from thidua.decisions.results import (
    BlockResult,
    Candidate,
    Eligibility,
    Level,
    Line,
    Problem,
    Standings,
    UnitResult,
)
from thidua.decisions.scoring import SheetScore, counting_score, late_line, score_sheet
from thidua.decisions.settings import setting
from thidua.events import DISCIPLINE_LEVELS, INITIATIVE_SCOPES
from thidua.fields import canonical_decimal as dec
from thidua.fields import period_years
from thidua.hookspecs import hookimpl
from thidua.replay.facts import Fact, Facts
from thidua.rules import Province, Rule, RulesError, RuleSet, load_province

__all__ = [
    # the hook marker: decorate each hook function of the plugin
    "hookimpl",
    # the province and its dated rule sets, loaded from the plugin's rules.toml
    "Province",
    "Rule",
    "RuleSet",
    "RulesError",
    "load_province",
    # what a hook receives: one period's facts, superseded and retracted events resolved
    "Fact",
    "Facts",
    # what a hook returns: refusals at input, decisions that carry their explanation
    "Problem",
    "Line",
    "UnitResult",
    "BlockResult",
    "Standings",
    "Level",
    "Candidate",
    "Eligibility",
    # shared mechanics: ranks with ties, award places, sheet scoring, late items, settings
    "rank",
    "Place",
    "assign_awards",
    "SheetScore",
    "score_sheet",
    "counting_score",
    "late_line",
    "setting",
    # vocabulary: exact decimals, periods, local time, the contract's fixed value lists
    "dec",
    "period_years",
    "parse_moment",
    "local_midnight",
    "LOCAL",
    "DISCIPLINE_LEVELS",
    "INITIATIVE_SCOPES",
]
