"""Lai Châu (27/HD-LĐLĐ, 2020): every LC-* rule applying and not applying, ranking with ties,
supersede and retraction, --as-of by time and by position, and every output format."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import ev, jsonl, laichau_year


def lines_of(explained, rule):
    return [line for line in explained["lines"] if line["rule"] == rule]


# LC-ORG-1 ---------------------------------------------------------------------------------
def test_org_head_and_deputy_must_be_members(thidua):
    events = laichau_year()
    events[4] = dict(events[4], head="A", deputy="Z")  # block.formed with a deputy from outside
    events.insert(4, ev("unit.registered", unit="Z", name="Đơn vị Z"))
    result = thidua("import", "-", input=jsonl(events))
    assert result.code == 1
    assert "LINE 6: deputy: the block's deputy 'Z' is not one of its members (LC-ORG-1)" in result.err


def test_org_members_as_head_and_deputy_are_accepted(thidua):
    thidua.load(laichau_year())
    assert thidua.standings()["blocks"][0]["block"] == "K"


# LC-SCORE-1 -------------------------------------------------------------------------------
def test_score_appraisal_replaces_self_score_and_both_are_shown(thidua):
    thidua.load(laichau_year() + [ev("score.appraised", "2020-12-03", unit="A", criterion="C1", points=70)])
    assert thidua.units()["A"]["total"] == 70 + 45 + 9
    line = [ln for ln in lines_of(thidua.explain("A"), "LC-SCORE-1") if "criterion C1" in ln["text"]][0]
    assert "appraised 70; self-score 75 is replaced" in line["text"] and len(line["events"]) == 2


def test_score_without_appraisal_counts_the_self_score(thidua):
    thidua.load(laichau_year())
    line = [ln for ln in lines_of(thidua.explain("A"), "LC-SCORE-1") if "criterion C1" in ln["text"]][0]
    assert "self-score 75, not appraised" in line["text"] and line["points"] == 75


def test_score_self_total_over_150_is_an_import_error(thidua):
    events = laichau_year()
    thidua.load(events)
    sheet = ev("sheet.defined", "2020-01-20", block="K", criteria=[{"id": "C1", "max": 100}, {"id": "C2", "max": 100}])
    result = thidua(
        "import", "-", input=jsonl([sheet, ev("score.self", "2020-12-02", unit="A", criterion="C2", points=80)])
    )
    assert result.code == 1
    assert "LINE 2: points: the unit's self-scores would total 155, over the cap of 150 (LC-SCORE-1)" in result.err


def test_score_self_over_its_criterion_max_is_an_import_error(thidua):
    thidua.load(laichau_year())
    result = thidua("import", "-", input=jsonl([ev("score.self", unit="B", criterion="C1", points=76)]))
    assert result.code == 1 and "LINE 1: points: 76 is over the cap of criterion 'C1' (75)" in result.err


def test_points_off_the_half_point_step_are_refused(thidua):
    thidua.load(laichau_year())
    result = thidua("import", "-", input=jsonl([ev("score.self", unit="B", criterion="C1", points=70.25)]))
    assert result.code == 1 and "LINE 1: points: 70.25 is not a multiple of 0.5 (LC-SCORE-1)" in result.err


# LC-SCORE-2 -------------------------------------------------------------------------------
def test_score_a_bans_9_is_refused_not_clipped(thidua):
    thidua.load(laichau_year())
    result = thidua("import", "-", input=jsonl([ev("score.provincial", unit="A", scorer="ban_2", points=9)]))
    assert result.code == 1 and "LINE 1: points: 9 is over the cap of scorer ban_2 (8) (LC-SCORE-2)" in result.err
    assert thidua.units()["A"]["total"] == 129  # unchanged


def test_score_standing_committee_10_and_bans_8_are_accepted(thidua):
    events = laichau_year()
    events = [e for e in events if not (e["type"] == "score.provincial" and e["unit"] == "A")]
    events += [ev("score.provincial", unit="A", scorer="thuong_truc", points=10)]
    events += [ev("score.provincial", unit="A", scorer=f"ban_{i}", points=8) for i in range(1, 6)]
    thidua.load(events)
    assert thidua.units()["A"]["total"] == 120 + 50
    over = thidua("import", "-", input=jsonl([ev("score.provincial", unit="A", scorer="thuong_truc", points=10.5)]))
    assert over.code == 1 and "over the cap of scorer thuong_truc (10) (LC-SCORE-2)" in over.err


# LC-SCORE-3 -------------------------------------------------------------------------------
def test_total_is_self_part_plus_provincial_part(thidua):
    thidua.load(laichau_year({"A": (140.5, 9.5), "B": (100, 8)}))
    explained = thidua.explain("A")
    assert explained["total"] == 150
    assert lines_of(explained, "LC-SCORE-3")[0]["text"].startswith(
        "total = self-assessed part 140.5 + provincial part 9.5"
    )


# LC-ELIG-1 --------------------------------------------------------------------------------
def leader(unit, level, key_leader=True):
    return [
        ev("person.registered", person=f"L{unit}", name="Lò Văn Minh", unit=unit, key_leader=key_leader),
        ev("discipline.recorded", "2020-09-01", person=f"L{unit}", level=level),
    ]


@pytest.mark.parametrize("level", ["canh_cao", "cach_chuc", "buoc_thoi_viec", "khai_tru"])
def test_elig_key_leader_warning_or_above_excludes(thidua, level):
    thidua.load(laichau_year() + leader("A", level))
    unit = thidua.units()["A"]
    assert (unit["eligible"], unit["rank"], unit["reasons"], unit["award"]) == (False, None, ["LC-ELIG-1"], None)


def test_elig_reprimand_or_an_ordinary_member_does_not_exclude(thidua):
    thidua.load(laichau_year() + leader("A", "khien_trach") + leader("B", "khai_tru", key_leader=False))
    units = thidua.units()
    assert units["A"]["eligible"] and units["B"]["eligible"]
    assert "below canh_cao: does not exclude" in lines_of(thidua.explain("A"), "LC-ELIG-1")[0]["text"]


# LC-ELIG-2 --------------------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["pledge", "registration"])
def test_elig_no_pledge_or_no_registration_excludes(thidua, missing):
    thidua.load(laichau_year(skip=(f"{missing}:A",)))
    assert thidua.units()["A"]["reasons"] == ["LC-ELIG-2"]
    assert thidua.units()["B"]["award"] == "co_thi_dua_tld"


def test_elig_registered_and_pledged_is_a_met_condition(thidua):
    thidua.load(laichau_year())
    assert lines_of(thidua.explain("A"), "LC-ELIG-2")[0]["text"] == "registered for emulation and signed the pledge"


# LC-ELIG-3 --------------------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["mid_year", "year_end"])
def test_elig_a_missing_report_excludes(thidua, missing):
    thidua.load(laichau_year(skip=(f"{missing}:A",)))
    assert thidua.units()["A"]["reasons"] == ["LC-ELIG-3"]


def test_elig_a_report_dated_after_the_year_excludes_but_a_late_one_in_the_year_only_warns(thidua):
    events = laichau_year(skip=("year_end:A", "mid_year:B"))
    events += [
        ev("report.submitted", "2021-01-04", unit="A", kind="year_end"),
        ev("report.submitted", "2020-07-01", unit="B", kind="mid_year"),
    ]
    thidua.load(events)
    units = thidua.units()
    assert units["A"]["reasons"] == ["LC-ELIG-3"]
    assert units["B"]["eligible"] and [w["rule"] for w in units["B"]["warnings"]] == ["LC-TIME-1"]


# LC-RANK-1 --------------------------------------------------------------------------------
def test_rank_ties_share_a_rank(thidua):
    thidua.load(laichau_year({"A": (120, 9), "B": (120, 9), "C": (110, 8), "D": (130, 9)}))
    ranks = {u: r["rank"] for u, r in thidua.units().items()}
    assert ranks == {"D": 1, "A": 2, "B": 2, "C": 4}


def test_rank_lists_eligible_first_then_ineligible_by_total(thidua):
    thidua.load(
        laichau_year({"A": (140, 9), "B": (100, 8), "C": (130, 7), "D": (90, 6)}, skip=("pledge:A", "pledge:C"))
    )
    order = [u["unit"] for u in thidua.standings()["blocks"][0]["units"]]
    assert order == ["B", "D", "A", "C"]


# LC-AWARD-1 -------------------------------------------------------------------------------
def test_award_leader_gets_the_tld_flag_and_the_next_the_province_flag(thidua):
    thidua.load(laichau_year())
    units = thidua.units()
    assert (units["A"]["award"], units["A"]["award_status"]) == ("co_thi_dua_tld", "proposed")
    assert (units["B"]["award"], units["B"]["award_status"]) == ("co_thi_dua_ldld_tinh", "proposed")
    assert units["C"]["award"] is None and units["C"]["award_status"] is None


def test_award_counts_are_a_setting_a_block_can_change(thidua):
    thidua.load(laichau_year() + [ev("setting.changed", block="K", setting="flags_ldld_tinh", value=2)])
    units = thidua.units()
    assert [units[u]["award"] for u in "ABCD"] == [
        "co_thi_dua_tld",
        "co_thi_dua_ldld_tinh",
        "co_thi_dua_ldld_tinh",
        None,
    ]
    notes = thidua.standings()["blocks"][0]["notes"]
    assert any(n["kind"] == "setting" and n["events"] and "flags_ldld_tinh = 2" in n["text"] for n in notes)


# LC-AWARD-2 -------------------------------------------------------------------------------
def test_award_a_tie_at_the_boundary_stays_pending_until_the_conference(thidua):
    thidua.load(laichau_year({"A": (120, 9), "B": (120, 9), "C": (110, 8), "D": (90, 6)}))
    units = thidua.units()
    assert [(units[u]["award"], units[u]["award_status"]) for u in "ABC"] == [
        ("co_thi_dua_tld", "pending"),
        ("co_thi_dua_tld", "pending"),
        (None, None),
    ]
    thidua.load([ev("conference.resolved", "2020-12-18", block="K", award="co_thi_dua_tld", unit="B")])
    units = thidua.units()
    assert (units["B"]["award"], units["B"]["award_status"]) == ("co_thi_dua_tld", "resolved")
    assert (units["A"]["award"], units["A"]["award_status"]) == ("co_thi_dua_ldld_tinh", "proposed")
    assert any(ln["rule"] == "LC-AWARD-2" and ln["kind"] == "award" for ln in thidua.explain("B")["lines"])


def test_award_a_tie_inside_one_award_is_not_pending(thidua):
    thidua.load(
        laichau_year({"A": (120, 9), "B": (120, 9), "C": (110, 8), "D": (90, 6)})
        + [ev("setting.changed", block="K", setting="flags_tld", value=2)]
    )
    units = thidua.units()
    assert [(units[u]["award"], units[u]["award_status"]) for u in "ABC"] == [
        ("co_thi_dua_tld", "proposed"),
        ("co_thi_dua_tld", "proposed"),
        ("co_thi_dua_ldld_tinh", "proposed"),
    ]


def test_award_a_resolution_for_an_excluded_unit_is_not_applied(thidua):
    thidua.load(
        laichau_year(skip=("pledge:D",)) + [ev("conference.resolved", block="K", award="co_thi_dua_tld", unit="D")]
    )
    units = thidua.units()
    assert units["D"]["award"] is None and units["A"]["award"] == "co_thi_dua_tld"
    assert any("excluded (LC-ELIG-2): not applied" in n["text"] for n in thidua.standings()["blocks"][0]["notes"])


# LC-TIME-1..4 -----------------------------------------------------------------------------
def test_time_late_items_are_warnings_naming_the_event(thidua):
    events = laichau_year(skip=("year_end:C",)) + [
        ev("report.submitted", "2020-12-20T00:00", unit="C", kind="year_end"),  # on 20/12: late (LC-TIME-2)
        ev("conference.held", "2020-07-01", block="K", kind="mid_year"),  # on 01/07: late (LC-TIME-1)
        ev("conference.held", "2020-12-19T23:59", block="K", kind="year_end"),  # in time
        ev("score.appraised", "2020-12-10T07:00", unit="D", criterion="C1", points=50),  # late (LC-TIME-3)
        ev("dossier.submitted", "2020-12-20T08:00", unit="A", award="co_thi_dua_tld"),  # late (LC-TIME-4)
    ]
    thidua.load(events)
    data = thidua.standings()
    notes = {n["rule"]: n for n in data["blocks"][0]["notes"] if n["kind"] == "warning"}
    assert set(notes) == {"LC-TIME-1", "LC-TIME-3", "LC-TIME-4"}
    assert notes["LC-TIME-1"]["events"] == [len(laichau_year()) + 1]
    units = {u["unit"]: u for u in data["blocks"][0]["units"]}
    assert [w["rule"] for w in units["C"]["warnings"]] == ["LC-TIME-2"] and units["C"]["eligible"]


def test_time_items_in_time_raise_no_warning(thidua):
    thidua.load(
        laichau_year()
        + [
            ev("conference.held", "2020-06-30T23:59", block="K", kind="mid_year"),
            ev("conference.held", "2020-12-19", block="K", kind="year_end"),
            ev("dossier.submitted", "2020-12-19T16:00", unit="A", award="co_thi_dua_tld"),
        ]
    )
    data = thidua.standings()
    assert [n for n in data["blocks"][0]["notes"] if n["kind"] == "warning"] == []
    assert all(not u["warnings"] for u in data["blocks"][0]["units"])


# Supersede, retraction, as-of -------------------------------------------------------------
def test_a_later_score_supersedes_and_a_retraction_restores_the_earlier(thidua):
    thidua.load(laichau_year() + [ev("score.self", "2020-12-02", id="fix", unit="D", criterion="C2", points=40)])
    assert thidua.units()["D"]["total"] == 75 + 40 + 6
    thidua.load([ev("event.retracted", "2020-12-03", target="fix", reason="nhập nhầm")])
    assert thidua.units()["D"]["total"] == 96
    statuses = {e["position"]: e["status"] for e in thidua.explain("D")["events"]}
    assert statuses[len(laichau_year()) + 1] == f"retracted by #{len(laichau_year()) + 2}"


def test_a_retracted_discipline_no_longer_excludes(thidua):
    thidua.load(laichau_year() + leader("A", "canh_cao"))
    position = len(laichau_year()) + 2
    assert thidua.units()["A"]["reasons"] == ["LC-ELIG-1"]
    thidua.load([ev("event.retracted", target=position, reason="quyết định bị hủy")])
    assert thidua.units()["A"]["eligible"]
    assert thidua.units("--as-of", f"@{position}")["A"]["reasons"] == ["LC-ELIG-1"]


def test_as_of_position_and_time_give_the_earlier_standings_back(thidua):
    thidua.load(laichau_year({"A": (120, 9), "B": (120, 9), "C": (110, 8), "D": (90, 6)}))
    before = thidua.standings()
    thidua.load([ev("conference.resolved", block="K", award="co_thi_dua_tld", unit="A")])
    head = len(laichau_year({"A": (1, 1), "B": (1, 1), "C": (1, 1), "D": (1, 1)}))
    replayed = thidua.standings("--as-of", f"@{head}")
    assert replayed["blocks"] == before["blocks"] and replayed["as_of"] == f"@{head}"
    assert thidua.units()["A"]["award_status"] == "resolved"
    assert thidua.units("--as-of", "2000-01-01") == {}
    assert thidua.units("--as-of", "2100-12-31")["A"]["award_status"] == "resolved"


def test_as_of_rejects_a_malformed_moment(thidua):
    result = thidua("standings", "--province", "laichau", "--period", "2020", "--as-of", "@0")
    assert result.code == 2 and "a log position is written @N with N ≥ 1" in result.err


# Output formats ---------------------------------------------------------------------------
def test_standings_json_has_the_contract_keys(thidua):
    thidua.load(laichau_year())
    data = thidua.standings()
    assert {"province", "period", "as_of", "rules", "blocks"} <= set(data)
    assert {"unit", "name", "rank", "total", "eligible", "reasons", "award", "award_status"} <= set(
        data["blocks"][0]["units"][0]
    )
    assert data["rules"]["document"] == "Hướng dẫn số 27/HD-LĐLĐ" and data["rules"]["version"] == "2020.1"


def test_standings_table_and_csv(thidua):
    thidua.load(laichau_year(skip=("pledge:D",)))
    table = thidua("standings", "--province", "laichau", "--period", "2020").out
    assert "Hướng dẫn số 27/HD-LĐLĐ" in table and "Khối thử (K)" in table
    assert "excluded: LC-ELIG-2" in table and "Emulation flag of the Vietnam General Confederation" in table
    rows = list(
        csv.DictReader(
            io.StringIO(
                thidua("standings", "--province", "laichau", "--period", "2020", "--format", "csv").out.removeprefix(
                    "\ufeff"
                )
            )
        )
    )
    assert [(r["unit"], r["rank"], r["total"], r["reasons"]) for r in rows] == [
        ("A", "1", "129", ""),
        ("B", "2", "118", ""),
        ("C", "3", "107", ""),
        ("D", "", "96", "LC-ELIG-2"),
    ]


def test_explain_table_csv_and_unknown_unit(thidua):
    thidua.load(laichau_year())
    table = thidua("explain", "--province", "laichau", "--period", "2020", "--unit", "A").out
    assert "Rules cited:" in table and "«các đơn vị tự chấm với số điểm chuẩn tối đa là 150 điểm" in table
    assert "Events behind these numbers:" in table
    rows = list(
        csv.DictReader(
            io.StringIO(
                thidua(
                    "explain", "--province", "laichau", "--period", "2020", "--unit", "A", "--format", "csv"
                ).out.removeprefix("\ufeff")
            )
        )
    )
    assert [r["points"] for r in rows if r["rule"] == "LC-SCORE-3"] == ["129"]
    missing = thidua("explain", "--province", "laichau", "--period", "2020", "--unit", "NOPE")
    assert missing.code == 2 and "not a member of any block of laichau 2020" in missing.err


def test_block_filter(thidua):
    thidua.load(laichau_year())
    assert [b["block"] for b in thidua.standings("--block", "K")["blocks"]] == ["K"]
    assert thidua("standings", "--province", "laichau", "--period", "2020", "--block", "X").code == 2


# The demo -------------------------------------------------------------------------------
def test_the_demo_prints_lai_chau_2020_with_awards_and_exclusions(thidua):
    result = thidua("demo")
    assert result.code == 0, result.err
    assert "Khối thi đua LĐLĐ các huyện, thành phố" in result.out
    assert "LĐLĐ huyện Tam Đường" in result.out and "co_thi_dua_tld" in result.out
    for rule in ("LC-ELIG-1", "LC-ELIG-2", "LC-ELIG-3", "LC-TIME-1", "LC-TIME-3", "LC-TIME-4"):
        assert rule in result.out
    assert "appended 0, skipped" in thidua("demo").out  # a second run appends nothing
    units = thidua.units(block="KHOI_NGANH")
    assert (units["CDN_GIAO_DUC"]["award_status"], units["CDN_Y_TE"]["award"]) == ("resolved", "co_thi_dua_ldld_tinh")
    huyen = thidua.units(block="KHOI_HUYEN")
    assert huyen["LDLD_PHONG_THO"]["eligible"]  # its key leader's discipline was retracted
    assert (huyen["LDLD_PHONG_THO"]["rank"], huyen["LDLD_SIN_HO"]["rank"]) == (3, 3)
