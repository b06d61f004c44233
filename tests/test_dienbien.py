"""Điện Biên (year-end guidance 2020): every DB-* rule applying and not applying."""

from __future__ import annotations

import pytest

from conftest import jsonl, quotes_not_in_seed


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


def explain(thidua, **subject):
    ((kind, key),) = subject.items()
    args = ("explain", "--province", "dienbien", "--period", "2020", f"--{kind}", key, "--format", "json")
    result = thidua(*args)
    assert result.code == 0, result.err
    return result.json()


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
def test_time_registration_for_next_year_before_15_january_of_the_next_year(thidua):
    """DB-TIME-2: passing — 2021's titles registered on 14/01/2021 23:59 are in time (not checked against 15/01/2020)."""
    thidua.load(year() + [db("emulation.registered", "2021-01-14T23:59", unit="A", titles=["Lao động tiên tiến"])])
    result, _ = units(thidua)
    assert result["A"]["warnings"] == []
    line = [ln for ln in explain(thidua, unit="A")["lines"] if ln["rule"] == "DB-TIME-2"][0]
    assert line["text"] == "registered for 2021: Lao động tiên tiến (due before 15/01/2021)"


def test_time_registration_on_15_january_of_the_next_year_is_late(thidua):
    """DB-TIME-2: failing — on 15/01/2021 is not before 15/01/2021."""
    thidua.load(year() + [db("emulation.registered", "2021-01-15", unit="B", titles=["Tập thể lao động xuất sắc"])])
    result, _ = units(thidua)
    assert [w["rule"] for w in result["B"]["warnings"]] == ["DB-TIME-2"]


# DB-TITLE-1 -------------------------------------------------------------------------------
def test_titles_in_the_seeds_own_spellings_are_accepted_and_shown_canonical(thidua):
    """DB-TITLE-1: passing — sỹ, "… của Tổng Liên đoàn Lao động Việt Nam", "… của Liên đoàn Lao động tỉnh",
    "chiến sỹ thi đua cấp tỉnh"."""
    titles = [
        "Chiến sỹ thi đua cơ sở",
        "chiến sỹ thi đua cấp tỉnh",
        "Cờ thi đua của Tổng Liên đoàn Lao động Việt Nam",
        "Cờ thi đua của Liên đoàn Lao động tỉnh",
    ]
    thidua.load(year() + [db("emulation.registered", "2021-01-10", unit="A", titles=titles)])
    line = [ln for ln in explain(thidua, unit="A")["lines"] if ln["rule"] == "DB-TIME-2"][0]
    assert line["text"] == (
        "registered for 2021: Chiến sĩ thi đua cơ sở, Chiến sĩ thi đua cấp tỉnh, Cờ thi đua của Tổng Liên đoàn, "
        "Cờ thi đua của LĐLĐ tỉnh (due before 15/01/2021)"
    )


def test_titles_not_in_the_guidance_are_refused(thidua):
    """DB-TITLE-1: failing — "Chiến sỹ thi đua toàn quốc" is not a title a unit registers here."""
    thidua.load(year())
    result = thidua("import", "-", input=jsonl([db("emulation.registered", unit="A", titles=["Huân chương Lao động"])]))
    assert result.code == 1 and "LINE 1: titles: unknown title 'Huân chương Lao động' (DB-TITLE-1)" in result.err


# DB-QUOTA-2 -------------------------------------------------------------------------------
def people(leaders, workers, unit="A", start=0, day=1):
    events = []
    for i in range(start, start + leaders + workers):
        events.append(
            db("person.registered", person=f"P{i}", name=f"Cán bộ {i}", unit=unit, leader=i < start + leaders)
        )
        events.append(
            db("dossier.submitted", f"2020-12-0{day + i % 5}", person=f"P{i}", award="bang_khen_ldld_tinh", copies=1)
        )
    return events


def test_leader_cap_flags_the_excess(thidua):
    thidua.load(year() + people(leaders=2, workers=8))
    _, data = units(thidua)
    flagged = [n for n in data["notes"] if n["rule"] == "DB-QUOTA-2" and n["kind"] == "warning"]
    assert (
        len(flagged) == 1
        and "union A: 2 leaders proposed, over its cap of 1: excess Cán bộ 1 (P1)" in flagged[0]["text"]
    )


def test_leaders_within_the_cap_are_not_flagged(thidua):
    thidua.load(year() + people(leaders=1, workers=9))
    _, data = units(thidua)
    assert [n["kind"] for n in data["notes"] if n["rule"] == "DB-QUOTA-2"] == ["note"]


def test_leader_cap_is_each_unions_own_not_pooled(thidua):
    """DB-QUOTA-2: failing for B, passing for A — A proposes 1 leader in 10 (cap 1); B 1 leader in 5 (cap
    ⌊0.5⌋ = 0): B's leader is flagged, though pooled (15 proposals, cap 1) only one leader would be too many."""
    thidua.load(year() + people(leaders=1, workers=9, unit="A") + people(leaders=1, workers=4, unit="B", start=10))
    _, data = units(thidua)
    texts = [n["text"] for n in data["notes"] if n["rule"] == "DB-QUOTA-2"]
    assert texts == [
        "union A: 10 individual proposal(s) in time, of them leaders: 1; leader cap = ⌊0.1 × 10⌋ = 1",
        "union B: 5 individual proposal(s) in time, of them leaders: 1; leader cap = ⌊0.1 × 5⌋ = 0",
        "union B: 1 leaders proposed, over its cap of 0: excess Cán bộ 10 (P10); priority goes to direct workers",
    ]
    p10, p0 = explain(thidua, person="P10"), explain(thidua, person="P0")
    assert (p10["eligible"], p10["reasons"], p0["eligible"]) == (False, ["DB-QUOTA-2"], True)
    assert "a leader within the union's cap of 1" in [ln["text"] for ln in p0["lines"]]


