"""Lào Cai (guidance on QĐ 3666/QĐ-UBND, 2021): every LCA-* rule applying and not applying."""

from __future__ import annotations

import pytest

from conftest import jsonl, quote_of, quotes_not_in_seed


def lca(event_type, at="2021-06-01", **keys):
    return {"type": event_type, "province": "laocai", "period": keys.pop("period", "2021"), "at": at, **keys}


def year(scores=None, period="2021", formed_on="2019-01-01", units_extra=None):
    """Block K of units with (section I, II, III) self-scores; sheet I 50 / II 25 / III 20."""
    scores = scores or {"A": (45, 22, 18), "B": (44, 21, 17), "C": (40, 20, 15)}
    units = list(scores)
    at = f"{period}-01-05"
    events = [
        lca("unit.registered", at, period=period, unit=u, name=f"Sở {u}", **(units_extra or {}).get(u, {}))
        for u in units
    ]
    events.append(
        lca(
            "block.formed",
            at,
            period=period,
            block="K",
            name="Khối tổng hợp",
            members=units,
            head=units[0],
            deputy=units[1],
            formed_on=formed_on,
        )
    )
    events.append(
        lca(
            "sheet.defined",
            at,
            period=period,
            block="K",
            sections={"I": 50, "II": 25, "III": 20},
            criteria=[
                {"id": "I", "section": "I", "max": 50},
                {"id": "II", "section": "II", "max": 25},
                {"id": "III", "section": "III", "max": 20},
            ],
        )
    )
    for unit, (one, two, three) in scores.items():
        events.append(
            lca(
                "emulation.registered",
                f"{period}-03-01",
                period=period,
                unit=unit,
                targets={f"t{i}": 100 for i in range(1, 8)},
            )
        )
        events.append(lca("report.submitted", f"{period}-12-10", period=period, unit=unit, kind="year_end"))
        for criterion, points in (("I", one), ("II", two), ("III", three)):
            events.append(
                lca("score.self", f"{period}-12-12", period=period, unit=unit, criterion=criterion, points=points)
            )
    return events


def units(thidua, *args, period="2021"):
    data = thidua.standings(*args, province="laocai", period=period)
    return {u["unit"]: u for b in data["blocks"] for u in b["units"]}


def explain(thidua, unit, period="2021"):
    result = thidua("explain", "--province", "laocai", "--period", period, "--unit", unit, "--format", "json")
    assert result.code == 0, result.err
    return result.json()


def refused(thidua, *events):
    result = thidua("import", "-", input=jsonl(list(events)))
    assert result.code == 1
    return result.err


# LCA-SCORE-1 ------------------------------------------------------------------------------
def test_score_sections_must_sum_to_95(thidua):
    thidua.load(year())
    err = refused(
        thidua,
        lca(
            "sheet.defined",
            block="K",
            sections={"I": 50, "II": 25, "III": 25},
            criteria=[{"id": "I", "section": "I", "max": 50}],
        ),
    )
    assert "LINE 1: sections: sections sum to 100, not 95 (LCA-SCORE-1)" in err
    err = refused(thidua, lca("sheet.defined", block="K", criteria=[{"id": "I", "max": 50}]))
    assert "the sheet splits its 95 points among sections I, II and III" in err


def test_score_a_section_is_never_scored_above_its_cap(thidua):
    events = year()
    events[4]["criteria"] = [
        {"id": "I.1", "section": "I", "max": 30},
        {"id": "I.2", "section": "I", "max": 30},
        {"id": "II", "section": "II", "max": 25},
        {"id": "III", "section": "III", "max": 20},
    ]
    thidua.load(events[:5])
    ok = lca("score.self", unit="A", criterion="I.1", points=30)
    err = refused(thidua, ok, lca("score.self", unit="A", criterion="I.2", points=20.5))
    assert "LINE 2: points: section 'I' would total 50.5, over its cap 50" in err
    thidua.load([ok, lca("score.self", unit="A", criterion="I.2", points=20)])


def test_score_total_is_an_exact_decimal(thidua):
    thidua.load(
        year({"A": (45.5, 22.5, 17.5), "B": (40, 20, 15)})
        + [lca("deduction.recorded", unit="A", reason="criticism_doc", count=1)]
    )
    assert units(thidua)["A"]["total"] == 85  # 45.5 + 22.5 + 17.5 − 0.5
    thidua.load(
        [
            lca("emulation.registered", "2021-03-01", unit="A", targets={"t1": 100}),
            lca("target.result", unit="A", target="t1", achieved=101),
            lca("bonus.awarded", unit="A", target="t1", points=0.5),
        ]
    )
    assert str(units(thidua)["A"]["total"]) == "85.5"


