"""Every event type of CONTRACT.md §1: one accepted example and one rejected with its message."""

from __future__ import annotations

import pytest

from thidua.events import ACTOR_TYPES, EVENT_TYPES

from conftest import ev, laichau_year

# A register every example can lean on: block K (A, B, C, D), a sheet, person P of unit A.
BASE = laichau_year() + [
    ev("person.registered", person="P", name="Nguyễn Văn An", unit="A"),
    ev("emulation.registered", "2020-02-02", unit="B", targets={"t1": 10}),
    ev("target.result", "2020-11-01", unit="B", target="t1", achieved=12),
    ev("unit.registered", unit="E", name="Đơn vị E"),
    ev("score.self", "2020-12-01", id="s-1", unit="D", criterion="C1", points=10),
]

CASES = {
    "unit.registered": (
        dict(unit="F", name="Đơn vị F", has_union=False, workers=120),
        dict(unit="F", name="Đơn vị F", has_union="no"),
        "has_union: expected true or false, got a string",
    ),
    "person.registered": (
        dict(person="Q", name="Trần Thị Bình", unit="B", category="direct_worker", gender="female"),
        dict(person="Q", name="Trần Thị Bình", unit="Z"),
        "unit: unknown unit 'Z' in laichau 2020",
    ),
    "block.formed": (dict(block="K2", name="Khối 2", members=["E"], head="E", deputy="E2"), None, None),
    "block.member_added": (dict(block="K", unit="E"), dict(block="K9", unit="E"), "block: unknown block 'K9'"),
    "block.member_removed": (
        dict(block="K", unit="D"),
        dict(block="K", unit="E"),
        "unit: unit 'E' is not a member of block 'K'",
    ),
    "sheet.defined": (
        dict(block="K", criteria=[{"id": "X", "max": 100, "section": "I"}], sections={"I": 100}),
        dict(block="K", criteria=[{"id": "X", "max": 100, "section": "I"}], sections={"I": 50}),
        "criteria: criterion 'X' max 100 is above its section's cap 50",
    ),
    "pledge.signed": (
        dict(unit="A", block="K"),
        dict(unit="E", block="K"),
        "block: unit 'E' is not a member of block 'K'",
    ),
    "emulation.registered": (
        dict(unit="A", titles=["Cờ thi đua của LĐLĐ tỉnh"], targets={"members": 500}),
        dict(unit="A", person="P"),
        "unit/person: emulation.registered needs exactly one of 'unit', 'person'",
    ),
    "report.submitted": (
        dict(unit="A", kind="year_end"),
        dict(unit="A", kind="annual"),
        "kind: 'annual' is not one of mid_year, year_end, budget_estimate",
    ),
    "score.self": (
        dict(unit="A", criterion="C1", points=70.5),
        dict(unit="A", criterion="C1", points=75.5),
        "points: 75.5 is over the cap of criterion 'C1' (75)",
    ),
    "score.appraised": (
        dict(unit="A", criterion="C2", points=40),
        dict(unit="A", criterion="C9", points=4),
        "criterion: unknown criterion 'C9' on the sheet of block 'K' (known: C1, C2)",
    ),
    "score.provincial": (
        dict(unit="A", scorer="ban_3", points=8),
        dict(unit="A", scorer="ban_3", points=-1),
        "points: negative points are not allowed, got -1",
    ),
    "target.result": (
        dict(unit="B", target="t1", achieved=11.5),
        dict(unit="B", target="t1", achieved="11"),
        "achieved: expected a number, got a string",
    ),
    "bonus.awarded": (
        dict(unit="B", target="t1", points=1),
        dict(unit="A", target="t1", points=1),
        "target: bonus for target 't1', which 'A' did not register (emulation.registered targets)",
    ),
    "deduction.recorded": (
        dict(unit="A", reason="other", points=0.5),
        dict(unit="A", reason="criticism_doc", points=0.5),
        "points: points are computed by the province for reason 'criticism_doc'; give them only for 'other'",
    ),
    "violation.recorded": (
        dict(unit="A", severity="serious"),
        dict(unit="A", severity="minor"),
        "severity: 'minor' is not one of serious",
    ),
    "discipline.recorded": (
        dict(person="P", level="khien_trach"),
        dict(person="P", level="warning"),
        "level: 'warning' is not one of khien_trach, canh_cao, cach_chuc, buoc_thoi_viec, khai_tru",
    ),
    "rating.recorded": (
        dict(unit="A", rating="excellent", year=2020),
        dict(unit="A", rating="excellent", year=2019),
        "year: year 2019 is outside period 2020",
    ),
    "initiative.recognized": (
        dict(
            initiative="I1",
            title="Cải tiến quy trình",
            authors={"P": 1},
            scope="grassroots",
            applied=True,
            benefit_vnd=60_000_000,
            recognized_on="2020-05-04",
        ),
        dict(
            initiative="I1",
            title="Cải tiến",
            authors=["P"],
            scope="grassroots",
            applied=True,
            benefit_vnd=60_000_000.5,
            recognized_on="2020-05-04",
        ),
        "benefit_vnd: expected a whole number, got 60000000.5",
    ),
    "honor.received": (
        dict(person="P", honor="bang_khen_thu_tuong", year=2018),
        dict(honor="bang_khen_thu_tuong"),
        "unit/person: honor.received needs exactly one of 'unit', 'person'",
    ),
    "training.contributed": (
        dict(person="P"),
        dict(person="P", unit="A"),
        "unit: unknown key for training.contributed",
    ),
    "dossier.submitted": (
        dict(unit="A", award="co_thi_dua_tld", copies=3),
        dict(unit="A", copies=3),
        "award: a dossier names its award (or its level, city or district)",
    ),
    "conference.held": (
        dict(block="K", kind="year_end", delegates={"models": 70, "guests": 30}),
        dict(block="K", kind="year_end", delegates={"models": 70}),
        "delegates: missing key 'guests'",
    ),
    "conference.resolved": (
        dict(block="K", award="co_thi_dua_tld", unit="A"),
        dict(block="K", award="co_thi_dua_tld", unit="E"),
        "unit: unit 'E' is not a member of block 'K'",
    ),
    "setting.changed": (
        dict(block="K", setting="flags_ldld_tinh", value=2),
        dict(block="K", setting="flags_ldld", value=2),
        "setting: unknown setting 'flags_ldld' for rule set 2020.1",
    ),
    "crosscheck.planned": (
        dict(block="K", pairs={"A": "B", "B": "C", "C": "D", "D": "A"}),
        dict(block="K", pairs={"A": "E"}),
        "pairs: unit 'E' is not a member of block 'K'",
    ),
    "event.retracted": (
        dict(target="s-1", reason="nhập nhầm"),
        dict(target="s-404", reason="nhập nhầm"),
        "target: no event 's-404' in laichau 2020 to retract",
    ),
}
# Lai Châu refuses what its guidance does not have: those types are accepted by the tests' province.
ELSEWHERE = {"bonus.awarded", "deduction.recorded"}
CASES["block.formed"] = (
    dict(block="K2", name="Khối 2", members=["E"], head="E", deputy="E"),
    dict(block="K2", name="Khối 2", members=["E", "A"], head="E", deputy="A"),
    "members: unit 'A' is already a member of block 'K'",
)


