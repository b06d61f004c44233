"""Write plugins/hcm_q1/demo/hcm_q1-2015-2019.jsonl: District 1's 2015–2019 phase, a dozen candidates, three grassroots unions."""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "plugins/hcm_q1/demo/hcm_q1-2015-2019.jsonl"
events = []


def add(event_type, at, **keys):
    events.append(
        {
            "type": event_type,
            "province": "hcm_q1",
            "period": "2015-2019",
            "at": at,
            "id": f"q1-{len(events) + 1:03d}",
            **keys,
        }
    )


UNITS = [
    ("CDCS_CAP_NUOC", "CĐCS Công ty TNHH MTV Cấp nước Bến Thành", 620),
    ("CDCS_BV_Q1", "CĐCS Bệnh viện Quận 1", 350),
    ("CDCS_UBND_Q1", "CĐCS Cơ quan Ủy ban nhân dân Quận 1", 180),
]
for unit, name, workers in UNITS:
    add("unit.registered", "2015-01-05", unit=unit, name=name, workers=workers)
PEOPLE = [  # person, name, unit, category, extra
    ("P_HUNG", "Nguyễn Văn Hùng", "CDCS_CAP_NUOC", "union_officer", {"leader": True}),
    ("P_LAN", "Trần Thị Lan", "CDCS_CAP_NUOC", "technical_staff", {"gender": "female"}),
    ("P_MINH", "Lê Văn Minh", "CDCS_CAP_NUOC", "technical_staff", {}),
    ("P_TUAN", "Phạm Anh Tuấn", "CDCS_CAP_NUOC", "technical_staff", {}),
    ("P_HOA", "Võ Thị Hoa", "CDCS_CAP_NUOC", "direct_worker", {"gender": "female"}),
    ("P_KHANH", "Thạch Thị Khánh", "CDCS_BV_Q1", "direct_worker", {"gender": "female", "ethnic_minority": True}),
    ("P_SON", "Đặng Văn Sơn", "CDCS_BV_Q1", "direct_worker", {}),
    ("P_THU", "Nguyễn Thị Thu", "CDCS_UBND_Q1", "civil_servant", {"gender": "female"}),
    ("P_BINH", "Hồ Văn Bình", "CDCS_UBND_Q1", "civil_servant", {"leader": True}),
    ("P_DUNG", "Lý Thị Dung", "CDCS_UBND_Q1", "civil_servant", {"gender": "female"}),
    ("P_QUANG", "Trương Minh Quang", "CDCS_BV_Q1", "direct_worker", {}),
    ("P_NGOC", "Phan Bảo Ngọc", "CDCS_CAP_NUOC", "technical_staff", {"gender": "female"}),
]
for person, name, unit, category, extra in PEOPLE:
    add("person.registered", "2015-01-05", person=person, name=name, unit=unit, category=category, **extra)
n = 0


def initiative(authors, benefit, on, scope="grassroots", applied=True, title="Cải tiến kỹ thuật"):
    global n
    n += 1
    add(
        "initiative.recognized",
        on,
        initiative=f"SK-{n:03d}",
        title=f"{title} số {n}",
        authors=authors,
        scope=scope,
        applied=applied,
        benefit_vnd=benefit,
        recognized_on=on[:10],
    )


for i, benefit in enumerate((65_000_000, 60_000_000, 60_000_000, 60_000_000, 60_000_000)):  # 305,000,000: city object 2
    initiative(["P_LAN"], benefit, f"201{5 + i}-06-15", title="Cải tiến quy trình xử lý nước")
for i, benefit in enumerate((58_000_000, 58_000_000, 58_000_000, 58_000_000, 58_000_000)):  # 290,000,000: district only
    initiative(["P_MINH"], benefit, f"201{5 + i}-08-20", title="Giảm thất thoát nước")
for i in range(5):
    initiative(["P_TUAN"], 64_000_000, f"201{5 + i}-09-10", title="Tự động hóa trạm bơm")
for i in range(3):
    initiative(["P_HOA"], 25_000_000, f"201{6 + i}-04-02", title="Sắp xếp dây chuyền")
initiative(["P_KHANH"], 52_000_000, "2017-11-11", title="Quy trình tiếp nhận người bệnh")
initiative(["P_SON"], 40_000_000, "2016-03-03", title="Cải tiến xe đẩy")
initiative(["P_SON"], 30_000_000, "2014-12-20", title="Cải tiến giường bệnh")  # before the phase: not counted
for i in range(3):
    initiative(["P_THU"], 0, f"201{6 + i}-07-07", scope="district", title="Cải cách thủ tục hành chính")
