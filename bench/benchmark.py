"""The benchmark of issue 16: every figure beside the floor of the same rows, measured in the same
run, and beside the issue's target (met, or missed by how much).

    python bench/benchmark.py --quick          # small shapes, ~2 minutes: a developer's check
    python bench/benchmark.py                  # 10k and 100k events + the shapes at moderate size
    python bench/benchmark.py --full           # 10k/100k/1M, 200k period, 2,000-unit blocks,
                                               # 1,174 blocks, a 200 MB file, the curve (~30–40 min)
    python bench/benchmark.py 10000 1000000    # these log sizes (with the default shapes)
    python bench/benchmark.py --postgres       # the log sizes on PostgreSQL too (a throwaway server)

Each `thidua` step runs as a separate process (process start included) and its peak memory is
read from the kernel (wait4). Floors, each over the same rows as the step it is paired with:

- cold `standings` of one province-year: a process (started the same way) that reads that
  province-year's own stored rows through the index and decodes each with orjson, nothing else;
- `standings` after one append: a process that reads and decodes the rows of the one block
  the appended event is about (interpreter start included: the floor of any command);
- appending one event: a process that inserts the same one row into the same schema and commits;
- import: of the same file, in this process: orjson parse of every line; the SHA-256 chain over
  the same records (`thidua.log.chain`); a plain `executemany` of the same stored rows and index
  rows into the same schema in one transaction.

Medians of `--runs` runs (default 3; short steps at least 5). Prints Markdown tables. Never run
by the test suite (timings are measured here, not asserted); `tests/test_bench.py` runs the
smallest shape once so that this file cannot rot.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import generate

THIDUA = [sys.executable, "-m", "thidua.cli.main"]
PROVINCE, YEAR = "laichau", "2020"

# The targets of issue 16 (1,000,000 events, SQLite, this machine).
IMPORT_YEAR_RATE = 40_000  # events/s, a 50k-event province-year
IMPORT_FILE_RATE = 35_000  # events/s, a 1M-event file in one command
IMPORT_RSS_MB = 400  # any import, the 200 MB file included
COLD_FLOOR_RATIO = 3.0  # cold standings within 3× reading + decoding its own rows
AFTER_APPEND_S = 0.15  # standings after one appended event, process start included
AFTER_APPEND_BIG_BLOCK_S = 0.3  # the same with a 2,000-unit block
APPEND_ONE_S = 0.3  # appending one event to a 200k-event period


def verdict(value: float, target: float, higher_is_better: bool = False) -> str:
    """ "met" or "missed by X%" (how far the figure is from the target, relative to the target)."""
    met = value >= target if higher_is_better else value <= target
    if met:
        return "met"
    return f"missed by {abs(value - target) / target * 100:.0f}%"


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


def median(runs: int, step: Callable[[], float]) -> float:
    return statistics.median(step() for _ in range(runs))


# -- floors ---------------------------------------------------------------------------------
# Read and decode rows, nothing else: the floor of a query, run as a process like the query.
FLOOR_READ = """
import sys, orjson
db, sql, params = sys.argv[1], sys.argv[2], orjson.loads(sys.argv[3])
if db.startswith("postgresql://"):
    import psycopg
    connection = psycopg.connect(db)
    sql = sql.replace("originator_id = ?", "originator_id = ?::uuid").replace("?", "%s")
    sql = sql.replace("stored_events", "thidua_events")
else:
    import sqlite3
    connection = sqlite3.connect(db)
n = 0
for (state,) in connection.execute(sql, params):
    orjson.loads(state)
    n += 1