def test_every_contract_type_has_a_case():
    # Appointments need an enforcing store: tests/test_actors.py records and refuses them.
    assert set(CASES) == set(EVENT_TYPES) - set(ACTOR_TYPES)


@pytest.mark.parametrize("event_type", sorted(CASES))
def test_accepted(thidua, testland, event_type):
    good = CASES[event_type][0]
    province = "testland" if event_type in ELSEWHERE else "laichau"
    thidua.load([dict(e, province=province) for e in BASE])
    result = thidua("import", "-", input=_line(event_type, good, province))
    if event_type == "block.formed":  # Lai Châu: head and deputy must differ (LC-ORG-1)
        assert result.code == 1 and "deputy: head and deputy must be two different units (LC-ORG-1)" in result.err
        return
    assert result.code == 0, result.err
    assert result.out.strip() == "appended 1, skipped 0 (already stored)"


@pytest.mark.parametrize("event_type", sorted(CASES))
def test_rejected(thidua, event_type):
    _, bad, message = CASES[event_type]
    thidua.load(BASE)
    result = thidua("import", "-", input=_line(event_type, bad))
    assert result.code == 1
    assert f"LINE 1: {message}" in result.err, result.err


def _line(event_type, keys, province="laichau"):
    from conftest import jsonl

    return jsonl([ev(event_type, "2020-12-10", province=province, **keys)])


@pytest.mark.parametrize("event_type", sorted(ELSEWHERE))
def test_laichau_refuses_points_its_guidance_does_not_have(thidua, event_type):
    thidua.load(BASE)
    result = thidua("import", "-", input=_line(event_type, CASES[event_type][0]))
    assert result.code == 1 and "(LC-SCORE-3)" in result.err