def test_score_a_quarter_point_is_accepted_no_step_is_assumed(thidua):
    """LCA-SCORE-1: passing — 40.25 in section I counts (neither the seed nor the contract states a 0.5 step);
    failing — 40.125 has more than 2 decimal places."""
    thidua.load(year({"A": (40.25, 22, 18), "B": (40, 20, 15)}))
    assert str(units(thidua)["A"]["total"]) == "80.25"
    err = refused(thidua, lca("score.self", unit="A", criterion="I", points=40.125))
    assert "LINE 1: points: 40.125 has more than 2 decimal places (LCA-SCORE-1)" in err


# LCA-SCORE-2 ------------------------------------------------------------------------------
def test_score_no_party_no_union_caps_section_ii_at_half(thidua):
    thidua.load(
        year({"A": (45, 12, 18), "B": (40, 20, 15)}, units_extra={"A": {"has_party_org": False, "has_union": False}})
    )
    err = refused(thidua, lca("score.self", unit="A", criterion="II", points=13))
    assert (
        "LINE 1: points: section II would total 13, over 12.5: the unit has neither a party organisation nor a union, "
        "so it scores at most 50% of section II (LCA-SCORE-2)"
    ) in err
    thidua.load([lca("score.self", unit="A", criterion="II", points=12.5)])
    assert any(ln["rule"] == "LCA-SCORE-2" for ln in explain(thidua, "A")["lines"])


def test_score_a_union_without_party_organisation_is_scored_normally(thidua):
    thidua.load(
        year({"A": (45, 25, 18), "B": (40, 20, 15)}, units_extra={"A": {"has_party_org": False, "has_union": True}})
    )
    assert units(thidua)["A"]["total"] == 88


# LCA-SCORE-3 ------------------------------------------------------------------------------
def test_score_boards_appraisal_of_section_iii_replaces_the_self_score(thidua):
    thidua.load(year() + [lca("score.appraised", "2021-12-20", unit="A", criterion="III", points=16.5)])
    assert units(thidua)["A"]["total"] == 45 + 22 + 16.5
    line = [ln for ln in explain(thidua, "A")["lines"] if ln["rule"] == "LCA-SCORE-3"][0]
    assert "appraised 16.5; self-score 18 is replaced" in line["text"]


def test_score_without_appraisal_the_self_score_of_section_iii_counts(thidua):
    thidua.load(year())
    line = [ln for ln in explain(thidua, "A")["lines"] if ln["rule"] == "LCA-SCORE-3"][0]
    assert "self-score 18, not appraised" in line["text"] and line["points"] == 18


# LCA-BONUS-1 ------------------------------------------------------------------------------
def exceeded(unit, n, points=1):
    events = []
    for i in range(1, n + 1):
        events += [
            lca("target.result", unit=unit, target=f"t{i}", achieved=120),
            lca("bonus.awarded", unit=unit, target=f"t{i}", points=points),
        ]
    return events


def test_bonus_six_exceeded_targets_give_five(thidua):
    thidua.load(year() + exceeded("A", 6))
    assert units(thidua)["A"]["total"] == 85 + 5
    cap = [ln for ln in explain(thidua, "A")["lines"] if ln["kind"] == "cap" and ln["rule"] == "LCA-BONUS-1"][0]
    assert cap["text"] == "bonus 6 capped at 5" and cap["points"] == -1


def test_bonus_up_to_five_is_counted_in_full(thidua):
    thidua.load(year() + exceeded("A", 3))
    assert units(thidua)["A"]["total"] == 88


def test_bonus_refusals_say_why(thidua):
    thidua.load(
        year()
        + [
            lca("target.result", unit="A", target="t1", achieved=100),
            lca("target.result", unit="A", target="t2", achieved=130),
        ]
    )
    assert "target: bonus for target 't1', which was not exceeded (achieved 100, planned 100)" in refused(
        thidua, lca("bonus.awarded", unit="A", target="t1", points=1)
    )
    assert "target: bonus for target 'zz', which 'A' did not register" in refused(
        thidua, lca("bonus.awarded", unit="A", target="zz", points=1)
    )
    assert "points: a bonus of 1.5 is over 1 point per exceeded target (LCA-BONUS-1)" in refused(
        thidua, lca("bonus.awarded", unit="A", target="t2", points=1.5)
    )