print(n)
"""
OWN_ROWS = (
    "SELECT s.state FROM thidua_index i JOIN stored_events s ON s.originator_id = ? AND "
    "s.originator_version = i.position WHERE i.province = ? AND i.period = ?"
)


def ledger(db: str) -> str:
    from thidua.log.engines import LEDGER_ID

    return str(LEDGER_ID) if db.startswith("postgresql://") else LEDGER_ID.hex


def floor_read(db: str, sql: str, params: list) -> tuple[float, int]:
    """Wall seconds of a process that reads and decodes these rows; how many rows."""
    wall, _, out = run_step([sys.executable, "-c", FLOOR_READ, db, sql, orjson.dumps(params).decode()])
    return wall, int(out)


def own_rows(db: str, province: str, period: str) -> tuple[str, list]:
    return OWN_ROWS, [ledger(db), province, period]


def block_rows(db: str, province: str, period: str, block: str, units: list[str]) -> tuple[str, list]:
    sql = OWN_ROWS + f" AND (i.b = ? OR i.u IN ({','.join('?' * len(units))}))"
    return sql, [ledger(db), province, period, block, *units]


FLOOR_INSERT_ONE = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("BEGIN IMMEDIATE")
connection.execute("INSERT INTO stored_events VALUES (?, ?, ?, ?)", ("bench", int(sys.argv[2]), "thidua:score.self", sys.argv[3].encode()))
connection.execute("COMMIT")
"""


def schema_copy(db: str, target: str) -> None:
    """An empty SQLite database with the same tables and indexes as `db`."""
    with sqlite3.connect(db) as source, sqlite3.connect(target) as copy:
        copy.execute("PRAGMA journal_mode=WAL")
        for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC"
        ):
            copy.execute(sql)


def import_floors(path: str, db: str) -> dict[str, float]:
    """Events/s of the floors of importing this file into `db` (where it was imported): orjson
    parse of every line; the SHA-256 chain over its records (`thidua.log.chain`); a plain
    executemany of the same stored rows (log; log + index) into the same schema, one transaction.
    Streamed in chunks, so that the floors of a big file fit in memory; only the work is timed."""
    from thidua.log import chain

    parse = hashing = 0.0
    count, previous = 0, chain.GENESIS
    with open(path, "rb") as handle:
        while lines := handle.readlines(1 << 24):
            start = time.perf_counter()
            records = [orjson.loads(line) for line in lines]
            middle = time.perf_counter()
            for record in records:
                count += 1
                previous = chain.link(previous, count, record["type"], "2020-01-01T00:00:00+00:00", record)
            parse, hashing = parse + middle - start, hashing + time.perf_counter() - middle
    target = db + ".floor"
    times = []
    with sqlite3.connect(db) as source:
        for tables in (("stored_events",), ("stored_events", "thidua_index")):
            for suffix in ("", "-wal", "-shm"):
                Path(target + suffix).unlink(missing_ok=True)
            schema_copy(db, target)
            connection = sqlite3.connect(target, isolation_level=None)
            spent = 0.0
            connection.execute("BEGIN")
            for table in tables:
                cursor = source.execute(f"SELECT * FROM {table}")
                while rows := cursor.fetchmany(20_000):
                    start = time.perf_counter()
                    connection.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)
                    spent += time.perf_counter() - start
            start = time.perf_counter()
            connection.execute("COMMIT")
            times.append(spent + time.perf_counter() - start)
            connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)
    return {
        "parse": count / parse,
        "chain": count / hashing,
        "insert": count / times[0],
        "insert+index": count / times[1],
    }


# -- steps ------------------------------------------------------------------------------------
def fresh_db(folder: Path, name: str) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(folder / f"{name}{suffix}").unlink(missing_ok=True)
    return str(folder / name)


def forget(db: str, province: str, period: str) -> None:
    """Make the next query of a province-period cold: its kept parts and blocks dropped (read
    models are a cache: a part that is not there is decided again)."""
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db, autocommit=True) as connection:
            for table in ("thidua_decisions", "thidua_blocks"):
                connection.execute(f"DELETE FROM {table} WHERE province = %s AND period = %s", (province, period))
        return
    with sqlite3.connect(db) as connection:
        for table in ("thidua_decisions", "thidua_blocks"):
            connection.execute(f"DELETE FROM {table} WHERE province = ? AND period = ?", (province, period))


