"""Lai Châu (27/HD-LĐLĐ, 2020): every LC-* rule applying and not applying, ranking with ties,
supersede and retraction, --as-of by time and by position, and every output format."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import ev, jsonl, laichau_year, quote_of, quotes_not_in_seed


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


def test_org_the_head_or_deputy_is_not_removed_while_serving(thidua):
    """LC-ORG-1: failing — removing the serving head (or deputy) is refused."""
    thidua.load(laichau_year())
    for unit, role in (("A", "head"), ("B", "deputy")):
        result = thidua("import", "-", input=jsonl([ev("block.member_removed", "2020-07-01", block="K", unit=unit)]))
        assert result.code == 1
        assert f"LINE 1: unit: '{unit}' is the {role} of block 'K' and serves until it hands over" in result.err
        assert "(LC-ORG-1)" in result.err


def test_org_a_head_that_handed_over_may_leave(thidua):
    """LC-ORG-1: passing — after the block is formed again with C and D serving, A may leave."""
    thidua.load(laichau_year())
    thidua.load(
        [
            ev("block.formed", "2020-06-30", block="K", name="Khối thử", members=list("ABCD"), head="C", deputy="D"),
            ev("block.member_removed", "2020-07-01", block="K", unit="A"),
        ]
    )
    assert "A" not in thidua.units()


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


def test_score_a_sheet_whose_maxima_add_up_to_more_than_150_is_refused(thidua):
    """LC-SCORE-1: failing — 100 + 100 is refused at input, not accepted silently."""
    thidua.load(laichau_year())
    sheet = ev("sheet.defined", "2020-01-20", block="K", criteria=[{"id": "C1", "max": 100}, {"id": "C2", "max": 100}])
    result = thidua("import", "-", input=jsonl([sheet]))
    assert result.code == 1
    assert (
        "LINE 1: criteria: the sheet's maxima add up to 200, over the self-score cap of 150 (LC-SCORE-1)" in result.err
    )


def test_score_a_sheet_of_exactly_150_is_accepted(thidua):
    """LC-SCORE-1: passing — 100 + 50 = 150."""
    thidua.load(laichau_year())
    thidua.load(
        [ev("sheet.defined", "2020-01-20", block="K", criteria=[{"id": "C1", "max": 100}, {"id": "C2", "max": 50}])]
    )
    assert thidua.units()["A"]["eligible"]


def test_score_self_over_its_criterion_max_is_an_import_error(thidua):
    thidua.load(laichau_year())
    result = thidua("import", "-", input=jsonl([ev("score.self", unit="B", criterion="C1", points=76)]))
    assert result.code == 1 and "LINE 1: points: 76 is over the cap of criterion 'C1' (75)" in result.err


def test_points_with_two_decimals_are_accepted_no_half_point_step_is_assumed(thidua):
    """LC-SCORE-1: passing — neither the seed nor the contract states a 0.5 step; 40.25 counts."""
    thidua.load(laichau_year() + [ev("score.self", "2020-12-02", unit="B", criterion="C2", points=30.25)])
    assert str(thidua.units()["B"]["total"]) == "113.25"  # 75 + 30.25 + 8


def test_points_with_more_than_two_decimals_are_refused(thidua):
    """LC-SCORE-1: failing — 70.125 has three decimal places."""
    thidua.load(laichau_year())
    result = thidua("import", "-", input=jsonl([ev("score.self", unit="B", criterion="C1", points=70.125)]))
    assert result.code == 1 and "LINE 1: points: 70.125 has more than 2 decimal places (LC-SCORE-1)" in result.err


def test_points_off_a_step_the_sheet_fixes_are_refused(thidua):
    """LC-SCORE-1: a step the sheet fixes for a criterion is kept: 70.25 is refused, 70.5 accepted."""
    thidua.load(laichau_year())
    sheet = ev("sheet.defined", block="*", criteria=[{"id": "C1", "max": 75, "step": 0.5}, {"id": "C2", "max": 75}])
    thidua.load([sheet])
    result = thidua("import", "-", input=jsonl([ev("score.self", unit="B", criterion="C1", points=70.25)]))
    assert result.code == 1
    assert "70.25 is not a multiple of 0.5, the step of criterion 'C1' on the sheet (LC-SCORE-1)" in result.err
    thidua.load([ev("score.self", unit="B", criterion="C1", points=70.5)])


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


def test_elig_checked_and_none_disciplined_is_said(thidua):
    """LC-ELIG-1: passing — the exclusion was checked and did not apply, and explain says so."""
    thidua.load(laichau_year() + leader("A", "khien_trach"))
    lines = lines_of(thidua.explain("A"), "LC-ELIG-1")
    assert lines[-1]["text"] == (
        "key leaders (Lò Văn Minh (LA)): none disciplined at canh_cao or above, khien_trach does not exclude: "
        "not excluded"
    )
    assert lines_of(thidua.explain("B"), "LC-ELIG-1")[0]["text"].startswith("key leaders (none registered): none")


# LC-ELIG-2 --------------------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["pledge", "registration"])
def test_elig_no_pledge_or_no_registration_excludes(thidua, missing):
    thidua.load(laichau_year(skip=(f"{missing}:A",)))
    assert thidua.units()["A"]["reasons"] == ["LC-ELIG-2"]
    assert thidua.units()["B"]["award"] == "co_thi_dua_tld"


def test_elig_registered_and_pledged_is_a_met_condition(thidua):
    thidua.load(laichau_year())
    assert (
        lines_of(thidua.explain("A"), "LC-ELIG-2")[0]["text"]
        == "registered for emulation and signed the pledge of block K"
    )


def moved(pledged_with_first_block=True):
    """Unit D signs the pledge of block K, leaves it mid-year and joins block M (head E, deputy F)."""
    events = laichau_year(skip=("pledge:D",))
    if pledged_with_first_block:
        events.append(ev("pledge.signed", "2020-02-01", unit="D", block="K"))
    events += [ev("unit.registered", "2020-01-05", unit=u, name=f"Đơn vị {u}") for u in "EF"]
    events += [
        ev("block.formed", "2020-01-10", block="M", name="Khối mới", members=["E", "F"], head="E", deputy="F"),
        ev("block.member_removed", "2020-07-01", block="K", unit="D"),
        ev("block.member_added", "2020-07-01", block="M", unit="D"),
    ]
    return events


def test_elig_a_unit_moved_mid_year_keeps_the_pledge_it_signed_with_its_first_block(thidua):
    """LC-ELIG-2: passing — the seed excludes units that did not take part, not units that changed block."""
    thidua.load(moved())
    unit = thidua.units(block="M")["D"]
    assert unit["eligible"] and "LC-ELIG-2" not in unit["reasons"]
    line = lines_of(thidua.explain("D"), "LC-ELIG-2")[0]
    assert line["text"] == "registered for emulation and signed the year's pledge with block K before moving to block M"


def test_elig_a_moved_unit_that_signed_no_pledge_that_year_is_excluded(thidua):
    """LC-ELIG-2: failing — no pledge with either block."""
    thidua.load(moved(pledged_with_first_block=False))
    unit = thidua.units(block="M")["D"]
    assert unit["reasons"] == ["LC-ELIG-2"]
    assert lines_of(thidua.explain("D"), "LC-ELIG-2")[0]["text"] == "no signed pledge for the year"


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
        ev("conference.held", "2020-07-01", block="K", kind="mid_year", notified_at="2020-06-01"),  # late (LC-TIME-1)
        ev("conference.held", "2020-12-19T23:59", block="K", kind="year_end", notified_at="2020-12-04"),  # in time
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
            ev("conference.held", "2020-06-30T23:59", block="K", kind="mid_year", notified_at="2020-06-15"),
            ev("conference.held", "2020-12-19", block="K", kind="year_end", notified_at="2020-12-04T17:00"),
            ev("dossier.submitted", "2020-12-19T16:00", unit="A", award="co_thi_dua_tld"),
        ]
    )
    data = thidua.standings()
    assert [n for n in data["blocks"][0]["notes"] if n["kind"] == "warning"] == []
    assert all(not u["warnings"] for u in data["blocks"][0]["units"])


# LC-TIME-5 --------------------------------------------------------------------------------
def test_time_a_conference_notified_less_than_15_days_before_is_a_warning(thidua):
    """LC-TIME-5: failing — notice 14 days before, and no notice at all, are warnings naming the conference."""
    thidua.load(
        laichau_year()
        + [
            ev("conference.held", "2020-06-20", block="K", kind="mid_year", notified_at="2020-06-06T09:00"),
            ev("conference.held", "2020-12-18", block="K", kind="year_end"),
        ]
    )
    notes = [n for n in thidua.standings()["blocks"][0]["notes"] if n["rule"] == "LC-TIME-5"]
    assert [n["kind"] for n in notes] == ["warning", "warning"]
    assert (
        "reported the mid-year conference of 20/06/2020 on 06/06/2020, less than 15 days before it" in notes[0]["text"]
    )
    assert "no notice of the year-end conference from the head A recorded (due by 03/12/2020" in notes[1]["text"]


def test_time_a_conference_notified_15_days_before_raises_no_warning(thidua):
    """LC-TIME-5: passing — 05/06 is 15 days before 20/06."""
    thidua.load(
        laichau_year() + [ev("conference.held", "2020-06-20", block="K", kind="mid_year", notified_at="2020-06-05")]
    )
    notes = [n for n in thidua.standings()["blocks"][0]["notes"] if n["rule"] == "LC-TIME-5"]
    assert [n["kind"] for n in notes] == ["note"] and "at least 15 days before it" in notes[0]["text"]


# LC-CROSS-1 -------------------------------------------------------------------------------
def test_cross_check_plan_and_appraiser_are_shown(thidua):
    """LC-CROSS-1: passing — the plan names C to check A; C appraised A: shown, no warning."""
    thidua.load(
        laichau_year()
        + [
            ev("crosscheck.planned", "2020-10-01", block="K", pairs={"A": "C", "B": "D", "C": "A", "D": "B"}),
            ev("score.appraised", "2020-12-03", unit="A", criterion="C1", points=70, appraiser="C"),
        ]
    )
    lines = thidua.explain("A")["lines"]
    assert any(ln["text"] == "cross-check plan of block K: A is checked by C" for ln in lines)
    assert any("criterion C1, max 75: appraised by C 70; self-score 75 is replaced" in ln["text"] for ln in lines)
    assert not [ln for ln in lines if ln["kind"] == "warning" and ln["rule"] == "LC-CROSS-1"]


def test_cross_check_by_a_unit_the_plan_does_not_name_is_a_warning(thidua):
    """LC-CROSS-1: failing — D appraised A although the plan names C; a plan pairing outsiders is refused."""
    thidua.load(
        laichau_year()
        + [
            ev("crosscheck.planned", "2020-10-01", block="K", pairs={"A": "C"}),
            ev("score.appraised", "2020-12-03", unit="A", criterion="C1", points=70, appraiser="D"),
        ]
    )
    warning = [ln for ln in thidua.explain("A")["lines"] if ln["kind"] == "warning" and ln["rule"] == "LC-CROSS-1"]
    assert warning[0]["text"] == "criterion C1 appraised by D, but the block's cross-check plan names C"
    result = thidua("import", "-", input=jsonl([ev("crosscheck.planned", block="K", pairs={"A": "A", "B": "Z"})]))
    assert result.code == 1 and "cannot cross-check itself" in result.err


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
    # LC-TIME-5: the sector block's mid-year conference (29/06) was reported on 19/06, 10 days before.
    blocks = {b["block"]: b for b in thidua.standings()["blocks"]}
    notices = [n for b in blocks.values() for n in b["notes"] if n["rule"] == "LC-TIME-5" and n["kind"] == "warning"]
    assert [n["text"][:60] for n in notices] == ["the head CDN_GIAO_DUC reported the mid-year conference of 29"]
    # LC-CROSS-1: the sector block's plan has Y tế checked by Viên chức.
    lines = thidua.explain("CDN_Y_TE")["lines"]
    assert "cross-check plan of block KHOI_NGANH: CDN_Y_TE is checked by CD_VIEN_CHUC" in [ln["text"] for ln in lines]


# explain an auditor can follow -------------------------------------------------------------
def test_explain_shows_why_an_event_was_retracted(thidua):
    """Retraction reasons shown (LC-SCORE-1): the retracted appraisal names its retraction's reason, in JSON and
    in the table; an event that still counts has none."""
    thidua.load(
        laichau_year()
        + [
            ev("score.appraised", "2020-12-03", id="a1", unit="A", criterion="C1", points=60),
            ev("event.retracted", "2020-12-04", target="a1", reason="chấm nhầm đơn vị"),
        ]
    )
    explained = thidua.explain("A")
    events = {e["type"]: e for e in explained["events"]}
    assert events["score.appraised"]["retraction_reason"] == "chấm nhầm đơn vị"
    assert "retraction_reason" not in events["score.self"]
    table = thidua("explain", "--province", "laichau", "--period", "2020", "--unit", "A")
    assert "[retracted by #" in table.out and ": chấm nhầm đơn vị]" in table.out


def test_explain_gives_the_units_context_places_and_tied_units(thidua):
    """LC-AWARD-1/2: a unit's explanation carries its block's award places, settings and the tie it is in."""
    thidua.load(laichau_year({"A": (120, 9), "B": (120, 9), "C": (100, 7)}))
    context = [(ln["rule"], ln["text"]) for ln in thidua.explain("C")["context"]]
    assert ("LC-AWARD-1", "award places: 1 × co_thi_dua_tld, 1 × co_thi_dua_ldld_tinh") in context
    assert any(rule == "LC-AWARD-2" and "tie at 129 points among A, B" in text for rule, text in context)
    table = thidua("explain", "--province", "laichau", "--period", "2020", "--unit", "C")
    assert "In block K:" in table.out and "award places: 1 × co_thi_dua_tld" in table.out


def test_every_quote_is_the_seeds_own_words():
    """Quotes must be the seed's words (each part between "…" found in the seed)."""
    assert quotes_not_in_seed("laichau") == []
    assert "Có sự đồng thuận" in quote_of("laichau", "LC-SCORE-3") and "150 điểm" in quote_of("laichau", "LC-SCORE-3")
