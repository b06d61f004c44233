"""`thidua sheet`: a block's scoring sheet for the period as a spreadsheet to fill in.

One worksheet per unit with the usual columns — TT | Nội dung tiêu chí | Điểm chuẩn | Điểm tự
chấm | Điểm thẩm định / chấm chéo | Ghi chú, minh chứng — the caps of the block's sheet (criteria,
sections, the 50% section II cap where it applies), the provincial, bonus and deduction rows the
province's rule data calls for, data validation on every input cell (yellow, the only unlocked
cells) and totals as formulas for the reader. `sheetin.py` reads it back: it never reads a
formula or its cached value, only input cells, and the hidden column G says what each row records.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import xlsxwriter

from thidua.office.lang import Names, number
from thidua.replay.facts import Facts
from thidua.rules import RuleSet

FORMAT = "thidua-sheet/1"
INFO_SHEET = "Thông tin"
FIRST_ROW = 7  # 0-based row of the first scoring row (Excel row 8); the header is row 7
COLS = "ABCDEFG"
# Fixed cells of the information sheet, read back by sheetin.py.
INFO_CELLS = {"format": "B3", "province": "B4", "period": "B5", "block": "B6", "stamp": "B7", "position": "B8"}
UNIT_CELL, DATE_CELL = "F3", "C4"

TEXT = {
    "title": ("BẢNG CHẤM ĐIỂM THI ĐUA NĂM {period}", "SCORING SHEET {period}"),
    "block": ("Khối thi đua:", "Block:"),
    "unit": ("Đơn vị:", "Unit:"),
    "unit_key": ("Mã đơn vị:", "Unit key:"),
    "date": ("Ngày chấm (dd/mm/yyyy):", "Scored on (dd/mm/yyyy):"),
    "basis": ("Căn cứ:", "Based on:"),
    "headers": (
        ("TT", "Nội dung tiêu chí", "Điểm chuẩn", "Điểm tự chấm", "Điểm thẩm định / chấm chéo", "Ghi chú, minh chứng"),
        ("No.", "Criterion", "Max points", "Self-score", "Appraised / cross-scored", "Notes, evidence"),
    ),
    "section": ("Phần {s} (tối đa {cap} điểm)", "Section {s} (at most {cap} points)"),
    "section_half": (
        "Phần {s} (tối đa {cap} điểm; đơn vị không có tổ chức đảng và công đoàn: tối đa {half} điểm)",
        "Section {s} (at most {cap} points; a unit with neither party organisation nor union: at most {half})",
    ),
    "self_part": ("A. Đơn vị tự chấm (tối đa {cap} điểm)", "A. Self-assessed part (at most {cap} points)"),
    "provincial": ("B. Tỉnh chấm (tối đa {cap} điểm)", "B. Scored by the province (at most {cap} points)"),
    "bonus": (
        "Điểm thưởng (tối đa {cap} điểm, {each} điểm/chỉ tiêu vượt)",
        "Bonus (at most {cap}, {each} per exceeded target)",
    ),
    "bonus_row": ("Vượt chỉ tiêu «{target}» (đăng ký {planned})", "Target «{target}» exceeded (registered {planned})"),
    "deduction": (
        "Điểm trừ (ghi số văn bản, số hồ sơ hoặc số lần)",
        "Deductions (number of documents, dossiers or lapses)",
    ),
    "count": ("số lần", "count"),
    "points_col": ("điểm", "points"),
    "total_self": ("Tổng điểm tự chấm", "Total self-score"),
    "total": ("Tổng điểm sau thẩm định", "Total after appraisal"),
    "total_note": (
        "Công thức chỉ để tham khảo; phần mềm tính lại từ từng ô khi nhập.",
        "Formulas are for the reader; thidua recomputes from every cell on import.",
    ),
    "input_title": ("Nhập điểm", "Enter points"),
    "input_msg": ("Từ 0 đến {max}, bước {step}.", "From 0 to {max}, in steps of {step}."),
    "count_msg": ("Số nguyên từ 0.", "A whole number from 0."),
    "error": ("Giá trị không hợp lệ", "Invalid value"),
    "info_title": ("BẢNG CHẤM ĐIỂM THI ĐUA — THÔNG TIN", "SCORING SHEET — INFORMATION"),
    "info_labels": (
        ("Định dạng", "Tỉnh", "Kỳ", "Khối", "Mã bảng", "Vị trí sổ khi lập"),
        ("Format", "Province", "Period", "Block", "Sheet stamp", "Log position when made"),
    ),
    "howto": (
        (
            "Cách dùng: mỗi đơn vị một trang. Chỉ nhập vào ô màu vàng: điểm tự chấm, điểm thẩm định, điểm thưởng, "
            "số văn bản bị trừ điểm; ghi ngày chấm ở ô C4. Ô để trống thì không ghi gì.",
            "Nhập lại bằng: thidua import TỆP.xlsx — mọi ô được kiểm tra như một dòng sự kiện JSONL; "
            "có lỗi thì không ghi gì và mỗi lỗi chỉ rõ TRANG!Ô.",
            "Mỗi ô của một bảng được ghi một lần: nhập lại cùng tệp không ghi thêm gì; muốn sửa một giá trị đã nhập, "
            "hãy lập bảng mới (thidua sheet) và ghi giá trị đúng vào đó.",
        ),
        (
            "How to: one worksheet per unit. Type only into the yellow cells: self-scores, appraised scores, bonus "
            "points, counts of deducting documents; the scoring date goes into C4. A blank cell records nothing.",
            "Read back with: thidua import FILE.xlsx — every cell is checked as a JSONL event line would be; on any "
            "problem nothing is written and each problem names SHEET!CELL.",
            "Each cell of a sheet is recorded once: importing the same file again records nothing more; to correct "
            "an imported value, make a new sheet (thidua sheet) and enter the right value there.",
        ),
    ),
}


def t(key: str, lang: str) -> Any:
    pair = TEXT[key]
    return pair[0] if lang == "vi" else pair[1]


@dataclass(frozen=True)
class Row:
    kind: str  # section | criterion | provincial | bonus | deduction | deduction_points | total
    key: str  # what the hidden column G says: "criterion:C1", …; "" for rows that record nothing
    number: str
    label: str
    cap: Decimal | None
    inputs: tuple[str, ...]  # columns that take input: "D", "E"
    count: bool = False  # a whole count, not points


class SheetError(ValueError):
    """The sheet cannot be made (no such block, no scoring sheet defined)."""


def sheet_name(unit: str, taken: set[str]) -> str:
    """An Excel worksheet name: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in unit)[:31] or "unit"
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f"~{n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.casefold())
    return name


