"""`--format xlsx --output FILE` for `standings`, `eligibility` and `explain`: the JSON document
as a workbook. Numbers are written as spreadsheet numbers (a point total of at most a few
decimals is exactly the same value read back); names of awards and rules in the chosen language
beside their keys and rule ids, so a reader sees names and a program still finds the keys."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import xlsxwriter

from thidua.office.lang import Names, word
from thidua.rules import RuleSet


def _book() -> tuple[Any, io.BytesIO, dict[str, Any]]:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False})
    book.set_properties({"author": "thidua", "created": None})
    base = {"font_name": "Times New Roman", "font_size": 12, "valign": "top", "text_wrap": True}
    formats = {
        "head": book.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1}),
        "text": book.add_format({**base, "border": 1}),
        "num": book.add_format({**base, "border": 1, "num_format": "General"}),
        "title": book.add_format({**base, "bold": True, "font_size": 14, "text_wrap": False}),
    }
    return book, buffer, formats


def _write(ws: Any, r: int, c: int, value: Any, f: dict[str, Any]) -> None:
    if isinstance(value, bool):
        ws.write_boolean(r, c, value, f["text"])
    elif isinstance(value, (int, Decimal)):
        ws.write_number(r, c, float(value), f["num"])
    elif value is None:
        ws.write_blank(r, c, None, f["text"])
    else:
        ws.write_string(r, c, str(value), f["text"])


def _table(ws: Any, top: int, headers: list[str], rows: list[list[Any]], f: dict[str, Any], widths: list[int]) -> None:
    for c, (h, w) in enumerate(zip(headers, widths, strict=True)):
        ws.write_string(top, c, h, f["head"])
        ws.set_column(c, c, w)
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row):
            _write(ws, r, c, value, f)
    ws.freeze_panes(top + 1, 0)
    if rows:
        ws.autofilter(top, 0, top + len(rows), len(headers) - 1)


def _info(book: Any, data: dict[str, Any], f: dict[str, Any], lang: str) -> None:
    ws = book.add_worksheet(word("information", lang))
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 80)
    rules = data["rules"]
    rows = [
        (word("province", lang), f"{data['province_name']} ({data['province']})"),
        (word("period", lang), data["period"]),
        (word("as_of", lang), data["as_of"] or word("everything", lang)),
        (word("position", lang), data["position"]),
        (word("head_hash", lang), data["head_hash"]),
        (word("document", lang), f"{rules['document']} ({rules['issued'] or '–'})"),
        (word("rule_set", lang), rules["version"]),
        (word("plugin_version", lang), data["plugin_version"]),
    ]
    for r, (label, value) in enumerate(rows):
        ws.write_string(r, 0, label, f["head"])
        _write(ws, r, 1, value, f)


def _sheet_title(name: str, taken: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]
    title, n = base, 2
    while title.casefold() in taken:
        title, n = f"{base[:28]}~{n}", n + 1
    taken.add(title.casefold())
    return title


def _rule_names(rules: RuleSet, ids: list[str], lang: str) -> str:
    out = []
    for rid in ids:
        rule = rules.rules.get(rid)
        out.append(f"{rid}: {rule.quote if lang == 'vi' else rule.summary}" if rule else rid)
    return "\n".join(out)


def standings(data: dict[str, Any], rules: RuleSet, names: Names, lang: str) -> bytes:
    book, buffer, f = _book()
    _info(book, data, f, lang)
    taken = {word("information", lang).casefold()}
    keys = [
        "rank",
        "unit",
        "name",
        "total",
        "eligible",
        "reasons",
        "reasons_text",
        "award",
        "award_key",
        "award_status",
    ]
    headers = [word(k, lang) if k != "reasons_text" else word("text", lang) for k in keys]
    for block in data["blocks"]:
        ws = book.add_worksheet(_sheet_title(block["block"], taken))
        ws.write_string(0, 0, f"{block['name']} ({block['block']})", f["title"])
        rows = [
            [
                u["rank"],
                u["unit"],
                u["name"],
                u["total"],
                u["eligible"],
                ", ".join(u["reasons"]),
                _rule_names(rules, u["reasons"], lang),
                names.name(u["award"], lang) if u["award"] else None,
                u["award"],
                word(u["award_status"], lang) if u["award_status"] else None,
            ]
            for u in block["units"]
        ]
        _table(ws, 2, headers, rows, f, [7, 22, 36, 11, 11, 16, 50, 40, 22, 18])
    book.close()
    return buffer.getvalue()


def eligibility(data: dict[str, Any], rules: RuleSet, names: Names, lang: str) -> bytes:
    book, buffer, f = _book()
    _info(book, data, f, lang)
    ws = book.add_worksheet(word("candidates", lang))
    keys = ["subject", "kind", "name", "eligible", "level", "objects", "rules", "reasons"]
    rows = []
    for c in data["candidates"]:
        for level in c["levels"] or [None]:
            rows.append(
                [
                    c["subject"],
                    c["kind"],
                    c["name"],
                    c["eligible"],
                    names.name(level["level"], lang) if level else None,
                    ", ".join(str(o) for o in level["objects"]) if level else None,
                    ", ".join(level["rules"]) if level else None,
                    _rule_names(rules, c["reasons"], lang) or None,
                ]
            )
    _table(ws, 0, [word(k, lang) for k in keys], rows, f, [18, 10, 34, 11, 36, 14, 30, 50])
    book.close()
    return buffer.getvalue()


def explain(data: dict[str, Any], rules: RuleSet, names: Names, lang: str) -> bytes:
    book, buffer, f = _book()
    _info(book, data, f, lang)
    ws = book.add_worksheet(word("lines", lang))
    ws.write_string(0, 0, f"{data['name']} ({data['subject']})", f["title"])
    rows = [
        [
            word(line["kind"], lang),
            line["rule"],
            line.get("points"),
            line["counted"],
            " ".join(f"#{p}" for p in line["events"]),
            line["text"],
        ]
        for line in data["lines"]
    ]
    keys = ["kind", "rule", "points", "counted", "events", "text"]
    _table(ws, 2, [word(k, lang) for k in keys], rows, f, [14, 14, 10, 10, 18, 90])
    ws = book.add_worksheet(word("events", lang))
    event_rows = [
        [e["position"], e["at"], e["type"], e["status"], json.dumps(_plain(e), ensure_ascii=False)]
        for e in data["events"] + data.get("other_events", [])
    ]
    _table(ws, 0, ["#", "at", "type", word("status", lang), word("text", lang)], event_rows, f, [8, 26, 22, 22, 90])
    book.close()
    return buffer.getvalue()


def _plain(event: dict[str, Any]) -> dict[str, Any]:
    skip = {"position", "type", "status", "at", "province", "period"}
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in event.items() if k not in skip}
