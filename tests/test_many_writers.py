"""Many writers, for real (issue 15), on both engines: concurrent importers and queriers leave one
gap-free chain whose read models equal a full replay; contention waits, then exits 4 "store busy"
with nothing written; many processes may open a new store at once; an unreachable server is one
line, soon, without the password; a 100,000-event file imports in one command on PostgreSQL.

Every test is bounded: a few rounds, a timeout on every process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from test_read_models import KEY, PLUGINS, UNITS, YEAR, ev, kept_and_full, world

from thidua.log.store import Store
from thidua.log.verify import Verified, verify_chain
from thidua.readmodels.index import ReadModels
from thidua.testing import jsonl

from conftest import ENGINES, Thidua

THIDUA = [sys.executable, "-m", "thidua.cli.main"]
WRITERS, QUERIERS, ROUNDS, LINES = 8, 4, 2, 10


def run(*processes: list[str], timeout: float = 120) -> list[tuple[int, str, str]]:
    """Start every command at once; (exit status, stdout, stderr) of each."""
    started = [subprocess.Popen(p, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for p in processes]
    out = []
    for process in started:
        stdout, stderr = process.communicate(timeout=timeout)
        out.append((process.returncode, stdout.decode(), stderr.decode()))
    return out


@pytest.mark.parametrize("fresh_store", ENGINES, indirect=True)
def test_eight_importers_and_four_queriers_leave_one_gap_free_chain_equal_to_a_replay(fresh_store, tmp_path):
    db = fresh_store()
    store = Store(db)
    from thidua.intake.importer import import_events

    assert not import_events(store, jsonl(world()), PLUGINS).problems
    ids: list[str] = []
    query = [*THIDUA, "--db", db, "standings", "--province", KEY, "--period", YEAR, "--format", "json"]
    for round_ in range(ROUNDS):
        commands = []
        for writer in range(WRITERS):
            lines = []
            for i in range(LINES):
                event_id = f"w{writer}-r{round_}-{i}"
                ids.append(event_id)
                unit, criterion = UNITS[(writer + i) % len(UNITS)], ("C1", "C2")[i % 2]
                lines.append(ev("score.self", "2020-12-01", unit=unit, criterion=criterion, points=i, id=event_id))
            path = tmp_path / f"r{round_}-w{writer}.jsonl"
            path.write_bytes(jsonl(lines))
            commands.append([*THIDUA, "--db", db, "import", str(path)])
        results = run(*commands, *[query] * QUERIERS)
        assert [code for code, _, _ in results] == [0] * (WRITERS + QUERIERS), [e for _, _, e in results if e]
        assert all(out.strip() == f"appended {LINES}, skipped 0 (already stored)" for _, out, _ in results[:WRITERS])
    stored = list(store.read())
    assert [s.position for s in stored] == list(range(1, len(world()) + WRITERS * LINES * ROUNDS + 1))
    assert isinstance(verify_chain(store), Verified)
    moments = [s.recorded_at for s in stored]
    assert moments == sorted(moments)  # recorded in log order: `--as-of` a moment is a prefix of the log
    found = [s.record["id"] for s in stored if s.record.get("id")]
    assert sorted(found) == sorted(ids)  # every id exactly once
    kept, full = kept_and_full(store)
    assert kept == full
    with ReadModels.of(store)._read() as c:
        c.execute("SELECT count(*), min(position), max(position) FROM thidua_index")
        assert tuple(c.fetchone()) == (len(stored), 1, len(stored))
    store.close()
    # Exported and imported again into a SQLite file: the same decisions (only the chain's head differs).
    source, copy = Thidua(db), Thidua(tmp_path / "copy.sqlite")
    exported = source("log", "--format", "jsonl")
    assert exported.code == 0 and copy("import", "-", input=exported.out).code == 0
    args = ("standings", "--province", KEY, "--period", YEAR, "--format", "json")
    assert {**source(*args).json(), "head_hash": None} == {**copy(*args).json(), "head_hash": None}


def hold_the_write_lock(thidua: Thidua):
    """Another writer, stuck inside its transaction: a connection holding the store's write lock."""
    if thidua.postgres:
        import psycopg

        connection = psycopg.connect(str(thidua.db))
        connection.execute("LOCK TABLE thidua_events IN EXCLUSIVE MODE")
        return connection
    import sqlite3

    connection = sqlite3.connect(thidua.db, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    return connection


@pytest.mark.parametrize("thidua", ENGINES, indirect=True)
def test_a_writer_kept_waiting_past_wait_exits_4_store_busy_with_nothing_written(thidua, tmp_path):
    thidua.load(world())
    path = tmp_path / "more.jsonl"
    path.write_bytes(jsonl([ev("emulation.registered", unit="U1")]))
    holder = hold_the_write_lock(thidua)
    try:
        started = time.monotonic()
        code, out, err = run([*THIDUA, "--db", str(thidua.db), "import", str(path), "--wait", "1"], timeout=60)[0]
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert code == 4, err
    assert err.strip().startswith("Error: the store stayed busy (other writers) for 1 s; nothing was written"), err
    assert len(err.strip().splitlines()) == 1 and waited < 15
    assert thidua("verify").out.startswith(f"ok: {len(world())} events")
    assert thidua("--wait", "5", "import", str(path)).code == 0  # the lock released: it goes in


@pytest.mark.parametrize("fresh_store", ENGINES, indirect=True)
def test_many_processes_create_a_new_store_at_once(fresh_store, tmp_path):
    """Eight imports of the same file (with ids) into a store that does not exist yet: the schema is
    made once, one import appends everything and the others find it stored."""
    db, path = fresh_store(), tmp_path / "world.jsonl"
    path.write_bytes(jsonl([{**event, "id": f"e{i}"} for i, event in enumerate(world())]))
    results = run(*[[*THIDUA, "--db", db, "import", str(path)] for _ in range(8)], timeout=120)
    assert [code for code, _, _ in results] == [0] * 8, [e for _, _, e in results if e]
    outputs = sorted(out.strip() for _, out, _ in results)
    assert outputs == [f"appended 0, skipped {len(world())} (already stored)"] * 7 + [
        f"appended {len(world())}, skipped 0 (already stored)"
    ]
    assert Thidua(db)("verify").out.startswith(f"ok: {len(world())} events")


def test_an_unreachable_postgresql_is_one_line_soon_and_never_the_password():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe closes
    started = time.monotonic()
    url = f"postgresql://someone:s3cr3t-pw@127.0.0.1:{port}/thidua"
    code, out, err = run([*THIDUA, "--db", url, "standings", "--province", KEY, "--period", YEAR], timeout=60)[0]
    assert code == 2 and time.monotonic() - started < 15
    assert len(err.strip().splitlines()) == 1 and "s3cr3t-pw" not in err, err
    assert "cannot open the store" in err and "***" in err


def test_a_100k_event_file_imports_in_one_command_on_postgresql(postgres, tmp_path):
    """No hang at any size (the library's pipelined insert hangs past ~35,000 rows)."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
    import generate

    path = tmp_path / "big.jsonl"
    total = generate.write(str(path), 100_000)
    db = postgres.fresh()
    started = time.monotonic()
    code, out, err = run([*THIDUA, "--db", db, "import", str(path)], timeout=300)[0]
    seconds = time.monotonic() - started
    assert code == 0, err
    assert out.startswith(f"appended {total}, skipped 0"), out
    print(f"100k import on PostgreSQL: {seconds:.1f} s ({total / seconds:,.0f} events/s)")
    thidua = Thidua(db)
    assert thidua("verify").out.startswith(f"ok: {total} events")
    count = thidua.sql("SELECT count(*), max(position) FROM thidua_index")[0]
    assert tuple(count) == (total, total)
    assert orjson.loads(thidua("standings", "--province", "laichau", "--period", "2020", "--format", "json").out)