def unit_rows(facts: Facts, rules: RuleSet, names: Names, block: str, unit: str, lang: str) -> list[Row]:
    sheet = facts.sheet(block)
    if sheet is None:
        raise SheetError(f"no scoring sheet is defined for block {block!r} (a sheet.defined event)")
    record = facts.unit(unit)
    values = rules.values
    rows: list[Row] = []
    provincial = "provincial_cap" in values
    if provincial:
        rows.append(
            Row(
                "section",
                "",
                "A",
                t("self_part", lang).format(cap=number(values["self_score_cap"].value, lang)),
                None,
                (),
            )
        )
    sections = sheet.get("sections") or {}
    no_org = record is not None and not record.get("has_party_org", True) and not record.get("has_union", True)
    share = values["no_org_section_II_share"].value if "no_org_section_II_share" in values else None
    current: str | None = None
    for criterion in sheet["criteria"]:
        section = criterion.get("section")
        if section != current and section is not None:
            current = section
            cap = sections.get(section)
            if cap is not None and no_org and share is not None and section == "II":
                label = t("section_half", lang).format(s=section, cap=number(cap, lang), half=number(cap * share, lang))
            elif cap is not None:
                label = t("section", lang).format(s=section, cap=number(cap, lang))
            else:
                label = section
            rows.append(Row("section", "", section, label, cap, ()))
        cap = criterion["max"]
        if no_org and share is not None and section == "II" and sections.get("II") is not None:
            cap = min(cap, sections["II"] * share)
        rows.append(
            Row(
                "criterion",
                f"criterion:{criterion['id']}",
                criterion["id"],
                criterion.get("name") or criterion["id"],
                cap,
                ("D", "E"),
            )
        )
    if provincial:
        rows.append(
            Row(
                "section",
                "",
                "B",
                t("provincial", lang).format(cap=number(values["provincial_cap"].value, lang)),
                None,
                (),
            )
        )
        scorers = ["thuong_truc", *(f"ban_{i}" for i in range(1, 6))]
        for i, scorer in enumerate(scorers, start=1):
            cap = values["cap_thuong_truc"].value if scorer == "thuong_truc" else values["cap_ban"].value
            rows.append(Row("provincial", f"provincial:{scorer}", str(i), names.name(scorer, lang), cap, ("E",)))
    if "bonus_cap" in values:
        each = values["bonus_per_target"].value
        rows.append(
            Row(
                "section",
                "",
                "",
                t("bonus", lang).format(cap=number(values["bonus_cap"].value, lang), each=number(each, lang)),
                values["bonus_cap"].value,
                (),
            )
        )
        registration = facts.current("emulation.registered", unit=unit)
        targets = (registration.get("targets") or {}) if registration is not None else {}
        for i, (target, planned) in enumerate(sorted(targets.items()), start=1):
            label = t("bonus_row", lang).format(target=target, planned=number(planned, lang))
            rows.append(Row("bonus", f"bonus:{target}", f"+{i}", label, each, ("D",)))
    deductions = [
        (reason, value)
        for reason, value in (
            ("criticism_doc", "criticism_each"),
            ("invalid_dossiers", "invalid_dossier_tiers"),
            ("rule_lapse", "lapse_points"),
        )
        if value in values
    ]
    if deductions:
        rows.append(Row("section", "", "", t("deduction", lang), None, ()))
        for i, (reason, _) in enumerate(deductions, start=1):
            rows.append(
                Row("deduction", f"deduction:{reason}", f"−{i}", names.name(reason, lang), None, ("D",), count=True)
            )
        rows.append(
            Row(
                "deduction_points",
                "deduction_points:other",
                f"−{len(deductions) + 1}",
                names.name("other", lang),
                None,
                ("D",),
            )
        )
    return rows


