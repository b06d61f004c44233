"""An import holds a bounded number of facts (issues 16 and 20): the province-periods it
validates against are dropped past a budget and folded again, from the log and the import's own
spool, when a later line needs them — with the same outcome as holding them all."""

from __future__ import annotations

from typing import Any

import pytest

from thidua.intake import importer
from thidua.intake.periods import Periods

from conftest import Thidua, jsonl, laichau_year, on_both


def year(period: str) -> list[dict[str, Any]]:
    return [{**event, "period": period} for event in laichau_year()]


def interleaved(*years: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Line by line from each period in turn: the worst order for a budget of facts."""
    out = []
    for lines in zip(*years, strict=True):
        out.extend(lines)
    return out


class Watched(Periods):
    """Periods that remember how often they folded and the most facts they held at once."""

    folds = 0
    most = 0

    def facts(self, key):
        found = super().facts(key)
        Watched.folds = max(Watched.folds, self.folded)
        Watched.most = max(Watched.most, sum(len(f.by_position) for f in self._open.values()))
        return found


@pytest.fixture
def tight(monkeypatch: pytest.MonkeyPatch):
    """A budget of five facts: every switch of period drops the other one."""
    Watched.folds = Watched.most = 0
    monkeypatch.setattr(importer, "FACTS_HELD", 5)
    monkeypatch.setattr(importer, "LAZY_FROM", 10**12)  # every period folded whole: what the budget bounds
    monkeypatch.setattr(importer, "Periods", Watched)


def outcomes(thidua: Thidua, events: list[dict[str, Any]]) -> tuple[int, str, str]:
    result = thidua("import", "-", input=jsonl(events))
    return result.code, result.out, result.err


@on_both
def test_a_tight_budget_folds_periods_again_and_accepts_what_holding_all_accepts(thidua: Thidua, tight, tmp_path):
    thidua.load(year("2020")[:10])  # part of 2020 stored: a refold reads the log, then the spool
    rest = interleaved(year("2020")[10:30], year("2021")[:20])
    code, out, err = outcomes(thidua, rest)
    assert (code, out, err) == (0, f"appended {len(rest)}, skipped 0 (already stored)\n", "")
    assert Watched.folds > 10  # the two periods took turns being dropped and folded again
    # (a period grows while it is held: the budget is checked between chunks, one period is always kept)
    assert Watched.most <= 30
    roomy = Thidua(tmp_path / "roomy.sqlite")
    roomy.load(year("2020")[:10])
    roomy.load(rest)
    for period in ("2020", "2021"):
        assert thidua.standings(period=period)["blocks"] == roomy.standings(period=period)["blocks"]


@on_both
def test_a_tight_budget_finds_every_problem_holding_all_finds(thidua: Thidua, tight, tmp_path):
    a, b = year("2020"), year("2021")
    # Line 2k+1 is 2020's, 2k+2 is 2021's: an over-cap score in 2020 (rule of the sheet) needs
    # 2020's register and sheet, folded again after a 2021 line pushed them out.
    a[-1] = {**a[-1], "type": "score.self", "criterion": "C1", "points": 80}
    a[-1].pop("scorer", None)
    b[-1] = {**b[-1], "unit": "NOBODY"}
    thidua.load(year("2022")[:3])  # another period, already stored
    code, out, err = outcomes(thidua, interleaved(a, b))
    assert code == 1 and out == ""
    roomy = Thidua(tmp_path / "roomy.sqlite")
    roomy.load(year("2022")[:3])
    assert outcomes(roomy, interleaved(a, b))[2] == err
    lines = err.splitlines()
    assert any(line.startswith(f"LINE {2 * len(a) - 1}: points:") for line in lines), err
    assert any(line.startswith(f"LINE {2 * len(a)}: unit: unknown unit 'NOBODY'") for line in lines), err
    assert thidua.sql("SELECT count(*) FROM stored_events")[0][0] == 3  # nothing written
