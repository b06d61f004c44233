"""Typed keys of the event format: each field validates and normalises what a sender wrote.

A field has three faces: `parse` (raw JSON from a sender, strict, raises `Invalid`),
`store`/`load` (the JSON-native form kept in the log and hashed) and `wire` (what
`thidua log --format jsonl` prints, which `parse` accepts again unchanged).
Decimals are stored as canonical strings ("8.5") so the hash never sees a binary float.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from thidua.clock import EARLIEST_YEAR, LATEST_YEAR, local_iso, parse_day, parse_moment

MAX_DECIMAL = Decimal(10) ** 15
MAX_COUNT = 2**63 - 1  # what SQLite and PostgreSQL store as an integer

# Characters that change what a terminal shows rather than being shown: controls (NUL, ESC…),
# format characters (zero-width, bidi embeddings and overrides), surrogates, private use and
# unassigned code points, line and paragraph separators. Refused in identifiers; in free text only
# tab and newline of them are allowed, and text is escaped when printed (`printable`).
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
TEXT_ALLOWED = frozenset("\t\n")


class Invalid(ValueError):
    """A value a sender wrote that the format refuses; the message says why."""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def unicode_problem(text: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """Why a text may not be stored as it is, or None: an unpaired surrogate is not Unicode text,
    and an invisible or control character could fake what a terminal or page shows."""
    if text.isprintable():  # no Other or Separator character at all (the usual case): nothing to find
        return None
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cs":
            return f"character {index + 1} is an unpaired surrogate (U+{ord(char):04X}): not valid Unicode"
        if category in INVISIBLE and char not in allowed:
            name = unicodedata.name(char, "a control character")
            return f"character {index + 1} is invisible or a control (U+{ord(char):04X} {name}): not allowed here"
    return None


def printable(text: str) -> str:
    """Text safe to print on a terminal: invisible and control characters shown as \\uXXXX."""
    if text.isprintable():
        return text
    return "".join(c if unicodedata.category(c) not in INVISIBLE else f"\\u{ord(c):04x}" for c in text)


def canonical_decimal(value: Decimal) -> str:
    """One text per number: 8.50 -> "8.5", 1E+1 -> "10", -0 -> "0"."""
    if value.is_zero():
        return "0"
    value = value.normalize()
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value, "f")


def describe(raw: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        Decimal: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }
    return names.get(type(raw), type(raw).__name__)


class Field:
    expected = "a value"

    def parse(self, raw: Any) -> Any:
        raise NotImplementedError

    def store(self, live: Any) -> Any:
        return live

    def load(self, stored: Any) -> Any:
        return stored

    def wire(self, live: Any) -> Any:
        return self.store(live)

    def wrong_type(self, raw: Any) -> Invalid:
        return Invalid(f"expected {self.expected}, got {describe(raw)}")


class Text(Field):
    expected = "a string"
    allowed = TEXT_ALLOWED

    def __init__(self, max_length: int = 2000):
        self.max_length = max_length

    def parse(self, raw: Any) -> str:
        if not isinstance(raw, str):
            raise self.wrong_type(raw)
        if len(raw) > 4 * self.max_length:  # before normalising a huge string
            raise Invalid(f"longer than {self.max_length} characters")
        if problem := unicode_problem(raw, self.allowed):
            raise Invalid(problem)
        text = nfc(raw)
        if not text.strip():
            raise Invalid("must not be empty")
        if len(text) > self.max_length:
            raise Invalid(f"longer than {self.max_length} characters")
        return text


class Ident(Text):
    """A key such as a unit code: NFC, no surrounding spaces."""

    expected = "an identifier (string)"
    allowed: frozenset[str] = frozenset()

    def __init__(self) -> None:
        super().__init__(max_length=200)

    def parse(self, raw: Any) -> str:
        text = super().parse(raw)
        if text != text.strip():
            raise Invalid(f"identifier {text!r} has leading or trailing spaces")
        return text


class Bool(Field):
    expected = "true or false"

    def parse(self, raw: Any) -> bool:
        if not isinstance(raw, bool):
            raise self.wrong_type(raw)
        return raw


class Count(Field):
    expected = "a whole number"

    def __init__(self, minimum: int = 0):
        self.minimum = minimum

    def parse(self, raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
            raise self.wrong_type(raw)
        if isinstance(raw, Decimal):
            if raw != raw.to_integral_value():
                raise Invalid(f"expected a whole number, got {raw}")
            raw = int(raw)
        if raw < self.minimum:
            raise Invalid(f"must be at least {self.minimum}, got {raw}")
        if raw > MAX_COUNT:
            raise Invalid(f"number {raw} is out of range (at most {MAX_COUNT})")
        return raw


class Number(Field):
    """An exact decimal number. `Points` forbids negatives."""

    expected = "a number"

    def __init__(self, negative: bool = False):
        self.negative = negative

    def parse(self, raw: Any) -> Decimal:
        if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
            raise self.wrong_type(raw)
        value = Decimal(raw)
        if not value.is_finite() or abs(value) >= MAX_DECIMAL:
            raise Invalid(f"number {raw} is out of range")
        if value.as_tuple().exponent < -6:  # type: ignore[operator]
            raise Invalid(f"number {raw} has more than 6 decimal places")
        if value < 0 and not self.negative:
            raise Invalid(f"negative points are not allowed, got {canonical_decimal(value)}")
        return value if not value.is_zero() else Decimal(0)  # -0 is 0: one text, one hash

    def store(self, live: Decimal) -> str:
        return canonical_decimal(live)

    def load(self, stored: str) -> Decimal:
        return Decimal(stored)

    def wire(self, live: Decimal) -> Any:
        return wire_number(live)


def wire_number(value: Decimal) -> int | float | str:
    """A decimal as a JSON number whose text is exactly the decimal (true for 0.5 steps)."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return canonical_decimal(value)  # never lose digits: fall back to text


