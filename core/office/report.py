"""`thidua report`: the printable document of a period, from the standings or eligibility
document, in the layout of Vietnamese administrative documents (Decree 30/2020/NĐ-CP: A4, the
national motto header, issuer, place and date, title, body, recipients and signature block).

HTML from Jinja2 templates (`templates/base.html` is the layout the service's pages share) and
PDF from that HTML with WeasyPrint. Nothing depends on the clock: the same log position gives the
same file, byte for byte (the default date is the day of the period's last event).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from thidua.office.lang import Names, day, long_date, number, word
from thidua.replay.facts import Facts
from thidua.rules import RuleSet

TEXT: dict[str, tuple[Any, Any]] = {
    "nation": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIETNAM"),
    "motto": ("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
    "title": ("BÁO CÁO", "REPORT"),
    "subtitle": (
        "Kết quả chấm điểm, xếp hạng thi đua năm {period}",
        "Scores, emulation ranking and award proposals, {period}",
    ),
    "title_selection": ("DANH SÁCH", "LIST"),
    "subtitle_selection": (
        "Cá nhân, tập thể đủ điều kiện được biểu dương, khen thưởng giai đoạn {period}",
        "Individuals and collectives eligible for honour, phase {period}",
    ),
    "basis": (
        "Căn cứ {document}{issued} của {issuer} về {title}; căn cứ kết quả chấm điểm, thẩm định đã ghi nhận, "
        "kết quả như sau:",
        "Under {document}{issued} of {issuer} ({title}), and the scores and appraisals recorded, the results are:",
    ),
    "basis_selection": (
        "Căn cứ {document}{issued} của {issuer} về {title}; căn cứ hồ sơ, thành tích đã ghi nhận, danh sách như sau:",
        "Under {document}{issued} of {issuer} ({title}), and the dossiers and achievements recorded, the list is:",
    ),
    "columns": (
        ("TT", "Đơn vị", "Tổng điểm", "Xếp hạng", "Đề nghị khen thưởng"),
        ("No.", "Unit", "Total", "Rank", "Award proposed"),
    ),
    "candidate_columns": (
        ("TT", "Họ và tên / Tập thể", "Loại", "Đối tượng", "Căn cứ"),
        ("No.", "Name", "Kind", "Object", "Rules"),
    ),
    "proposals": ("Đề nghị khen thưởng:", "Award proposals:"),
    "exclusions": ("Đơn vị không được xét thi đua, khen thưởng:", "Units not considered:"),
    "not_eligible": ("Không đủ điều kiện hoặc không được xét:", "Not eligible or not considered:"),
    "excluded_mark": ("không xét", "excluded"),
    "recipients": ("Nơi nhận:", "To:"),
    "archive": ("Lưu: VT.", "File copy."),
    "sign_hint": ("(Ký, ghi rõ họ tên, đóng dấu)", "(Signature, full name, seal)"),
    "signer_for": ("TM. KHỐI THI ĐUA", "FOR THE EMULATION BLOCK"),
    "signer_role": ("KHỐI TRƯỞNG", "BLOCK HEAD"),
    "signer_for_selection": ("TM. BAN THƯỜNG VỤ", "FOR THE STANDING COMMITTEE"),
    "signer_role_selection": ("CHỦ TỊCH", "CHAIR"),
    "number": ("Số: {n}/BC-KTĐ", "No. {n}/BC-KTĐ"),
    "number_selection": ("Số: {n}/DS-LĐLĐ", "No. {n}/DS-LĐLĐ"),
    "status_pending": ("chờ Hội nghị quyết định (đồng điểm)", "pending: tie, for the conference to resolve"),
    "status_resolved": ("theo nghị quyết Hội nghị", "resolved by the conference"),
    "status_proposed": ("đề nghị", "proposed"),
    "audit": (
        "Lập bằng thidua từ sổ sự kiện: vị trí {position}, mã băm {hash}…; {as_of}; bộ quy tắc {version} "
        "({document}); plugin {province} {plugin}.",
        "Made by thidua from the event log: position {position}, hash {hash}…; {as_of}; rule set {version} "
        "({document}); plugin {province} {plugin}.",
    ),
    "as_of": ("tính đến {0}", "as of {0}"),
    "everything": ("mọi sự kiện đã ghi", "everything recorded"),
    "recipient_parent": ("{0} (để báo cáo)", "{0} (for report)"),
    "recipient_members": ("Các đơn vị trong Khối", "The block's units"),
    "object": ("Đối tượng {0}", "Object {0}"),
    "collective": ("Tập thể", "Collective"),
}


class ReportError(Exception):
    """The PDF cannot be made (WeasyPrint or its system libraries are missing)."""


def t(key: str, lang: str) -> Any:
    pair = TEXT[key]
    return pair[0] if lang == "vi" else pair[1]


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("thidua.office", "templates"),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )


def last_day(facts: Facts) -> date | None:
    """The business day of the period's last event: a date the log fixes, not the clock."""
    days = [fact.at.date() for fact in facts.by_position.values()]
    return max(days) if days else None


