"""Write plugins/dienbien/demo/dienbien-2020.jsonl: the districts' block of Điện Biên, 2020, exercising every DB-* rule."""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "plugins/dienbien/demo/dienbien-2020.jsonl"
events = []


def add(event_type, at, **keys):
    events.append(
        {
            "type": event_type,
            "province": "dienbien",
            "period": "2020",
            "at": at,
            "id": f"db2020-{len(events) + 1:03d}",
            **keys,
        }
    )


UNITS = {  # unit: (name, cross-scored total split over 5 criteria, rating, dossier arrival)
    "LDLD_TP_DBP": ("LĐLĐ thành phố Điện Biên Phủ", (19, 24, 19, 14.5, 19), "good", "2020-12-08"),
    "LDLD_TX_MUONG_LAY": ("LĐLĐ thị xã Mường Lay", (17, 21, 17, 12, 17), "excellent", "2020-12-07"),
    "LDLD_DIEN_BIEN": ("LĐLĐ huyện Điện Biên", (18.5, 23.5, 18.5, 14, 18.5), "excellent", "2020-12-09"),
    "LDLD_DIEN_BIEN_DONG": ("LĐLĐ huyện Điện Biên Đông", (17.5, 22, 17.5, 13, 17.5), "excellent", "2020-12-10T16:30"),
    "LDLD_MUONG_ANG": ("LĐLĐ huyện Mường Ảng", (18, 23, 18, 13.5, 18), "excellent", "2020-12-09"),
    "LDLD_TUAN_GIAO": ("LĐLĐ huyện Tuần Giáo", (18, 22.5, 18, 13.5, 18), "excellent", "2020-12-08"),
    "LDLD_MUONG_CHA": ("LĐLĐ huyện Mường Chà", (16.5, 21, 16.5, 12.5, 16.5), "excellent", "2020-12-04"),
    "LDLD_TUA_CHUA": ("LĐLĐ huyện Tủa Chùa", (16, 20.5, 16, 12, 16), "excellent", "2020-12-10"),
    "LDLD_MUONG_NHE": ("LĐLĐ huyện Mường Nhé", (18.5, 24, 18.5, 14, 18.5), "excellent", "2020-12-11T08:00"),
    "LDLD_NAM_PO": ("LĐLĐ huyện Nậm Pồ", (15.5, 20, 15.5, 11.5, 15.5), "excellent", "2020-12-09"),
}
CRITERIA = [
    ("TC1", "Tuyên truyền, giáo dục", 20),
    ("TC2", "Đại diện, bảo vệ quyền, lợi ích của đoàn viên, người lao động", 25),
    ("TC3", "Phát triển đoàn viên, xây dựng tổ chức công đoàn", 20),
    ("TC4", "Công tác thi đua, khen thưởng", 15),
    ("TC5", "Công tác tài chính công đoàn", 20),
]
for unit, (name, *_rest) in UNITS.items():
    add("unit.registered", "2020-01-02", unit=unit, name=name)
add(
    "block.formed",
    "2020-01-06",
    block="KHOI_HUYEN",
    name="Khối thi đua các LĐLĐ huyện, thị xã, thành phố",
    members=list(UNITS),
    head="LDLD_MUONG_ANG",
    deputy="LDLD_TUAN_GIAO",
)
add(
    "sheet.defined",
    "2020-01-06",
    block="*",
    criteria=[{"id": c, "name": n, "max": m} for c, n, m in CRITERIA],
    ref="Bảng chấm điểm, Hướng dẫn 24/HD-LĐLĐ ngày 25/10/2019",
)
for unit in UNITS:
    titles = ["Cờ thi đua của LĐLĐ tỉnh", "Tập thể lao động xuất sắc"]
    add("emulation.registered", "2020-01-20" if unit == "LDLD_NAM_PO" else "2020-01-10", unit=unit, titles=titles)
PEOPLE = [
    ("P01", "Lò Văn Thanh", "LDLD_DIEN_BIEN", True),
    ("P02", "Quàng Thị Mai", "LDLD_MUONG_ANG", True),
    ("P03", "Cà Văn Lả", "LDLD_TUAN_GIAO", False),
    ("P04", "Giàng A Dính", "LDLD_MUONG_CHA", False),
    ("P05", "Lường Thị Hương", "LDLD_TP_DBP", False),
    ("P06", "Vì Văn Sơn", "LDLD_TUA_CHUA", False),
    ("P07", "Sùng A Lử", "LDLD_NAM_PO", False),
    ("P08", "Nguyễn Thị Hạnh", "LDLD_TX_MUONG_LAY", False),
    ("P09", "Lò Văn Phong", "LDLD_DIEN_BIEN_DONG", False),
    ("P10", "Mùa A Vàng", "LDLD_MUONG_NHE", False),
]
for person, name, unit, leader in PEOPLE:
    add(
        "person.registered",
        "2020-01-02",
        person=person,
        name=name,
        unit=unit,
        leader=leader,
        category="union_officer" if leader else "direct_worker",
        ethnic_minority=not name.startswith("Nguyễn"),
    )
for unit, (_, split, rating, arrival) in UNITS.items():
    for (criterion, _n, _m), points in zip(CRITERIA, split, strict=True):
        add(
            "score.appraised",
            "2020-12-12",
            unit=unit,
            criterion=criterion,
            points=points,
            actor="Thường trực Khối (chấm chéo)",
        )
    add("dossier.submitted", arrival, unit=unit, award="co_thi_dua_ldld_tinh", copies=1)
    add("rating.recorded", "2020-12-15", unit=unit, rating=rating, year=2020, actor="Ban Thường vụ LĐLĐ tỉnh")
for i, (person, _name, _unit, _leader) in enumerate(PEOPLE):
    award = "bang_khen_tld" if i < 2 else "bang_khen_ldld_tinh"
    add("dossier.submitted", f"2020-12-0{1 + i % 9}", person=person, award=award, copies=3 if person != "P02" else 1)
# Added after the first release, so that the earlier events keep their ids and content.
# DB-TIME-2: the registrations for 2021 under this guidance, in the seed's own spellings (DB-TITLE-1);
# Nậm Pồ's arrives on 15/01/2021, late. They supersede the registrations recorded in January 2020.
add(
    "emulation.registered", "2021-01-08", unit="LDLD_TP_DBP", titles=["Cờ thi đua của Tổng Liên đoàn Lao động Việt Nam"]
)
add("emulation.registered", "2021-01-15T09:00", unit="LDLD_NAM_PO", titles=["Chiến sỹ thi đua cơ sở"])
# DB-TIME-1: an individual's dossier on 11/12 is not proposed and not counted in the union's proposals.
add(
    "person.registered",
    "2020-01-02",
    person="P11",
    name="Lò Thị Xuân",
    unit="LDLD_TP_DBP",
    category="direct_worker",
    ethnic_minority=True,
)
add("dossier.submitted", "2020-12-11T08:00", person="P11", award="bang_khen_ldld_tinh", copies=1)

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
print(f"{len(events)} events -> {OUT}")
