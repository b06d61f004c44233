"""The benchmark: synthetic province-years through the public event format, timed step by step,
on SQLite and on PostgreSQL side by side.

    python bench/benchmark.py                 # 10k and 100k events, 10 rounds of many writers
    python bench/benchmark.py 10000 100000 1000000
    THIDUA_TEST_POSTGRES=postgresql://… python bench/benchmark.py   # your server, not a throwaway one

Each step runs the installed `thidua` as a separate process (process start included) and reads
its peak memory from the kernel (wait4). The baseline "raw read" is reading the same stored rows
and decoding them with orjson, nothing else. PostgreSQL is a throwaway server started here
(`tests/pgserver.py`), unless THIDUA_TEST_POSTGRES names one. Prints Markdown tables. Never run by
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
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import generate
import pgserver

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


def raw_read(db: str) -> float:
    start = time.perf_counter()
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as connection:
            for (state,) in connection.execute("SELECT state FROM thidua_events ORDER BY originator_version"):
                orjson.loads(state)
    else:
        with sqlite3.connect(db) as connection:
            for (state,) in connection.execute("SELECT state FROM stored_events ORDER BY originator_version"):
                orjson.loads(state)
    return time.perf_counter() - start


def bench(total: int, db: str, files: list[str]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    db_arg = ["--db", db]
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


def one_file(db: str, whole: str, total: int) -> tuple[str, str, str]:
    """The whole log as one file, in one command, into an empty store."""
    wall, rss, _ = run_step(THIDUA + ["--db", db, "import", whole])
    return (
        f"import the whole log as one file of {total:,} events (empty store)",
        f"{wall:.2f} s ({total / wall:,.0f} events/s)",
        f"{rss:.0f}",
    )


def many_writers(db: str, folder: Path, rounds: int) -> str:
    """8 importers and 4 queriers at once, `rounds` times; then the checks of issue 15."""
    from thidua.decisions.decider import Decider
    from thidua.intake.importer import import_events
    from thidua.log.store import Store
    from thidua.log.verify import Verified, verify_chain
    from thidua.readmodels.query import ModelDecider, open_decider
    from thidua.registry import load_plugins
    from thidua.replay.fold import replay

    plugins = load_plugins()
    rules = plugins.ruleset("laichau", "2020")
    units = [f"W{i}" for i in range(16)]

    def ev(kind: str, at: str, **keys) -> dict:
        return {"type": kind, "province": "laichau", "period": "2020", "at": at, **keys}

    world = [ev("unit.registered", "2020-01-02", unit=u, name=f"Công đoàn {u}") for u in units]
    world += [
        ev(
            "block.formed",
            "2020-01-05",
            block=f"K{b}",
            name=f"Khối {b}",
            members=units[b * 4 : b * 4 + 4],
            head=units[b * 4],
            deputy=units[b * 4 + 1],
        )
        for b in range(4)
    ]
    world.append(
        ev("sheet.defined", "2020-01-06", block="*", criteria=[{"id": "C1", "max": 50}, {"id": "C2", "max": 50}])
    )
    store = Store(db)
    assert not import_events(store, b"".join(orjson.dumps(e) + b"\n" for e in world), plugins).problems
    query = THIDUA + ["--db", db, "standings", "--province", "laichau", "--period", "2020", "--format", "json"]
    failed, ids, started, slowest = 0, [], time.perf_counter(), 0.0
    for r in range(rounds):
        commands = []
        for w in range(8):
            lines = [
                ev(
                    "score.self",
                    "2020-12-01",
                    unit=units[(w + i) % 16],
                    criterion=f"C{1 + i % 2}",
                    points=i,
                    id=f"r{r}w{w}i{i}",
                )
                for i in range(50)
            ]
            ids += [line["id"] for line in lines]
            path = folder / f"mw-{r}-{w}.jsonl"
            path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
            commands.append(THIDUA + ["--db", db, "import", str(path)])
        begun = time.perf_counter()
        running = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands + [query] * 4]
        failed += sum(p.wait(timeout=300) != 0 for p in running)
        slowest = max(slowest, time.perf_counter() - begun)
    stored = list(store.read())
    gap_free = [s.position for s in stored] == list(range(1, len(stored) + 1))
    intact = isinstance(verify_chain(store), Verified)
    once = sorted(s.record["id"] for s in stored if s.record.get("id")) == sorted(ids)
    kept = open_decider(store, plugins, "laichau", "2020", rules)
    assert isinstance(kept, ModelDecider)
    equal = kept.documents() == Decider(plugins, "laichau", rules, replay(store, "laichau", "2020")).documents()
    store.close()
    verdict = "all hold" if not failed and gap_free and intact and once and equal else "FAILED"
    return (
        f"{verdict}: {rounds * 12 - failed}/{rounds * 12} exit 0, positions 1..{len(stored)} "
        f"{'gap-free' if gap_free else 'WITH GAPS'}, chain {'intact' if intact else 'BROKEN'}, "
        f"ids {'once each' if once else 'NOT once each'}, read models {'=' if equal else '≠'} replay; "
        f"{time.perf_counter() - started:.1f} s, slowest round {slowest:.1f} s"
    )


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    folder = Path(tempfile.mkdtemp(prefix="thidua-bench-"))
    os.chmod(folder, 0o755)
    server = pgserver.Server().start()
    try:
        import psycopg

        with psycopg.connect(server.url) as connection:
            version = connection.info.server_version
        machine = (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, PostgreSQL {version // 10000}.{version % 10000} "
            f"(local, {'yours' if server.own else 'throwaway cluster, fsync off'})"
        )
        print(f"Machine: {machine}\n")
        for total in sizes:
            units = generate.units_for(min(total, generate.PER_PROVINCE_YEAR))
            print(
                f"### {total:,} events ({-(-total // generate.PER_PROVINCE_YEAR)} province-year(s) of ≤ "
                f"{generate.PER_PROVINCE_YEAR:,}; queries on Lai Châu 2020: {units:,} units in {units // generate.BLOCK} blocks)\n"
            )
            files = generate.write_years(str(folder), total)
            whole = str(folder / f"whole-{total}.jsonl")
            generate.write(whole, total)
            engines = {
                "SQLite": lambda n, total=total: str(folder / f"bench-{total}-{n}.sqlite"),
                "PostgreSQL": lambda n: server.database(),
            }
            columns = {}
            for name, fresh in engines.items():
                columns[name] = bench(total, fresh(1), files)
                if total <= 200_000:
                    columns[name].insert(1, one_file(fresh(2), whole, total))
            print("| step | SQLite: wall (process start included) | RSS MB | PostgreSQL: wall | RSS MB |")
            print("|---|---|---|---|---|")
            for (step, wall, rss), (_, pg_wall, pg_rss) in zip(columns["SQLite"], columns["PostgreSQL"], strict=True):
                print(f"| {step} | {wall} | {rss} | {pg_wall} | {pg_rss} |")
            print(flush=True)
        rounds = int(os.environ.get("BENCH_ROUNDS", "10"))
        print(f"### 8 importers (50 events each) + 4 queriers at once, {rounds} rounds\n")
        print("| engine | outcome |\n|---|---|")
        print(f"| SQLite | {many_writers(str(folder / 'many.sqlite'), folder, rounds)} |", flush=True)
        print(f"| PostgreSQL | {many_writers(server.database(), folder, rounds)} |", flush=True)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