for i in range(2):
    initiative(["P_BINH"], 0, f"201{7 + i}-05-05", scope="district", title="Một cửa liên thông")
initiative(["P_DUNG"], 0, "2018-10-10", scope="district", title="Số hóa hồ sơ")
initiative(["P_DUNG"], 0, "2019-10-10", scope="district", title="Tra cứu trực tuyến")
for i in range(3):
    initiative(["P_QUANG"], 21_000_000, f"201{6 + i}-02-02", title="Bảo trì thiết bị")
initiative(["P_NGOC"], 40_000_000, "2017-03-03", title="Đo áp lực tự động")
initiative(["P_NGOC"], 40_000_000, "2018-03-03", title="Cảnh báo rò rỉ")
initiative({"P_NGOC": 3, "P_HUNG": 1}, 60_000_000, "2019-03-03", title="Bản đồ mạng lưới cấp nước")
for person in ("P_LAN", "P_MINH", "P_TUAN", "P_HOA", "P_KHANH", "P_SON", "P_QUANG", "P_NGOC"):
    add("training.contributed", "2019-12-01", person=person)
add("discipline.recorded", "2017-06-01", person="P_QUANG", level="khien_trach")
for person in ("P_THU", "P_BINH", "P_DUNG"):
    for year in range(2015, 2020):
        rating = "good" if (person, year) == ("P_DUNG", 2018) else "excellent"
        add("rating.recorded", f"{year}-12-20", person=person, rating=rating, year=year)
add(
    "honor.received",
    "2018-04-30",
    person="P_HUNG",
    honor="huan_chuong_lao_dong",
    year=2018,
    ref="Quyết định của Chủ tịch nước",
)
add("honor.received", "2018-03-01", person="P_THU", honor="chien_si_thi_dua_tp", year=2018)
add("honor.received", "2016-03-01", person="P_THU", honor="chien_si_thi_dua_co_so", year=2016)
add("honor.received", "2017-03-01", person="P_BINH", honor="chien_si_thi_dua_co_so", year=2017)
add("honor.received", "2019-03-01", person="P_DUNG", honor="chien_si_thi_dua_co_so", year=2019)
add("honor.received", "2014-05-01", person="P_TUAN", honor="dhtt_city_2010_2014", year=2014)
add("honor.received", "2017-12-01", unit="CDCS_CAP_NUOC", honor="bang_khen_ubnd_tp", year=2017)
add("honor.received", "2013-12-01", unit="CDCS_BV_Q1", honor="bang_khen_ubnd_tp", year=2013)
add("honor.received", "2019-12-01", unit="CDCS_UBND_Q1", honor="bang_khen_ubnd_tp", year=2019)
CITY = {
    "P_HUNG": "2020-02-10T09:00",
    "P_LAN": "2020-02-12T10:00",
    "P_MINH": "2020-02-12T10:00",
    "P_TUAN": "2020-02-12T10:00",
    "P_HOA": "2020-02-14T16:30",
    "P_THU": "2020-02-13T15:00",
}
DISTRICT = {
    "P_LAN": "2020-04-08",
    "P_MINH": "2020-04-08",
    "P_TUAN": "2020-04-08",
    "P_HOA": "2020-04-09",
    "P_KHANH": "2020-04-09",
    "P_SON": "2020-04-09",
    "P_THU": "2020-04-07",
    "P_BINH": "2020-04-07",
    "P_DUNG": "2020-04-07",
    "P_QUANG": "2020-04-09",
}
for person, at in CITY.items():
    add("dossier.submitted", at, person=person, level="city", copies=2)
for person, at in DISTRICT.items():
    add("dossier.submitted", at, person=person, level="district", copies=2)
add("dossier.submitted", "2020-04-06", unit="CDCS_CAP_NUOC", level="district", copies=2)
add("dossier.submitted", "2020-04-06", unit="CDCS_BV_Q1", level="district", copies=2)
add("conference.held", "2020-03-10", unit="CDCS_CAP_NUOC", kind="grassroots", delegates={"models": 170, "guests": 70})
add("conference.held", "2020-03-18", unit="CDCS_BV_Q1", kind="grassroots", delegates={"models": 54, "guests": 36})
add("conference.held", "2020-03-26", unit="CDCS_UBND_Q1", kind="grassroots", delegates={"models": 70, "guests": 30})

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
print(f"{len(events)} events -> {OUT}")
