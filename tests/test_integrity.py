"""`thidua verify` catches an edit, a deletion, an insertion and a reordering done to the real
store (SQLite file or PostgreSQL database), naming the first bad position; concurrent writers
keep the chain linear. Positions are the ledger's version (`originator_version`) on both engines."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ENGINES, ev, jsonl, laichau_year

pytestmark = pytest.mark.parametrize("thidua", ENGINES, indirect=True)


@pytest.fixture
def stored(thidua):
    thidua.load(laichau_year())
    assert thidua("verify").code == 0
    return thidua


def test_an_intact_log_verifies(stored):
    result = stored("verify")
    assert result.code == 0
    assert result.out.startswith(f"ok: {len(laichau_year())} events, chain intact, head hash ")


def test_an_edited_event_is_caught_at_its_position(stored):
    state = stored.sql("SELECT state FROM stored_events WHERE originator_version = 20")[0][0]
    data = json.loads(bytes(state))
    data["record"]["points"] = "75"  # quietly raise a score
    stored.sql("UPDATE stored_events SET state = ? WHERE originator_version = 20", json.dumps(data).encode())
    result = stored("verify")
    assert result.code == 3
    assert result.err.strip() == (
        "Error: integrity failure at position 20: the content does not match its hash: it was altered, "
        "or an event before it was removed, inserted or reordered"
    )


def test_a_deleted_event_is_caught(stored):
    stored.sql("DELETE FROM stored_events WHERE originator_version = 7")
    result = stored("verify")
    assert result.code == 3
    assert "integrity failure at position 7: position 7 is missing" in result.err


def test_an_inserted_event_is_caught(stored):
    # Make room at position 5 and slip in a copy of event 9, renumbered to look in place.
    rows = stored.sql("SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY 2 DESC")
    for _, version, _, _ in rows:
        if version >= 5:
            stored.sql(
                "UPDATE stored_events SET originator_version = ? WHERE originator_version = ?", version + 1, version
            )
    copy = [r for r in rows if r[1] == 9][0]
    stored.sql(
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?,?,?,?)",
        copy[0],
        5,
        copy[2],
        copy[3],
    )
    result = stored("verify")
    assert result.code == 3
    assert "integrity failure at position 5" in result.err


def test_two_swapped_events_are_caught(stored):
    a = stored.sql("SELECT topic, state FROM stored_events WHERE originator_version = 12")[0]
    b = stored.sql("SELECT topic, state FROM stored_events WHERE originator_version = 13")[0]
    stored.sql("UPDATE stored_events SET topic = ?, state = ? WHERE originator_version = 12", *b)
    stored.sql("UPDATE stored_events SET topic = ?, state = ? WHERE originator_version = 13", *a)
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
    positions = [r[0] for r in thidua.sql("SELECT originator_version FROM stored_events ORDER BY 1")]
    assert positions == list(range(1, 105))
    assert thidua("verify").code == 0
