"""Replay: the facts of one province and period as known at a moment (`--as-of`).

`--as-of` is a moment of *knowledge*: only events recorded at or before it count. It is an
ISO date or date-time in local time (a bare date means the end of that day, so "as of
20/12" includes what was recorded on 20/12), or `@N` for log position N.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from thidua.clock import end_of_day, iso_from_dmy, local_iso, parse_day, parse_moment
from thidua.log.chain import GENESIS
from thidua.log.rows import Stored
from thidua.replay.facts import Fact, Facts

if TYPE_CHECKING:
    from thidua.log.store import Store


class AsOfError(ValueError):
    pass


@dataclass(frozen=True)
class AsOf:
    text: str | None = None
    position: int | None = None
    moment: datetime | None = None

    def includes(self, position: int, recorded_at: datetime) -> bool:
        if self.position is not None:
            return position <= self.position
        if self.moment is not None:
            return recorded_at <= self.moment
        return True

    def label(self) -> str | None:
        if self.position is not None:
            return f"@{self.position}"
        if self.moment is not None:
            return local_iso(self.moment)
        return None


def parse_as_of(text: str | None) -> AsOf:
    if text is None:
        return AsOf()
    if text.startswith("@"):
        if not re.fullmatch(r"@[1-9][0-9]{0,17}", text):
            raise AsOfError(f"--as-of {text!r}: a log position is written @N with N ≥ 1 (below 10^18), e.g. @120")
        return AsOf(text, position=int(text[1:]))
    text = iso_from_dmy(text) or text  # dd/mm/yyyy [HH:MM] as well as ISO
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return AsOf(text, moment=end_of_day(parse_day(text)))
        return AsOf(text, moment=parse_moment(text))
    except ValueError as exc:
        raise AsOfError(f"--as-of {text!r}: {exc}") from None


@dataclass
class Replay:
    facts: Facts
    position: int  # the last log position the replay reflects (all provinces)
    head_hash: str
    mode: str = "open"  # the store's: "open" (one operator) or "enforcing" (signed writes by actors)


def replay(store: Store, province: str, period: str, as_of: AsOf = AsOf()) -> Replay:
    return replay_events(store.read(stop=as_of.position), province, period, as_of)


def replay_events(events: Iterable[Stored], province: str, period: str, as_of: AsOf = AsOf()) -> Replay:
    """Fold stored events (in log order) into one province-period's facts as of a moment.

    The position and head hash are those of the last event of *any* province at or before
    the moment: the log prefix the decisions reflect."""
    facts = Facts(province, period)
    last_position, last_hash, mode = 0, GENESIS, "open"
    for stored in events:
        if stored.position == 1 and stored.type == "actor.appointed":
            mode = "enforcing"  # `thidua init` appointed the first administrator
        if not as_of.includes(stored.position, stored.recorded_at):
            continue
        last_position, last_hash = stored.position, stored.hash
        if stored.record["province"] == province and stored.record["period"] == period:
            facts.add(Fact.from_stored(stored))
    return Replay(facts, last_position, last_hash, mode)