def test_bonus_needs_the_plan_registered_at_the_start_of_the_year(thidua):
    thidua.load(
        year()
        + [
            lca("emulation.registered", "2021-07-01", unit="B", targets={"t1": 10}),
            lca("target.result", unit="B", target="t1", achieved=20),
        ]
    )
    err = refused(thidua, lca("bonus.awarded", unit="B", target="t1", points=1))
    assert "target 't1' was registered on 2021-07-01, not at the start of the year (before 15/03) (LCA-BONUS-1)" in err


# LCA-DED-1 --------------------------------------------------------------------------------
@pytest.mark.parametrize("documents, deducted", [(1, 0.5), (3, 1.5), (4, 2), (5, 2), (9, 2)])
def test_ded_criticism_documents_half_a_point_each_at_most_two(thidua, documents, deducted):
    thidua.load(year() + [lca("deduction.recorded", unit="A", reason="criticism_doc") for _ in range(documents)])
    assert units(thidua)["A"]["total"] == 85 - deducted


# LCA-DED-2 --------------------------------------------------------------------------------
@pytest.mark.parametrize("dossiers, deducted", [(1, 1), (5, 1), (6, 1.5), (10, 1.5), (11, 2), (40, 2)])
def test_ded_ineligible_dossiers_by_tier(thidua, dossiers, deducted):
    thidua.load(year() + [lca("deduction.recorded", unit="A", reason="invalid_dossiers", count=dossiers)])
    assert units(thidua)["A"]["total"] == 85 - deducted


def test_ded_ineligible_dossiers_without_a_count_count_one(thidua):
    """LCA-DED-2: passing — CONTRACT.md defaults `count` to 1, so a notice without it is one dossier (−1)."""
    thidua.load(year() + [lca("deduction.recorded", unit="A", reason="invalid_dossiers")])
    assert units(thidua)["A"]["total"] == 84
    line = [ln for ln in explain(thidua, "A")["lines"] if ln["rule"] == "LCA-DED-2"][0]
    assert line["text"] == "1 ineligible award dossier(s) in 1 notice(s): −1"


# LCA-DED-3 --------------------------------------------------------------------------------
def test_ded_rule_lapses_cost_one_point_once_per_period(thidua):
    thidua.load(year() + [lca("deduction.recorded", unit="A", reason="rule_lapse") for _ in range(3)])
    assert units(thidua)["A"]["total"] == 84


def test_ded_rule_lapses_per_event_as_a_setting(thidua):
    thidua.load(
        year()
        + [lca("deduction.recorded", unit="A", reason="rule_lapse") for _ in range(3)]
        + [lca("setting.changed", block="K", setting="lapse_per_event", value=1)]
    )
    assert units(thidua)["A"]["total"] == 82


def test_ded_a_late_registration_or_report_is_a_lapse_without_a_record(thidua):
    """LCA-DED-3: failing — registration on 15/3 (LCA-TIME-1) and year-end report on 15/12 (LCA-TIME-3)
    arrive late: −1 once for A, −1 for B, with no deduction.recorded."""
    events = year()
    events[5]["at"] = "2021-03-15T08:00"  # A's registration
    events[6]["at"] = "2021-12-15"  # A's year-end report
    events[11]["at"] = "2021-12-15T16:00"  # B's year-end report
    thidua.load(events)
    result = units(thidua)
    assert (result["A"]["total"], result["B"]["total"], result["C"]["total"]) == (84, 81, 75)
    lines = [ln for ln in explain(thidua, "A")["lines"] if ln["rule"] == "LCA-DED-3"]
    assert [ln["text"] for ln in lines] == [
        "lapse found: emulation registration on 15/03/2021, late: due before 15/03/2021 (LCA-TIME-1)",
        "lapse found: year-end report on 15/12/2021, late: due before 15/12/2021 (LCA-TIME-3)",
        "2 lapse(s) of the block's rules (−1 once per period, however many): −1",
    ]
    assert lines[-1]["events"] == [6, 7]
    thidua.load([lca("setting.changed", block="K", setting="lapse_per_event", value=1)])
    assert units(thidua)["A"]["total"] == 83


