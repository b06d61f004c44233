"""The benchmark cannot rot: its module imports and its smallest shape runs (one run of each
step, a few hundred events). Timings are never asserted here; `bench/benchmark.py` measures them."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).parent.parent / "bench"


def test_the_benchmark_runs_its_smallest_shape(tmp_path, capsys):
    sys.path.insert(0, str(BENCH))
    import benchmark

    path, count = benchmark.shape_file(tmp_path, 4, 10)
    assert count == benchmark.generate.size_of(4, 10, 2)
    m = benchmark.measure(path, count, tmp_path, "smoke", runs=1, short=1)
    rows = benchmark.import_rows("import", m, benchmark.IMPORT_YEAR_RATE) + benchmark.query_rows("smoke", m)
    text = benchmark.table(rows)
    assert set(m.floors) == {"parse", "chain", "insert", "insert+index"} and all(m.floors.values())
    assert min(m.cold, m.cold_floor, m.after, m.after_floor, m.append, m.append_floor) > 0
    assert text.count("\n") == len(rows) + 2 and "ev/s" in text and "×" in text
    assert benchmark.verdict(0.2, 0.15) == "missed by 33%" and benchmark.verdict(50_000, 40_000, True) == "met"
    assert benchmark.PLANS["quick"].runs >= 3 and benchmark.PLANS["full"].sizes[-1] == 1_000_000
