"""The options many commands share, written once (as `sqlite_utils/cli.py` does): the same name,
help and checks everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "csv")


def province(required: bool = True, help: str = "Plugin key, e.g. laichau.") -> Callable[[F], F]:
    return click.option("--province", required=required, help=help)


def period(required: bool = True, help: str = 'A year "2020" or a phase "2015-2019".') -> Callable[[F], F]:
    return click.option("--period", required=required, help=help)


def as_of(func: F) -> F:
    return click.option(
        "--as-of",
        "as_of",
        help="Moment of knowledge: ISO date/time or dd/mm/yyyy [HH:MM] (local time), or @N (log position N).",
    )(func)


def output_format(*choices: str, default: str = "table") -> Callable[[F], F]:
    """`--format`, stored as `fmt`; the choices default to table, json and csv."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices or FORMATS)), default=default, show_default=True
    )


def lang(
    default: str = "en", help: str = "Language of tables, CSV and xlsx (JSON keys never change)."
) -> Callable[[F], F]:
    """`--lang vi|en`: tables, CSV, xlsx, sheets and reports (CONTRACT.md §3)."""
    return click.option("--lang", type=click.Choice(["vi", "en"]), default=default, show_default=True, help=help)


def output_file(required: bool = False, help: str = "Write to this file (required for xlsx).") -> Callable[[F], F]:
    return click.option("--output", required=required, type=click.Path(dir_okay=False), help=help)


def fresh(func: F) -> F:
    return click.option(
        "--fresh",
        is_flag=True,
        help="Replay the whole log, every hash recomputed, without reading the kept decisions (an auditor's way).",
    )(func)


def wait(default: float | None = None, help: str = "") -> Callable[[F], F]:
    """`--wait SECONDS`: how long a writer waits for other writers before exit 4 (store busy)."""
    return click.option(
        "--wait",
        type=click.FloatRange(min=0),
        default=default,
        show_default=default is not None,
        help=help or "Seconds to wait for other writers before giving up with exit 4 (store busy).",
    )
