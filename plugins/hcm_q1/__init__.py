"""Ho Chi Minh City, District 1 (`hcm_q1`): advanced-model selection over the 2015–2019 phase,
the plan of LĐLĐ quận 1. Rules Q1-*; values in rules.toml."""

from importlib.resources import files

from thidua.api import hookimpl, load_province
from thidua.plugins.hcm_q1 import eligibility as _eligibility
from thidua.plugins.hcm_q1 import validate as _validate

__version__ = "0.2.0"

_HERE = files(__name__)
PROVINCE = load_province(
    _HERE / "rules.toml",
    __version__,
    demo=(_HERE / "demo" / "hcm_q1-2015-2019.jsonl",),
    demo_periods=("2015-2019",),
    permissions=_HERE / "permissions.toml",  # who may record what in an enforcing store
)


@hookimpl
def thidua_province():
    return PROVINCE


@hookimpl
def thidua_validate(fact, facts, rules):
    return _validate.validate(fact, facts, rules)


@hookimpl
def thidua_eligibility(facts, rules):
    return _eligibility.eligibility(facts, rules)
