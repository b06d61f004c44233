"""Output formats for people: aligned tables and CSV (JSON is `thidua.documents.jsonout`). Decimals print exactly."""

from __future__ import annotations

import csv
import functools
import io
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
    def shown(data: Any, fmt: str) -> str:
        text = view(data, fmt)
        return text if fmt == "json" else "\n".join(printable(line) for line in text.split("\n"))

    return shown


def num(value: Decimal | None) -> str:
    return "" if value is None else canonical_decimal(value)


def width(text: str) -> int:
    """Display width: combining marks take no column (names stay NFC, this is a safety net)."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else printable(str(c)) for c in row] for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(cell))
            parts.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(parts).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if c is None else num(c) if isinstance(c, Decimal) else c for c in row])
    return buffer.getvalue()
