"""Lào Cai (`laocai`): provincial emulation blocks of departments, districts, enterprises, communes;
guidance of the Department of Home Affairs on QĐ 3666/QĐ-UBND (2021). Rules LCA-*; values in rules.toml."""

from importlib.resources import files

from thidua.api import hookimpl, load_province
from thidua.plugins.laocai import standings as _standings
from thidua.plugins.laocai import validate as _validate

__version__ = "0.2.0"

_HERE = files(__name__)
PROVINCE = load_province(
    _HERE / "rules.toml",
    __version__,
    demo=(_HERE / "demo" / "laocai-2021.jsonl",),
    demo_periods=("2021",),
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
