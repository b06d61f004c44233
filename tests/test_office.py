"""Office formats (CONTRACT.md §3): scoring sheets out and in, xlsx exports, CSV with a BOM,
printable reports, Vietnamese labels and dates. Outcomes as a user sees them."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from thidua.plugins import laichau, laocai

SCORES = ("score.self", "score.appraised", "score.provincial", "bonus.awarded", "deduction.recorded")


def demo(module) -> list[dict]:
    text = next(iter(module.PROVINCE.demo)).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def units_of(data: dict) -> list[tuple]:
    return [
        (b["block"], u["unit"], u["rank"], u["total"], u["eligible"], u["reasons"], u["award"], u["award_status"])
        for b in data["blocks"]
        for u in b["units"]
    ]


def split_scores(events: list[dict], block: str) -> tuple[list[dict], dict[tuple[str, str], Decimal]]:
    """The demo without the block's scores, and what its units would write in the sheet's cells
    (the live value per cell; deductions as counts)."""
    members = next(e for e in events if e["type"] == "block.formed" and e["block"] == block)["members"]
    retracted = {e["target"] for e in events if e["type"] == "event.retracted"}
    rest, cells = [], {}
    counts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for e in events:
        if e["type"] not in SCORES or e["unit"] not in members:
            rest.append(e)
            continue
        assert e.get("id") not in retracted
        if e["type"] == "deduction.recorded":
            if e["reason"] == "other":
                counts[(e["unit"], "deduction_points:other")] += Decimal(str(e["points"]))
            else:
                counts[(e["unit"], f"deduction:{e['reason']}")] += e.get("count", 1)
            continue
        key, col = {
            "score.self": (f"criterion:{e.get('criterion')}", "D"),
            "score.appraised": (f"criterion:{e.get('criterion')}", "E"),
            "score.provincial": (f"provincial:{e.get('scorer')}", "E"),
            "bonus.awarded": (f"bonus:{e.get('target')}", "D"),
        }[e["type"]]
        cells[(e["unit"], key, col)] = Decimal(str(e["points"]))  # a later one supersedes
    cells |= {(unit, key, "D"): n for (unit, key), n in counts.items()}
    return rest, cells


def fill(path: Path, cells: dict, day: str) -> None:
    """What a person does in a spreadsheet program: type into the yellow cells, save."""
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets[1:]:
        unit = ws["F3"].value
        ws["C4"] = day
        for row in range(8, ws.max_row + 1):
            key = ws[f"G{row}"].value
            for col in "DE":
                value = cells.pop((unit, key, col), None)
                if value is not None:
                    ws[f"{col}{row}"] = int(value) if value == value.to_integral_value() else float(value)
                    ws[f"F{row}"] = "Báo cáo số 05/BC"  # evidence, carried into the event's note
    assert not cells, f"cells with no place in the sheet: {cells}"
    book.save(path)


@pytest.mark.parametrize(
    ("module", "period", "block", "day"),
    [(laocai, "2021", "KHOI_TONG_HOP", "22/12/2021"), (laichau, "2020", "KHOI_HUYEN", "05/12/2020")],
)
def test_filled_sheet_gives_the_standings_of_the_jsonl(thidua, tmp_path, module, period, block, day):
    province = module.PROVINCE.key
    events = demo(module)
    rest, cells = split_scores(events, block)
    assert cells
    thidua.load(events)
    expected = thidua.standings(province=province, period=period)

    other = type(thidua)(tmp_path / "sheet.sqlite")
    other.load(rest)
    sheet = tmp_path / "khoi.xlsx"
    made = other("sheet", "--province", province, "--period", period, "--block", block, "--output", str(sheet))
    assert made.code == 0, made.err
    fill(sheet, cells, day)
    imported = other("import", str(sheet))
    assert imported.code == 0, imported.err
    assert units_of(other.standings(province=province, period=period)) == units_of(expected)
    assert '"note":"Báo cáo số 05/BC (sheet ' in other("log", "--type", "score.self", "--format", "jsonl").out
    again = other("import", str(sheet))  # the same file again records nothing
    assert again.code == 0 and "appended 0" in again.out
    book = openpyxl.load_workbook(sheet)
    ws = book.worksheets[1]
    row = next(r for r in range(8, ws.max_row + 1) if (ws[f"G{r}"].value or "").startswith("criterion:"))
    ws[f"D{row}"] = 1 if ws[f"D{row}"].value != 1 else 2  # changed after its import: refused, never counted twice
    ws[f"F{row}"] = "Biên bản kiểm tra số 12"
    book.save(sheet)
    changed = other("import", str(sheet))
    assert changed.code == 1 and changed.err.startswith(f"{ws.title}!D{row}: id: this cell was imported before")


def demo_store(thidua, module) -> None:
    thidua.load(demo(module))


def test_bad_sheet_is_refused_with_cell_references_and_nothing_written(thidua, tmp_path):
    rest, _ = split_scores(demo(laocai), "KHOI_TONG_HOP")
    thidua.load(rest)
    sheet = tmp_path / "bad.xlsx"
    assert (
        thidua(
            "sheet", "--province", "laocai", "--period", "2021", "--block", "KHOI_TONG_HOP", "--output", str(sheet)
        ).code
        == 0
    )
    book = openpyxl.load_workbook(sheet)
    ws = book["SO_NOI_VU"]
    ws["C4"] = "22/12/2021"
    rows = {ws[f"G{r}"].value: r for r in range(8, ws.max_row + 1)}
    ws[f"D{rows['criterion:I.1']}"] = 31  # the criterion's cap is 30
    ws[f"D{rows['criterion:I.2']}"] = "mười"  # text in a number cell
    ws[f"E{rows['criterion:I.2']}"] = "=10+5"  # a formula: its cached value is never trusted
    ws[f"D{rows['deduction:criticism_doc']}"] = 1.5  # a count must be whole
    book.save(sheet)
    before = thidua("log", "--format", "jsonl").out
    result = thidua("import", str(sheet))
    assert result.code == 1
    i1, i2, ded = rows["criterion:I.1"], rows["criterion:I.2"], rows["deduction:criticism_doc"]
    assert f"SO_NOI_VU!D{i2}: points: text 'mười' in a number cell" in result.err
    assert f"SO_NOI_VU!E{i2}: points: a formula in an input cell" in result.err
    assert f"SO_NOI_VU!D{ded}: count: 1.5 is not a whole number" in result.err
    assert "nothing was appended" in result.err and "Traceback" not in result.err
    assert thidua("log", "--format", "jsonl").out == before
    # Only the cap left: the import path's own check, reported at the cell.
    book = openpyxl.load_workbook(sheet)
    ws = book["SO_NOI_VU"]
    ws[f"D{i2}"], ws[f"E{i2}"], ws[f"D{ded}"] = None, None, None
    book.save(sheet)
    result = thidua("import", str(sheet))
    assert result.code == 1 and result.err.startswith(f"SO_NOI_VU!D{i1}: points: ") and "30" in result.err
    assert thidua("log", "--format", "jsonl").out == before


def test_zip_bomb_and_non_sheets_are_refused_before_parsing(thidua, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as entry,
    ):
        entry.write(b"<worksheet><sheetData>")
        for _ in range(64):
            entry.write(b" " * (1 << 16))  # 4 MiB of blanks deflate to a few KiB
    result = thidua("import", str(bomb))
    assert result.code == 1 and "zip bomb" in result.err and "Traceback" not in result.err
    other = tmp_path / "other.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    other.write_bytes(buffer.getvalue())
    result = thidua("import", str(other))
    assert result.code == 1 and "not a readable xlsx workbook" in result.err


def test_xlsx_export_reads_back_as_the_json_document(thidua, tmp_path):
    import python_calamine

    demo_store(thidua, laichau)
    data = thidua.standings()
    out = tmp_path / "standings.xlsx"
    result = thidua(
        "standings",
        "--province",
        "laichau",
        "--period",
        "2020",
        "--format",
        "xlsx",
        "--output",
        str(out),
        "--lang",
        "vi",
    )
    assert result.code == 0, result.err
    book = python_calamine.load_workbook(out)
    for block in data["blocks"]:
        rows = book.get_sheet_by_name(block["block"]).to_python()[3:]
        read = [
            (
                None if r[0] == "" else int(r[0]),
                r[1],
                r[2],
                Decimal(repr(r[3])),
                r[4],
                [x for x in r[5].split(", ") if x],
                r[8] or None,
            )
            for r in rows
        ]
        assert read == [
            (u["rank"], u["unit"], u["name"], Decimal(str(u["total"])), u["eligible"], u["reasons"], u["award"])
            for u in block["units"]
        ]
        assert "Cờ thi đua của Tổng Liên đoàn Lao động Việt Nam" in [r[7] for r in rows]
    assert thidua("standings", "--province", "laichau", "--period", "2020", "--format", "xlsx").code == 2
    for args in (("eligibility",), ("explain", "--unit", "LDLD_MUONG_TE")):
        path = tmp_path / f"{args[0]}.xlsx"
        province = ("--province", "laichau", "--period", "2020")
        assert thidua(*args[:1], *province, *args[1:], "--format", "xlsx", "--output", str(path)).code == 0
        assert len(python_calamine.load_workbook(path).sheet_names) >= 2


def test_csv_has_a_bom_vietnamese_numbers_and_dates(thidua):
    demo_store(thidua, laichau)
    text = thidua("standings", "--province", "laichau", "--period", "2020", "--format", "csv", "--lang", "vi").out
    assert text.startswith("\ufeff") and "176,5" in text and ";có;" in text
    assert "Cờ thi đua của Tổng Liên đoàn Lao động Việt Nam" in text
    english = thidua("standings", "--province", "laichau", "--period", "2020", "--format", "csv").out
    assert english.startswith("\ufeffblock,rank,unit") and "176.5" in english
    assert thidua.standings("--as-of", "20/12/2020")["as_of"] == thidua.standings("--as-of", "2020-12-20")["as_of"]
    assert thidua("standings", "--province", "laichau", "--period", "2020", "--as-of", "31/02/2020").code == 2


def test_tables_fit_the_terminal_and_stay_whole_when_piped(thidua):
    from thidua.cli.render import table

    demo_store(thidua, laichau)
    rows = [(1, "LDLD_TAM_DUONG", "LĐLĐ huyện Tam Đường", "184", "Cờ thi đua của Tổng Liên đoàn Lao động Việt Nam")]
    fitted = table(["rank", "unit", "name", "total", "award"], rows, right=[0, 3], max_width=60).splitlines()
    assert max(len(line) for line in fitted) <= 60 and len(fitted) > 3 and "184" in fitted[2]  # wrapped, not lost
    words = " ".join(fitted).split()
    assert {"Tam", "Đường", "Liên", "đoàn", "Việt", "Nam"} <= set(words)
    piped = thidua("standings", "--province", "laichau", "--period", "2020", "--lang", "vi").out
    assert "Tên đơn vị" in piped and "Cờ thi đua của Tổng Liên đoàn Lao động Việt Nam" in piped  # not cut


def test_printed_report_of_every_demo_province(thidua, tmp_path):
    assert shutil.which("pdftotext") and shutil.which("pdftoppm"), "poppler-utils (listed in .ci/apt-packages)"
    from thidua.registry import load_plugins

    assert thidua("demo").code == 0
    plugins = load_plugins()
    for key in ("laichau", "laocai", "dienbien", "hcm_q1"):
        province = plugins.provinces[key]
        period = province.demo_periods[0]
        pdf = tmp_path / f"{key}.pdf"
        result = thidua("report", "--province", key, "--period", period, "--output", str(pdf))
        assert result.code == 0, result.err
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
        flat = " ".join(text.split())
        if key == "hcm_q1":
            data = thidua("eligibility", "--province", key, "--period", period, "--format", "json").json()
            names = [c["name"] for c in data["candidates"] if c["levels"]]
            awards = ["Hội nghị điển hình tiên tiến cấp Thành phố", "Hội nghị điển hình tiên tiến cấp Quận"]
        else:
            data = thidua.standings(province=key, period=period)
            names = [u["name"] for b in data["blocks"] for u in b["units"]]
            awards = {u["award"] for b in data["blocks"] for u in b["units"] if u["award"]}
            from thidua.office.lang import province_names

            awards = [province_names(plugins, key).name(a, "vi") for a in awards]
        for name in [*names, *awards]:
            assert " ".join(name.split()) in flat, (key, name)
        subprocess.run(
            ["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / key)], check=True
        )
        assert (tmp_path / f"{key}-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = tmp_path / "again.pdf"
    assert thidua("report", "--province", "hcm_q1", "--period", "2015-2019", "--output", str(again)).code == 0
    assert again.read_bytes() == (tmp_path / "hcm_q1.pdf").read_bytes()  # same log position, same bytes
    html = tmp_path / "laichau.html"
    assert (
        thidua(
            "report",
            "--province",
            "laichau",
            "--period",
            "2020",
            "--block",
            "KHOI_NGANH",
            "--lang",
            "en",
            "--output",
            str(html),
        ).code
        == 0
    )
    assert "SOCIALIST REPUBLIC OF VIETNAM" in html.read_text(encoding="utf-8")
