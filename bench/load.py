"""Load on the service (issue 18): writers and readers against `thidua serve` over loopback.

    python bench/load.py                              # 60 s, 8 writers, 32 readers, SQLite demo store
    python bench/load.py --seconds 20 --workers 2
    python bench/load.py --db postgresql://user:pw@localhost/thidua_bench   # an emptied PostgreSQL store

Starts `thidua serve` (its own processes, `--workers N`) on a free 127.0.0.1 port over a store
holding every province's demo, then for `--seconds` runs, from this process, `--writers` clients
each appending one Lai Châu 2020 score at a time (`POST /v1/events`, a unique id per event) and
`--readers` clients each reading in turn: Lào Cai 2021 standings (kept: no writer touches that
period), Lai Châu 2020 standings (re-decided after the writers' appends) and an explanation.
Then it checks that every acknowledged event is in the log exactly once and that the chain
verifies, and prints a Markdown table: requests/s, p50/p99 per kind, errors, lost events.
Bounded in time and count; never run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from serving import demo_store, free_port  # noqa: E402

UNITS = ["LDLD_TAM_DUONG", "LDLD_TP_LAI_CHAU", "LDLD_PHONG_THO", "LDLD_SIN_HO", "LDLD_THAN_UYEN"]
READS = [
    ("standings kept (laocai 2021)", "/v1/standings", {"province": "laocai", "period": "2021"}),
    ("standings after writes (laichau 2020)", "/v1/standings", {"province": "laichau", "period": "2020"}),
    ("explain (laichau 2020)", "/v1/explain", {"province": "laichau", "period": "2020", "unit": "LDLD_SIN_HO"}),
]


def start(db: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "thidua.cli.main", "--db", db, "serve", "--port", str(port), "--workers", str(workers)],
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/head", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("thidua serve did not start")


async def writer(client: httpx.AsyncClient, n: int, until: float, stats: dict, acked: list[str]) -> None:
    count = 0
    while time.monotonic() < until:
        count += 1
        event_id = f"load-{n}-{count}-{random.getrandbits(32):08x}"
        line = {
            "type": "score.self",
            "province": "laichau",
            "period": "2020",
            "at": "2020-12-01",
            "id": event_id,
            "unit": random.choice(UNITS),
            "criterion": "C1",
            "points": random.randint(15, 25),
        }
        began = time.perf_counter()
        try:
            answer = await client.post("/v1/events", content=orjson.dumps(line) + b"\n")
            ok = answer.status_code == 200
        except httpx.HTTPError:
            ok = False
        stats["write"].append(time.perf_counter() - began)
        if ok:
            acked.append(event_id)
        else:
            stats["errors"].append(("write", answer.status_code if "answer" in locals() else "connection"))


async def reader(client: httpx.AsyncClient, n: int, until: float, stats: dict) -> None:
    turn = n
    while time.monotonic() < until:
        kind, path, params = READS[turn % len(READS)]
        turn += 1
        began = time.perf_counter()
        try:
            answer = await client.get(path, params=params)
            status = answer.status_code
        except httpx.HTTPError:
            status = 0
        stats[kind].append(time.perf_counter() - began)
        if status != 200:
            stats["errors"].append((kind, status))


def pct(values: list[float], q: float) -> str:
    if not values:
        return "–"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f} ms"


async def drive(url: str, seconds: float, writers: int, readers: int) -> tuple[dict, list[str], float]:
    stats: dict = defaultdict(list)
    acked: list[str] = []
    limits = httpx.Limits(max_connections=writers + readers + 4)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        await client.get("/v1/standings", params={"province": "laocai", "period": "2021"})  # decided once, then kept
        began = time.monotonic()
        until = began + seconds
        await asyncio.gather(
            *(writer(client, n, until, stats, acked) for n in range(writers)),
            *(reader(client, n, until, stats) for n in range(readers)),
        )
        elapsed = time.monotonic() - began
    return stats, acked, elapsed


def check(url: str, acked: list[str]) -> tuple[int, int, str]:
    """Lost (acknowledged, not in the log) and doubled events, and the chain's verdict."""
    ids: dict[str, int] = defaultdict(int)
    after = 0
    with httpx.Client(base_url=url, timeout=300) as client:
        while True:
            lines = client.get("/v1/log", params={"after": after, "limit": 10000}).text.splitlines()
            for line in lines:
                event = orjson.loads(line)
                after = event["position"]
                if "id" in event:
                    ids[event["id"]] += 1
            if len(lines) < 10000:
                break
        verdict = client.get("/v1/verify")
    lost = sum(1 for i in acked if ids.get(i, 0) == 0)
    doubled = sum(1 for i in acked if ids.get(i, 0) > 1)
    body = verdict.json()
    return lost, doubled, f"intact ({body['events']} events)" if verdict.status_code == 200 else body["error"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="service processes (thidua serve --workers)")
    parser.add_argument("--db", help="a postgresql:// URL of an empty database; default: a new SQLite file")
    args = parser.parse_args()
    if not 0 < args.seconds <= 600 or not 0 <= args.writers <= 64 or not 0 <= args.readers <= 256:
        raise SystemExit("bounded: --seconds 1..600, --writers ≤ 64, --readers ≤ 256")
    with tempfile.TemporaryDirectory() as folder:
        if args.db:
            db = args.db
            subprocess.run(
                [sys.executable, "-m", "thidua.cli.main", "--db", db, "demo"], check=True, capture_output=True
            )
        else:
            db = str(demo_store(Path(folder) / "load.sqlite"))
        process, url = start(db, args.workers)
        try:
            stats, acked, elapsed = asyncio.run(drive(url, args.seconds, args.writers, args.readers))
            lost, doubled, chain = check(url, acked)
        finally:
            process.terminate()
            process.wait(30)
    kinds = ["write", *(kind for kind, _, _ in READS)]
    total = sum(len(stats[k]) for k in kinds)
    store = "PostgreSQL" if db.startswith("postgres") else "SQLite"
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; {store}, "
        f"thidua serve --workers {args.workers}; {args.writers} writers + {args.readers} readers for {elapsed:.0f} s\n"
    )
    print("| requests | count | per second | p50 | p99 |\n|---|---|---|---|---|")
    for kind in kinds:
        values = stats[kind]
        print(f"| {kind} | {len(values)} | {len(values) / elapsed:.1f} | {pct(values, 0.5)} | {pct(values, 0.99)} |")
    print(
        f"| all | {total} | {total / elapsed:.1f} | | |\n\nerrors: {len(stats['errors'])}"
        + (f" ({sorted(set(map(str, stats['errors'])))[:5]})" if stats["errors"] else "")
        + f"; acknowledged writes: {len(acked)}; lost: {lost}; doubled: {doubled}; chain: {chain}"
    )
    if statistics.median(stats["write"] or [0]) and (lost or doubled or stats["errors"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
