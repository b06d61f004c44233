"""The lean read path (issue 16): a query answered from kept parts loads neither the event library
nor the installed distributions' metadata, and says what the library's store would have said.

Outcomes, not timings: which modules a real `thidua` process imported, and the documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Thidua, laichau_year

# Runs the command line in a fresh interpreter, then prints (to stderr, after a marker) the
# top-level packages that process imported.
RUNNER = """
import sys
from thidua.cli.main import main
try:
    main()
except SystemExit as exc:
    print("\\nIMPORTED", " ".join(sorted(sys.modules)), file=sys.stderr)
    raise
"""

HEAVY = ("eventsourcing", "importlib.metadata", "fastapi", "uvicorn", "jinja2", "xlsxwriter", "weasyprint")


def run(db: Path, *args: str, cache: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    env = {**os.environ, "THIDUA_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    imported = set(done.stderr.rpartition("IMPORTED ")[2].split())
    return done, imported


def heavy(imported: set[str]) -> list[str]:
    return sorted(m for m in imported if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.fixture
def kept(tmp_path: Path) -> tuple[Thidua, Path]:
    """A store queried once (its parts kept), and a warm plugin cache."""
    thidua = Thidua(tmp_path / "lean.sqlite")
    thidua.load(laichau_year())
    cache = tmp_path / "cache"
    done, _ = run(thidua.db, "plugins", cache=cache)  # a full load learns the installed plugins
    assert done.returncode == 0, done.stderr
    done, _ = run(thidua.db, "standings", "--province", "laichau", "--period", "2020", cache=cache)
    assert done.returncode == 0, done.stderr
    return thidua, cache


def test_standings_from_kept_parts_import_no_event_library(kept):
    thidua, cache = kept
    for fmt in ("table", "json"):
        done, imported = run(
            thidua.db, "standings", "--province", "laichau", "--period", "2020", "--format", fmt, cache=cache
        )
        assert done.returncode == 0, done.stderr
        assert imported, "the runner did not report its modules"
        assert heavy(imported) == [], f"--format {fmt}"
        assert "source" in done.stdout or fmt == "table"


def test_after_one_append_the_query_decides_again_without_the_library_and_says_the_same(kept):
    thidua, cache = kept
    thidua.load(
        [
            {
                "type": "score.self",
                "province": "laichau",
                "period": "2020",
                "at": "2020-12-02",
                "unit": "A",
                "criterion": "C2",
                "points": 5,
            }
        ]
    )
    done, imported = run(
        thidua.db, "standings", "--province", "laichau", "--period", "2020", "--format", "json", cache=cache
    )
    assert done.returncode == 0, done.stderr
    assert heavy(imported) == []
    lean = json.loads(done.stdout)
    assert lean["source"] == "kept"
    # The library's own store, in process, says the same, byte for byte, and so does a replay.
    assert lean == thidua.standings()
    replayed = thidua.standings("--fresh")
    assert {**lean, "source": "fresh"} == replayed
    done, imported = run(
        thidua.db,
        "explain",
        "--province",
        "laichau",
        "--period",
        "2020",
        "--unit",
        "A",
        "--format",
        "json",
        cache=cache,
    )
    assert done.returncode == 0, done.stderr
    assert heavy(imported) == []


def test_without_a_cache_the_query_still_answers_and_learns(kept, tmp_path):
    thidua, _ = kept
    cache = tmp_path / "elsewhere"
    done, imported = run(thidua.db, "standings", "--province", "laichau", "--period", "2020", cache=cache)
    assert done.returncode == 0, done.stderr
    assert "eventsourcing" not in imported  # the metadata scan, not the library
    assert list(cache.glob("plugins-*.json")), "a full load keeps what it learned"
    done, imported = run(thidua.db, "standings", "--province", "laichau", "--period", "2020", cache=cache)
    assert done.returncode == 0, done.stderr
    assert heavy(imported) == []
    done, _ = run(thidua.db, "standings", "--province", "nowhere", "--period", "2020", cache=cache)
    assert done.returncode == 2 and "installed: dienbien, hcm_q1, laichau, laocai" in done.stderr
