"""Điện Biên (year-end guidance 2020): every DB-* rule applying and not applying."""

from __future__ import annotations

import pytest

from conftest import jsonl


def db(event_type, at="2020-06-01", **keys):
    return {"type": event_type, "province": "dienbien", "period": "2020", "at": at, **keys}


def year(units=None):
    """Block K: unit -> (cross-scored total, rating, dossier arrival). Sheet: one criterion of 100."""
    units = units or {
        "A": (90, "excellent", "2020-12-01"),
        "B": (85, "excellent", "2020-12-01"),
        "C": (80, "excellent", "2020-12-01"),
        "D": (75, "excellent", "2020-12-01"),
        "E": (70, "excellent", "2020-12-01"),
    }
    names = list(units)
    events = [db("unit.registered", "2020-01-02", unit=u, name=f"LĐLĐ huyện {u}") for u in names]
    events.append(
        db("block.formed", "2020-01-05", block="K", name="Khối huyện", members=names, head=names[0], deputy=names[1])
    )
    events.append(db("sheet.defined", "2020-01-05", block="*", criteria=[{"id": "TC", "max": 100}]))
    for unit, (total, rating, arrival) in units.items():
        events.append(db("score.appraised", "2020-12-12", unit=unit, criterion="TC", points=total))
        if rating:
            events.append(db("rating.recorded", "2020-12-15", unit=unit, rating=rating, year=2020))
        if arrival:
            events.append(db("dossier.submitted", arrival, unit=unit, award="co_thi_dua_ldld_tinh", copies=1))
    return events


def units(thidua, *args):
    data = thidua.standings(*args, province="dienbien", period="2020")
    return {u["unit"]: u for b in data["blocks"] for u in b["units"]}, data


def notes(data):
    return [n for b in data["blocks"] for n in b["notes"]]


# DB-SCORE-1 -------------------------------------------------------------------------------
def test_score_cross_scores_are_totalled_and_ranked_with_ties(thidua):
    thidua.load(
        year(
            {
                "A": (90, "excellent", "2020-12-01"),
                "B": (92.5, "good", "2020-12-01"),
                "C": (90, "excellent", "2020-12-01"),
            }
        )
    )
    result, _ = units(thidua)
    assert [(u, result[u]["rank"], result[u]["total"]) for u in "BAC"] == [("B", 1, 92.5), ("A", 2, 90), ("C", 2, 90)]


def test_score_over_the_sheet_cap_is_refused(thidua):
    thidua.load(year())
    result = thidua("import", "-", input=jsonl([db("score.appraised", unit="A", criterion="TC", points=100.5)]))
    assert result.code == 1 and "points: 100.5 is over the cap of criterion 'TC' (100)" in result.err


# DB-QUOTA-1 -------------------------------------------------------------------------------
def test_quota_of_nine_excellent_is_one_and_a_good_leader_is_ranked_not_proposed(thidua):
    units_ = {f"U{i}": (80 - i, "excellent", "2020-12-01") for i in range(1, 10)}
    units_["TOP"] = (99, "good", "2020-12-01")
    thidua.load(year(units_))
    result, data = units(thidua)
    assert result["TOP"]["rank"] == 1 and result["TOP"]["award"] is None
    assert [u for u, r in result.items() if r["award"]] == ["U1"]
    assert result["U1"]["award_status"] == "proposed"
    texts = [n["text"] for n in notes(data)]
    assert "proposal quota = ⌊0.2 × 9 unit(s) rated excellent⌋ = ⌊1.8⌋ = 1" in texts
    assert "next in line after the quota: U2 (78 points)" in texts


def test_quota_of_ten_excellent_is_two(thidua):
    thidua.load(year({f"U{i}": (90 - i, "excellent", "2020-12-01") for i in range(10)}))
    result, _ = units(thidua)
    assert sorted(u for u, r in result.items() if r["award"]) == ["U0", "U1"]


def test_quota_zero_is_said_not_silently_empty(thidua):
    thidua.load(
        year(
            {
                "A": (90, "excellent", "2020-12-01"),
                "B": (80, "excellent", "2020-12-01"),
                "C": (70, "good", "2020-12-01"),
            }
        )
    )
    result, data = units(thidua)
    assert all(r["award"] is None for r in result.values())
    assert "the quota is 0: this block proposes no unit this year" in [n["text"] for n in notes(data)]


def test_quota_a_tie_at_the_boundary_is_pending_until_resolved(thidua):
    thidua.load(
        year(
            {
                "A": (90, "excellent", "2020-12-01"),
                "B": (90, "excellent", "2020-12-01"),
                "C": (80, "excellent", "2020-12-01"),
                "D": (70, "excellent", "2020-12-01"),
                "E": (60, "excellent", "2020-12-01"),
            }
        )
    )
    result, _ = units(thidua)
    assert [(result[u]["award"], result[u]["award_status"]) for u in "AB"] == [("de_nghi_khen_thuong", "pending")] * 2
    thidua.load([db("conference.resolved", "2020-12-20", block="K", award="de_nghi_khen_thuong", unit="B")])
    result, _ = units(thidua)
    assert (result["A"]["award"], result["B"]["award_status"]) == (None, "resolved")