# DB-TIME-1, individuals -------------------------------------------------------------------
def test_time_an_individuals_dossier_after_10_december_is_not_proposed(thidua):
    """DB-TIME-1: failing — P9's dossier on 11/12 is not proposed and not counted in its union's proposals."""
    events = year() + people(leaders=1, workers=9)
    events[-1]["at"] = "2020-12-11T08:00"
    thidua.load(events)
    p9 = explain(thidua, person="P9")
    assert (p9["eligible"], p9["reasons"], p9["levels"]) == (False, ["DB-TIME-1"], [])
    assert "dossier arrived 2020-12-11 08:00, after 10/12/2020: not proposed" in [ln["text"] for ln in p9["lines"]]
    _, data = units(thidua)
    assert "union A: 9 individual proposal(s) in time, of them leaders: 1; leader cap = ⌊0.1 × 9⌋ = 0" in [
        n["text"] for n in data["notes"]
    ]


def test_time_an_individuals_dossier_at_16_30_on_10_december_is_proposed(thidua):
    """DB-TIME-1: passing — on 10/12 is in time; explain --person shows the proposal."""
    events = year() + people(leaders=0, workers=1)
    events[-1]["at"] = "2020-12-10T16:30"
    thidua.load(events)
    p0 = explain(thidua, person="P0")
    assert p0["eligible"] and p0["levels"] == [
        {"level": "proposed", "objects": ["bang_khen_ldld_tinh"], "rules": ["DB-AWARD-1", "DB-QUOTA-2", "DB-TIME-1"]}
    ]
    table = thidua("explain", "--province", "dienbien", "--period", "2020", "--person", "P0")
    assert table.code == 0 and "by 10/12/2020: proposed" in table.out


# DB-LEAD-1 --------------------------------------------------------------------------------
def test_lead_the_highest_eligible_unit_is_acclaimed_leading_unit(thidua):
    """DB-LEAD-1: passing — A (90) leads block K; explain says so."""
    thidua.load(year())
    _, data = units(thidua)
    lead = [n for n in notes(data) if n["rule"] == "DB-LEAD-1"]
    assert [n["text"] for n in lead] == [
        "leading unit of block K (suy tôn đơn vị dẫn đầu): A, highest cross-scored total 90"
    ]
    assert any(ln["rule"] == "DB-LEAD-1" for ln in explain(thidua, unit="A")["lines"])


def test_lead_a_tie_at_the_top_or_a_late_dossier(thidua):
    """DB-LEAD-1: failing — A is excluded (DB-TIME-1), B and C tie at 85: pending until the conference names C."""
    thidua.load(
        year(
            {
                "A": (95, "excellent", "2020-12-11"),
                "B": (85, "good", "2020-12-01"),
                "C": (85, "excellent", "2020-12-01"),
            }
        )
    )
    _, data = units(thidua)
    assert [n["text"] for n in notes(data) if n["rule"] == "DB-LEAD-1"] == [
        "tie for leading unit at 85 points among B, C: pending until a conference resolution names the unit"
    ]
    thidua.load([db("conference.resolved", "2020-12-20", block="K", award="don_vi_dan_dau", unit="C")])
    _, data = units(thidua)
    assert [n["text"] for n in notes(data) if n["rule"] == "DB-LEAD-1"] == [
        "leading unit of block K (suy tôn đơn vị dẫn đầu): C, resolved by the conference"
    ]


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
    # DB-TIME-2: Nậm Pồ registered for 2021 on 15/01/2021, late; Điện Biên Phủ on 08/01/2021, in time.
    assert [w["rule"] for w in result["LDLD_NAM_PO"]["warnings"]] == ["DB-TIME-2"]
    assert result["LDLD_TP_DBP"]["warnings"] == []
    # DB-TIME-1 for individuals: P11's dossier of 11/12 is not proposed; DB-QUOTA-2 per union: each leader
    # (P01 of Điện Biên, P02 of Mường Ảng) is its union's only proposal, so its cap is ⌊0.1 × 1⌋ = 0.
    assert explain(thidua, person="P11")["reasons"] == ["DB-TIME-1"]
    assert [explain(thidua, person=p)["reasons"] for p in ("P01", "P02", "P05")] == [["DB-QUOTA-2"], ["DB-QUOTA-2"], []]
    # DB-LEAD-1: the leading unit is the best eligible cross-scored total, whatever its rating.
    assert [n["text"] for n in notes(data) if n["rule"] == "DB-LEAD-1"] == [
        "leading unit of block KHOI_HUYEN (suy tôn đơn vị dẫn đầu): LDLD_TP_DBP, highest cross-scored total "
        + str(result["LDLD_TP_DBP"]["total"])
    ]


def test_explain_a_unit_shows_the_quota_arithmetic_of_its_block(thidua):
    """DB-QUOTA-1: the unit not proposed sees why: ⌊0.2 × 5⌋ = 1 place, taken by A."""
    thidua.load(year())
    context = [ln["text"] for ln in explain(thidua, unit="B")["context"]]
    assert "proposal quota = ⌊0.2 × 5 unit(s) rated excellent⌋ = ⌊1⌋ = 1" in context
    assert "award places: 1 × de_nghi_khen_thuong" in context


def test_every_quote_is_the_seeds_own_words():
    """Quotes must be the seed's words (each part between "…" found in the seed)."""
    assert quotes_not_in_seed("dienbien") == []