def test_ded_a_conference_missed_or_attended_by_the_wrong_people_is_a_lapse(thidua):
    """LCA-DED-3: failing — B absent, C sent the wrong people to the year-end conference: −1 each."""
    thidua.load(
        year() + [lca("conference.held", "2021-12-28", block="K", kind="year_end", absent=["B"], wrong_people=["C"])]
    )
    result = units(thidua)
    assert (result["A"]["total"], result["B"]["total"], result["C"]["total"]) == (85, 81, 74)
    texts = [ln["text"] for ln in explain(thidua, "C")["lines"] if ln["rule"] == "LCA-DED-3"]
    assert texts[0] == "lapse found: attended with the wrong people the block's year_end conference of 28/12/2021"


def test_ded_documents_in_time_and_full_attendance_are_no_lapse(thidua):
    """LCA-DED-3: passing — registration on 14/3 23:59, report on 14/12, everyone at the conference."""
    events = year()
    events[5]["at"] = "2021-03-14T23:59"
    events[6]["at"] = "2021-12-14T23:59"
    thidua.load(events + [lca("conference.held", "2021-12-28", block="K", kind="year_end", absent=[])])
    assert units(thidua)["A"]["total"] == 85
    assert [ln["text"] for ln in explain(thidua, "A")["lines"] if ln["rule"] == "LCA-DED-3"] == [
        "no lapse of the block's rules recorded or found (late documents, conferences)"
    ]


def test_ded_no_deduction_recorded_deducts_nothing(thidua):
    thidua.load(year())
    assert units(thidua)["A"]["total"] == 85 and not [
        ln for ln in explain(thidua, "A")["lines"] if ln["kind"] == "deduction"
    ]


# LCA-ELIG-1 -------------------------------------------------------------------------------
def test_elig_serious_violation_excludes(thidua):
    thidua.load(year() + [lca("violation.recorded", unit="A", severity="serious")])
    result = units(thidua)
    assert (result["A"]["eligible"], result["A"]["reasons"], result["A"]["rank"]) == (False, ["LCA-ELIG-1"], None)
    assert result["B"]["award"] == "co_thi_dua_ubnd_tinh"


def test_elig_a_retracted_violation_no_longer_excludes(thidua):
    thidua.load(
        year()
        + [
            lca("violation.recorded", id="v1", unit="A", severity="serious"),
            lca("event.retracted", target="v1", reason="văn bản bị thu hồi"),
        ]
    )
    assert units(thidua)["A"]["eligible"]


# LCA-ELIG-2 -------------------------------------------------------------------------------
def test_elig_a_block_formed_after_15_march_2021_ranks_from_2022(thidua):
    thidua.load(year(formed_on="2021-10-20"))
    result = units(thidua)
    assert all(u["reasons"] == ["LCA-ELIG-2"] and u["award"] is None for u in result.values())
    thidua.load(year(period="2022", formed_on="2021-10-20"))
    next_year = units(thidua, period="2022")
    assert next_year["A"]["rank"] == 1 and next_year["A"]["award"] == "co_thi_dua_ubnd_tinh"


def test_elig_a_block_formed_early_in_2021_also_ranks_only_from_2022(thidua):
    """LCA-ELIG-2: failing — formed on 01/02/2021, before 15/3: the seed sets no cut-off day."""
    thidua.load(year(formed_on="2021-02-01"))
    result = units(thidua)
    assert all(u["reasons"] == ["LCA-ELIG-2"] and u["award"] is None for u in result.values())
    line = [ln for ln in explain(thidua, "A")["lines"] if ln["rule"] == "LCA-ELIG-2"][0]
    assert line["text"] == ("block formed on 01/02/2021 (formed_on), in 2021: it ranks and proposes awards from 2022")


def test_elig_a_block_formed_the_year_before_ranks_and_says_so(thidua):
    """LCA-ELIG-2: passing — formed on 31/12/2020, it ranks in 2021; explain says it was checked."""
    thidua.load(year(formed_on="2020-12-31"))
    assert units(thidua)["A"]["award"] == "co_thi_dua_ubnd_tinh"
    lines = explain(thidua, "A")["lines"]
    assert {"kind": "condition", "rule": "LCA-ELIG-2"}.items() <= [ln for ln in lines if ln["rule"] == "LCA-ELIG-2"][
        0
    ].items()
    assert [ln["text"] for ln in lines if ln["rule"] == "LCA-ELIG-1"] == [
        "no criticism document for a serious violation recorded: not excluded"
    ]


