"""`thidua verify` catches an edit, a deletion, an insertion and a reordering done to the real
SQLite file, naming the first bad position; concurrent writers keep the chain linear."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ev, jsonl, laichau_year


@pytest.fixture
def stored(thidua):
    thidua.load(laichau_year())
    assert thidua("verify").code == 0
    return thidua


def sql(db: Path, statement: str, *params) -> list:
    with sqlite3.connect(db) as connection:
        return connection.execute(statement, params).fetchall()


def test_an_intact_log_verifies(stored):
    result = stored("verify")
    assert result.code == 0
    assert result.out.startswith(f"ok: {len(laichau_year())} events, chain intact, head hash ")


def test_an_edited_event_is_caught_at_its_position(stored):
    state = sql(stored.db, "SELECT state FROM stored_events WHERE rowid = 20")[0][0]
    data = json.loads(state)
    data["record"]["points"] = "75"  # quietly raise a score
    sql(stored.db, "UPDATE stored_events SET state = ? WHERE rowid = 20", json.dumps(data).encode())
    result = stored("verify")
    assert result.code == 3
    assert result.err.strip() == (
        "Error: integrity failure at position 20: the content does not match its hash: it was altered, "
        "or an event before it was removed, inserted or reordered"
    )


def test_a_deleted_event_is_caught(stored):
    sql(stored.db, "DELETE FROM stored_events WHERE rowid = 7")
    result = stored("verify")
    assert result.code == 3
    assert "integrity failure at position 7: position 7 is missing" in result.err


def test_an_inserted_event_is_caught(stored):
    # Make room at position 5 and slip in a copy of event 9, renumbered to look in place.
    rows = sql(
        stored.db,
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid DESC",
    )
    with sqlite3.connect(stored.db) as connection:
        for rowid, oid, version, topic, state in rows:
            if rowid >= 5:
                connection.execute("DELETE FROM stored_events WHERE rowid = ?", (rowid,))
                connection.execute(
                    "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) VALUES (?,?,?,?,?)",
                    (rowid + 1, oid, version + 1, topic, state),
                )
        copy = [r for r in rows if r[0] == 9][0]
        connection.execute(
            "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) VALUES (?,?,?,?,?)",
            (5, copy[1], 5, copy[3], copy[4]),
        )
    result = stored("verify")
    assert result.code == 3
    assert "integrity failure at position 5" in result.err


def test_two_swapped_events_are_caught(stored):
    a = sql(stored.db, "SELECT topic, state FROM stored_events WHERE rowid = 12")[0]
    b = sql(stored.db, "SELECT topic, state FROM stored_events WHERE rowid = 13")[0]
    sql(stored.db, "UPDATE stored_events SET topic = ?, state = ? WHERE rowid = 12", *b)
    sql(stored.db, "UPDATE stored_events SET topic = ?, state = ? WHERE rowid = 13", *a)
    result = stored("verify")
    assert result.code == 3
    assert "integrity failure at position 12" in result.err


def test_concurrent_writers_keep_one_linear_gap_free_chain(thidua, tmp_path):
    """Four processes import at once; every event lands once, positions 1..N, chain intact."""
    thidua.load([ev("unit.registered", unit=f"U{i}", name=f"Đơn vị {i}") for i in range(4)])
    files = []
    for writer in range(4):
        path = tmp_path / f"w{writer}.jsonl"
        path.write_text(
            jsonl(
                [
                    ev("report.submitted", f"2020-06-{day:02d}", unit=f"U{writer}", kind="mid_year")
                    for day in range(1, 26)
                ]
            ),
            encoding="utf-8",
        )
        files.append(path)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "thidua.cli.main", "--db", str(thidua.db), "import", str(f)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for f in files
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], outputs
    assert all(out.strip() == b"appended 25, skipped 0 (already stored)" for out, _ in outputs)
    positions = [r[0] for r in sql(thidua.db, "SELECT rowid FROM stored_events ORDER BY rowid")]
    assert positions == list(range(1, 105))
    assert thidua("verify").code == 0
