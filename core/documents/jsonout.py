"""JSON as thidua prints it: orjson, decimals as exact JSON numbers, dataclasses as objects.

One definition for the command line (`--format json`, `log --format jsonl`), audit bundles (which
must hold the very bytes the command line prints) and the conformance kit."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import orjson

from thidua.fields import wire_number


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return wire_number(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def to_json(data: Any) -> str:
    return orjson.dumps(data, default=_default, option=orjson.OPT_INDENT_2).decode("utf-8")


def jsonl(data: Any) -> str:
    return orjson.dumps(data, default=_default).decode("utf-8")
