"""Labels and formats for people: Vietnamese (`vi`) or English (`en`).

Names of a province's own keys (awards, scorers, deduction reasons, levels) come from the
`[office]` table of its rules.toml; a key with no name is shown as it is, never guessed.
Numbers are exact: Vietnamese writes 176,5 and 1.250.000, English 176.5 and 1,250,000.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from importlib.resources import files
from typing import Any

from thidua.clock import iso_from_dmy
from thidua.fields import canonical_decimal

LANGS = ("vi", "en")

# Words of the interface (not of a province): one entry per label, Vietnamese first.
WORDS: dict[str, tuple[str, str]] = {
    "rank": ("Hạng", "Rank"),
    "unit": ("Mã", "Unit"),
    "name": ("Tên đơn vị", "Name"),
    "total": ("Tổng điểm", "Total"),
    "eligible": ("Đủ điều kiện", "Eligible"),
    "reasons": ("Lý do không xét", "Excluded by"),
    "award": ("Khen thưởng", "Award"),
    "award_key": ("Mã khen thưởng", "Award key"),
    "award_status": ("Trạng thái", "Status"),
    "block": ("Khối thi đua", "Block"),
    "status": ("Trạng thái", "Status"),
    "excluded_by": ("Không xét theo", "Excluded by"),
    "subject": ("Mã", "Subject"),
    "kind": ("Loại", "Kind"),
    "levels": ("Cấp: đối tượng", "Levels: objects"),
    "level": ("Cấp", "Level"),
    "objects": ("Đối tượng", "Objects"),
    "rules": ("Điều khoản", "Rules"),
    "rule": ("Điều khoản", "Rule"),
    "points": ("Điểm", "Points"),
    "counted": ("Được tính", "Counted"),
    "counts": ("Được tính", "Counts"),
    "ok": ("Đạt", "OK"),
    "events": ("Sự kiện", "Events"),
    "text": ("Nội dung", "Text"),
    "what": ("Nội dung", "What"),
    "yes": ("có", "yes"),
    "no": ("không", "no"),
    "proposed": ("đề nghị", "proposed"),
    "pending": ("chờ hội nghị quyết định", "pending"),
    "resolved": ("hội nghị đã quyết định", "resolved"),
    "unit_kind": ("tập thể", "unit"),
    "person_kind": ("cá nhân", "person"),
    "excluded": ("không xét", "excluded"),
    "position": ("Vị trí trong sổ", "Log position"),
    "head_hash": ("Mã băm đầu sổ", "Head hash"),
    "as_of": ("Thời điểm", "As of"),
    "everything": ("toàn bộ sự kiện đã ghi", "everything recorded"),
    "province": ("Tỉnh", "Province"),
    "period": ("Kỳ", "Period"),
    "document": ("Văn bản", "Document"),
    "rule_set": ("Bộ quy tắc", "Rule set"),
    "plugin_version": ("Phiên bản plugin", "Plugin version"),
    "city": ("cấp Thành phố", "city"),
    "district": ("cấp Quận", "district"),
    "collective": ("tập thể", "collective"),
    "object_n": ("đối tượng {}", "object {}"),
    "information": ("Thông tin", "Information"),
    "candidates": ("Ứng viên", "Candidates"),
    "lines": ("Diễn giải", "Lines"),
    "score": ("điểm", "score"),
    "cap": ("trần", "cap"),
    "exclusion": ("không xét", "exclusion"),
    "note": ("ghi chú", "note"),
    "setting": ("thiết lập", "setting"),
    "warning": ("cảnh báo", "warning"),
    "bonus": ("điểm thưởng", "bonus"),
    "deduction": ("điểm trừ", "deduction"),
    "tie": ("đồng điểm", "tie"),
    "met": ("đạt", "met"),
}


def word(key: str, lang: str) -> str:
    pair = WORDS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "vi" else pair[1]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Names:
    """A province's names for people: its place, its parent body, and its keys in both languages."""

    province: str
    place: str = ""
    parent: str = ""
    report_to: str = ""
    signer: tuple[str, str] = ("", "")
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    def name(self, key: str | None, lang: str) -> str:
        """The name of a key (award, scorer, level…), else the key itself: never a guess."""
        if key is None:
            return ""
        entry = self.names.get(key)
        if entry is None:
            return key
        return entry.get(lang) or entry.get("vi") or key


def province_names(plugins: Any, province: str) -> Names:
    """The `[office]` table of a province's rules.toml, read from the plugin's package data."""
    module = plugins.modules.get(province)
    if module is None or not hasattr(module, "__path__"):
        return Names(province)
    try:
        source = files(module.__name__) / "rules.toml"
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, ModuleNotFoundError):
        return Names(province)
    office = data.get("office") or {}
    names = {
        str(key): {lang: nfc(str(text)) for lang, text in entry.items()}
        for key, entry in (office.get("names") or {}).items()
        if isinstance(entry, dict)
    }
    text = {key: nfc(str(office.get(key, ""))) for key in ("place", "parent", "report_to")}
    signer = office.get("signer") or ["", ""]
    pair = (nfc(str(signer[0])), nfc(str(signer[1]))) if len(signer) == 2 else ("", "")
    return Names(province, text["place"], text["parent"], text["report_to"], pair, names)


def number(value: Decimal | int | None, lang: str, grouping: bool = False) -> str:
    """An exact decimal as written in the language: 176,5 (vi) or 176.5 (en)."""
    if value is None:
        return ""
    text = canonical_decimal(Decimal(value))
    if grouping:
        sign, _, rest = text.rpartition("-")
        whole, dot, frac = rest.partition(".")
        whole = f"{int(whole):,}"
        text = f"{sign}{whole}{dot}{frac}"
        if lang == "vi":
            return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text
    return text.replace(".", ",") if lang == "vi" else text


def day(value: date | datetime | str | None, lang: str) -> str:
    """A calendar day: 20/12/2020 (vi) or 2020-12-20 (en)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def moment(value: str | None, lang: str) -> str:
    """A local moment as printed: 20/12/2020 16:00 (vi) or 2020-12-20 16:00 (en)."""
    if not value:
        return ""
    parsed = datetime.fromisoformat(value)
    return parsed.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")


def long_date(value: date, place: str) -> str:
    """The place-and-date line of an administrative document (Decree 30/2020): «Lai Châu, ngày 20 tháng 12 năm 2020»."""
    # Days 1–9 and months 1–2 are written with a leading zero in administrative documents.
    dd = f"{value.day:02d}" if value.day < 10 else str(value.day)
    mm = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"{place}, ngày {dd} tháng {mm} năm {value.year}" if place else f"Ngày {dd} tháng {mm} năm {value.year}"


__all__ = [
    "LANGS",
    "WORDS",
    "Names",
    "day",
    "iso_from_dmy",
    "long_date",
    "moment",
    "nfc",
    "number",
    "province_names",
    "word",
]
