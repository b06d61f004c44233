"""Standings and explanations as a person reads them (table), or as programs do (json, csv)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from thidua.cli.render import num, on_screen, table, to_csv
from thidua.documents.jsonout import to_json
from thidua.office.lang import Names, day, number, word


def _h(keys: list[str], lang: str) -> list[str]:
    """Column headers: the JSON keys in English (as before), the words of the language otherwise."""
    return keys if lang == "en" else [word(k, lang) for k in keys]


def _w(key: str, lang: str) -> str:
    """A word of the table in the language; English tables keep their keys as they were."""
    return key if lang == "en" else word(key, lang)


def _award(award: str | None, names: Names | None, lang: str) -> str:
    return "" if not award else names.name(award, lang) if names is not None else award


def _n(value: Decimal | None, lang: str) -> str:
    return num(value) if lang == "en" else number(value, lang)


def _title(data: dict[str, Any], lang: str = "en") -> str:
    rules = data["rules"]
    if lang == "vi":
        as_of = f"tính đến {data['as_of']}" if data["as_of"] else "toàn bộ sự kiện đã ghi"
        return (
            f"{data['province_name']} ({data['province']}) · kỳ {data['period']} · {as_of} (vị trí {data['position']})\n"
            f"căn cứ: {rules['document']} ({day(rules['issued'], 'vi') or 'không ghi ngày'}), bộ quy tắc {rules['version']}, "
            f"hiệu lực từ {day(rules['in_force_from'], 'vi')}"
        )
    as_of = f"as of {data['as_of']}" if data["as_of"] else "everything recorded"
    return (
        f"{data['province_name']} ({data['province']}) · period {data['period']} · {as_of} (log position {data['position']})\n"
        f"rules: {rules['document']} ({rules['issued'] or 'undated'}), rule set {rules['version']}, "
        f"in force from {rules['in_force_from']}"
    )


def _status(unit: dict[str, Any]) -> str:
    if not unit["eligible"]:
        return "excluded: " + ", ".join(unit["reasons"])
    return ""


@on_screen
def standings(data: dict[str, Any], fmt: str, lang: str = "en", names: Names | None = None) -> str:
    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "csv":
        rows: list[tuple[Any, ...]] = [
            (
                b["block"],
                u["rank"],
                u["unit"],
                u["name"],
                u["total"],
                u["eligible"],
                ";".join(u["reasons"]),
                u["award"],
                u["award_status"],
            )
            for b in data["blocks"]
            for u in b["units"]
        ]
        headers = ["block", "rank", "unit", "name", "total", "eligible", "reasons", "award", "award_status"]
        if lang != "en":
            headers.append("award_name")
            rows = [(*row, _award(row[7], names, lang)) for row in rows]
        return to_csv(_h(headers, lang), rows, lang)
    out = [_title(data, lang)]
    for block in data["blocks"]:
        out.append("")
        out.append(f"{block['name']} ({block['block']})")
        rows = [
            (
                u["rank"] if u["rank"] is not None else "–",
                u["unit"],
                u["name"],
                _n(u["total"], lang),
                _award(u["award"], names, lang),
                (u["award_status"] if lang == "en" else word(u["award_status"], lang)) if u["award_status"] else "",
                _status(u) if lang == "en" else ", ".join(u["reasons"]),
            )
            for u in block["units"]
        ]
        keys = ["rank", "unit", "name", "total", "award", "status", "excluded by" if lang == "en" else "excluded_by"]
        out.append(table(_h(keys, lang), rows, right=[0, 3]))
        warnings = [(u["unit"], w) for u in block["units"] for w in u["warnings"]]
        for line in block["notes"]:
            if line["kind"] == "setting" and not line["events"]:
                continue  # a default setting is shown by explain; a changed one is news
            out.append(f"  {_mark(line)} [{line['rule']}] {line['text']}" + _events(line))
        for unit, line in warnings:
            out.append(f"  ! {unit}: [{line['rule']}] {line['text']}" + _events(line))
    if data.get("notes"):
        out += ["", "Across blocks:"]
        out += [f"  {_mark(line)} [{line['rule']}] {line['text']}" + _events(line) for line in data["notes"]]
    return "\n".join(out) + "\n"


def _mark(line: dict[str, Any]) -> str:
    """'!' for what needs attention (warnings, ties, exclusions), '·' for information."""
    return "·" if line["kind"] in ("note", "setting") else "!"


def _events(line: dict[str, Any]) -> str:
    return f" (events {', '.join('#' + str(p) for p in line['events'])})" if line["events"] else ""


@on_screen
def explain(data: dict[str, Any], fmt: str, lang: str = "en", names: Names | None = None) -> str:
    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "csv":
        rows = [
            (
                line["kind"],
                line["rule"],
                line["points"],
                "yes" if line["counted"] else "no",
                " ".join(str(p) for p in line["events"]),
                line["text"],
            )
            for line in data["lines"]
        ]
        return to_csv(_h(["kind", "rule", "points", "counted", "events", "text"], lang), rows, lang)
    award = f"{_award(data['award'], names, lang)} ({data['award_status']})" if data["award"] else "no award"
    state = "eligible" if data["eligible"] else "EXCLUDED by " + ", ".join(data["reasons"])
    out = [
        _title(data, lang),
        "",
        f"{data['name']} ({data['subject']}) · block {data['block_name']} ({data['block']})",
        f"total {num(data['total'])} · rank {data['rank'] if data['rank'] is not None else '–'} · {state} · {award}"
        if lang == "en"
        else f"tổng điểm {_n(data['total'], lang)} · hạng {data['rank'] if data['rank'] is not None else '–'} · "
        + ("đủ điều kiện" if data["eligible"] else "không xét theo " + ", ".join(data["reasons"]))
        + " · "
        + (
            f"{_award(data['award'], names, lang)} ({word(data['award_status'], lang)})"
            if data["award"]
            else "không đề nghị khen thưởng"
        ),
        "",
    ]
    rows = [
        (
            _w(line["kind"], lang),
            line["rule"] or "",
            _points(line["points"]),
            _w("yes" if line["counted"] else "no", lang),
            " ".join(f"#{p}" for p in line["events"]),
            line["text"],
        )
        for line in data["lines"]
    ]
    out.append(table(_h(["kind", "rule", "points", "counts", "events", "what"], lang), rows, right=[2]))
    if data.get("context"):
        out += ["", f"In block {data['block']}:" if lang == "en" else f"Trong khối {data['block']}:"]
        out += [f"  {_mark(line)} [{line['rule']}] {line['text']}" + _events(line) for line in data["context"]]
    out += ["", "Rules cited:" if lang == "en" else "Điều khoản viện dẫn:"]
    for rule in data["rules_cited"]:
        out.append(f"  {rule['rule']}: {rule['summary']}")
        if rule.get("quote"):
            out.append(
                f"      {rule.get('clause', '')} «{rule['quote']}» — {rule['document']}"
                + (f", {rule['issued']}" if rule.get("issued") else "")
            )
        if rule.get("interpretation"):
            out.append(f"      Interpretation: {rule['interpretation']}")
    out += ["", "Events behind these numbers:" if lang == "en" else "Sự kiện làm căn cứ:"]
    out += [_event_line(e) for e in data["events"]] or ["  (none)"]
    if data["other_events"]:
        out += ["", "Other events naming this unit:" if lang == "en" else "Sự kiện khác về đơn vị này:"]
        out += [_event_line(e) for e in data["other_events"]]
    return "\n".join(out) + "\n"


def _points(value: Decimal | None) -> str:
    return "" if value is None else num(value) if value < 0 else ("+" + num(value) if value else "0")


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}:{_plain(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _event_line(event: dict[str, Any]) -> str:
    skip = {
        "position",
        "type",
        "status",
        "recorded_at",
        "province",
        "period",
        "at",
        "note",
        "actor",
        "retraction_reason",
    }
    detail = " ".join(f"{k}={_plain(v)}" for k, v in event.items() if k not in skip)
    status = event["status"] + (f": {event['retraction_reason']}" if event.get("retraction_reason") else "")
    return f"  #{event['position']:<5} {event['at'][:16].replace('T', ' ')}  {event['type']:<20} [{status}]  {detail}"


def _levels(candidate: dict[str, Any]) -> str:
    return "; ".join(f"{lv['level']}: {', '.join(str(o) for o in lv['objects'])}" for lv in candidate["levels"])


@on_screen
def eligibility(data: dict[str, Any], fmt: str, lang: str = "en", names: Names | None = None) -> str:
    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "csv":
        rows: list[tuple[Any, ...]] = []
        for c in data["candidates"]:
            for lv in c["levels"] or [None]:
                rows.append(
                    (
                        c["subject"],
                        c["kind"],
                        c["name"],
                        c["eligible"],
                        lv["level"] if lv else "",
                        ";".join(str(o) for o in lv["objects"]) if lv else "",
                        ";".join(lv["rules"]) if lv else "",
                        ";".join(c["reasons"]),
                    )
                )
        return to_csv(
            _h(["subject", "kind", "name", "eligible", "level", "objects", "rules", "reasons"], lang), rows, lang
        )
    rows = [
        (
            i + 1,
            c["subject"],
            c["kind"],
            c["name"],
            _w("yes" if c["eligible"] else "no", lang),
            _levels(c),
            ", ".join(c["reasons"]),
        )
        for i, c in enumerate(data["candidates"])
    ]
    out = [
        _title(data, lang),
        "",
        table(
            ["#", "subject", "kind", "name", "eligible", "levels: objects", "excluded by"]
            if lang == "en"
            else ["#", *_h(["subject", "kind", "name", "eligible", "levels", "excluded_by"], lang)],
            rows,
            right=[0],
        ),
    ]
    for line in data.get("notes", []):
        out.append(f"  {_mark(line)} [{line['rule']}] {line['text']}" + _events(line))
    return "\n".join(out) + "\n"


@on_screen
def explain_candidate(data: dict[str, Any], fmt: str, lang: str = "en", names: Names | None = None) -> str:
    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "csv":
        rows = [
            (
                line["kind"],
                line["rule"],
                "yes" if line["counted"] else "no",
                " ".join(str(p) for p in line["events"]),
                line["text"],
            )
            for line in data["lines"]
        ]
        return to_csv(_h(["kind", "rule", "met", "events", "text"], lang), rows, lang)
    state = ("eligible at " + _levels(data)) if data["eligible"] else "not eligible"
    if data["reasons"]:
        state += " · excluded by " + ", ".join(data["reasons"])
    out = [_title(data, lang), "", f"{data['name']} ({data['subject']}, {data['kind']}) · {state}", ""]
    rows = [
        (
            _w(line["kind"], lang),
            line["rule"] or "",
            _w("yes" if line["counted"] else "no", lang),
            " ".join(f"#{p}" for p in line["events"]),
            line["text"],
        )
        for line in data["lines"]
    ]
    out.append(table(_h(["kind", "rule", "ok", "events", "what"], lang), rows))
    out += ["", "Rules cited:" if lang == "en" else "Điều khoản viện dẫn:"]
    for rule in data["rules_cited"]:
        out.append(f"  {rule['rule']}: {rule['summary']}")
        if rule.get("quote"):
            out.append(f"      {rule.get('clause', '')} «{rule['quote']}» — {rule['document']}")
        if rule.get("interpretation"):
            out.append(f"      Interpretation: {rule['interpretation']}")
    out += ["", "Events behind these conditions:" if lang == "en" else "Sự kiện làm căn cứ:"]
    out += [_event_line(e) for e in data["events"]] or ["  (none)"]
    if data["other_events"]:
        out += [
            "",
            f"Other events naming this {data['kind']} (retracted and superseded ones included):"
            if lang == "en"
            else "Sự kiện khác về đối tượng này (kể cả sự kiện đã thu hồi, đã thay thế):",
        ]
        out += [_event_line(e) for e in data["other_events"]]
    return "\n".join(out) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "–"}[value]
    if isinstance(value, Decimal):
        return num(value)
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) if value else "none"
    return str(value)


@on_screen
def diff(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(data) + "\n"
    side = lambda s: f"{s['as_of'] or 'now'} (position {s['position']}, {s['head_hash'][:12]})"  # noqa: E731
    out = [
        f"{data['province_name']} ({data['province']}) · period {data['period']} · rule set {data['rules']['version']}",
        f"from {side(data['from'])} to {side(data['to'])}: {data['events_between']} event(s) of this period recorded in between",
    ]
    groups = [(f"{b['name']} ({b['block']})", b["changes"]) for b in data.get("blocks", [])]
    if "candidates" in data:
        groups = [("Candidates", data["candidates"])] if data["candidates"] else []
    if not groups:
        out.append("no decision changed")
    for title, changes in groups:
        out += ["", title]
        for change in changes:
            subject = change.get("unit") or change["subject"]
            moved = "; ".join(f"{k} {_value(a)} → {_value(b)}" for k, (a, b) in change["changed"].items())
            out.append(f"  {subject} ({change['name']}): {moved}")
            for label, events in (("because of", change["events"]), ("context", change["context"])):
                for event in events:
                    out.append(
                        f"      {label} #{event['position']} {event['type']} at {event['at'][:16].replace('T', ' ')}: "
                        + _event_summary(event)
                    )
    return "\n".join(out) + "\n"


def _event_summary(event: dict[str, Any]) -> str:
    skip = {"position", "type", "status", "recorded_at", "province", "period", "at", "id"}
    return " ".join(
        f"{k}={_value(v) if not isinstance(v, (dict, list)) or isinstance(v, list) and all(isinstance(i, str) for i in v) else '…'}"
        for k, v in event.items()
        if k not in skip
    )


@on_screen
def rules_list(entries: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return to_json({"rules": entries}) + "\n"
    rows = [
        (e["rule"], e["version"], f"{e['in_force_from']} → {e['in_force_to'] or 'in force'}", e["clause"], e["summary"])
        for e in entries
    ]
    return table(["rule", "version", "in force", "clause", "summary"], rows) + "\n"


@on_screen
def rules_show(entries: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return to_json({"rules": entries}) + "\n"
    out = []
    for e in entries:
        issued = e["issued"] or "undated"
        out += [
            f"{e['rule']} — {e['province_name']} ({e['province']}), rule set {e['version']}, in force "
            f"{e['in_force_from']} → {e['in_force_to'] or 'in force'}",
            f"  document: {e['document']} ({issued}), {e['issuer']}",
            f"            {e['title']}",
            f"  clause:   {e['clause'] or '–'}",
            f"  rule:     {e['summary']}",
            f"  text:     «{e['quote']}»",
        ]
        for v in e["values"]:
            out.append(
                f"  value:    {v['name']} = {_value(v['value']) if not isinstance(v['value'], dict) else to_json(v['value'])}"
                + (f" ({v['summary']})" if v["summary"] else "")
            )
        if e["interpretation"]:
            out.append(f"  interpretation: {e['interpretation']}")
        for s in e["settings"]:
            out.append(
                f"  setting:  {s['name']} (default {_value(s['default'])}), changed by a setting.changed event"
                + (f": {s['summary']}" if s["summary"] else "")
            )
        out.append("")
    return "\n".join(out)
