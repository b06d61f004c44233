"""Plugins load through the `thidua` entry-point group; a broken one is refused by name with its
fault, and the other provinces keep working."""

from __future__ import annotations

import textwrap

import pytest

from conftest import ev, install_fake_distribution, laichau_year


def write_plugin(folder, module: str, body: str) -> None:
    (folder / f"{module}.py").write_text(textwrap.dedent(body), encoding="utf-8")


GOOD_HEAD = """
    from thidua.hookspecs import hookimpl
    from thidua_testland import PROVINCE, thidua_standings as _standings
    import dataclasses
"""


@pytest.fixture
def broken(tmp_path, monkeypatch, testland):
    """Install extra plugins (module text by key) next to testland, through entry points."""

    def install(key: str, body: str) -> None:
        folder = tmp_path / f"plugin_{key}"
        folder.mkdir()
        write_plugin(folder, f"thidua_{key}", body)
        install_fake_distribution(testland, f"thidua-{key}", f"thidua_{key}", key)
        monkeypatch.syspath_prepend(str(folder))

    return install


def test_a_third_party_province_is_discovered_listed_and_used(thidua, testland):
    listing = thidua("plugins")
    assert listing.code == 0
    assert "testland" in listing.out and "Test rules 1/TL" in listing.out and "laichau" in listing.out
    data = thidua("plugins", "--format", "json").json()
    assert {p["province"]: p["distribution"] for p in data["plugins"]}["testland"] == "thidua-testland 0.0.1"
    year = [dict(e, province="testland") for e in laichau_year()]
    thidua.load(year + [ev("violation.recorded", province="testland", unit="B", severity="serious")])
    units = thidua.standings(province="testland")["blocks"][0]["units"]
    assert [(u["unit"], u["rank"], u["total"], u["award"]) for u in units] == [
        ("A", 1, 120, "co_testland"),
        ("C", 2, 100, None),
        ("D", 3, 90, None),
        ("B", None, 110, None),
    ]
    assert units[3]["reasons"] == ["TL-ELIG-1"]


def test_a_plugin_rule_refuses_input_with_its_rule_id(thidua, testland):
    year = [dict(e, province="testland") for e in laichau_year()]
    year += [
        ev("emulation.registered", province="testland", unit="A", targets={"t": 1}),
        ev("target.result", province="testland", unit="A", target="t", achieved=2),
        ev("bonus.awarded", province="testland", unit="A", target="t", points=1.5),
    ]
    result = thidua("import", "-", input="".join(__import__("json").dumps(e) + "\n" for e in year))
    assert result.code == 1
    assert f"LINE {len(year)}: points: a bonus is at most 1 point (TL-BONUS-1)" in result.err


def test_a_misspelled_hook_is_refused_and_others_keep_working(thidua, broken):
    broken(
        "typo",
        GOOD_HEAD
        + """
    TYPO = dataclasses.replace(PROVINCE, key="typo")
    @hookimpl
    def thidua_province(): return TYPO
    @hookimpl
    def thidua_validate(fact, facts, rules): return []
    @hookimpl
    def thidua_standings(facts, rules): return _standings(facts, rules)
    @hookimpl
    def thidua_standing(facts, rules): return None
    """,
    )
    result = thidua("plugins")
    assert result.code == 0
    assert "plugin 'typo': refused:" in result.out and "thidua_standing" in result.out
    assert "testland" in result.out and "laichau" in result.out
    assert "warning: plugin 'typo': refused" in result.err


def test_a_missing_required_hook_is_refused(thidua, broken):
    broken(
        "lazy",
        GOOD_HEAD
        + """
    @hookimpl
    def thidua_province(): return dataclasses.replace(PROVINCE, key="lazy")
    """,
    )
    out = thidua("plugins").out
    assert (
        "plugin 'lazy': refused: missing required hook thidua_validate; missing required hook: one of thidua_standings or thidua_eligibility"
        in out
    )


