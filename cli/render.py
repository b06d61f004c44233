"""Output formats for people: aligned tables and CSV (JSON is `thidua.documents.jsonout`). Decimals print exactly."""

from __future__ import annotations

import csv
import functools
import io
import shutil
import sys
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from thidua.fields import canonical_decimal, printable


def on_screen(view: Callable[..., str]) -> Callable[..., str]:
    """A view's table or CSV with control and invisible characters shown as \\uXXXX, so no stored
    name can clear a terminal or fake a line; JSON stays the engine's exact bytes (it escapes
    controls itself)."""

    @functools.wraps(view)
    def shown(data: Any, fmt: str, **options: Any) -> str:
        text = view(data, fmt, **options)
        if fmt == "json":
            return text
        bom = "\ufeff" if text.startswith("\ufeff") else ""  # CSV's byte-order mark is meant to be there
        return bom + "\n".join(printable(line) for line in text.removeprefix(bom).split("\n"))

    return shown


def num(value: Decimal | None) -> str:
    return "" if value is None else canonical_decimal(value)


def width(text: str) -> int:
    """Display width: combining marks take no column (names stay NFC, this is a safety net)."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def terminal_width() -> int | None:
    """The terminal's width when printing to one; None when piped (output stays plain and whole)."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def fit(widths: list[int], limit: int, keep: Sequence[int] = (), floor: int = 6) -> list[int]:
    """Narrow the widest columns (never those in `keep`) until a row fits `limit` columns."""
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > limit:
        candidates = [i for i in range(len(widths)) if i not in keep and widths[i] > floor]
        if not candidates:
            break
        widths[max(candidates, key=lambda i: widths[i])] -= 1
    return widths


def wrap(text: str, room: int) -> list[str]:
    """A cell's text in lines of at most `room` columns, broken between words where it can."""
    if width(text) <= room:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        while width(word) > room:  # a word longer than the column: cut it
            head = ""
            for ch in word:
                if width(line + (" " if line else "") + head + ch) > room:
                    break
                head += ch
            if not head:
                lines.append(line)
                line = ""
                continue
            lines.append((line + " " if line else "") + head)
            line, word = "", word[len(head) :]
        candidate = f"{line} {word}" if line else word
        if width(candidate) <= room:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return [x for x in lines if x] or [""]


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = (), max_width: int | None = None
) -> str:
    """Aligned columns; on a terminal (or with max_width) the widest columns wrap to fit its width."""
    cells = [[str(h) for h in headers]] + [["" if c is None else printable(str(c)) for c in row] for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    limit = max_width if max_width is not None else terminal_width()
    if limit is not None:
        widths = fit(widths, limit, keep=right)
    lines = []
    for n, row in enumerate(cells):
        wrapped = [wrap(cell, widths[i]) for i, cell in enumerate(row)]
        for k in range(max(len(w) for w in wrapped)):
            parts = []
            for i, column in enumerate(wrapped):
                cell = column[k] if k < len(column) else ""
                pad = " " * (widths[i] - width(cell))
                parts.append(pad + cell if i in right else cell + pad)
            lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]], lang: str = "en") -> str:
    """CSV for spreadsheets: a UTF-8 byte-order mark first (so Excel reads UTF-8, not a code page);
    in Vietnamese, the locale's own conventions: decimal comma, `;` between fields, có/không."""
    buffer = io.StringIO()
    vi = lang == "vi"
    writer = csv.writer(buffer, lineterminator="\n", delimiter=";" if vi else ",")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(c, vi) for c in row])
    return "\ufeff" + buffer.getvalue()


def _csv_cell(value: Any, vi: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool) and vi:
        return "có" if value else "không"
    if isinstance(value, Decimal):
        return num(value).replace(".", ",") if vi else num(value)
    return value
