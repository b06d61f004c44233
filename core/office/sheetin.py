"""`thidua import FILE.xlsx`: a filled scoring sheet back into event lines.

The sheet is a zip file: its size, entry count, every entry's real (decompressed) size and
compression ratio are checked in bounded memory before any spreadsheet parsing, so a zip bomb
is refused early. Then only input cells are read (column G says what each row records); a
formula typed into an input cell is refused (its cached value is never trusted), and so is any
value that is not an exact number. The cells become JSONL lines that go through the one import
path; each line remembers its cell so a problem reads `SHEET!CELL: key: reason`.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

from thidua.clock import iso_from_dmy
from thidua.fields import canonical_decimal
from thidua.office.sheet import COLS, DATE_CELL, FIRST_ROW, FORMAT, INFO_CELLS, UNIT_CELL

MAX_FILE_BYTES = 20 << 20  # a block's sheet is tens of kilobytes
MAX_ENTRIES = 1000
MAX_ENTRY_BYTES = 50 << 20  # decompressed, per entry
MAX_TOTAL_BYTES = 200 << 20  # decompressed, all entries
MAX_RATIO = 200  # decompressed / compressed, for entries over 1 MiB
CHUNK = 1 << 16
MAX_DECIMALS = 6
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass(frozen=True)
class CellProblem:
    ref: str  # SHEET!CELL, or the file name for the whole file
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.ref}: {self.key}: {self.reason}"


@dataclass
class SheetLines:
    """What a sheet says, as JSONL, with the cell behind every line and key."""

    data: bytes = b""
    cells: dict[int, dict[str, str]] = field(default_factory=dict)  # line -> key -> SHEET!CELL ("*": the value)
    problems: list[CellProblem] = field(default_factory=list)

    def where(self, line: int, key: str) -> str:
        refs = self.cells.get(line, {})
        return refs.get(key) or refs.get("*", f"LINE {line}")


def is_spreadsheet(name: str, data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm"))


def _ref(sheet: str, cell: str) -> str:
    quoted = sheet if re.fullmatch(r"[A-Za-z0-9_.]+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{cell}"


def check_zip(data: bytes, name: str = "the file") -> tuple[list[CellProblem], dict[str, set[str]]]:
    """Refuse what could exhaust memory, by reading every entry in chunks and counting what it
    really inflates to; also note the cells holding a formula, per worksheet part."""
    if len(data) > MAX_FILE_BYTES:
        return [CellProblem(name, "(file)", f"{len(data)} bytes, over the limit of {MAX_FILE_BYTES} for a sheet")], {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return [CellProblem(name, "(file)", f"not an xlsx workbook (not a zip file: {exc})")], {}
    if len(entries) > MAX_ENTRIES:
        return [CellProblem(name, "(file)", f"{len(entries)} zip entries, over the limit of {MAX_ENTRIES}")], {}
    declared = sum(e.file_size for e in entries)
    if declared > MAX_TOTAL_BYTES:
        return [
            CellProblem(
                name, "(file)", f"inflates to {declared} bytes, over the limit of {MAX_TOTAL_BYTES} (zip bomb?)"
            )
        ], {}
    formulas: dict[str, set[str]] = {}
    total = 0
    for entry in entries:
        worksheet = entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")
        parser: Any = ElementTree.XMLPullParser(events=("start", "end")) if worksheet else None
        found: set[str] = set()
        size = 0
        try:
            with archive.open(entry) as stream:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES:
                        return [
                            CellProblem(name, "(file)", f"entry {entry.filename} inflates past the limit (zip bomb?)")
                        ], {}
                    if size > (1 << 20) and size > MAX_RATIO * max(entry.compress_size, 1):
                        return [
                            CellProblem(
                                name, "(file)", f"entry {entry.filename} inflates more than {MAX_RATIO}:1 (zip bomb?)"
                            )
                        ], {}
                    if parser is not None:
                        parser.feed(chunk)
                        _formula_cells(parser, found)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            return [CellProblem(name, "(file)", f"damaged zip entry {entry.filename}: {exc}")], {}
        except ElementTree.ParseError as exc:
            return [CellProblem(name, "(file)", f"{entry.filename} is not well-formed XML: {exc}")], {}
        if found:
            formulas[entry.filename] = found
    return [], _by_sheet_name(archive, formulas)


def _formula_cells(parser: Any, found: set[str]) -> None:
    """Cells holding an <f> element; the open cell is kept on the parser, chunks may split a cell."""
    for event, element in parser.read_events():
        tag = element.tag
        if event == "start" and tag == f"{MAIN_NS}c":
            parser.open_cell = element.get("r")
        elif event == "start" and tag == f"{MAIN_NS}f" and getattr(parser, "open_cell", None):
            found.add(parser.open_cell)
        elif event == "end" and tag in (f"{MAIN_NS}c", f"{MAIN_NS}row"):
            element.clear()  # keep memory bounded on large sheets


def _by_sheet_name(archive: zipfile.ZipFile, formulas: dict[str, set[str]]) -> dict[str, set[str]]:
    """Worksheet part names → the names the workbook shows."""
    if not formulas:
        return {}
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): (r.get("Target") or "").lstrip("/") for r in rels}
    out: dict[str, set[str]] = {}
    for sheet in book.iter(f"{MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{REL_NS}id"), "")
        part = target if target.startswith("xl/") else f"xl/{target}"
        if part in formulas:
            out[sheet.get("name") or ""] = formulas[part]
    return out


def _cell(rows: list[list[Any]], ref: str) -> Any:
    col, row = COLS.index(ref[0]), int(ref[1:]) - 1
    if row >= len(rows) or col >= len(rows[row]):
        return None
    value = rows[row][col]
    return None if value == "" else value


def exact(value: Any, what: str = "number") -> Decimal | str:
    """A cell's number as an exact Decimal, or the reason it is not one."""
    if isinstance(value, bool):
        return f"a true/false value, expected a {what}"
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "not a finite number"
        # The shortest text that reads back as the same double is what the person typed.
        number = Decimal(repr(value))
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
            return f"{repr(value)} is not an exact decimal (a computed value?): type the number itself"
        return number
    if isinstance(value, str):
        return f"text {value.strip()!r} in a number cell: type a {what}"
    if isinstance(value, (date, datetime)):
        return f"a date in a number cell, expected a {what}"
    return f"unreadable value {value!r}"


