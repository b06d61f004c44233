"""Write plugins/laichau/demo/laichau-2020.jsonl: a realistic Lai Châu 2020 year exercising every LC-* rule.

Run again after changing it; the file is committed so the demo needs nothing but the package.
"""

import json
from decimal import Decimal as D
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "plugins/laichau/demo/laichau-2020.jsonl"
CRITERIA = [
    ("C1", "Tuyên truyền, giáo dục chính trị, tư tưởng", 25),
    ("C2", "Đại diện, bảo vệ quyền lợi người lao động", 30),
    ("C3", "Phát triển đoàn viên, xây dựng CĐCS vững mạnh", 30),
    ("C4", "Công tác nữ công", 15),
    ("C5", "Tài chính công đoàn", 25),
    ("C6", "Công tác thi đua, khen thưởng", 25),
]
HUYEN = [
    ("LDLD_TP_LAI_CHAU", "LĐLĐ thành phố Lai Châu"),
    ("LDLD_TAM_DUONG", "LĐLĐ huyện Tam Đường"),
    ("LDLD_PHONG_THO", "LĐLĐ huyện Phong Thổ"),
    ("LDLD_SIN_HO", "LĐLĐ huyện Sìn Hồ"),
    ("LDLD_MUONG_TE", "LĐLĐ huyện Mường Tè"),
    ("LDLD_NAM_NHUN", "LĐLĐ huyện Nậm Nhùn"),
    ("LDLD_TAN_UYEN", "LĐLĐ huyện Tân Uyên"),
    ("LDLD_THAN_UYEN", "LĐLĐ huyện Than Uyên"),
]
NGANH = [
    ("CDN_GIAO_DUC", "Công đoàn ngành Giáo dục"),
    ("CDN_Y_TE", "Công đoàn ngành Y tế"),
    ("CD_VIEN_CHUC", "Công đoàn Viên chức tỉnh"),
    ("CDN_NONG_NGHIEP", "Công đoàn ngành Nông nghiệp và PTNT"),
]
# counting self-assessed part, provincial part
TARGETS = {
    "LDLD_TAM_DUONG": (138, 46),
    "LDLD_TP_LAI_CHAU": (135, 45),
    "LDLD_PHONG_THO": (132, 44.5),
    "LDLD_SIN_HO": (131.5, 45),
    "LDLD_MUONG_TE": (130, 44),
    "LDLD_NAM_NHUN": (124, 41),
    "LDLD_TAN_UYEN": (128, 44),
    "LDLD_THAN_UYEN": (126, 42),
    "CDN_GIAO_DUC": (136, 45),
    "CDN_Y_TE": (137, 44),
    "CD_VIEN_CHUC": (131, 44),
    "CDN_NONG_NGHIEP": (127, 43),
}
events = []


def add(event_type, at, **keys):
    keys = {
        "type": event_type,
        "province": "laichau",
        "period": "2020",
        "at": at,
        "id": f"lc2020-{len(events) + 1:03d}",
        **keys,
    }
    events.append(keys)


def split(total, caps):
    """Spread a total over criteria in 0.5 steps, proportionally, never above a cap."""
    total, whole = D(str(total)), sum(D(c) for c in caps)
    values = [min(D(c), (D(c) * total / whole * 2).to_integral_value() / 2) for c in caps]
    values[-1] += total - sum(values)
    return values


for unit, name in HUYEN + NGANH:
    add("unit.registered", "2020-01-06", unit=unit, name=name, actor="Ban Tổ chức LĐLĐ tỉnh")
add(
    "block.formed",
    "2020-01-10",
    block="KHOI_HUYEN",
    name="Khối thi đua LĐLĐ các huyện, thành phố",
    members=[u for u, _ in HUYEN],
    head="LDLD_TAM_DUONG",
    deputy="LDLD_SIN_HO",
    formed_on="2020-01-10",
    ref="Quyết định 316/QĐ-LĐLĐ",
)
add(
    "block.formed",
    "2020-01-10",
    block="KHOI_NGANH",
    name="Khối thi đua Công đoàn ngành",
    members=[u for u, _ in NGANH],
    head="CDN_GIAO_DUC",
    deputy="CDN_Y_TE",
    formed_on="2020-01-10",
)
add(
    "sheet.defined",
    "2020-01-15",
    block="*",
    criteria=[{"id": c, "name": n, "max": m} for c, n, m in CRITERIA],
    ref="Biểu chấm điểm LĐLĐ tỉnh năm 2020",
)
for unit, _ in HUYEN + NGANH:
    block = "KHOI_HUYEN" if (unit, _) in HUYEN else "KHOI_NGANH"
    add("emulation.registered", "2020-02-14", unit=unit, titles=["Cờ thi đua của LĐLĐ tỉnh"])
    if unit != "LDLD_NAM_NHUN":  # LC-ELIG-2: Nậm Nhùn never signs the pledge
        add("pledge.signed", "2020-02-14T09:30", unit=unit, block=block)
