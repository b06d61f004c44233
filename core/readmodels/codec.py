"""Decisions as stored read models: exact JSON for `thidua.api` objects.

Decimals keep their exact text, tuples stay tuples and every object comes back as the class it
was, so a decision read back is equal to the one decided (`Line`, `UnitResult`, … are compared
by value in the property tests). Only the classes listed here can be built from stored data.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from thidua.decisions.results import BlockResult, Candidate, Eligibility, Level, Line, Standings, UnitResult

CLASSES = {cls.__name__: cls for cls in (Line, UnitResult, BlockResult, Standings, Level, Candidate, Eligibility)}


_LEAVES = frozenset({str, int, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass's field names, looked up once per class


def pack(value: Any) -> Any:
    """A decision in JSON's types. Called once per value of every decided part (hundreds of
    thousands for a province-year): plain values return first, and a class's fields are cached."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, tuple):
        return {"$t": [pack(v) for v in value]}
    if isinstance(value, list):
        return [pack(v) for v in value]
    if isinstance(value, dict):
        return {k: pack(v) for k, v in value.items()}
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {"$c": kind.__name__, **{name: pack(getattr(value, name)) for name in names}}
    return value


def unpack(value: Any) -> Any:
    if isinstance(value, list):
        return [unpack(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$d" in value:
        return Decimal(value["$d"])
    if "$t" in value:
        return tuple(unpack(v) for v in value["$t"])
    if "$c" in value:
        return CLASSES[value["$c"]](**{k: unpack(v) for k, v in value.items() if k != "$c"})
    return {k: unpack(v) for k, v in value.items()}