# LCA-RANK-1 -------------------------------------------------------------------------------
def test_rank_leader_flag_and_ties(thidua):
    thidua.load(year({"A": (45, 22, 18), "B": (45, 22, 18), "C": (40, 20, 15)}))
    result = units(thidua)
    assert [(result[u]["rank"], result[u]["award_status"]) for u in "ABC"] == [
        (1, "pending"),
        (1, "pending"),
        (3, None),
    ]
    thidua.load([lca("conference.resolved", "2021-12-28", block="K", award="co_thi_dua_ubnd_tinh", unit="B")])
    result = units(thidua)
    assert [(result[u]["award"], result[u]["award_status"]) for u in "AB"] == [
        (None, None),
        ("co_thi_dua_ubnd_tinh", "resolved"),
    ]


def test_rank_a_resolution_for_an_unknown_award_is_refused(thidua):
    thidua.load(year())
    assert "(LCA-RANK-1)" in refused(thidua, lca("conference.resolved", block="K", award="co_thi_dua_tld", unit="A"))


# LCA-TIME-1..4 ----------------------------------------------------------------------------
def test_time_late_items_are_warnings(thidua):
    events = year()
    events[5]["at"] = "2021-03-15T08:00"  # A's registration on 15/3: late (LCA-TIME-1)
    events[6]["at"] = "2021-12-15"  # A's year-end report on 15/12: late (LCA-TIME-3)
    events += [
        lca("report.submitted", "2021-05-31", unit="A", kind="budget_estimate"),  # late (LCA-TIME-2)
        lca("conference.held", "2021-12-31", block="K", kind="year_end"),  # late (LCA-TIME-3)
        lca("dossier.submitted", "2022-01-06", unit="B", award="co_thi_dua_ubnd_tinh"),
    ]  # 6 days after (LCA-TIME-4)
    thidua.load(events)
    data = thidua.standings(province="laocai", period="2021")["blocks"][0]
    assert sorted(n["rule"] for n in data["notes"] if n["kind"] == "warning") == [
        "LCA-TIME-2",
        "LCA-TIME-3",
        "LCA-TIME-4",
    ]
    a = [u for u in data["units"] if u["unit"] == "A"][0]
    assert sorted(w["rule"] for w in a["warnings"]) == ["LCA-TIME-1", "LCA-TIME-3"]


def test_time_items_in_time_raise_no_warning(thidua):
    thidua.load(
        year()
        + [
            lca("report.submitted", "2021-05-30T23:59", unit="A", kind="budget_estimate"),
            lca("conference.held", "2021-12-30", block="K", kind="year_end"),
            lca("dossier.submitted", "2022-01-04T23:00", unit="B", award="co_thi_dua_ubnd_tinh"),
        ]
    )
    data = thidua.standings(province="laocai", period="2021")["blocks"][0]
    assert [n for n in data["notes"] if n["kind"] == "warning"] == [] and all(not u["warnings"] for u in data["units"])


# The demo -------------------------------------------------------------------------------
def test_the_demo_prints_lao_cai_2021(thidua):
    assert thidua("demo").code == 0
    result = units(thidua)
    assert (result["SO_NOI_VU"]["total"], result["SO_NOI_VU"]["award"]) == (95.5, "co_thi_dua_ubnd_tinh")
    assert result["SO_TAI_CHINH"]["total"] == 90.5
    assert result["THANH_TRA"]["reasons"] == ["LCA-ELIG-1"]
    assert result["CT_APATIT"]["reasons"] == ["LCA-ELIG-2"]
    # LCA-DED-3, one point once each: Hội Luật gia sent the wrong people to the year-end conference
    # (68.5 − 1); VP_UBND registered on 20/03 (93 − 1); Ngoại vụ reported on 16/12 (82.5 − 1).
    assert result["HOI_LUAT_GIA"]["total"] == 67.5
    assert (result["VP_UBND"]["total"], result["SO_NGOAI_VU"]["total"]) == (92, 81.5)
    assert result["SO_TU_PHAP"]["total"] == 87  # two recorded lapses: −1 once


def test_every_quote_is_the_seeds_own_words():
    """Quotes must be the seed's words (each part between "…" found in the seed)."""
    assert quotes_not_in_seed("laocai") == []
    # LCA-TIME-3 keeps "Đối với năm 2021"; LCA-TIME-2 keeps the approval condition; LCA-RANK-1 states the scoring.
    assert quote_of("laocai", "LCA-TIME-3").startswith("Đối với năm 2021, báo cáo")
    assert "sau khi có quyết định phê chuẩn của Chủ tịch Ủy ban nhân dân tỉnh" in quote_of("laocai", "LCA-TIME-2")
    assert "chấm điểm cuối năm" in quote_of("laocai", "LCA-RANK-1")