def _date(value: Any) -> date | str:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(iso_from_dmy(text) or text)
        except ValueError:
            return f"malformed date {text!r}: expected dd/mm/yyyy"
    return "expected a date dd/mm/yyyy"


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def read_sheet(data: bytes, name: str = "the file") -> SheetLines:
    """Every filled input cell of a thidua scoring sheet as one JSONL line (or the problems)."""
    import python_calamine

    out = SheetLines()
    problems, formulas = check_zip(data, name)
    if problems:
        out.problems = problems
        return out
    try:
        book = python_calamine.load_workbook(io.BytesIO(data))
        sheets = book.sheet_names
        info_name = sheets[0] if sheets else ""
        info = book.get_sheet_by_index(0).to_python(skip_empty_area=False) if sheets else []
    except Exception as exc:  # calamine's errors are several classes; all mean "not a readable workbook"
        out.problems = [CellProblem(name, "(file)", f"not a readable xlsx workbook: {type(exc).__name__}: {exc}")]
        return out
    meta = {key: _text(_cell(info, cell)) for key, cell in INFO_CELLS.items()}
    if meta["format"] != FORMAT:
        out.problems = [
            CellProblem(
                _ref(info_name, INFO_CELLS["format"]),
                "format",
                f"not a scoring sheet made by `thidua sheet` (expected {FORMAT!r} here)",
            )
        ]
        return out
    for key in ("province", "period", "block", "stamp"):
        if not meta[key]:
            out.problems.append(CellProblem(_ref(info_name, INFO_CELLS[key]), key, "missing (the sheet was altered)"))
    if out.problems:
        return out
    lines: list[str] = []
    for index in range(1, len(sheets)):
        sheet = sheets[index]
        try:
            rows = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
        except Exception as exc:
            out.problems.append(CellProblem(_ref(sheet, "A1"), "(sheet)", f"unreadable: {type(exc).__name__}: {exc}"))
            continue
        for line, refs in _unit_lines(sheet, rows, meta, formulas.get(sheet, set()), out.problems):
            lines.append(line)
            out.cells[len(lines)] = refs
    if not out.problems and not lines:
        out.problems.append(CellProblem(name, "(file)", "no filled input cell: nothing to import"))
    out.data = "".join(line + "\n" for line in lines).encode("utf-8")
    return out


