"""Write plugins/laocai/demo/laocai-2021.jsonl: a Lào Cai 2021 block of provincial departments exercising every LCA-* rule."""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "plugins/laocai/demo/laocai-2021.jsonl"
events = []


def add(event_type, at, **keys):
    events.append(
        {
            "type": event_type,
            "province": "laocai",
            "period": "2021",
            "at": at,
            "id": f"lca2021-{len(events) + 1:03d}",
            **keys,
        }
    )


UNITS = {  # unit: (name, I, II, III self, III appraised or None)
    "SO_NOI_VU": ("Sở Nội vụ", 48, 24, 19, 18.5),
    "SO_TAI_CHINH": ("Sở Tài chính", 47, 24.5, 19, 19),
    "SO_KHDT": ("Sở Kế hoạch và Đầu tư", 47, 24, 18.5, None),
    "SO_TU_PHAP": ("Sở Tư pháp", 46, 24, 18, None),
    "THANH_TRA": ("Thanh tra tỉnh", 45, 23, 18, None),
    "VP_UBND": ("Văn phòng Ủy ban nhân dân tỉnh", 48.5, 25, 19.5, None),
    "SO_TTTT": ("Sở Thông tin và Truyền thông", 44, 23.5, 18, None),
    "SO_NGOAI_VU": ("Sở Ngoại vụ", 43, 22, 17.5, None),
    "HOI_LUAT_GIA": ("Hội Luật gia tỉnh Lào Cai", 40, 12.5, 16, None),
}
CRITERIA = [
    ("I.1", "I", "Thực hiện các chỉ tiêu, nhiệm vụ được giao", 30),
    ("I.2", "I", "Cải cách hành chính, chuyển đổi số", 20),
    ("II.1", "II", "Xây dựng tổ chức đảng, đoàn thể vững mạnh", 25),
    ("III.1", "III", "Công tác thi đua, khen thưởng", 20),
]
for unit, (name, *_rest) in UNITS.items():
    extra = {"has_party_org": False, "has_union": False} if unit == "HOI_LUAT_GIA" else {}
    add("unit.registered", "2021-01-04", unit=unit, name=name, **extra)
ENTERPRISES = {
    "CT_APATIT": "Công ty Apatit Việt Nam",
    "CT_DHAP": "Công ty CP Phân bón DAP số 2 - Vinachem",
    "CT_XSKT": "Công ty TNHH MTV Xổ số kiến thiết Lào Cai",
}
for unit, name in ENTERPRISES.items():
    add("unit.registered", "2021-10-20", unit=unit, name=name)
add(
    "block.formed",
    "2021-01-10",
    block="KHOI_TONG_HOP",
    name="Khối thi đua các cơ quan tổng hợp",
    members=list(UNITS),
    head="SO_TAI_CHINH",
    deputy="SO_TU_PHAP",
    formed_on="2019-02-20",
)
add(
    "block.formed",
    "2021-10-20",
    block="KHOI_DN_TP",
    name="Khối thi đua doanh nghiệp thành phố Lào Cai",
    members=list(ENTERPRISES),
    head="CT_APATIT",
    deputy="CT_DHAP",
    formed_on="2021-10-20",
    ref="Quyết định thành lập theo QĐ 3666/QĐ-UBND",
)
sheet = [{"id": c, "section": s, "name": n, "max": m} for c, s, n, m in CRITERIA]
for block in ("KHOI_TONG_HOP", "KHOI_DN_TP"):
    add(
        "sheet.defined",
        "2021-01-15" if block == "KHOI_TONG_HOP" else "2021-10-25",
        block=block,
        criteria=sheet,
        sections={"I": 50, "II": 25, "III": 20},
        ref="Bảng chấm điểm theo phụ lục QĐ 3666/QĐ-UBND",
    )
TARGETS = {
    "SO_NOI_VU": {f"CT{i}": 100 for i in range(1, 7)},
    "SO_TAI_CHINH": {"thu_ngan_sach": 100, "giai_ngan": 95},
    "SO_KHDT": {"thu_hut_dau_tu": 20},
}
for unit in UNITS:
    add(
        "emulation.registered",
        "2021-03-20" if unit == "VP_UBND" else "2021-03-10",
        unit=unit,
        titles=["Cờ thi đua của UBND tỉnh"],
        targets=TARGETS.get(unit, {}),
    )
for unit in ENTERPRISES:
    add("emulation.registered", "2021-10-30", unit=unit, titles=["Cờ thi đua của UBND tỉnh"])
