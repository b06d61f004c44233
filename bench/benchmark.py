"""The benchmark: synthetic province-years through the public event format, timed step by step.

    python bench/benchmark.py                 # 10k and 100k events
    python bench/benchmark.py 10000 100000 1000000

Each step runs the installed `thidua` as a separate process (process start included) and reads
its peak memory from the kernel (wait4). The baseline "raw read" is reading the same stored rows
from SQLite and decoding them with orjson, nothing else. Prints a Markdown table. Never run by
the test suite: timings are measured here, not asserted.
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

THIDUA = [sys.executable, "-m", "thidua.cli.main"]


def run_step(args: list[str], stdin: bytes | None = None) -> tuple[float, float, bytes]:
    """Wall seconds, peak RSS in MB and stdout of one process (a tiny reaper reads its rusage)."""
    reaper = [
        sys.executable,
        "-c",
        "import os,subprocess,sys,resource;p=subprocess.Popen(sys.argv[1:]);p.wait();"
        "sys.stderr.write('\\nRSS %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);sys.exit(p.returncode)",
    ]
    start = time.perf_counter()
    result = subprocess.run(reaper + args, input=stdin, capture_output=True)
    wall = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(f"{' '.join(args[3:])} failed: {result.stderr.decode()[-800:]}")
    rss_kb = int(result.stderr.decode().rsplit("RSS ", 1)[1])
    return wall, rss_kb / 1024, result.stdout


def raw_read(db: Path) -> float:
    start = time.perf_counter()
    with sqlite3.connect(db) as connection:
        for (state,) in connection.execute("SELECT state FROM stored_events ORDER BY rowid"):
            orjson.loads(state)
    return time.perf_counter() - start


def bench(total: int, folder: Path) -> list[tuple[str, str, str]]:
    files = generate.write_years(str(folder), total)
    db = folder / f"bench-{total}.sqlite"
    rows: list[tuple[str, str, str]] = []
    db_arg = ["--db", str(db)]
    wall = rss = 0.0
    for path in files:  # one province-year per import: 50k lines validated and appended in one transaction
        seconds, peak, _ = run_step(THIDUA + db_arg + ["import", path])
        wall, rss = wall + seconds, max(rss, peak)
    rows.append(
        (
            f"import ({len(files)} file(s) of ≤ {generate.PER_PROVINCE_YEAR:,} events)",
            f"{wall:.2f} s ({total / wall:,.0f} events/s)",
            f"{rss:.0f}",
        )
    )
    raw = raw_read(db)
    rows.append(("raw read: every stored row + orjson decode (baseline, in-process)", f"{raw:.2f} s", "–"))
    query = ["standings", "--province", "laichau", "--period", "2020", "--format", "json"]
    wall, rss, _ = run_step(THIDUA + db_arg + query)
    rows.append(
        (
            "standings, cold (nothing decided yet: replay of the province-year through the index)",
            f"{wall:.2f} s ({wall / raw:.1f}× raw read)",
            f"{rss:.0f}",
        )
    )
    wall, rss, _ = run_step(THIDUA + db_arg + query)
    rows.append(("standings again (kept decisions)", f"{wall:.2f} s", f"{rss:.0f}"))
    one = (
        orjson.dumps(
            {
                "type": "score.self",
                "province": "laichau",
                "period": "2020",
                "at": "2020-12-04",
                "unit": "U2020_00003",
                "criterion": "C2",
                "points": 20,
            }
        )
        + b"\n"
    )
    wall, rss, _ = run_step(THIDUA + db_arg + ["import", "-"], stdin=one)
    rows.append(("append one event (import of one line)", f"{wall:.2f} s", f"{rss:.0f}"))
    wall, rss, _ = run_step(THIDUA + db_arg + query)
    rows.append(("standings after one appended event (one block decided again)", f"{wall:.2f} s", f"{rss:.0f}"))
    wall, rss, _ = run_step(
        THIDUA
        + db_arg
        + ["explain", "--province", "laichau", "--period", "2020", "--unit", "U2020_00003", "--format", "json"]
    )
    rows.append(("explain one unit", f"{wall:.2f} s", f"{rss:.0f}"))
    wall, rss, _ = run_step(THIDUA + db_arg + query[:-2] + ["--as-of", f"@{total // 2}", "--format", "json"])
    rows.append((f"standings --as-of @{total // 2} (middle of the log)", f"{wall:.2f} s", f"{rss:.0f}"))
    wall, rss, out = run_step(THIDUA + db_arg + ["rebuild"])
    rows.append(
        (
            "rebuild: index the whole log and decide every province-year from scratch",
            f"{wall:.2f} s ({wall / raw:.1f}× raw read; {out.decode().split(';')[1].split(' in ')[0].strip()})",
            f"{rss:.0f}",
        )
    )
    wall, rss, _ = run_step(THIDUA + ["--help"])
    rows.append(("thidua --help", f"{wall:.2f} s", f"{rss:.0f}"))
    return rows


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    folder = Path(tempfile.mkdtemp(prefix="thidua-bench-"))
    try:
        machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
        print(f"Machine: {machine}\n")
        for total in sizes:
            units = generate.units_for(min(total, generate.PER_PROVINCE_YEAR))
            print(
                f"### {total:,} events ({-(-total // generate.PER_PROVINCE_YEAR)} province-year(s) of ≤ "
                f"{generate.PER_PROVINCE_YEAR:,}; queries on Lai Châu 2020: {units:,} units in {units // generate.BLOCK} blocks)\n"
            )
            print("| step | wall (process start included) | peak RSS MB |\n|---|---|---|")
            for step, wall, rss in bench(total, folder):
                print(f"| {step} | {wall} | {rss} |")
            print(flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
