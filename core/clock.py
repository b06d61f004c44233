"""Business time: every deadline and every bare date is local time in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# The years a date may name: from the founding of the Democratic Republic (1945), whose emulation
# movement this work continues, to 2100. Outside it a date is a typo (0001, 9999), and far dates
# would also meet the time-zone database's local mean time (+07:06:30) or overflow.
EARLIEST_YEAR, LATEST_YEAR = 1945, 2100
MAX_OFFSET = timedelta(hours=14)  # the widest UTC offset in use anywhere


def check_year(year: int, text: str) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"date {text!r} is outside the years {EARLIEST_YEAR}–{LATEST_YEAR}")


def parse_moment(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time; no offset means local time, a bare date 00:00 local.

    Raises ValueError with a reason a person can act on.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("expected an ISO 8601 date or date-time, e.g. 2020-12-19T16:00")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"malformed date {text!r}: expected ISO 8601, e.g. 2020-12-19 or 2020-12-19T16:00+07:00"
        ) from None
    check_year(moment.year, text)
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValueError(f"date {text!r} has a UTC offset beyond ±14:00")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL)
    check_year(moment.astimezone(LOCAL).year, text)
    return moment


def parse_day(text: str) -> date:
    """Parse a calendar date (YYYY-MM-DD)."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"malformed date {text!r}: expected YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"malformed date {text!r}: {exc}") from None
    check_year(day.year, text)
    return day


def local_iso(moment: datetime) -> str:
    """The canonical text of a moment: local time with its +07:00 offset, seconds precision or finer."""
    return moment.astimezone(LOCAL).isoformat()


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL)


def end_of_day(day: date) -> datetime:
    """The last instant of a local day (used when an auditor asks "as of 20/12")."""
    return local_midnight(day + timedelta(days=1)) - timedelta(microseconds=1)


def now() -> datetime:
    return datetime.now(UTC)


def fmt_local(moment: datetime) -> str:
    """Short local form for tables: 2020-12-19 16:00."""
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def iso_from_dmy(text: str) -> str | None:
    """`20/12/2020` → `2020-12-20`, `20/12/2020 16:00` → `2020-12-20T16:00` (how Vietnamese offices
    write dates); None if the text is not in that form."""
    match = DMY.fullmatch(text.strip())
    if match is None:
        return None
    d, m, y, hh, mi, ss = match.groups()
    iso = f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
    if hh is not None:
        iso += f"T{int(hh):02d}:{mi}" + (f":{ss}" if ss else "")
    return iso