def award_rule(rules: RuleSet, award: str | None) -> str | None:
    """The rule that names an award key in the rule data (e.g. award_leading → LC-AWARD-1)."""
    for value in rules.values.values():
        if value.value == award:
            return value.rule
    return None


def reasons(rules: RuleSet, ids: list[str], lang: str) -> list[dict[str, str]]:
    out = []
    for rid in ids:
        rule = rules.rules.get(rid)
        if rule is None:
            out.append({"id": rid, "text": "", "where": ""})
        else:
            # Vietnamese: the sentence of the document itself; English: the rule's summary.
            out.append({"id": rid, "text": rule.quote if lang == "vi" else rule.summary, "where": rule.clause})
    return out


def chart(units: list[dict[str, Any]], lang: str) -> str:
    """Horizontal bars of the block's totals as inline SVG (eligible black, excluded grey)."""
    totals = [Decimal(u["total"]) for u in units if u["total"] is not None]
    top = max(totals, default=Decimal(1)) or Decimal(1)
    bar_h, gap, label_w, width = 14, 5, 230, 600
    plot_w = width - label_w - 60
    height = len(units) * (bar_h + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="160mm" viewBox="0 0 {width} {height}" '
        f'font-family="Times New Roman, Liberation Serif, serif" font-size="11">'
    ]
    for i, u in enumerate(units):
        y = gap + i * (bar_h + gap)
        total = Decimal(u["total"] or 0)
        w = (total / top * plot_w).quantize(Decimal("0.01"))
        fill = "#1f3864" if u["eligible"] else "#a6a6a6"
        name = _escape(u["name"])
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 3}" text-anchor="end">{name}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{fill}"/>'
            f'<text x="{label_w + w + 4}" y="{y + bar_h - 3}">{number(total, lang)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def render_html(
    data: dict[str, Any],
    facts: Facts,
    rules: RuleSet,
    names: Names,
    lang: str = "vi",
    on: date | None = None,
    doc_number: str = "",
) -> str:
    """The printable document of a `standings` or `eligibility` document, as one HTML page."""
    selection = "candidates" in data
    on = document_date(data, facts, on)
    issued = f" ngày {day(rules.issued, 'vi')}" if lang == "vi" and data["rules"]["issued"] else ""
    if lang == "en" and data["rules"]["issued"]:
        issued = f" of {day(rules.issued, 'en')}"
    blocks = data.get("blocks", [])
    single = blocks[0] if len(blocks) == 1 else None
    head_name = ""
    if single is not None:
        head = facts.block(single["block"])
        head_unit = facts.unit(head["head"]) if head is not None else None
        head_name = head_unit["name"] if head_unit is not None else (head["head"] if head is not None else "")
    issuer = single["name"] if single is not None else (names.parent or data["province_name"])
    parent = names.parent if single is not None else ""
    basis = t("basis_selection" if selection else "basis", lang).format(
        document=rules.document,
        issued=issued,
        issuer=rules.issuer,
        title=rules.title[:1].lower() + rules.title[1:] if lang == "vi" else rules.title,
    )
    doc: dict[str, Any] = {
        "parent": parent,
        "issuer": issuer,
        "number": t("number_selection" if selection else "number", lang).format(n=doc_number or "\u2003\u2003"),
        "place_date": long_date(on, names.place or data["province_name"])
        if lang == "vi"
        else f"{names.place or data['province_name']}, {on.strftime('%d %B %Y')}",
        "title": t("title_selection" if selection else "title", lang),
        "subtitle": t("subtitle_selection" if selection else "subtitle", lang).format(period=data["period"]),
        "basis": basis,
        "blocks": [_block(b, rules, names, lang) for b in blocks],
        "signer_for": t("signer_for", lang)
        if single is not None
        else (names.signer[0] if lang == "vi" else "") or t("signer_for_selection", lang),
        "signer_role": t("signer_role", lang)
        if single is not None
        else (names.signer[1] if lang == "vi" else "") or t("signer_role_selection", lang),
        "signer_name": head_name,
        "recipients": [t("recipient_parent", lang).format(names.report_to or data["province_name"])]
        + ([] if selection else [t("recipient_members", lang)]),
        "audit": t("audit", lang).format(
            position=data["position"],
            hash=data["head_hash"][:16],
            as_of=t("as_of", lang).format(data["as_of"]) if data["as_of"] else t("everything", lang),
            version=data["rules"]["version"],
            document=data["rules"]["document"],
            province=data["province"],
            plugin=data["plugin_version"],
        ),
    }
    if selection:
        doc["candidates"], doc["not_eligible"] = _candidates(data, rules, names, lang)
    template = _environment().get_template("report.html")
    return template.render(doc=doc, t={k: t(k, lang) for k in TEXT}, lang=lang)