add("report.submitted", "2021-05-20", unit="SO_TAI_CHINH", kind="budget_estimate")
for unit, (_, one, two, three, appraised) in UNITS.items():
    add("report.submitted", "2021-12-16" if unit == "SO_NGOAI_VU" else "2021-12-10", unit=unit, kind="year_end")
    add("score.self", "2021-12-12", unit=unit, criterion="I.1", points=min(30, one - 18))
    add("score.self", "2021-12-12", unit=unit, criterion="I.2", points=one - min(30, one - 18))
    add("score.self", "2021-12-12", unit=unit, criterion="II.1", points=two)
    add("score.self", "2021-12-12", unit=unit, criterion="III.1", points=three)
    if appraised is not None:  # LCA-SCORE-3: the provincial board appraises section III
        add(
            "score.appraised",
            "2021-12-20",
            unit=unit,
            criterion="III.1",
            points=appraised,
            actor="Ban Thi đua - Khen thưởng tỉnh",
        )
for unit in ENTERPRISES:
    add("report.submitted", "2021-12-10", unit=unit, kind="year_end")
    for criterion, points in (("I.1", 28), ("I.2", 18), ("II.1", 23), ("III.1", 18)):
        add("score.self", "2021-12-12", unit=unit, criterion=criterion, points=points)
# Section I targets and their results (LCA-BONUS-1).
for target in TARGETS["SO_NOI_VU"]:
    add("target.result", "2021-12-05", unit="SO_NOI_VU", target=target, achieved=110)
    add("bonus.awarded", "2021-12-22", unit="SO_NOI_VU", target=target, points=1)
add("target.result", "2021-12-05", unit="SO_TAI_CHINH", target="thu_ngan_sach", achieved=112.5)
add("target.result", "2021-12-05", unit="SO_TAI_CHINH", target="giai_ngan", achieved=97)
add("bonus.awarded", "2021-12-22", unit="SO_TAI_CHINH", target="thu_ngan_sach", points=1)
add("bonus.awarded", "2021-12-22", unit="SO_TAI_CHINH", target="giai_ngan", points=1)
add("target.result", "2021-12-05", unit="SO_KHDT", target="thu_hut_dau_tu", achieved=26)
add("bonus.awarded", "2021-12-22", unit="SO_KHDT", target="thu_hut_dau_tu", points=1)
# Deductions (LCA-DED-1..3).
for count, ref in ((2, "Công văn 215/UBND-TH"), (2, "Công văn 388/UBND-TH (có gia hạn)"), (1, "Thông báo 41/TB-TU")):
    add("deduction.recorded", "2021-09-15", unit="SO_TAI_CHINH", reason="criticism_doc", count=count, ref=ref)
add("deduction.recorded", "2021-10-02", unit="SO_TTTT", reason="criticism_doc", count=2, ref="Công văn 402/UBND-VX")
add("deduction.recorded", "2021-11-20", unit="SO_KHDT", reason="invalid_dossiers", count=3, ref="Thông báo 12/TB-BTĐKT")
add("deduction.recorded", "2021-06-30", unit="SO_TU_PHAP", reason="rule_lapse", note="Vắng họp khối quý II")
add("deduction.recorded", "2021-12-16", unit="SO_TU_PHAP", reason="rule_lapse", note="Báo cáo tổng kết nộp muộn")
add("violation.recorded", "2021-11-05", unit="THANH_TRA", severity="serious", ref="Văn bản phê bình 77/UBND-NC")
add("conference.held", "2021-12-28", block="KHOI_TONG_HOP", kind="year_end")
add("conference.held", "2021-12-29", block="KHOI_DN_TP", kind="year_end")
add("dossier.submitted", "2021-12-30", unit="SO_NOI_VU", award="co_thi_dua_ubnd_tinh")
add("dossier.submitted", "2022-01-05", unit="VP_UBND", award="bang_khen_ubnd_tinh")
# Added after the first release, so that the earlier events keep their ids and content: the year-end
# conference's record, completed with its attendance, supersedes the first one. Hội Luật gia sent
# people other than those required: a lapse of LCA-DED-3, as are the late registration of VP_UBND
# (LCA-TIME-1) and the late report of SO_NGOAI_VU (LCA-TIME-3) above, found without a record.
add("conference.held", "2021-12-28", block="KHOI_TONG_HOP", kind="year_end", wrong_people=["HOI_LUAT_GIA"])

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
print(f"{len(events)} events -> {OUT}")
