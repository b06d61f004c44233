"""Điện Biên (`dienbien`): blocks of upper-level trade unions cross-scored on the 24/HD-LĐLĐ sheet;
the LĐLĐ tỉnh year-end guidance of 2020. Rules DB-*; values in rules.toml."""

from importlib.resources import files

from thidua.api import hookimpl, load_province
from thidua.plugins.dienbien import standings as _standings
from thidua.plugins.dienbien import validate as _validate

__version__ = "0.2.0"

_HERE = files(__name__)
PROVINCE = load_province(
    _HERE / "rules.toml",
    __version__,
    demo=(_HERE / "demo" / "dienbien-2020.jsonl",),
    demo_periods=("2020",),
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