def _unit_lines(
    sheet: str, rows: list[list[Any]], meta: dict[str, str], formulas: set[str], problems: list[CellProblem]
) -> Iterator[tuple[str, dict[str, str]]]:
    unit = _text(_cell(rows, UNIT_CELL))
    unit_ref, date_ref = _ref(sheet, UNIT_CELL), _ref(sheet, DATE_CELL)
    pending: list[tuple[dict[str, Any], dict[str, str]]] = []
    for r in range(FIRST_ROW, len(rows)):
        key = _text(rows[r][6]) if len(rows[r]) > 6 else ""
        if not key:
            continue
        kind, _, subject = key.partition(":")
        for col in ("D", "E"):
            cell = f"{col}{r + 1}"
            raw = _cell(rows, cell)
            if cell in formulas:
                problems.append(
                    CellProblem(_ref(sheet, cell), "points", "a formula in an input cell: type the number itself")
                )
                continue
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            event = _event(kind, subject, col)
            if event is None:
                problems.append(CellProblem(_ref(sheet, cell), key, "this cell takes no input: leave it blank"))
                continue
            value_key = "count" if kind == "deduction" else "points"
            value = exact(raw, "whole number" if value_key == "count" else "number")
            if isinstance(value, str):
                problems.append(CellProblem(_ref(sheet, cell), value_key, value))
                continue
            if value_key == "count":
                if value != value.to_integral_value() or value < 0:
                    problems.append(CellProblem(_ref(sheet, cell), "count", f"{value} is not a whole number ≥ 0"))
                    continue
                if value == 0:
                    continue  # no document: nothing to record
                event["count"] = int(value)
            else:
                event["points"] = value
            event["id"] = f"xlsx-{meta['stamp']}-{unit}-{cell}"
            # The row's "Ghi chú, minh chứng" (column F) travels with the event, with the cell it came from.
            evidence = unicodedata.normalize("NFC", _text(_cell(rows, f"F{r + 1}")))
            event["note"] = f"{evidence} (sheet {sheet}!{cell})" if evidence else f"sheet {sheet}!{cell}"
            pending.append((event, {"*": _ref(sheet, cell), "unit": unit_ref, "at": date_ref}))
    if not pending:
        return
    if not unit:
        problems.append(CellProblem(unit_ref, "unit", "missing unit key"))
        return
    when = _date(_cell(rows, DATE_CELL))
    if isinstance(when, str):
        problems.append(CellProblem(date_ref, "at", f"{when} (the scoring date)"))
        return
    for event, refs in pending:
        record = {
            "type": event.pop("type"),
            "province": meta["province"],
            "period": meta["period"],
            "at": when.isoformat(),
            "id": event.pop("id"),
            "unit": unit,
            **event,
        }
        yield dumps_exact(record), refs


def _event(kind: str, subject: str, col: str) -> dict[str, Any] | None:
    if kind == "criterion" and col == "D":
        return {"type": "score.self", "criterion": subject}
    if kind == "criterion" and col == "E":
        return {"type": "score.appraised", "criterion": subject}
    if kind == "provincial" and col == "E":
        return {"type": "score.provincial", "scorer": subject}
    if kind == "bonus" and col == "D":
        return {"type": "bonus.awarded", "target": subject}
    if kind == "deduction" and col == "D":
        return {"type": "deduction.recorded", "reason": subject}
    if kind == "deduction_points" and col == "D":
        return {"type": "deduction.recorded", "reason": subject}
    return None


def dumps_exact(record: dict[str, Any]) -> str:
    """JSON with Decimals written as their exact text (the importer parses numbers as Decimals)."""
    parts = []
    for key, value in record.items():
        text = canonical_decimal(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{json.dumps(key)}: {text}")
    return "{" + ", ".join(parts) + "}"
