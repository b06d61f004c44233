"""The facts an import validates against, province-period by province-period, in bounded memory.

Validating a line needs its province-period's facts as they would be right before it: the
stored events (read from the read models) and the lines of this import accepted so far (kept in
the `Spool`). Holding every touched period's facts would cost about a kilobyte per event, which
for a national file is gigabytes; so at most `FACTS_HELD` facts are held, and the periods used
longest ago are dropped and folded again if a later line needs them. A file is usually grouped
by province-period (each office exports its own), so in practice every period is folded once.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable

from thidua.intake.spool import Spool
from thidua.replay.facts import Fact, Facts, live_record

Key = tuple[str, str]

# About 1 KB each (a fact, its live record, its places in the indexes): ~150 MB of facts at most.
FACTS_HELD = 150_000


class Periods:
    def __init__(
        self,
        fold: Callable[[str, str], Facts],
        spool: Spool,
        first_position: int,
        held: int | None = FACTS_HELD,
    ):
        """`fold(province, period)`: that period's facts from the log, up to the validated head;
        `first_position`: where the spool's first line will be appended; `held=None`: never drop."""
        self._fold, self._spool, self._first, self._held = fold, spool, first_position, held
        self._open: OrderedDict[Key, Facts] = OrderedDict()
        self._lines: dict[Key, array] = {}  # spool indexes of each period's accepted lines
        self.folded = 0  # periods folded (again): more than the periods touched means some were dropped

    def facts(self, key: Key) -> Facts:
        if (found := self._open.get(key)) is not None:
            self._open.move_to_end(key)
            return found
        facts = self._fold(*key)
        for index in self._lines.get(key, ()):
            event_type, record = self._spool.at(index)
            facts.add(Fact(self._first + index, event_type, live_record(event_type, record)))
        self.folded += 1
        self._open[key] = facts
        self._drop_beyond_budget()
        return facts

    def accepted(self, key: Key, index: int) -> None:
        """Spool line `index` was accepted in `key` (its fact is already in that period's facts)."""
        self._lines.setdefault(key, array("Q")).append(index)

    def check_budget(self) -> None:
        """Called between lines: the facts grow as lines are accepted."""
        if self._held is not None and len(self._open) > 1:
            self._drop_beyond_budget()

    def _drop_beyond_budget(self) -> None:
        if self._held is None:
            return
        total = sum(len(f.by_position) for f in self._open.values())
        while total > self._held and len(self._open) > 1:
            _, dropped = self._open.popitem(last=False)
            total -= len(dropped.by_position)