def test_two_plugins_claiming_one_key_are_refused(thidua, broken):
    broken(
        "twin",
        GOOD_HEAD
        + """
    @hookimpl
    def thidua_province(): return PROVINCE
    @hookimpl
    def thidua_validate(fact, facts, rules): return []
    @hookimpl
    def thidua_standings(facts, rules): return _standings(facts, rules)
    """,
    )
    out = thidua("plugins").out
    assert "plugin 'twin': refused: claims province key 'testland', which thidua-testland 0.0.1 already has" in out


def test_a_plugin_that_cannot_import_is_refused(thidua, broken):
    broken("bad", "import not_a_module_anywhere\n")
    result = thidua("plugins")
    assert "plugin 'bad' (thidua_bad): refused: cannot import: ModuleNotFoundError" in result.out
    thidua.load(laichau_year())  # Lai Châu still works
    assert thidua.standings()["blocks"][0]["units"][0]["unit"] == "A"


def test_a_plugin_that_fails_while_deciding_gives_one_line_not_a_traceback(thidua, broken):
    broken(
        "crash",
        GOOD_HEAD
        + """
    @hookimpl
    def thidua_province(): return dataclasses.replace(PROVINCE, key="crash")
    @hookimpl
    def thidua_validate(fact, facts, rules): return []
    @hookimpl
    def thidua_standings(facts, rules): raise ZeroDivisionError("division by zero")
    """,
    )
    thidua.load([dict(e, province="crash") for e in laichau_year()])
    result = thidua("standings", "--province", "crash", "--period", "2020")
    assert result.code == 1
    assert result.err.strip() == "Error: the crash plugin failed: ZeroDivisionError: division by zero"


def test_a_period_with_no_rule_set_in_force_is_an_error_not_a_default(thidua):
    result = thidua(
        "import",
        "-",
        input=__import__("json").dumps(ev("unit.registered", period="2019", at="2019-01-01", unit="A", name="A"))
        + "\n",
    )
    assert result.code == 1
    assert (
        "LINE 1: period: no rule set of laichau is in force for period 2019 (versions: 2020.1 from 2020-04-06)"
        in result.err
    )
    usage = thidua("standings", "--province", "laichau", "--period", "2019")
    assert usage.code == 2 and "no rule set of laichau is in force for period 2019" in usage.err


def test_a_plugin_citing_a_rule_its_rule_sets_lack_is_refused_at_load(thidua, broken):
    broken(
        "sloppy",
        GOOD_HEAD
        + """
    @hookimpl
    def thidua_province(): return dataclasses.replace(PROVINCE, key="sloppy")
    @hookimpl
    def thidua_validate(fact, facts, rules): return []
    @hookimpl
    def thidua_standings(facts, rules):
        result = _standings(facts, rules)
        for block in result.blocks:
            block.units[0].exclude("TL-ELIG-9", "a rule nobody wrote down")
        return result
    """,
    )
    out = thidua("plugins").out
    assert "plugin 'sloppy': refused: cites rule id(s) that none of its rule sets has: TL-ELIG-9" in out
    assert "testland" in out and "laichau" in out  # the others keep working


def test_a_decision_citing_an_unknown_rule_at_run_time_is_one_line(thidua, broken):
    # The id is built at run time, so the load-time scan cannot see it; the decision is refused.
    broken(
        "sneaky",
        GOOD_HEAD
        + """
    @hookimpl
    def thidua_province(): return dataclasses.replace(PROVINCE, key="sneaky")
    @hookimpl
    def thidua_validate(fact, facts, rules): return []
    @hookimpl
    def thidua_standings(facts, rules):
        result = _standings(facts, rules)
        result.blocks[0].units[0].exclude("-".join(["TL", "ELIG", "9"]), "a rule nobody wrote down")
        return result
    """,
    )
    thidua.load([dict(e, province="sneaky") for e in laichau_year()])
    result = thidua("standings", "--province", "sneaky", "--period", "2020")
    assert result.code == 1
    assert result.err.strip() == (
        "Error: the sneaky plugin cited rule id(s) not in rule set 1: TL-ELIG-9: "
        "a decision must rest on a rule the catalogue can show"
    )
