"""Lai Châu (`laichau`): blocks of district/city labour federations and sector unions,
Hướng dẫn 27/HD-LĐLĐ of 06/04/2020. Rules LC-* of RULES.md; values in rules.toml."""

from importlib.resources import files

from thidua.api import hookimpl, load_province
from thidua.plugins.laichau import standings as _standings
from thidua.plugins.laichau import validate as _validate

__version__ = "0.2.0"

_HERE = files(__name__)
PROVINCE = load_province(
    _HERE / "rules.toml",
    __version__,
    demo=(_HERE / "demo" / "laichau-2020.jsonl",),
    demo_periods=("2020",),
    # Each block reads only its own events, its units' and their persons', and province-wide
    # ones: a new event re-decides one block (the conformance kit checks this claim).
    blocks_independent=True,
    permissions=_HERE / "permissions.toml",  # who may record what in an enforcing store
)


@hookimpl
def thidua_province():
    return PROVINCE


@hookimpl
def thidua_validate(fact, facts, rules):
    return _validate.validate(fact, facts, rules)


@hookimpl
def thidua_standings(facts, rules):
    return _standings.standings(facts, rules)
