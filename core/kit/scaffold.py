"""`thidua plugin new KEY --name "…"`: an out-of-tree province plugin that installs with pip,
passes its own tests and the conformance kit unchanged, and shows every part a real plugin has:
the entry point, rules as dated data with a citation on every value, the hooks, demo events.

Templates are in `templates/*.tmpl` (`string.Template`: `$key`, `$name`, `$prefix`, …).
"""

from __future__ import annotations

import json
import keyword
import re
import unicodedata
from datetime import date
from importlib.resources import files
from pathlib import Path
from string import Template

from thidua.fields import unicode_problem

KEY = re.compile(r"[a-z][a-z0-9_]{1,30}")
MAX_NAME = 100
LAYOUT = {  # template -> path in the new package
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "init.py.tmpl": "{module}/__init__.py",
    "rules.toml.tmpl": "{module}/rules.toml",
    "permissions.toml.tmpl": "{module}/permissions.toml",
    "validate.py.tmpl": "{module}/validate.py",
    "standings.py.tmpl": "{module}/standings.py",
    "test_plugin.py.tmpl": "tests/test_{key}.py",
}


class ScaffoldError(Exception):
    """The key, name or target folder cannot be used (bad input)."""


def check_key(key: str, installed: set[str]) -> None:
    if not KEY.fullmatch(key) or keyword.iskeyword(key):
        raise ScaffoldError(f"KEY {key!r}: lower-case letters, digits and _, starting with a letter (e.g. quangninh)")
    if key in installed:
        raise ScaffoldError(f"KEY {key!r}: a province with this key is already installed")


def new_plugin(
    key: str, name: str, folder: Path, installed: set[str], year: int | None = None, prefix: str | None = None
) -> Path:
    """Write the package `thidua-<key>` into `folder` and return its path."""
    check_key(key, installed)
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise ScaffoldError('--name: give the province\'s name, e.g. "Quảng Ninh"')
    # The name is written into Python, TOML and Markdown: no line breaks or control characters
    # (they could end a comment or a string and start code), and it is escaped for each language.
    if problem := unicode_problem(name):
        raise ScaffoldError(f"--name: {problem}")
    if len(name) > MAX_NAME:
        raise ScaffoldError(f"--name: longer than {MAX_NAME} characters")
    prefix = prefix or key.upper().replace("_", "")
    if not re.fullmatch(r"[A-Z][A-Z0-9]*", prefix):
        raise ScaffoldError(f"--prefix {prefix!r}: upper-case letters and digits, e.g. QN")
    year = year or date.today().year
    dist = f"thidua-{key.replace('_', '-')}"
    target = folder / dist
    if target.exists():
        raise ScaffoldError(f"{target} exists: refusing to overwrite it")
    values = {
        "key": key,
        "name": name,  # Markdown text and TOML comments (one line, checked above)
        "name_py": name.replace("\\", "\\\\").replace('"', '\\"'),  # inside a Python docstring
        "name_toml": json.dumps(name, ensure_ascii=False),  # a TOML basic string, quotes included
        "description_toml": json.dumps(f"thidua province plugin: {name}", ensure_ascii=False),
        "prefix": prefix,
        "year": str(year),
        "dist": dist,
        "module": f"thidua_{key}",
    }
    templates = files("thidua.kit") / "templates"
    for template, path in LAYOUT.items():
        out = target / path.format(**values)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            Template(templates.joinpath(template).read_text(encoding="utf-8")).substitute(values), encoding="utf-8"
        )
    demo = target / values["module"] / "demo" / f"{key}-{year}.jsonl"
    demo.parent.mkdir(parents=True)
    demo.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in demo_year(key, year)), encoding="utf-8")
    return target


def demo_year(key: str, year: int) -> list[dict]:
    """A small year that exercises every rule of the scaffold: two blocks, a tie settled by the
    conference, a unit without a pledge, a violation, a bonus, a late report, a retraction."""
    events: list[dict] = []

    def add(event_type: str, at: str, **keys) -> None:
        events.append(
            {
                "type": event_type,
                "province": key,
                "period": str(year),
                "at": f"{year}-{at}",
                "id": f"{key}{year}-{len(events) + 1:03d}",
                **keys,
            }
        )

    blocks = {
        "KHOI_HUYEN": ("Khối các huyện, thành phố", ["DV_A", "DV_B", "DV_C", "DV_D"]),
        "KHOI_NGANH": ("Khối các công đoàn ngành", ["DV_E", "DV_F", "DV_G"]),
    }
    names = {
        "DV_A": "LĐLĐ thành phố",
        "DV_B": "LĐLĐ huyện Đông",
        "DV_C": "LĐLĐ huyện Tây",
        "DV_D": "LĐLĐ huyện Nam",
        "DV_E": "Công đoàn ngành Giáo dục",
        "DV_F": "Công đoàn ngành Y tế",
        "DV_G": "Công đoàn Viên chức",
    }
    scores = {
        "DV_A": (45, 40.5),
        "DV_B": (44, 40),
        "DV_C": (40, 38),
        "DV_D": (46, 44),
        "DV_E": (42, 43),
        "DV_F": (43, 42),
        "DV_G": (38, 39),
    }
    for unit, label in names.items():
        add("unit.registered", "01-05", unit=unit, name=label)
    for block, (label, members) in blocks.items():
        add("block.formed", "01-10", block=block, name=label, members=members, head=members[0], deputy=members[1])
    add(
        "sheet.defined",
        "01-15",
        block="*",
        criteria=[{"id": "C1", "name": "Chuyên môn", "max": 50}, {"id": "C2", "name": "Phong trào", "max": 50}],
    )
    for block, (_, members) in blocks.items():
        for unit in members:
            if unit != "DV_C":  # no pledge: not ranked
                add("pledge.signed", "02-01", unit=unit, block=block)
    add("emulation.registered", "02-01", unit="DV_B", targets={"doan_vien_moi": 200})
    for unit in names:
        add("report.submitted", "12-16T09:00" if unit == "DV_G" else "12-10", unit=unit, kind="year_end")
    for unit, (c1, c2) in scores.items():
        add("score.self", "12-11", unit=unit, criterion="C1", points=c1)
        add("score.self", "12-11", unit=unit, criterion="C2", points=c2)
    add("score.appraised", "12-13", unit="DV_D", criterion="C2", points=41, actor="Khối trưởng")
    add("target.result", "12-05", unit="DV_B", target="doan_vien_moi", achieved=230)
    add("bonus.awarded", "12-14", unit="DV_B", target="doan_vien_moi", points=1)
    add("violation.recorded", "09-20", unit="DV_A", severity="serious", ref="Thông báo kết luận kiểm tra")
    add("violation.recorded", "10-02", unit="DV_F", severity="serious")
    add("event.retracted", "10-05", target=events[-1]["id"], reason="Nhập nhầm đơn vị")
    add("conference.resolved", "12-20", block="KHOI_NGANH", award="co_thi_dua", unit="DV_F")
    return events