class Points(Number):
    expected = "a number of points"


class Moment(Field):
    expected = "an ISO 8601 date or date-time"

    def parse(self, raw: Any) -> str:
        if not isinstance(raw, str):
            raise self.wrong_type(raw)
        try:
            return local_iso(parse_moment(raw))
        except ValueError as exc:
            raise Invalid(str(exc)) from None


class Day(Field):
    expected = "a date YYYY-MM-DD"

    def parse(self, raw: Any) -> str:
        if not isinstance(raw, str):
            raise self.wrong_type(raw)
        try:
            return parse_day(raw).isoformat()
        except ValueError as exc:
            raise Invalid(str(exc)) from None


class Choice(Field):
    def __init__(self, *values: str):
        self.values = values
        self.expected = "one of " + ", ".join(values)

    def parse(self, raw: Any) -> str:
        if not isinstance(raw, str):
            raise self.wrong_type(raw)
        if raw not in self.values:
            raise Invalid(f"{raw!r} is not {self.expected}")
        return raw


class ListOf(Field):
    def __init__(self, item: Field, nonempty: bool = True):
        self.item, self.nonempty = item, nonempty
        self.expected = f"a list of {item.expected}"

    def parse(self, raw: Any) -> list:
        if not isinstance(raw, list):
            raise self.wrong_type(raw)
        if self.nonempty and not raw:
            raise Invalid("must not be an empty list")
        items = []
        for index, value in enumerate(raw):
            try:
                items.append(self.item.parse(value))
            except Invalid as exc:
                raise Invalid(f"item {index + 1}: {exc}") from None
        return items

    def store(self, live: list) -> list:
        return [self.item.store(v) for v in live]

    def load(self, stored: list) -> list:
        return [self.item.load(v) for v in stored]

    def wire(self, live: list) -> list:
        return [self.item.wire(v) for v in live]