def write_sheet(
    facts: Facts,
    rules: RuleSet,
    names: Names,
    province_name: str,
    block: str,
    position: int,
    lang: str = "vi",
    today: date | None = None,
    stamp: str | None = None,
) -> bytes:
    """The workbook of one block: an information sheet, then one worksheet per member unit."""
    block_fact = facts.block(block)
    if block_fact is None:
        known = ", ".join(sorted(b["block"] for b in facts.blocks())) or "none"
        raise SheetError(f"--block {block!r}: no such block in {facts.province} {facts.period} (blocks: {known})")
    if facts.sheet(block) is None:
        raise SheetError(f"no scoring sheet is defined for block {block!r} in {facts.province} {facts.period}")
    stamp = stamp or secrets.token_hex(6)
    step = rules.values["point_step"].value if "point_step" in rules.values else None
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": t("title", lang).format(period=facts.period), "author": "thidua", "created": None})
    base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter", "text_wrap": True}
    f = {
        "title": book.add_format({**base, "bold": True, "font_size": 14, "align": "center"}),
        "label": book.add_format({**base, "bold": True}),
        "right": book.add_format({**base, "bold": True, "align": "right"}),
        "text": book.add_format(base),
        "head": book.add_format({**base, "bold": True, "align": "center", "border": 1, "bg_color": "#D9E1F2"}),
        "section": book.add_format({**base, "bold": True, "border": 1, "bg_color": "#F2F2F2"}),
        "cell": book.add_format({**base, "border": 1}),
        "num": book.add_format({**base, "border": 1, "align": "center", "num_format": "General"}),
        "input": book.add_format({**base, "border": 1, "align": "center", "locked": False, "bg_color": "#FFF2CC"}),
        "note": book.add_format({**base, "border": 1, "locked": False}),
        "date": book.add_format({**base, "locked": False, "bg_color": "#FFF2CC", "num_format": "dd/mm/yyyy"}),
        "total": book.add_format({**base, "bold": True, "border": 1, "align": "center"}),
        "small": book.add_format({**base, "italic": True, "font_size": 10}),
    }
    info = book.add_worksheet(INFO_SHEET if lang == "vi" else "Information")
    info.set_column(0, 0, 26)
    info.set_column(1, 1, 70)
    info.merge_range(0, 0, 0, 1, t("info_title", lang), f["title"])
    labels = t("info_labels", lang)
    info_values = [FORMAT, facts.province, facts.period, block, stamp, position]
    for i, (label, value) in enumerate(zip(labels, info_values, strict=True)):
        info.write(2 + i, 0, label, f["label"])
        info.write(2 + i, 1, value, f["text"])
    info.write(9, 0, province_name, f["label"])
    info.write(9, 1, f"{block_fact['name']} — {rules.document} ({rules.version})", f["text"])
    for i, line in enumerate(t("howto", lang)):
        info.merge_range(11 + i, 0, 11 + i, 1, line, f["text"])
        info.set_row(11 + i, 48)
    info.set_paper(9)
    info.fit_to_pages(1, 0)
    info.protect()
    taken = {info.name.casefold()}
    for unit in facts.members(block):
        record = facts.unit(unit)
        ws = book.add_worksheet(sheet_name(unit, taken))
        ws.set_paper(9)  # A4
        ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_column(0, 0, 6)
        ws.set_column(1, 1, 52)
        ws.set_column(2, 4, 13)
        ws.set_column(5, 5, 30)
        ws.set_column(6, 6, 24, None, {"hidden": True})
        ws.merge_range(0, 0, 0, 5, t("title", lang).format(period=facts.period), f["title"])
        ws.merge_range(1, 1, 1, 5, f"{t('block', lang)} {block_fact['name']}", f["label"])
        ws.merge_range(2, 1, 2, 3, f"{t('unit', lang)} {record['name'] if record is not None else unit}", f["label"])
        ws.write(2, 4, t("unit_key", lang), f["right"])
        ws.write_string(2, 5, unit, f["text"])
        ws.write(3, 1, t("date", lang), f["right"])
        if today is not None:
            ws.write_datetime(3, 2, today, f["date"])
        else:
            ws.write_blank(3, 2, None, f["date"])
        ws.data_validation(3, 2, 3, 2, {"validate": "date", "criteria": ">", "minimum": date(2000, 1, 1)})
        ws.write(3, 4, t("basis", lang), f["right"])
        ws.write(3, 5, rules.document, f["text"])
        ws.set_row(3, 15 * max(1, -(-len(rules.document) // 28)))
        ws.write_row(6, 0, t("headers", lang), f["head"])
        ws.write(6, 6, "key", f["head"])
        ws.set_row(6, 36)
        rows = unit_rows(facts, rules, names, block, unit, lang)
        r = FIRST_ROW
        effective: list[str] = []
        self_cells: list[str] = []
        bonus_cells: list[str] = []
        for row in rows:
            excel = r + 1
            if row.kind == "section":
                ws.write(r, 0, row.number, f["section"])
                ws.merge_range(r, 1, r, 5, row.label, f["section"])
            else:
                ws.write(r, 0, row.number, f["cell"])
                ws.write(r, 1, row.label, f["cell"])
                ws.set_row(r, 16 * max(1, -(-len(row.label) // 48)))  # wrapped labels: programs do not grow rows
                if row.cap is not None:
                    ws.write_number(r, 2, float(row.cap), f["num"])
                else:
                    ws.write(r, 2, t("count", lang) if row.count else t("points_col", lang), f["num"])
                for col in ("D", "E"):
                    c = COLS.index(col)
                    if col in row.inputs:
                        ws.write_blank(r, c, None, f["input"])
                        _validate(ws, r, c, row, step, lang)
                    else:
                        ws.write_blank(r, c, None, f["cell"])
                ws.write_blank(r, 5, None, f["note"])
                ws.write_string(r, 6, row.key)
                if row.kind == "criterion":
                    self_cells.append(f"D{excel}")
                    effective.append(f'IF(E{excel}="",N(D{excel}),E{excel})')
                elif row.kind == "provincial":
                    effective.append(f"N(E{excel})")
                elif row.kind == "bonus":
                    bonus_cells.append(f"N(D{excel})")
                elif row.kind in ("deduction", "deduction_points"):
                    effective.append(_deduction_formula(row, f"N(D{excel})", rules))
            r += 1
        if bonus_cells:
            effective.append(f"MIN({'+'.join(bonus_cells)},{number(rules.values['bonus_cap'].value, 'en')})")
        ws.write(r, 1, t("total_self", lang), f["total"])
        ws.write_formula(r, 3, "=" + ("+".join(f"N({c})" for c in self_cells) or "0"), f["total"], "")
        ws.write(r + 1, 1, t("total", lang), f["total"])
        ws.write_formula(r + 1, 4, "=" + ("+".join(effective).replace("+-", "-") or "0"), f["total"], "")
        ws.merge_range(r + 2, 0, r + 2, 5, t("total_note", lang), f["small"])
        ws.protect("", {"format_columns": True, "format_rows": True})
        ws.freeze_panes(7, 0)
    book.close()
    return buffer.getvalue()


def _deduction_formula(row: Row, cell: str, rules: RuleSet) -> str:
    """The points a deduction row takes off, written from the rule data (for the reader only)."""
    values = rules.values
    reason = row.key.partition(":")[2]
    if reason == "criticism_doc":
        each, cap = (number(values[n].value, "en") for n in ("criticism_each", "criticism_cap"))
        return f"-MIN({cell}*{each},{cap})"
    if reason == "invalid_dossiers":
        formula = "0"
        for low, _, points in values["invalid_dossier_tiers"].value:  # tiers in ascending order
            formula = f"IF({cell}>={low},{number(Decimal(str(points)), 'en')},{formula})"
        return f"-{formula}"
    if reason == "rule_lapse":
        return f"-IF({cell}>0,{number(values['lapse_points'].value, 'en')},0)"
    return f"-{cell}"


def _validate(ws: Any, r: int, c: int, row: Row, step: Decimal | None, lang: str) -> None:
    ref = f"{COLS[c]}{r + 1}"
    if row.count:
        options = {"validate": "integer", "criteria": ">=", "value": 0, "input_message": t("count_msg", lang)}
    elif row.cap is not None:
        top = number(row.cap, "en")
        if step:
            formula = f"=AND(ISNUMBER({ref}),{ref}>=0,{ref}<={top},MOD({ref},{number(step, 'en')})=0)"
            options = {"validate": "custom", "value": formula}
        else:
            options = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": float(row.cap)}
        options["input_message"] = t("input_msg", lang).format(
            max=number(row.cap, lang), step=number(step or Decimal("0.01"), lang)
        )
    else:
        options = {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "input_message": t("input_msg", lang).format(max="…", step="0,01" if lang == "vi" else "0.01"),
        }
    options |= {
        "input_title": t("input_title", lang),
        "error_title": t("error", lang),
        "error_message": options["input_message"],
    }
    ws.data_validation(r, c, r, c, options)