add(
    "person.registered",
    "2020-01-06",
    person="P_MT_CT",
    name="Vàng A Sử",
    unit="LDLD_MUONG_TE",
    key_leader=True,
    leader=True,
    ethnic_minority=True,
)
add(
    "person.registered",
    "2020-01-06",
    person="P_TU_CT",
    name="Lò Thị Hoa",
    unit="LDLD_THAN_UYEN",
    key_leader=True,
    leader=True,
    gender="female",
    ethnic_minority=True,
)
add(
    "person.registered",
    "2020-01-06",
    person="P_PT_CT",
    name="Tẩn Láo Lở",
    unit="LDLD_PHONG_THO",
    key_leader=True,
    leader=True,
    ethnic_minority=True,
)
add("conference.held", "2020-06-26", block="KHOI_HUYEN", kind="mid_year")
add("conference.held", "2020-06-29", block="KHOI_NGANH", kind="mid_year")
for unit, _ in HUYEN + NGANH:
    add(
        "report.submitted", "2020-07-06T10:00" if unit == "LDLD_THAN_UYEN" else "2020-06-19", unit=unit, kind="mid_year"
    )
add("discipline.recorded", "2020-08-03", person="P_TU_CT", level="khien_trach", ref="Quyết định 45/QĐ-UBKT")
add("discipline.recorded", "2020-09-10", person="P_MT_CT", level="canh_cao", ref="Quyết định 61/QĐ-UBKT")
add("discipline.recorded", "2020-10-01", person="P_PT_CT", level="canh_cao", ref="Quyết định 70/QĐ-UBKT")
mistake = events[-1]["id"]
add(
    "event.retracted",
    "2020-10-20",
    target=mistake,
    reason="Nhập nhầm: quyết định 70/QĐ-UBKT không thuộc LĐLĐ huyện Phong Thổ",
)
for unit, _ in HUYEN + NGANH:
    if unit != "LDLD_TAN_UYEN":  # LC-ELIG-3: Tân Uyên sends no year-end report
        add("report.submitted", "2020-11-27", unit=unit, kind="year_end")
caps = [m for _, _, m in CRITERIA]
for unit, (self_part, provincial) in TARGETS.items():
    values = split(self_part, caps)
    appraised = unit in ("LDLD_TAM_DUONG", "CDN_Y_TE", "LDLD_THAN_UYEN")
    for (cid, _, cap), value in zip(CRITERIA, values, strict=True):
        own = min(D(cap), value + 1) if appraised and cid == "C1" else value
        add("score.self", "2020-12-01", unit=unit, criterion=cid, points=float(own))
    if appraised:  # the head and deputy appraise: C1 one point lower (LC-SCORE-1)
        late = unit == "CDN_Y_TE"  # reaches the province on 11/12 (LC-TIME-3 warning)
        add(
            "score.appraised",
            "2020-12-11T08:00" if late else "2020-12-05",
            unit=unit,
            criterion="C1",
            points=float(values[0]),
            actor="Khối trưởng",
        )
    prov = split(provincial, [10, 8, 8, 8, 8, 8])
    for scorer, value in zip(["thuong_truc", "ban_1", "ban_2", "ban_3", "ban_4", "ban_5"], prov, strict=True):
        add("score.provincial", "2020-12-08", unit=unit, scorer=scorer, points=float(value))
# A correction: Than Uyên's C2 self-score is re-entered (supersedes the first one).
first_c2 = next(
    e for e in events if e["type"] == "score.self" and e["unit"] == "LDLD_THAN_UYEN" and e["criterion"] == "C2"
)
add(
    "score.self",
    "2020-12-02",
    unit="LDLD_THAN_UYEN",
    criterion="C2",
    points=first_c2["points"] - 1,
    note="Sửa lại theo biên bản kiểm tra chéo",
)
add("conference.held", "2020-12-16", block="KHOI_HUYEN", kind="year_end")
add("conference.held", "2020-12-17", block="KHOI_NGANH", kind="year_end")
add("dossier.submitted", "2020-12-18", unit="LDLD_TAM_DUONG", award="co_thi_dua_tld", copies=3)
add("dossier.submitted", "2020-12-21T08:00", unit="CDN_GIAO_DUC", award="co_thi_dua_tld", copies=3)
# The tie at the top of the sector block is settled by the conference (LC-AWARD-2).
add(
    "conference.resolved",
    "2020-12-17T15:00",
    block="KHOI_NGANH",
    award="co_thi_dua_tld",
    unit="CDN_GIAO_DUC",
    ref="Nghị quyết Hội nghị tổng kết Khối thi đua Công đoàn ngành năm 2020",
)

OUT.parent.mkdir(parents=True, exist_ok=True)
# Added after the first release, so that the earlier events keep their ids and content: each
# conference's record, completed with the day the head reported it to the province (LC-TIME-5, at
# least 15 days before), supersedes the first one. The sector block's mid-year notice came 10 days before.
for block, kind, at, notified in (
    ("KHOI_HUYEN", "mid_year", "2020-06-26", "2020-06-08T08:00"),
    ("KHOI_NGANH", "mid_year", "2020-06-29", "2020-06-19T08:00"),
    ("KHOI_HUYEN", "year_end", "2020-12-16", "2020-11-30T08:00"),
    ("KHOI_NGANH", "year_end", "2020-12-17", "2020-12-01T14:00"),
):
    add("conference.held", at, block=block, kind=kind, notified_at=notified)
# LC-CROSS-1: each block's cross-check plan (kế hoạch kiểm tra chéo): every member is checked by the next.
for block, members in (("KHOI_HUYEN", HUYEN), ("KHOI_NGANH", NGANH)):
    units = [u for u, _ in members]
    add(
        "crosscheck.planned",
        "2020-10-01",
        block=block,
        pairs={u: units[(i + 1) % len(units)] for i, u in enumerate(units)},
    )

OUT.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
print(f"{len(events)} events -> {OUT}")