def _block(block: dict[str, Any], rules: RuleSet, names: Names, lang: str) -> dict[str, Any]:
    units, awards, excluded = [], [], []
    for u in block["units"]:
        award = names.name(u["award"], lang) if u["award"] else ""
        if u["award"] and u["award_status"] in ("pending", "resolved"):
            award += f" ({t('status_' + u['award_status'], lang)})"
        units.append(
            {
                "name": u["name"],
                "total": number(u["total"], lang),
                "rank": u["rank"] if u["rank"] is not None else t("excluded_mark", lang),
                "award": award,
                "eligible": u["eligible"],
            }
        )
        if u["award"]:
            rule = award_rule(rules, u["award"])
            status = t("status_" + (u["award_status"] or "proposed"), lang)
            awards.append(f"{u['name']}: {names.name(u['award'], lang)} — {status}" + (f" ({rule})" if rule else ""))
        if not u["eligible"]:
            excluded.append(
                {
                    "name": f"{u['name']} ({number(u['total'], lang)} {word('score', lang)})",
                    "reasons": reasons(rules, u["reasons"], lang),
                }
            )
    return {
        "name": block["name"],
        "units": units,
        "awards": awards,
        "excluded": excluded,
        "chart": chart(block["units"], lang),
    }


def _candidates(data: dict[str, Any], rules: RuleSet, names: Names, lang: str) -> tuple[list[dict], list[dict]]:
    levels: dict[str, list[dict[str, str]]] = {}
    not_eligible = []
    for c in data["candidates"]:
        kind = word("unit_kind" if c["kind"] == "unit" else "person_kind", lang)
        for level in c["levels"]:
            objects = ", ".join(
                t("collective", lang) if o == "collective" else t("object", lang).format(o) for o in level["objects"]
            )
            levels.setdefault(level["level"], []).append(
                {"name": c["name"], "kind": kind, "objects": objects, "rules": ", ".join(level["rules"])}
            )
        if not c["eligible"] or c["reasons"]:
            not_eligible.append({"name": c["name"], "reasons": reasons(rules, c["reasons"], lang)})
    order = sorted(levels, key=lambda level: (level != "city", level))
    return [{"name": names.name(level, lang), "rows": levels[level]} for level in order], not_eligible


def render_pdf(html: str, on: date) -> bytes:
    """The HTML as an A4 PDF (WeasyPrint: fonts from the system, embedded as subsets).

    Font subsets carry a modification time; SOURCE_DATE_EPOCH (the reproducible-builds
    convention fontTools follows) pins it to the document's date, so the bytes depend only on it."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise ReportError(
            f"cannot make a PDF: WeasyPrint is not usable here ({exc}); on Debian install libpango-1.0-0 "
            "and libpangoft2-1.0-0, or write --output FILE.html and print that"
        ) from None
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(datetime.combine(on, time(0), tzinfo=UTC).timestamp()))
    try:
        return HTML(string=html).write_pdf()
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def document_date(data: dict[str, Any], facts: Facts, on: date | None) -> date:
    """The date the document carries: the one given, else the day of the period's last event."""
    return on or last_day(facts) or date(int(data["period"][-4:]), 12, 31)
