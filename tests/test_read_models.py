"""Read models (issue 8): the kept decisions always equal a full replay.

Properties over random Lai Châu years (Hypothesis): after every accepted append, the
incrementally kept standings, eligibility and explain equal those of a full replay of the log;
`--as-of @N` equals a replay of the first N events. Plus: several writers at once, a replaced
store, a changed rule set, and the `rebuild` command.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thidua.api import DISCIPLINE_LEVELS
from thidua.decisions.decider import Decider
from thidua.intake.importer import import_events
from thidua.log.store import Store
from thidua.log.verify import Tampered
from thidua.readmodels import index, query
from thidua.readmodels.index import ReadModels
from thidua.readmodels.query import ModelDecider, open_decider
from thidua.registry import load_plugins
from thidua.replay.fold import AsOf, replay, replay_events
from thidua.testing import jsonl

from conftest import ENGINES, on_both

PLUGINS = load_plugins()
KEY, YEAR = "laichau", "2020"
RULES = PLUGINS.ruleset(KEY, YEAR)
UNITS = [f"U{i}" for i in range(6)]
PERSONS = [f"P{i}" for i in range(3)]
BLOCKS = ["KA", "KB", "KC"]
CRITERIA = [("C1", 10), ("C2", 10)]
SHARE = query.REPLAY_SHARE


def ev(event_type: str, at: str = "2020-06-01", **keys) -> dict:
    return {"type": event_type, "province": KEY, "period": YEAR, "at": at, **keys}


def world() -> list[dict]:
    """Six units in two blocks of three (KC is formed later by the random events, or not)."""
    events = [ev("unit.registered", "2020-01-02", unit=u, name=f"Công đoàn {u}") for u in UNITS]
    events += [
        ev(
            "block.formed",
            "2020-01-05",
            block=b,
            name=f"Khối {b}",
            members=UNITS[i * 3 : i * 3 + 3],
            head=UNITS[i * 3],
            deputy=UNITS[i * 3 + 1],
        )
        for i, b in enumerate(BLOCKS[:2])
    ]
    events.append(ev("sheet.defined", "2020-01-06", block="*", criteria=[{"id": c, "max": m} for c, m in CRITERIA]))
    return events


unit, person, block = st.sampled_from(UNITS), st.sampled_from(PERSONS), st.sampled_from(BLOCKS)
half = st.integers(0, 20).map(lambda n: n / 2)
day = st.sampled_from(["2020-06-10", "2020-07-20", "2020-11-30", "2020-12-14", "2021-01-05"])
actions = st.one_of(
    st.builds(
        lambda u, c, p: ev("score.self", "2020-12-01", unit=u, criterion=c, points=p),
        unit,
        st.sampled_from(["C1", "C2"]),
        half,
    ),
    st.builds(
        lambda u, s, p: ev("score.provincial", "2020-12-05", unit=u, scorer=s, points=p),
        unit,
        st.sampled_from(["thuong_truc", "ban_1"]),
        st.integers(0, 8),
    ),
    st.builds(
        lambda u, c, p, d: ev("score.appraised", d, unit=u, criterion=c, points=p),
        unit,
        st.sampled_from(["C1", "C2"]),
        half,
        day,
    ),
    st.builds(lambda u: ev("emulation.registered", unit=u), unit),
    st.builds(lambda u, b: ev("pledge.signed", unit=u, block=b), unit, block),
    st.builds(
        lambda u, k, d: ev("report.submitted", d, unit=u, kind=k), unit, st.sampled_from(["mid_year", "year_end"]), day
    ),
    st.builds(
        lambda p, u, k: ev("person.registered", person=p, name=f"Người {p}", unit=u, key_leader=k),
        person,
        unit,
        st.booleans(),
    ),
    # The contract's own levels: a key leader's canh_cao or above excludes the unit (LC-ELIG-1).
    st.builds(lambda p, lv: ev("discipline.recorded", person=p, level=lv), person, st.sampled_from(DISCIPLINE_LEVELS)),
    st.builds(lambda b, u: ev("block.member_added", block=b, unit=u), block, unit),
    st.builds(lambda b, u: ev("block.member_removed", block=b, unit=u), block, unit),
    st.builds(
        lambda b, us: ev("block.formed", block=b, name=f"Khối {b}", members=us, head=us[0], deputy=us[-1]),
        block,
        st.lists(unit, min_size=2, max_size=4, unique=True),
    ),
    st.builds(
        lambda b, a, u: ev("conference.resolved", "2020-12-16", block=b, award=a, unit=u),
        block,
        st.sampled_from(["co_thi_dua_tld", "co_thi_dua_ldld_tinh"]),
        unit,
    ),
    st.builds(
        lambda b, k, d: ev("conference.held", d, block=b, kind=k), block, st.sampled_from(["mid_year", "year_end"]), day
    ),
    st.builds(lambda u, d: ev("dossier.submitted", d, unit=u, award="co_thi_dua_tld", copies=3), unit, day),
    st.builds(
        lambda b, n, v: ev("setting.changed", block=b, setting=n, value=v),
        st.sampled_from(BLOCKS + ["*"]),
        st.sampled_from(["flags_tld", "flags_ldld_tinh"]),
        st.integers(0, 2),
    ),
    st.builds(lambda k: ("retract", k), st.integers(1, 60)),
)


def kept_and_full(store: Store) -> tuple[dict, dict]:
    kept = open_decider(store, PLUGINS, KEY, YEAR, RULES)
    assert isinstance(kept, ModelDecider)
    full = Decider(PLUGINS, KEY, RULES, replay(store, KEY, YEAR))
    return kept.documents(), full.documents()


HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]


@pytest.mark.parametrize("fresh_store", ENGINES, indirect=True)
def test_kept_decisions_equal_a_full_replay_after_every_append(fresh_store, request):
    # Fewer examples on PostgreSQL: the same code paths, each statement a round trip.
    examples = 60 if "sqlite" in request.node.name else 15

    @settings(max_examples=examples, deadline=None, suppress_health_check=HEALTH)
    @given(st.lists(actions, min_size=1, max_size=40), st.booleans())
    def check(steps, block_by_block):
        # Both ways of bringing parts up to date: one block at a time, or one replay of the period.
        query.REPLAY_SHARE = 10**6 if block_by_block else 0
        try:
            check_steps(fresh_store(), steps)
        finally:
            query.REPLAY_SHARE = SHARE

    check()


def check_steps(url: str, steps: list) -> None:
    store = Store(url)
    assert not import_events(store, jsonl(world()), PLUGINS).problems
    for step in steps:
        if isinstance(step, tuple):  # retract an earlier event by its position
            step = ev("event.retracted", target=1 + step[1] % store.head()[0], reason="nhập nhầm")
        if import_events(store, jsonl([step]), PLUGINS).problems:
            continue  # refused by the rules: nothing appended, nothing to compare
        kept, full = kept_and_full(store)
        assert kept == full, f"after {step}"
    head = store.head()[0]
    for n in range(1, head + 1):
        as_of = AsOf(f"@{n}", position=n)
        pinned = open_decider(store, PLUGINS, KEY, YEAR, RULES, as_of).standings_json()
        first_n = replay_events(itertools.islice(store.read(), n), KEY, YEAR, as_of)
        assert pinned == Decider(PLUGINS, KEY, RULES, first_n, as_of).standings_json(), f"--as-of @{n}"
    store.close()


def test_the_property_catches_a_block_that_forgets_its_persons(monkeypatch, tmp_path):
    """A mutation of the read models: a block's keys without its units' persons. A key leader's
    discipline then re-decides nothing, so the kept standings keep an excluded unit: the property
    must fail (it is not a test that cannot fail)."""
    from thidua.readmodels.parts import Blocks

    def forgetful(self, block):
        return {"*", f"b:{block}"} | {f"u:{u}" for u in self.units.get(block, set())}

    steps = [
        ev("person.registered", person="P0", name="Người P0", unit="U0", key_leader=True),
        ev("discipline.recorded", person="P0", level="canh_cao"),
    ]
    check_steps(str(tmp_path / "real.sqlite"), steps)  # the real read models hold
    monkeypatch.setattr(Blocks, "keys", forgetful)
    try:
        check_steps(str(tmp_path / "mutated.sqlite"), steps)
    except AssertionError as failure:
        assert "discipline.recorded" in str(failure)
    else:
        raise AssertionError("the property did not notice a block deciding without its persons' events")


@pytest.mark.parametrize("fresh_store", ENGINES, indirect=True)
def test_several_writers_at_once_leave_read_models_equal_to_a_full_replay(fresh_store, tmp_path):
    """Three processes import distinct events while a fourth keeps querying; afterwards the
    kept decisions equal a full replay and the index holds every position exactly once."""
    db = fresh_store()
    store = Store(db)
    assert not import_events(store, jsonl(world()), PLUGINS).problems
    files = []
    for writer in range(3):
        lines = [
            ev("score.self", "2020-12-01", unit=u, criterion=c, points=(writer + i) % 10)
            for i, (u, c) in enumerate(itertools.product(UNITS, ["C1", "C2"]))
        ]
        path = tmp_path / f"w{writer}.jsonl"
        path.write_bytes(jsonl(lines))
        files.append(path)
    base = [sys.executable, "-m", "thidua.cli.main", "--db", str(db)]
    query = base + ["standings", "--province", KEY, "--period", YEAR, "--format", "json"]
    running = [
        subprocess.Popen(base + ["import", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for path in files
    ]
    running += [subprocess.Popen(query, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    kept, full = kept_and_full(store)
    assert kept == full
    models = ReadModels.of(store)
    head = store.head()[0]
    assert head == len(world()) + 36
    with models._read() as c:
        c.execute("SELECT count(*), min(position), max(position) FROM thidua_index")
        assert tuple(c.fetchone()) == (head, 1, head)
    store.close()


@pytest.mark.parametrize("fresh_store", ENGINES, indirect=True)
def test_a_changed_rule_set_or_a_replaced_store_is_decided_again(fresh_store):
    store = Store(fresh_store())
    events = world() + [ev("emulation.registered", unit="U0"), ev("pledge.signed", unit="U0", block="KA")]
    assert not import_events(store, jsonl(events), PLUGINS).problems
    first = open_decider(store, PLUGINS, KEY, YEAR, RULES)
    first.standings_json()
    assert first.decided == 2  # both blocks decided once
    again = open_decider(store, PLUGINS, KEY, YEAR, RULES)
    again.standings_json()
    assert again.decided == 0  # read back
    # Another rule set (a new version of the plugin's rules) must not be served stale parts.
    changed = open_decider(store, PLUGINS, KEY, YEAR, RULES.__class__(**{**RULES.__dict__, "version": "test-2"}))
    changed.standings_json()
    assert changed.decided == 2
    # The log under the read models replaced (a restored backup of the events alone): the hash
    # kept at the indexed position no longer matches, so nothing is served or validated through
    # them (an integrity failure naming the position) until `rebuild` indexes the log again.
    with store.recorder.datastore.transaction(commit=True) as c:
        c = store.sql.cursor(c)
        c.execute(f"DELETE FROM {store.recorder.events_table_name} WHERE originator_version > ?", (len(world()),))
    other = [
        ev("emulation.registered", unit="U3"),
        ev("pledge.signed", unit="U3", block="KB"),
        ev("emulation.registered", unit="U4"),
    ]
    with pytest.raises(Tampered, match=f"at position {len(world()) + 2}: .* events were removed from its end"):
        import_events(store, jsonl(other), PLUGINS)
    ReadModels.of(store).rebuild()
    assert not import_events(store, jsonl(other), PLUGINS).problems
    kept, full = kept_and_full(store)
    assert kept == full and "U3" in str(kept) and store.head()[0] == len(world()) + 3
    store.close()


@on_both
def test_rebuild_command_indexes_and_decides_everything(thidua):
    thidua.load(world() + [ev("emulation.registered", unit="U1")])
    before = thidua("standings", "--province", KEY, "--period", YEAR, "--format", "json")
    result = thidua("rebuild")
    assert result.code == 0, result.err
    assert result.out.startswith(f"indexed {len(world()) + 1} event(s); decided 1 province-period(s) in 2 part(s)")
    assert thidua("standings", "--province", KEY, "--period", YEAR, "--format", "json").out == before.out
    assert thidua("rebuild", "--province", "nowhere").code == 2
    memory = thidua.__class__(":memory:")("rebuild")
    assert memory.code == 2 and "keeps no read models" in memory.err


def test_progress_bars_show_on_a_terminal_only_and_only_after_a_second(monkeypatch, capsys):
    from thidua.cli import progress as bars

    monkeypatch.setattr(bars.sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(bars.sys.stdout, "isatty", lambda: True)
    quick = bars.Progress("indexing", 100)
    quick(100)
    quick.close()
    assert capsys.readouterr().err == ""  # done within a second: no bar
    monkeypatch.setattr(bars, "DELAY", 0.0)
    slow = bars.Progress("indexing", 100)
    slow(40, 160)  # the work says 160 more are coming
    slow(160)
    slow.close()
    shown = capsys.readouterr().err
    assert "indexing" in shown and "100%" in shown
    piped = bars.Progress("indexing", 100, enabled=False)
    piped(100)
    piped.close()
    assert capsys.readouterr().err == ""
    # A guess that was too high (a blank last line) still ends at 100% once the work is done.
    guessed = bars.Progress("validating", 101)
    guessed(100)
    guessed.close(finished=True)
    assert "100%" in capsys.readouterr().err
    # Only stdout piped (`thidua import x | tee log`): no bar on the terminal either.
    monkeypatch.setattr(bars.sys.stdout, "isatty", lambda: False)
    to_pipe = bars.Progress("validating", 100)
    to_pipe(100)
    to_pipe.close(finished=True)
    assert capsys.readouterr().err == ""


def test_rebuild_refuses_a_period_it_has_no_events_for(thidua):
    thidua.load(world())
    bad = thidua("rebuild", "--period", "20x0")
    assert bad.code == 2 and "--period" in bad.err and len(bad.err.strip().splitlines()) == 1
    none = thidua("rebuild", "--province", KEY, "--period", "2019")
    assert none.code == 2 and "no events recorded for laichau 2019" in none.err


@pytest.mark.parametrize("fresh_store", ENGINES, indirect=True)
def test_an_append_made_in_chunks_indexes_as_one(fresh_store, monkeypatch):
    """One transaction inserts and indexes its rows a chunk at a time (issue 16): with chunks of 2,
    retractions whose target is in an earlier chunk, the chain and the read models equal a full replay."""
    from thidua.log import store as log_store
    from thidua.log.verify import checked_read

    monkeypatch.setattr(log_store, "CHUNK", 2)
    store = Store(fresh_store())
    events = world() + [
        ev("score.self", "2020-12-01", unit="U0", criterion="C1", points=7, id="s1"),
        ev("score.self", "2020-12-02", unit="U1", criterion="C2", points=3),
        ev("score.self", "2020-12-03", unit="U0", criterion="C1", points=9),
        ev("event.retracted", "2020-12-04", target="s1", reason="nhập nhầm"),
    ]
    outcome = import_events(store, jsonl(events), PLUGINS)
    assert not outcome.problems and outcome.appended == len(events) == store.head()[0]
    done = store.last_appended
    assert (done.count, done.first, done.last.position) == (len(events), 1, len(events))
    assert len(list(checked_read(store, 1))) == len(events)  # the chain links across the chunks
    kept, full = kept_and_full(store)
    assert kept == full
    store.close()


@pytest.mark.parametrize("fresh_store", ENGINES, indirect=True)
def test_a_blocks_events_are_the_same_found_by_seeks_or_by_a_scan(fresh_store, monkeypatch):
    """`positions` seeks the index for a block of a few hundred units and scans it for a bigger one:
    both find the same events (its units', persons', the block's own and the province-wide ones)."""
    store = Store(fresh_store())
    extra = [
        ev("person.registered", person="P0", name="Người P0", unit="U0", key_leader=True),
        ev("discipline.recorded", person="P0", level=DISCIPLINE_LEVELS[0]),
        ev("conference.held", "2020-06-10", block="KA", kind="mid_year"),
        ev("setting.changed", block="KA", setting="flags_tld", value=1),
        ev("score.self", "2020-12-01", unit="U4", criterion="C1", points=3),
    ]
    assert not import_events(store, jsonl(world() + extra), PLUGINS).problems
    models = ReadModels.of(store)
    models.catch_up()
    blocks = models.blocks(KEY, YEAR)
    for block in ("KA", "KB"):
        keys = blocks.keys(block)
        monkeypatch.setattr(index, "SEEK_UNITS", 10**6)
        sought = models.positions(KEY, YEAR, keys)
        monkeypatch.setattr(index, "SEEK_UNITS", 0)
        assert models.positions(KEY, YEAR, keys) == sought
        assert len(sought) > 3  # registrations, formation, sheet, and the block's own events
    store.close()