# DB-TIME-1 --------------------------------------------------------------------------------
def test_time_a_dossier_at_16_30_on_10_december_is_in_time(thidua):
    thidua.load(year({"A": (90, "excellent", "2020-12-10T16:30"), "B": (80, "excellent", "2020-12-01")}))
    result, _ = units(thidua)
    assert result["A"]["eligible"] and result["A"]["rank"] == 1


def test_time_a_dossier_on_11_december_or_none_excludes(thidua):
    thidua.load(
        year(
            {
                "A": (95, "excellent", "2020-12-11"),
                "B": (92, "excellent", None),
                "C": (80, "excellent", "2020-12-01"),
                "D": (75, "excellent", "2020-12-01"),
                "E": (70, "excellent", "2020-12-01"),
            }
        )
    )
    result, _ = units(thidua)
    assert (result["A"]["eligible"], result["A"]["reasons"], result["A"]["rank"]) == (False, ["DB-TIME-1"], None)
    assert result["B"]["reasons"] == ["DB-TIME-1"]
    assert result["C"]["award"] == "de_nghi_khen_thuong"  # the quota passes over the excluded


# DB-TIME-2 --------------------------------------------------------------------------------
def test_time_registration_before_15_january_or_a_warning(thidua):
    thidua.load(
        year()
        + [
            db("emulation.registered", "2020-01-14T23:59", unit="A", titles=["Lao động tiên tiến"]),
            db("emulation.registered", "2020-01-15", unit="B", titles=["Tập thể lao động xuất sắc"]),
        ]
    )
    result, _ = units(thidua)
    assert result["A"]["warnings"] == [] and [w["rule"] for w in result["B"]["warnings"]] == ["DB-TIME-2"]


def test_titles_are_validated_with_a_suggestion(thidua):
    thidua.load(year())
    result = thidua(
        "import", "-", input=jsonl([db("emulation.registered", unit="A", titles=["Tập thể lao động xuất xắc"])])
    )
    assert result.code == 1
    assert (
        "LINE 1: titles: unknown title 'Tập thể lao động xuất xắc' (did you mean 'Tập thể lao động xuất sắc'?)"
        in result.err
    )


# DB-QUOTA-2 -------------------------------------------------------------------------------
def people(leaders, workers):
    events = []
    for i in range(leaders + workers):
        events.append(db("person.registered", person=f"P{i}", name=f"Cán bộ {i}", unit="A", leader=i < leaders))
        events.append(
            db("dossier.submitted", f"2020-12-0{1 + i % 9}", person=f"P{i}", award="bang_khen_ldld_tinh", copies=1)
        )
    return events


def test_leader_cap_flags_the_excess(thidua):
    thidua.load(year() + people(leaders=2, workers=8))
    _, data = units(thidua)
    flagged = [n for n in data["notes"] if n["rule"] == "DB-QUOTA-2" and n["kind"] == "warning"]
    assert len(flagged) == 1 and "excess Cán bộ 1 (P1)" in flagged[0]["text"]


def test_leaders_within_the_cap_are_not_flagged(thidua):
    thidua.load(year() + people(leaders=1, workers=9))
    _, data = units(thidua)
    assert [n["kind"] for n in data["notes"] if n["rule"] == "DB-QUOTA-2"] == ["note"]


# DB-DOSSIER-1 -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "award, copies, flagged",
    [
        ("co_thi_dua_tld", 3, False),
        ("co_thi_dua_tld", 1, True),
        ("co_thi_dua_ldld_tinh", 1, False),
        ("bang_khen_tld", None, True),
    ],
)
def test_dossier_copies(thidua, award, copies, flagged):
    extra = {"copies": copies} if copies is not None else {}
    thidua.load(year() + [db("dossier.submitted", "2020-12-02", unit="A", award=award, **extra)])
    result, _ = units(thidua)
    assert any(w["rule"] == "DB-DOSSIER-1" for w in result["A"]["warnings"]) == flagged


def test_an_unknown_award_key_is_refused(thidua):
    thidua.load(year())
    result = thidua("import", "-", input=jsonl([db("dossier.submitted", unit="A", award="co_thi_dua")]))
    assert result.code == 1 and "award: unknown award 'co_thi_dua' (known:" in result.err


# The demo -------------------------------------------------------------------------------
def test_the_demo_prints_the_districts_block(thidua):
    assert thidua("demo").code == 0
    result, data = units(thidua)
    assert len(result) == 10 and result["LDLD_TP_DBP"]["rank"] == 1 and result["LDLD_TP_DBP"]["award"] is None
    assert result["LDLD_MUONG_NHE"]["reasons"] == ["DB-TIME-1"]
    assert result["LDLD_DIEN_BIEN_DONG"]["eligible"]  # 16:30 on 10/12
    assert [u for u, r in result.items() if r["award"]] == ["LDLD_DIEN_BIEN"]
