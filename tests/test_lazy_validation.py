"""Validating against a big stored period reads only what the checks ask for (issue 16:
appending one event to a 200,000-event period must not fold it), and finds exactly what a full
fold finds. Properties over random Lai Châu years (Hypothesis), on both engines: every batch of
lines gets the same problems, or the same acceptance, from `LazyFacts` as from the whole period.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_read_models import HEALTH, KEY, PLUGINS, UNITS, YEAR, actions, ev, world

from thidua.intake import importer, lazyfacts
from thidua.intake.lazyfacts import LazyFacts
from thidua.log.store import Store
from thidua.readmodels.index import ReadModels
from thidua.replay.fold import replay
from thidua.testing import jsonl

from conftest import ENGINES

ALWAYS_LAZY, NEVER_LAZY = 0, 10**12


def validate(store: Store, lines: list[dict], lazy: bool, monkeypatch: pytest.MonkeyPatch) -> list[str] | int:
    """The problems of these lines, or how many would be appended (nothing is written)."""
    monkeypatch.setattr(importer, "LAZY_FROM", ALWAYS_LAZY if lazy else NEVER_LAZY)
    outcome = importer.import_events(store, jsonl(lines), PLUGINS, prepare=True)
    return [str(p) for p in outcome.problems] if outcome.problems else len(outcome.entries)


def resolved(store: Store, step: list) -> list[dict]:
    """A retraction drawn as ("retract", k) names an earlier position of the log."""
    return [
        ev("event.retracted", target=1 + s[1] % store.head()[0], reason="nhập nhầm") if isinstance(s, tuple) else s
        for s in step
    ]


@pytest.mark.parametrize("fresh_store", ENGINES, indirect=True)
def test_lazy_facts_validate_every_batch_as_the_whole_period_does(fresh_store, request, monkeypatch):
    examples = 40 if "sqlite" in request.node.name else 10

    @settings(max_examples=examples, deadline=None, suppress_health_check=HEALTH)
    @given(st.lists(st.lists(actions, min_size=1, max_size=3), min_size=1, max_size=30))
    def check(steps):
        store = Store(fresh_store())
        assert not importer.import_events(store, jsonl(world()), PLUGINS).problems
        for step in steps:
            lines = resolved(store, step)
            lazy, whole = validate(store, lines, True, monkeypatch), validate(store, lines, False, monkeypatch)
            assert lazy == whole, f"{lines}"
            if isinstance(whole, int):
                monkeypatch.setattr(importer, "LAZY_FROM", NEVER_LAZY)
                assert importer.import_events(store, jsonl(lines), PLUGINS).appended == whole
        store.close()

    check()


def test_lazy_facts_answer_queries_as_the_fold_does_and_read_less(tmp_path):
    store = Store(str(tmp_path / "s.sqlite"))
    scores = [ev("score.self", "2020-12-01", unit=u, criterion="C1", points=n) for n in (1, 2) for u in UNITS]
    events = [*world(), *scores, ev("event.retracted", target=len(world()) + 1, reason="nhập nhầm")]
    assert not importer.import_events(store, jsonl(events), PLUGINS).problems
    head = store.head()[0]
    lazy, full = LazyFacts(KEY, YEAR, ReadModels.of(store), head), replay(store, KEY, YEAR).facts
    # U0's first C1 score is retracted; its second one supersedes nothing and counts.
    assert [(f.position, f.status) for f in lazy.history("score.self", unit="U0", criterion="C1")] == [
        (f.position, f.status) for f in full.history("score.self", unit="U0", criterion="C1")
    ]
    assert lazy.current("score.self", unit="U0", criterion="C1").position == head - 6
    assert lazy.block_of("U4") == full.block_of("U4") == "KB"
    assert len(lazy.by_position) < len(full.by_position)  # the other units' scores were never read


def test_the_property_catches_lazy_facts_that_forget_retractions(tmp_path, monkeypatch):
    """A unit's registration retracted: a score for it is refused (unknown unit); lazy facts that
    did not load the retractions would accept it, and the comparison says so."""
    store = Store(str(tmp_path / "s.sqlite"))
    events = [*world(), ev("event.retracted", target=1, reason="đăng ký nhầm")]  # U0's registration
    assert not importer.import_events(store, jsonl(events), PLUGINS).problems
    line = [ev("score.self", "2020-12-01", unit="U0", criterion="C1", points=3)]
    whole = validate(store, line, False, monkeypatch)
    assert isinstance(whole, list) and "unknown unit 'U0'" in whole[0]
    assert validate(store, line, True, monkeypatch) == whole
    monkeypatch.setattr(lazyfacts, "STRUCTURE", lazyfacts.STRUCTURE - {"event.retracted"})
    assert validate(store, line, True, monkeypatch) != whole