def standings(db: str, province: str = PROVINCE, period: str = YEAR) -> tuple[float, float]:
    wall, rss, _ = run_step(
        THIDUA + ["--db", db, "standings", "--province", province, "--period", period, "--format", "json"]
    )
    return wall, rss


def one_line(unit: str, n: int, period: str = YEAR) -> bytes:
    """A score about one unit (a new note each time: never the same event twice)."""
    event = {
        "type": "score.self",
        "province": PROVINCE,
        "period": period,
        "at": f"{period}-12-04",
        "unit": unit,
        "criterion": "C1",
        "points": 10 + n % 20,
        "note": f"benchmark append {n}",
    }
    return orjson.dumps(event) + b"\n"


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


@dataclass
class Row:
    step: str
    figure: str
    floor: str = "–"
    ratio: str = "–"
    target: str = "–"
    verdict: str = "–"


def table(rows: list[Row]) -> str:
    lines = [
        "| step | median | floor: the same rows, same run | × floor | target | verdict |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {r.step} | {r.figure} | {r.floor} | {r.ratio} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join(lines) + "\n"


@dataclass
class Measured:
    events: int
    import_s: float = 0.0
    import_rss: float = 0.0
    cold: float = 0.0
    cold_floor: float = 0.0
    kept: float = 0.0
    append: float = 0.0
    append_floor: float = 0.0
    after: float = 0.0
    after_floor: float = 0.0
    floors: dict[str, float] = field(default_factory=dict)
    db: str = ""


def measure(
    path: str,
    events: int,
    folder: Path,
    name: str,
    runs: int,
    short: int,
    block: int = generate.BLOCK,
    db_factory: Callable[[], str] | None = None,
    import_runs: int | None = None,
    import_floors_too: bool = True,
    queries: bool = True,
) -> Measured:
    """Import `path` (Lai Châu 2020 first) into a fresh store `import_runs` times, then time the
    queries of Lai Châu 2020 on the last store, each beside its floor."""
    m = Measured(events)
    walls = []
    for _ in range(import_runs or runs):
        m.db = db_factory() if db_factory else fresh_db(folder, f"{name}.sqlite")
        wall, rss, _ = run_step(THIDUA + ["--db", m.db, "import", path])
        walls.append(wall)
        m.import_rss = max(m.import_rss, rss)
    m.import_s = statistics.median(walls)
    sqlite = not m.db.startswith("postgresql://")
    if import_floors_too and sqlite:
        m.floors = import_floors(path, m.db)
    if not queries:
        return m

    def cold() -> float:
        forget(m.db, PROVINCE, YEAR)
        return standings(m.db)[0]

    m.cold = median(runs, cold)
    m.cold_floor = median(runs, lambda: floor_read(m.db, *own_rows(m.db, PROVINCE, YEAR))[0])
    m.kept = median(short, lambda: standings(m.db)[0])
    unit_block = generate.members(int(YEAR), 1, block)
    appended = iter(range(10**6))

    def append() -> float:
        return run_step(THIDUA + ["--db", m.db, "import", "-"], stdin=one_line(unit_block[2], next(appended)))[0]

    appends, afters = [], []
    for _ in range(short):
        appends.append(append())
        afters.append(standings(m.db)[0])
    m.append, m.after = statistics.median(appends), statistics.median(afters)
    rows = block_rows(m.db, PROVINCE, YEAR, "K0001", unit_block)
    m.after_floor = median(short, lambda: floor_read(m.db, *rows)[0])
    if sqlite:
        scratch = fresh_db(folder, "floor-one.sqlite")
        schema_copy(m.db, scratch)
        line = one_line(unit_block[2], 0).decode()
        positions = iter(range(1, 10**6))
        m.append_floor = median(
            short,
            lambda: run_step([sys.executable, "-c", FLOOR_INSERT_ONE, scratch, str(next(positions)), line])[0],
        )
    return m


def import_rows(label: str, m: Measured, target: int | None) -> list[Row]:
    rate = m.events / m.import_s
    floor, ratio = "–", "–"
    if m.floors:
        f = m.floors
        floor = (
            f"orjson parse {f['parse']:,.0f} ev/s; SHA-256 chain {f['chain']:,.0f} ev/s; executemany "
            f"{f['insert']:,.0f} ev/s (log), {f['insert+index']:,.0f} ev/s (log + index)"
        )
        ratio = f"{f['insert+index'] / rate:.1f}× slower than the plain insert"
    rows = [
        Row(
            f"{label} (one command)",
            f"{rate:,.0f} ev/s ({m.import_s:.2f} s)",
            floor,
            ratio,
            f"≥ {target:,} ev/s" if target else "–",
            verdict(rate, target, higher_is_better=True) if target else "–",
        )
    ]
    rows.append(
        Row(
            f"{label}: peak memory",
            f"{m.import_rss:.0f} MB",
            target=f"≤ {IMPORT_RSS_MB} MB",
            verdict=verdict(m.import_rss, IMPORT_RSS_MB),
        )
    )
    return rows


def query_rows(
    label: str, m: Measured, after_target: float = AFTER_APPEND_S, append_target: float | None = None
) -> list[Row]:
    return [
        Row(
            f"{label}: cold `standings` (nothing kept)",
            f"{m.cold:.2f} s",
            f"{m.cold_floor:.2f} s: a process reading + decoding the year's own rows",
            f"{m.cold / m.cold_floor:.1f}×",
            f"≤ {COLD_FLOOR_RATIO:g}× floor",
            verdict(m.cold / m.cold_floor, COLD_FLOOR_RATIO),
        ),
        Row(f"{label}: `standings` again (kept)", f"{m.kept:.2f} s"),
        Row(
            f"{label}: append one event (import of one line)",
            f"{m.append:.2f} s",
            f"{m.append_floor:.2f} s: a process inserting the same row into the same schema" if m.append_floor else "–",
            f"{m.append / m.append_floor:.1f}×" if m.append_floor else "–",
            f"≤ {append_target:g} s" if append_target else "–",
            verdict(m.append, append_target) if append_target else "–",
        ),
        Row(
            f"{label}: `standings` after one appended event (process start included)",
            f"{m.after:.2f} s",
            f"{m.after_floor:.2f} s: a process reading + decoding the block's own rows",
            f"{m.after / m.after_floor:.1f}×",
            f"≤ {after_target:g} s",
            verdict(m.after, after_target),
        ),
    ]


def rebuild_rows(db: str, runs: int) -> list[Row]:
    sequential, parallel = [], []
    for _ in range(runs):
        sequential.append(run_step(THIDUA + ["--db", db, "rebuild", "--jobs", "1"])[0])
        parallel.append(run_step(THIDUA + ["--db", db, "rebuild"])[0])
    s, p = statistics.median(sequential), statistics.median(parallel)
    return [
        Row("rebuild, sequential (`--jobs 1`)", f"{s:.2f} s"),
        Row(
            f"rebuild, parallel ({os.cpu_count()} CPUs)",
            f"{p:.2f} s",
            f"{s:.2f} s: the sequential rebuild",
            f"{p / s:.2f}× ({s / p:.2f}× faster)",
        ),
    ]


@dataclass
class Plan:
    sizes: list[int]
    runs: int
    short: int
    period: tuple[int, int, int]  # blocks, units per block, events (with corrections; 0: none)
    big_block: int  # units per block (4 blocks)
    many_blocks: int
    file_mb: int
    curve_blocks: list[int]
    curve_units: list[int]
    rounds: int


PLANS = {
    "smoke": Plan([2_000], 1, 1, (4, 10, 0), 20, 8, 1, [], [], 0),
    "quick": Plan([10_000], 3, 5, (20, 50, 0), 250, 120, 5, [30, 60, 120], [60, 125, 250], 0),
    "default": Plan([10_000, 100_000], 3, 5, (100, 50, 0), 1000, 500, 50, [125, 250, 500], [250, 500, 1000], 3),
    "full": Plan(
        [10_000, 100_000, 1_000_000], 3, 5, (400, 50, 200_000), 2000, 1174, 200, [250, 500, 1000], [500, 1000, 2000], 10
    ),
}


def shape_file(folder: Path, blocks: int, block: int, events: int = 0) -> tuple[str, int]:
    """A Lai Châu 2020 of `blocks` blocks of `block` unions scoring two criteria."""
    path = str(folder / f"shape-{blocks}x{block}-{events}.jsonl")
    count = generate.one_year(path, events, block=block, scores=2, units=blocks * block)
    return path, count


def sizes_section(plan: Plan, folder: Path, engines: dict[str, Callable[[], str]]) -> None:
    for total in plan.sizes:
        per_year = min(total, generate.PER_PROVINCE_YEAR)
        units = generate.units_for(per_year)
        years = -(-total // generate.PER_PROVINCE_YEAR)
        print(
            f"### {total:,} events ({years} province-year(s) of ≤ {generate.PER_PROVINCE_YEAR:,}; "
            f"queries on Lai Châu 2020: {units:,} units in {units // generate.BLOCK} blocks of {generate.BLOCK})\n"
        )
        first = generate.write_years(str(folder), total)[0]
        whole = str(folder / f"whole-{total}.jsonl")
        if years > 1:
            generate.write(whole, total)
        for engine, factory in engines.items():
            rows: list[Row] = []
            m = year = measure(
                first, per_year, folder, "year", plan.runs, plan.short, db_factory=factory, queries=years == 1
            )
            rows += import_rows(f"import a {per_year:,}-event province-year", year, IMPORT_YEAR_RATE)
            if years > 1:  # the whole log in one command: the store the queries run on
                runs = 1 if total >= 1_000_000 else plan.runs
                m = measure(whole, total, folder, "whole", plan.runs, plan.short, db_factory=factory, import_runs=runs)
                target = IMPORT_FILE_RATE if total >= 1_000_000 else None
                rows += import_rows(f"import the whole log, {total:,} events, as one file", m, target)
            rows += query_rows("Lai Châu 2020", m)
            if years > 1:
                rows += rebuild_rows(m.db, plan.runs)
            rows.append(Row("`thidua --help`", f"{median(plan.short, lambda: run_step(THIDUA + ['--help'])[0]):.2f} s"))
            print(f"**{engine}**\n\n{table(rows)}", flush=True)


def shapes_section(plan: Plan, folder: Path) -> None:
    blocks, block, events = plan.period
    path, count = shape_file(folder, blocks, block, events)
    rows: list[Row] = []
    label = f"one period of {count:,} events ({blocks} blocks of {block})"
    m = measure(path, count, folder, "period", plan.runs, plan.short, block=block)
    rows += import_rows(f"import {label}", m, IMPORT_YEAR_RATE)[:1]
    rows += query_rows(label, m, append_target=APPEND_ONE_S)
    path, count = shape_file(folder, 4, plan.big_block)
    label = f"4 blocks of {plan.big_block:,} units ({count:,} events)"
    m = measure(path, count, folder, "bigblock", plan.runs, plan.short, block=plan.big_block)
    rows += import_rows(f"import {label}", m, IMPORT_YEAR_RATE)[:1]
    rows += query_rows(label, m, after_target=AFTER_APPEND_BIG_BLOCK_S)
    path, count = shape_file(folder, plan.many_blocks, generate.BLOCK)
    label = f"{plan.many_blocks:,} blocks of {generate.BLOCK} in one period ({count:,} events)"
    m = measure(path, count, folder, "manyblocks", plan.runs, plan.short)
    rows += import_rows(f"import {label}", m, IMPORT_YEAR_RATE)[:1]
    rows += query_rows(label, m)
    big = str(folder / "big.jsonl")
    count = generate.of_bytes(big, plan.file_mb * 1_000_000)
    size = os.path.getsize(big) / 1_000_000
    m = measure(
        big, count, folder, "bigfile", plan.runs, plan.short, import_runs=1, import_floors_too=False, queries=False
    )
    rows += import_rows(f"import a {size:,.0f} MB file (1 run)", m, IMPORT_FILE_RATE)
    print(f"### Shapes (SQLite)\n\n{table(rows)}", flush=True)


def curve_section(plan: Plan, folder: Path) -> None:
    print("### Growth: time per block and per unit (linear growth = a flat per-item column)\n")
    print("| shape | events | import | per block/unit | cold standings | per block/unit | after one append |")
    print("|---|---|---|---|---|---|---|")
    points = [(b, generate.BLOCK, b) for b in plan.curve_blocks] + [(4, u, u) for u in plan.curve_units]
    for blocks, block, items in points:
        path, count = shape_file(folder, blocks, block)
        m = measure(path, count, folder, "curve", plan.runs, plan.runs, block=block, import_floors_too=False)
        kind = "block" if block == generate.BLOCK else "unit"
        print(
            f"| {blocks:,} blocks of {block:,} | {count:,} | {m.import_s:.2f} s | {m.import_s / items * 1000:.2f} ms/{kind} | "
            f"{m.cold:.2f} s | {m.cold / items * 1000:.2f} ms/{kind} | {m.after:.2f} s |",
            flush=True,
        )
    print()


def machine(server: object | None) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, load average {load:.1f} at the start"
    )
    if server is not None:
        import psycopg

        with psycopg.connect(server.url) as connection:  # type: ignore[attr-defined]
            version = connection.info.server_version
        own = "yours" if server.own else "throwaway cluster, fsync off"  # type: ignore[attr-defined]
        text += f", PostgreSQL {version // 10000}.{version % 10000} (local, {own})"
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, help="log sizes in events (default: the plan's)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", const="quick", dest="plan", help="small shapes, ~2 minutes")
    mode.add_argument("--full", action="store_const", const="full", dest="plan", help="the issue's shapes, ~30–40 min")
    mode.add_argument("--smoke", action="store_const", const="smoke", dest="plan", help="the smallest shape (tests)")
    parser.add_argument("--runs", type=int, help="runs per step (median; short steps at least 5)")
    parser.add_argument("--postgres", action="store_true", help="the log sizes on PostgreSQL too")
    parser.add_argument("--only", choices=["sizes", "shapes", "curve"], action="append", help="only these sections")
    args = parser.parse_args(argv)
    plan = PLANS[args.plan or "default"]
    if args.sizes:
        plan.sizes = args.sizes
    if args.runs:
        plan.runs, plan.short = args.runs, max(args.runs, 5)
    sections = args.only or ["sizes", "shapes", "curve"]
    folder = Path(tempfile.mkdtemp(prefix="thidua-bench-"))
    os.chmod(folder, 0o755)
    server = None
    try:
        engines: dict[str, Callable[[], str]] = {"SQLite": lambda: fresh_db(folder, "sizes.sqlite")}
        if args.postgres:
            import pgserver

            server = pgserver.Server().start()
            engines["PostgreSQL"] = server.database
        print(
            f"Machine: {machine(server)}; plan {args.plan or 'default'}, medians of {plan.runs} runs "
            f"({plan.short} for short steps)\n"
        )
        if "sizes" in sections:
            sizes_section(plan, folder, engines)
        if "shapes" in sections:
            shapes_section(plan, folder)
        if "curve" in sections and (plan.curve_blocks or plan.curve_units):
            curve_section(plan, folder)
        if plan.rounds and "sizes" in sections:
            print(f"### 8 importers (50 events each) + 4 queriers at once, {plan.rounds} rounds\n")
            print("| engine | outcome |\n|---|---|")
            print(f"| SQLite | {many_writers(str(folder / 'many.sqlite'), folder, plan.rounds)} |", flush=True)
            if server is not None:
                print(f"| PostgreSQL | {many_writers(server.database(), folder, plan.rounds)} |", flush=True)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
