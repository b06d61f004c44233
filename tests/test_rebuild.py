"""`thidua rebuild` decides the periods in parallel processes (issue 16): the kept parts are the
same bytes as a sequential rebuild's on both engines, a worker's failure is one line naming its
period, and an interrupted rebuild stops its workers and exits 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import install_fake_distribution, laichau_year, on_both

YEARS = ("2020", "2021", "2022")


def years(province: str = "laichau") -> list[dict]:
    """The same small Lai Châu block, once per year: three province-periods."""
    return [
        dict(e, province=province, period=year, at=e["at"].replace("2020", year))
        for year in YEARS
        for e in laichau_year()
    ]


def kept(thidua) -> list[tuple]:
    """Every kept part and kept block list, as stored (bytes)."""
    rows = thidua.sql(
        "SELECT province, period, part, fingerprint, version, ord, doc, result, seal FROM thidua_decisions "
        "ORDER BY province, period, part"
    )
    rows += thidua.sql("SELECT province, period, position, state, seal FROM thidua_blocks ORDER BY province, period")
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows]


@on_both
def test_a_parallel_rebuild_keeps_the_same_bytes_as_a_sequential_one(thidua):
    thidua.load(years())
    standings = {year: thidua.standings(period=year) for year in YEARS}
    sequential = thidua("rebuild", "--jobs", "1")
    assert sequential.code == 0, sequential.err
    assert "decided 3 province-period(s)" in sequential.out
    first = kept(thidua)
    assert len([row for row in first if len(row) == 9]) == 3  # one block per period
    parallel = thidua("rebuild", "--jobs", "2")
    assert parallel.code == 0, parallel.err
    assert parallel.out.split(" in ")[:2] == sequential.out.split(" in ")[:2]  # the same counts
    assert kept(thidua) == first
    assert {year: thidua.standings(period=year) for year in YEARS} == standings


FLAKY = """
    import os, time
    import dataclasses
    from thidua.hookspecs import hookimpl
    from thidua_testland import PROVINCE, thidua_standings as _standings

    @hookimpl
    def thidua_province():
        return dataclasses.replace(PROVINCE, key="flaky")

    @hookimpl
    def thidua_validate(fact, facts, rules):
        return []

    @hookimpl
    def thidua_standings(facts, rules):
        mark = os.environ.get("FLAKY_MARK")
        if mark:  # say who is deciding, then take long enough to be interrupted
            with open(mark, "a") as f:
                f.write(f"{os.getpid()}\\n")
            time.sleep(60)
        if os.environ.get("FLAKY_FAILS") == facts.period:
            raise RuntimeError("deliberately failing")
        return _standings(facts, rules)
"""


@pytest.fixture
def flaky(tmp_path: Path, monkeypatch, testland, thidua) -> Path:
    """A store of laichau 2020–2022 and of the `flaky` province (testland's rules) 2020 and 2021;
    the folders its plugin is found in are returned joined as a PYTHONPATH."""
    folder = tmp_path / "plugin_flaky"
    folder.mkdir()
    (folder / "thidua_flaky.py").write_text(textwrap.dedent(FLAKY), encoding="utf-8")
    install_fake_distribution(testland, "thidua-flaky", "thidua_flaky", "flaky")
    monkeypatch.syspath_prepend(str(folder))
    thidua.load(years() + [e for e in years("flaky") if e["period"] != "2022"])
    return Path(os.pathsep.join([str(folder), str(testland), str(Path(__file__).parent / "testland")]))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failing_period_is_one_line_naming_it(thidua, flaky, monkeypatch, jobs):
    monkeypatch.setenv("FLAKY_FAILS", "2021")
    result = thidua("rebuild", "--jobs", jobs)
    assert result.code == 1, result.err
    assert result.err.strip().splitlines() == [
        "Error: flaky 2021: the flaky plugin failed: RuntimeError: deliberately failing"
    ]
    monkeypatch.delenv("FLAKY_FAILS")
    assert thidua("rebuild", "--jobs", jobs).code == 0


@pytest.mark.parametrize("how", ["SIGINT to the process group (Ctrl-C)", "SIGTERM to the command"])
def test_an_interrupted_rebuild_stops_its_workers_and_exits_130(thidua, flaky, tmp_path, how):
    mark = tmp_path / "deciding"
    env = {**os.environ, "PYTHONPATH": str(flaky), "FLAKY_MARK": str(mark)}
    process = subprocess.Popen(
        [sys.executable, "-m", "thidua.cli.main", "--db", str(thidua.db), "rebuild", "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
        # An in-process import (the fixture's) ignores SIGINT after its commit; a shell's command does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not (mark.exists() and mark.read_text().count("\n") >= 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = [int(pid) for pid in mark.read_text().split()]
    assert len(workers) == 2 and process.pid not in workers  # both flaky periods, in two worker processes
    if how.startswith("SIGINT"):
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Traceback" not in err.decode() and len(err.decode().strip().splitlines()) == 1
    assert "interrupted: no event was written" in err.decode() and out == b""
    for pid in workers:  # the workers were stopped with it
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"worker {pid} outlived the interrupted rebuild")
    # What was not decided is decided when next asked.
    assert thidua("standings", "--province", "laichau", "--period", "2022").code == 0
