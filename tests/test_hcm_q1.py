"""Ho Chi Minh City District 1 (phase 2015–2019): every Q1-* rule applying and not applying, and `thidua eligibility`."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import jsonl, quotes_not_in_seed

PERIOD = "2015-2019"


def q1(event_type, at="2016-01-01", **keys):
    return {"type": event_type, "province": "hcm_q1", "period": PERIOD, "at": at, **keys}


def base(category="technical_staff", **person):
    return [
        q1("unit.registered", unit="CD1", name="CĐCS Công ty Một", workers=300),
        q1("person.registered", person="X", name="Nguyễn Văn X", unit="CD1", category=category, **person),
    ]


def inits(benefits, scope="grassroots", on="2017-05-05", person="X", start=1):
    return [
        q1(
            "initiative.recognized",
            initiative=f"I{start + i}",
            title="Sáng kiến",
            authors=[person],
            scope=scope,
            applied=True,
            benefit_vnd=b,
            recognized_on=on,
        )
        for i, b in enumerate(benefits)
    ]


def dossiers(city="2020-02-10", district="2020-04-01", who=None):
    who = who or {"person": "X"}
    out = []
    if city:
        out.append(q1("dossier.submitted", city, level="city", **who))
    if district:
        out.append(q1("dossier.submitted", district, level="district", **who))
    return out


def candidate(thidua, subject="X"):
    result = thidua("eligibility", "--province", "hcm_q1", "--period", PERIOD, "--format", "json")
    assert result.code == 0, result.err
    data = result.json()
    found = [c for c in data["candidates"] if c["subject"] == subject][0]
    return {lv["level"]: lv["objects"] for lv in found["levels"]}, found, data


def technical(benefits, **kw):
    return base() + inits(benefits, **kw) + [q1("training.contributed", person="X")]


# Q1-CITY-2 / Q1-DIST-1 --------------------------------------------------------------------
def test_five_initiatives_of_305_million_qualify_at_city_level(thidua):
    thidua.load(technical([65_000_000] + [60_000_000] * 4) + dossiers())
    levels, found, _ = candidate(thidua)
    assert levels == {"city": ["2"], "district": ["1"]} and found["eligible"]


def test_290_million_is_not_enough_for_the_city_but_is_for_the_district(thidua):
    thidua.load(technical([58_000_000] * 5) + dossiers())
    levels, _, _ = candidate(thidua)
    assert levels == {"district": ["1"]}


def test_without_training_colleagues_no_object_is_met(thidua):
    thidua.load(base() + inits([65_000_000] * 5) + dossiers())
    levels, found, _ = candidate(thidua)
    assert levels == {} and not found["eligible"]


# Q1-CITY-1 --------------------------------------------------------------------------------
def test_union_officer_with_huan_chuong_lao_dong_in_the_phase_is_automatic(thidua):
    thidua.load(
        base("union_officer") + [q1("honor.received", person="X", honor="huan_chuong_lao_dong", year=2018)] + dossiers()
    )
    assert candidate(thidua)[0] == {"city": ["1"]}


def test_an_honour_before_the_phase_does_not_count(thidua):
    thidua.load(
        base("union_officer") + [q1("honor.received", person="X", honor="bang_khen_thu_tuong", year=2014)] + dossiers()
    )
    assert candidate(thidua)[0] == {}


# Q1-CITY-3 / Q1-DIST-2 --------------------------------------------------------------------
def test_direct_worker_city_3_and_district_2(thidua):
    thidua.load(
        base("direct_worker")
        + inits([20_000_000, 20_000_000, 20_000_000])
        + [q1("training.contributed", person="X")]
        + dossiers()
    )
    assert candidate(thidua)[0] == {"city": ["3"], "district": ["2"]}


def test_direct_worker_disciplined_is_not_law_abiding(thidua):
    thidua.load(
        base("direct_worker")
        + inits([30_000_000, 30_000_000, 30_000_000])
        + [q1("training.contributed", person="X"), q1("discipline.recorded", person="X", level="khien_trach")]
        + dossiers()
    )
    assert candidate(thidua)[0] == {}


# Q1-CITY-4 / Q1-DIST-3 --------------------------------------------------------------------
def civil_servant(
    ratings=None, honors=(("chien_si_thi_dua_tp", 2018), ("chien_si_thi_dua_co_so", 2016)), n=3, scope="district"
):
    ratings = ratings or {y: "excellent" for y in range(2015, 2020)}
    events = base("civil_servant") + inits([0] * n, scope=scope)
    events += [q1("rating.recorded", person="X", rating=r, year=y) for y, r in ratings.items()]
    events += [q1("honor.received", person="X", honor=h, year=y) for h, y in honors]
    return events + dossiers()


def test_civil_servant_city_4_and_district_3(thidua):
    thidua.load(civil_servant())
    assert candidate(thidua)[0] == {"city": ["4"], "district": ["3"]}


def test_civil_servant_not_excellent_every_year(thidua):
    ratings = {y: "excellent" for y in range(2015, 2020)}
    ratings[2017] = "good"
    thidua.load(civil_servant(ratings))
    levels, found, _ = candidate(thidua)
    assert levels == {}
    assert any(
        "2017: good" in line["text"]
        for line in thidua(
            "explain", "--province", "hcm_q1", "--period", PERIOD, "--person", "X", "--format", "json"
        ).json()["lines"]
    )


def test_civil_servant_initiatives_must_be_district_scope(thidua):
    thidua.load(civil_servant(scope="grassroots"))
    assert candidate(thidua)[0] == {}


# Q1-DIST-C --------------------------------------------------------------------------------
def test_collective_with_the_city_committees_bang_khen_in_the_phase(thidua):
    thidua.load(
        base()
        + [q1("honor.received", unit="CD1", honor="bang_khen_ubnd_tp", year=2017)]
        + dossiers(city=None, who={"unit": "CD1"})
    )
    assert candidate(thidua, "CD1")[0] == {"district": ["collective"]}


def test_collective_honoured_before_the_phase_is_not(thidua):
    thidua.load(
        base()
        + [q1("honor.received", unit="CD1", honor="bang_khen_ubnd_tp", year=2013)]
        + dossiers(city=None, who={"unit": "CD1"})
    )
    assert candidate(thidua, "CD1")[0] == {}


# Q1-PRIOR-1 -------------------------------------------------------------------------------
def test_honoured_at_city_level_in_2010_2014_still_qualifies_at_district_level(thidua):
    thidua.load(
        technical([65_000_000] * 5)
        + dossiers()
        + [q1("honor.received", person="X", honor="dhtt_city_2010_2014", year=2014)]
    )
    levels, found, _ = candidate(thidua)
    assert levels == {"district": ["1"]} and found["reasons"] == ["Q1-PRIOR-1"]


def test_not_honoured_before_is_a_checked_condition(thidua):
    """Q1-PRIOR-1: passing — checked and none recorded is said, not silent."""
    thidua.load(technical([65_000_000] * 5) + dossiers())
    _, found, _ = candidate(thidua)
    explained = thidua("explain", "--province", "hcm_q1", "--period", PERIOD, "--person", "X", "--format", "json")
    texts = [ln["text"] for ln in explained.json()["lines"] if ln["rule"] == "Q1-PRIOR-1"]
    assert texts == [
        "not honoured at the city conference of the previous phase (dhtt_city_2010_2014: none recorded): not excluded",
        "not honoured at the district conference of the previous phase (dhtt_district_2010_2014: none recorded): "
        "not excluded",
    ]


def test_explain_table_shows_retracted_and_superseded_events(thidua):
    """The table view of a District 1 explanation lists the retracted and superseded events its JSON has."""
    thidua.load(
        technical([65_000_000] * 5)
        + dossiers()
        + [
            q1("honor.received", id="h1", person="X", honor="dhtt_city_2010_2014", year=2014),
            q1("event.retracted", target="h1", reason="nhầm người"),
            q1("training.contributed", "2016-02-01", person="X"),
        ]
    )
    data = thidua("explain", "--province", "hcm_q1", "--period", PERIOD, "--person", "X", "--format", "json").json()
    statuses = {e["type"]: e["status"] for e in data["other_events"]}
    assert statuses["honor.received"].startswith("retracted by #")
    table = thidua("explain", "--province", "hcm_q1", "--period", PERIOD, "--person", "X")
    assert "Other events naming this person (retracted and superseded ones included):" in table.out
    assert "honor.received" in table.out and ": nhầm người]" in table.out
    assert "[superseded by #" in table.out


def test_honoured_at_district_level_excludes_there_only(thidua):
    thidua.load(
        technical([65_000_000] * 5)
        + dossiers()
        + [q1("honor.received", person="X", honor="dhtt_district_2010_2014", year=2013)]
    )
    assert candidate(thidua)[0] == {"city": ["2"]}


# Q1-INIT-1 --------------------------------------------------------------------------------
def test_an_initiative_of_20_december_2014_is_not_counted(thidua):
    events = (
        base("direct_worker")
        + inits([60_000_000], on="2014-12-20")
        + [q1("training.contributed", person="X")]
        + dossiers()
    )
    thidua.load(events)
    assert candidate(thidua)[0] == {}
    thidua.load(inits([60_000_000], on="2015-01-01", start=9))
    assert candidate(thidua)[0] == {"district": ["2"]}


def test_a_shared_initiative_counts_for_each_author_with_its_share(thidua):
    events = base("direct_worker") + [
        q1("person.registered", person="Y", name="Trần Y", unit="CD1", category="direct_worker"),
        q1("training.contributed", person="X"),
        q1("training.contributed", person="Y"),
    ]
    events.append(
        q1(
            "initiative.recognized",
            initiative="S",
            title="Chung",
            authors=["X", "Y"],
            scope="grassroots",
            applied=True,
            benefit_vnd=100_000_000,
            recognized_on="2018-01-01",
        )
    )
    events.append(
        q1(
            "initiative.recognized",
            initiative="W",
            title="Theo tỷ lệ",
            authors={"X": 1, "Y": 3},
            scope="grassroots",
            applied=True,
            benefit_vnd=40_000_000,
            recognized_on="2018-02-01",
        )
    )
    thidua.load(events + dossiers(city=None) + dossiers(city=None, who={"person": "Y"}))
    assert candidate(thidua, "X")[0] == {"district": ["2"]}  # 50m + 10m
    assert candidate(thidua, "Y")[0] == {"district": ["2"]}  # 50m + 30m
    thidua.load([q1("event.retracted", target=6, reason="nhập sai")])  # retract S (log position 6)
    assert candidate(thidua, "X")[0] == {}  # 10m left
    assert candidate(thidua, "Y")[0] == {}  # 30m left


def three_way(benefits):
    """X (technical staff), Y and Z share initiatives equally, one per benefit."""
    events = base() + [
        q1("person.registered", person=p, name=f"Trần {p}", unit="CD1", category="technical_staff") for p in "YZ"
    ]
    events.append(q1("training.contributed", person="X"))
    for i, benefit in enumerate(benefits):
        events.append(
            q1(
                "initiative.recognized",
                initiative=f"T{i}",
                title="Ba tác giả",
                authors=["X", "Y", "Z"],
                scope="grassroots",
                applied=True,
                benefit_vnd=benefit,
                recognized_on="2018-03-01",
            )
        )
    return events + dossiers(city=None)


def test_three_equal_shares_of_100_million_add_up_exactly_to_the_threshold(thidua):
    """Q1-INIT-1: passing — a third of 3 × 100,000,000 is exactly 100,000,000 (Q1-DIST-1 needs that much);
    the shares are exact fractions, rounded only for display."""
    thidua.load(three_way([100_000_000] * 3))
    levels, found, _ = candidate(thidua)
    assert levels == {"district": ["1"]}
    explained = thidua("explain", "--province", "hcm_q1", "--period", PERIOD, "--person", "X", "--format", "json")
    texts = [ln["text"] for ln in explained.json()["lines"]]
    assert "district object 1: benefit 100.000.000 VND, needs 100.000.000 VND: met" in texts
    assert any("share 33.333.333,33 VND (exactly 1/3) of 100.000.000 VND" in t for t in texts)


def test_three_equal_shares_just_under_the_threshold_do_not_meet_it(thidua):
    """Q1-INIT-1: failing — with one benefit of 99,999,999 the exact total is 99,999,999.67 (display), under."""
    thidua.load(three_way([100_000_000, 100_000_000, 99_999_999]))
    assert candidate(thidua)[0] == {}
    explained = thidua("explain", "--province", "hcm_q1", "--period", PERIOD, "--person", "X", "--format", "json")
    assert "district object 1: benefit 99.999.999,67 VND, needs 100.000.000 VND: not met" in [
        ln["text"] for ln in explained.json()["lines"]
    ]


def test_an_initiative_not_applied_does_not_count(thidua):
    events = base("direct_worker") + [
        q1("training.contributed", person="X"),
        q1(
            "initiative.recognized",
            initiative="N",
            title="Chưa áp dụng",
            authors=["X"],
            scope="grassroots",
            applied=False,
            benefit_vnd=90_000_000,
            recognized_on="2018-01-01",
        ),
    ]
    thidua.load(events + dossiers())
    assert candidate(thidua)[0] == {}


# Q1-TIME-1 --------------------------------------------------------------------------------
def test_a_city_dossier_at_16_30_on_14_february_is_late_at_city_level_only(thidua):
    thidua.load(technical([65_000_000] * 5) + dossiers(city="2020-02-14T16:30"))
    levels, found, _ = candidate(thidua)
    assert levels == {"district": ["1"]} and found["reasons"] == ["Q1-TIME-1"]


def test_a_dossier_at_15_59_is_in_time_and_a_missing_one_excludes(thidua):
    thidua.load(technical([65_000_000] * 5) + dossiers(city="2020-02-14T15:59", district=None))
    levels, found, _ = candidate(thidua)
    assert levels == {"city": ["2"]} and found["reasons"] == ["Q1-TIME-1"]


def test_a_dossier_must_name_its_level(thidua):
    thidua.load(base())
    result = thidua("import", "-", input=jsonl([q1("dossier.submitted", person="X", award="x")]))
    assert (
        result.code == 1 and "level: a District 1 dossier names its level: city or district (Q1-TIME-1)" in result.err
    )


# Q1-TIME-2, Q1-DEL-1, Q1-DEL-2 ------------------------------------------------------------
def test_conferences_late_and_model_share_are_flagged(thidua):
    thidua.load(
        base()
        + [
            q1("conference.held", "2020-03-25", unit="CD1", kind="grassroots", delegates={"models": 60, "guests": 40}),
            q1("conference.held", "2020-05-18", unit="CD1", kind="district", delegates={"models": 175, "guests": 75}),
        ]
    )
    _, _, data = candidate(thidua)
    warnings = sorted((n["rule"], n["text"][:20]) for n in data["notes"] if n["kind"] == "warning")
    assert warnings == [("Q1-DEL-2", "grassroots conferenc"), ("Q1-TIME-2", "grassroots conferenc")]


@pytest.mark.parametrize(
    "workers, total, ok", [(300, 100, True), (300, 101, False), (501, 250, True), (501, 251, False), (500, 101, False)]
)
def test_delegate_limits(thidua, workers, total, ok):
    thidua.load([q1("unit.registered", unit="CD1", name="CĐCS", workers=workers)])
    result = thidua(
        "import",
        "-",
        input=jsonl(
            [
                q1(
                    "conference.held",
                    "2020-03-01",
                    unit="CD1",
                    kind="grassroots",
                    delegates={"models": total - 30, "guests": 30},
                )
            ]
        ),
    )
    assert (result.code == 0) == ok
    if not ok:
        assert "(Q1-DEL-1)" in result.err


# Q1-PRIO-1 and the command ----------------------------------------------------------------
def test_priority_order_and_balance(thidua):
    events = [q1("unit.registered", unit="CD1", name="CĐCS", workers=300)]
    for person, category, extra in (
        ("T", "technical_staff", {}),
        ("W", "direct_worker", {"gender": "female", "ethnic_minority": True}),
    ):
        events.append(
            q1("person.registered", person=person, name=f"Người {person}", unit="CD1", category=category, **extra)
        )
        events += inits([65_000_000] * 5, person=person, start=10 if person == "W" else 1)
        events.append(q1("training.contributed", person=person))
        events += dossiers(who={"person": person})
    thidua.load(events)
    _, _, data = candidate(thidua, "T")
    assert [c["subject"] for c in data["candidates"]][:2] == ["W", "T"]  # the direct worker first
    balance = [n for n in data["notes"] if n["rule"] == "Q1-PRIO-1"][0]["text"]
    assert balance == "eligible individuals: 2; women 1 (50.0%); ethnic minority 1 (50.0%)"


def test_eligibility_csv_table_and_standings_redirect(thidua):
    thidua.load(technical([65_000_000] * 5) + dossiers())
    rows = list(
        csv.DictReader(
            io.StringIO(
                thidua("eligibility", "--province", "hcm_q1", "--period", PERIOD, "--format", "csv").out.removeprefix(
                    "\ufeff"
                )
            )
        )
    )
    assert [(r["subject"], r["level"], r["objects"]) for r in rows if r["subject"] == "X"] == [
        ("X", "city", "2"),
        ("X", "district", "1"),
    ]
    table = thidua("eligibility", "--province", "hcm_q1", "--period", PERIOD).out
    assert "city: 2; district: 1" in table
    redirect = thidua("standings", "--province", "hcm_q1", "--period", PERIOD)
    assert redirect.code == 2 and "use `thidua eligibility`" in redirect.err


def test_eligibility_of_a_ranking_province_lists_award_proposals(thidua):
    assert thidua("demo").code == 0
    result = thidua("eligibility", "--province", "laichau", "--period", "2020", "--format", "json").json()
    top = [c for c in result["candidates"] if c["subject"] == "LDLD_TAM_DUONG"][0]
    assert top["levels"] == [{"level": "proposed", "objects": ["co_thi_dua_tld"], "rules": ["LC-AWARD-1"]}]


def test_the_demo_phase(thidua):
    assert thidua("demo").code == 0
    result = thidua("eligibility", "--province", "hcm_q1", "--period", PERIOD, "--format", "json").json()
    by = {c["subject"]: c for c in result["candidates"]}
    assert len([c for c in by.values() if c["kind"] == "person"]) == 12
    assert {lv["level"] for lv in by["P_LAN"]["levels"]} == {"city", "district"}
    assert [lv["level"] for lv in by["P_MINH"]["levels"]] == ["district"]
    assert by["P_TUAN"]["reasons"] == ["Q1-PRIOR-1"] and by["P_HOA"]["reasons"] == ["Q1-TIME-1"]
    explained = thidua("explain", "--province", "hcm_q1", "--period", PERIOD, "--person", "P_SON").out
    assert (
        "recognised 20/12/2014, outside the phase" in explained
        and "benefit 40.000.000 VND, needs 50.000.000 VND: not met" in explained
    )


def test_every_quote_is_the_seeds_own_words():
    """Quotes must be the seed's words (each part between "…" found in the seed)."""
    assert quotes_not_in_seed("hcm_q1") == []
