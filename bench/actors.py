"""Import rate of an enforcing store against an open one (issue 17), and the cost of `verify`.

    python bench/actors.py [SIZES…]      # default 10000 50000 (one Lai Châu province-year each)

The same generated province-year (bench/generate.py) is imported in-process into a fresh open
store and into a fresh enforcing store, as one batch. In the enforcing store one actor writes it
all: the benchmark grants its role every event type of the province at province scope (the
real permissions split the year among units, block heads, the board and the administrator,
which a one-file benchmark cannot), so what is measured is the actors' machinery itself: the
roster, a permission check per line, the actor stamped into each record, one signature per batch.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import generate

from thidua.actors import keys
from thidua.actors.audit import links, verify_actors
from thidua.actors.gate import Signer, genesis
from thidua.actors.permissions import Grant, Permissions
from thidua.audit.checkpoint import keygen
from thidua.clock import now
from thidua.events import ACTOR_TYPES, EVENT_TYPES
from thidua.intake.importer import import_events
from thidua.log.store import Store
from thidua.log.verify import verify_chain
from thidua.registry import load_plugins


def data_of(total: int) -> bytes:
    return b"".join(generate.log(total))


def timed(work):
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def run(total: int, folder: Path) -> list[str]:
    data = data_of(total)
    plugins = load_plugins()
    everything = Grant("board", "province", "LC-SCORE-2")
    province = plugins.provinces["laichau"]
    plugins.provinces["laichau"] = replace(
        province,
        permissions=Permissions(
            "laichau", {t: (everything,) for t in EVENT_TYPES if t not in ACTOR_TYPES and t != "event.retracted"}
        ),
    )
    rows = []
    open_store = Store(str(folder / f"open-{total}.sqlite"))
    seconds, outcome = timed(lambda: import_events(open_store, data, plugins))
    assert not outcome.problems, outcome.problems[:3]
    rows.append(f"| open | {outcome.appended:,} | {seconds:.2f} s | {outcome.appended / seconds:,.0f} |")
    open_verify, _ = timed(lambda: verify_chain(open_store))

    enforcing = Store(str(folder / f"enforcing-{total}.sqlite"))
    for name in ("admin", "board"):
        keygen(folder / f"{name}-{total}.key")
    admin_key = keys.load_private(folder / f"admin-{total}.key")
    board_key = keys.load_private(folder / f"board-{total}.key")
    enforcing.append([genesis("ADMIN", "ADMIN", keys.public_of(admin_key), now())], enforcing.head())
    appointment = (
        '{"type": "actor.appointed", "province": "laichau", "period": "*", "at": "2020-01-01", "actor": "BOARD", '
        f'"name": "BOARD", "role": "board", "public_key": "{keys.encode_public(keys.public_of(board_key))}"}}\n'
    ).encode()
    assert not import_events(enforcing, appointment, plugins, signer=Signer("ADMIN", admin_key)).problems
    seconds, outcome = timed(lambda: import_events(enforcing, data, plugins, signer=Signer("BOARD", board_key)))
    assert not outcome.problems, outcome.problems[:3]
    rows.append(f"| enforcing | {outcome.appended:,} | {seconds:.2f} s | {outcome.appended / seconds:,.0f} |")
    chain_seconds, _ = timed(lambda: verify_chain(enforcing))
    actor_seconds, found = timed(lambda: verify_actors(links(enforcing.read()), plugins))
    assert getattr(found, "batches", 0) == 2, found
    rows.append(
        f"| verify | open: chain {open_verify:.2f} s | enforcing: chain {chain_seconds:.2f} s "
        f"+ signatures and rights {actor_seconds:.2f} s | |"
    )
    return rows


def main() -> None:
    sizes = [int(s) for s in sys.argv[1:]] or [10_000, 50_000]
    with tempfile.TemporaryDirectory() as folder:
        for total in sizes:
            print(f"\n### {total:,} events, one batch (in-process import_events)\n")
            print("| store | events | import | events/s |\n|---|---|---|---|")
            for row in run(total, Path(folder)):
                print(row)


if __name__ == "__main__":
    main()