class MapOf(Field):
    def __init__(self, value: Field, key: Field | None = None, nonempty: bool = True):
        self.key, self.value, self.nonempty = key or Ident(), value, nonempty
        self.expected = f"an object of {value.expected}"

    def parse(self, raw: Any) -> dict:
        if not isinstance(raw, dict):
            raise self.wrong_type(raw)
        if self.nonempty and not raw:
            raise Invalid("must not be empty")
        out = {}
        for name, value in raw.items():
            try:
                out[self.key.parse(name)] = self.value.parse(value)
            except Invalid as exc:
                raise Invalid(f"{name!r}: {exc}") from None
        return out

    def store(self, live: dict) -> dict:
        return {k: self.value.store(v) for k, v in live.items()}

    def load(self, stored: dict) -> dict:
        return {k: self.value.load(v) for k, v in stored.items()}

    def wire(self, live: dict) -> dict:
        return {k: self.value.wire(v) for k, v in live.items()}


class Record(Field):
    """A nested object with named keys, e.g. one criterion of a sheet."""

    def __init__(self, required: dict[str, Field], optional: dict[str, Field] | None = None):
        self.required, self.optional = required, optional or {}
        self.fields = {**self.required, **self.optional}
        self.expected = "an object with " + ", ".join(self.required)

    def parse(self, raw: Any) -> dict:
        if not isinstance(raw, dict):
            raise self.wrong_type(raw)
        out = {}
        for name in self.required:
            if name not in raw:
                raise Invalid(f"missing key {name!r}")
        for name, value in raw.items():
            if name not in self.fields:
                raise Invalid(f"unknown key {name!r}")
            try:
                out[name] = self.fields[name].parse(value)
            except Invalid as exc:
                raise Invalid(f"{name}: {exc}") from None
        return out

    def store(self, live: dict) -> dict:
        return {k: self.fields[k].store(v) for k, v in live.items()}

    def load(self, stored: dict) -> dict:
        return {k: self.fields[k].load(v) for k, v in stored.items()}

    def wire(self, live: dict) -> dict:
        return {k: self.fields[k].wire(v) for k, v in live.items()}


class Authors(Field):
    """Initiative authors: a list of persons (equal shares) or {person: share}."""

    expected = "a list of persons or an object {person: share}"

    def __init__(self) -> None:
        self.as_list, self.as_map = ListOf(Ident()), MapOf(Number())

    def _face(self, value: Any) -> Field:
        return self.as_map if isinstance(value, dict) else self.as_list

    def parse(self, raw: Any) -> Any:
        if not isinstance(raw, (list, dict)):
            raise self.wrong_type(raw)
        value = self._face(raw).parse(raw)
        if isinstance(value, dict) and any(share <= 0 for share in value.values()):
            raise Invalid("every share must be above 0")
        return value

    def store(self, live: Any) -> Any:
        return self._face(live).store(live)

    def load(self, stored: Any) -> Any:
        return self._face(stored).load(stored)

    def wire(self, live: Any) -> Any:
        return self._face(live).wire(live)


class EventRef(Field):
    """The event a retraction points at: its `id` (string) or its log position (number)."""

    expected = "an event id (string) or a log position (number)"

    def parse(self, raw: Any) -> Any:
        if isinstance(raw, str):
            return Ident().parse(raw)
        return Count(minimum=1).parse(raw)


class Period(Field):
    """A year ("2021") or a phase of years ("2015-2019")."""

    expected = 'a year "2021" or a phase "2015-2019"'

    def parse(self, raw: Any) -> str:
        if not isinstance(raw, str):
            raise self.wrong_type(raw)
        parts = raw.split("-")
        if not all(p.isdigit() and len(p) == 4 and p.isascii() for p in parts) or len(parts) > 2:
            raise Invalid(f"{raw!r} is not {self.expected}")
        if len(parts) == 2 and int(parts[0]) >= int(parts[1]):
            raise Invalid(f"phase {raw!r} must run from an earlier year to a later one")
        if not all(EARLIEST_YEAR <= int(p) <= LATEST_YEAR for p in parts):
            raise Invalid(f"period {raw!r} is outside the years {EARLIEST_YEAR}–{LATEST_YEAR}")
        return raw


def period_years(period: str) -> tuple[int, int]:
    """First and last year of a period: "2021" -> (2021, 2021); "2015-2019" -> (2015, 2019)."""
    parts = [int(p) for p in period.split("-")]
    return parts[0], parts[-1]
