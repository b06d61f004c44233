"""Deciding every province-period again, on every core (`thidua rebuild`).

The index is rebuilt first, by one process (it is one chain, checked link by link). Then each
province-period is decided again (`ModelDecider.docs`) in a pool of worker processes started with
'spawn': each worker opens its own store from the URL and loads the plugins from their entry
points, so nothing is shared but the database. A period's parts are written in one transaction
(`DecisionParts.save`), so each period is decided whole or not at all, whichever process wrote
it; the kept parts are a pure function of the events and what decides them, so they are the
same bytes whether one process decided them all or several did.

Workers ignore SIGINT (Ctrl-C reaches the whole process group): the parent, interrupted, stops
them (SIGTERM: a transaction in flight is rolled back by the database) and says what was done.
A worker whose parent has died stops too. A worker's failure comes back as an `Outcome` naming
its period, never a traceback; the parent stops the others and reports it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from thidua.log.store import Store, StoreBusy
from thidua.log.verify import Tampered
from thidua.readmodels.index import ReadModels
from thidua.registry import Plugins


@dataclass(frozen=True)
class Outcome:
    """What deciding one province-period came to: `parts` decided again, or the failure's kind
    ("plugin", "tampered", "busy", "error") and one line about it."""

    province: str
    period: str
    parts: int = 0
    failure: str | None = None
    message: str = ""
    where: str = ""  # an integrity failure's first bad place

    def raise_failure(self) -> None:
        """Raise the failure as the kind the command line maps to its exit status, naming the period."""
        from thidua.decisions.decider import PluginFailed

        where = f"{self.province} {self.period}"
        if self.failure == "tampered":
            raise Tampered(self.message, where=self.where or f"the read models of {where}")
        if self.failure == "busy":
            raise StoreBusy(float(self.message))
        if self.failure is not None:
            raise PluginFailed(f"{where}: {self.message}")


def decide(store: Store, plugins: Plugins, province: str, period: str) -> int:
    """Decide one province-period's stale parts and keep them; the number of parts decided."""
    from thidua.readmodels.query import ModelDecider

    models = ReadModels.of(store)
    rules = plugins.ruleset(province, period)
    decider = ModelDecider(plugins, province, rules, models, period, models.catch_up())
    decider.docs()
    return decider.decided


def outcome_of(store: Store, plugins: Plugins, province: str, period: str) -> Outcome:
    """`decide`, every failure turned into an Outcome (a worker returns it; the parent raises it)."""
    from thidua.decisions.decider import PluginFailed

    try:
        return Outcome(province, period, parts=decide(store, plugins, province, period))
    except PluginFailed as exc:
        return Outcome(province, period, failure="plugin", message=str(exc))
    except Tampered as exc:
        return Outcome(province, period, failure="tampered", message=exc.reason, where=exc.where)
    except StoreBusy:
        return Outcome(province, period, failure="busy", message=str(store.wait))
    except Exception as exc:  # anything else a worker meets: one line naming the period, no traceback
        return Outcome(province, period, failure="error", message=f"{type(exc).__name__}: {exc}")


# -- the workers ---------------------------------------------------------------------------
_worker: dict[str, Any] = {}  # the store and plugins of this worker process, opened once


def _start_worker(url: str, wait: float, parent: int) -> None:
    """In each worker: Ctrl-C is the parent's to handle; stop if the parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker.update(url=url, wait=wait)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # the parent is gone (killed): a transaction in flight is rolled back

    threading.Thread(target=watch, daemon=True, name="thidua-parent-watch").start()


def _decide_in_worker(province: str, period: str) -> Outcome:
    from thidua.registry import load_plugins

    try:
        if "store" not in _worker:
            _worker["store"] = Store(_worker["url"], wait=_worker["wait"])
            _worker["plugins"] = load_plugins()
    except Exception as exc:
        return Outcome(province, period, failure="error", message=f"cannot open the store: {exc}")
    return outcome_of(_worker["store"], _worker["plugins"], province, period)


def workers_for(periods: int, jobs: int | None = None) -> int:
    """One process per core (or `jobs`), never more than there are periods."""
    return max(1, min(jobs or os.cpu_count() or 1, periods))


def decide_all(
    store: Store, plugins: Plugins, periods: list[tuple[str, str]], jobs: int | None = None
) -> Iterator[Outcome]:
    """Decide these province-periods again, yielding each outcome as it is known (in order of
    completion). One worker: in this process, with its store and plugins. Several: in worker
    processes; the pool is stopped when the caller stops (a failure, an interrupt)."""
    workers = workers_for(len(periods), jobs)
    if workers == 1:
        for province, period in periods:
            yield outcome_of(store, plugins, province, period)
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_start_worker,
        initargs=(store.url, store.wait, os.getpid()),
    )
    keys: dict[Future[Outcome], tuple[str, str]] = {}
    pending: set[Future[Outcome]] = set()
    try:
        keys = {pool.submit(_decide_in_worker, *key): key for key in periods}
        pending = set(keys)
        while pending:
            # A timeout, so that an interrupt delivered to another thread is seen here within it.
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    yield future.result()
                except Exception as exc:  # the worker process died (killed, out of memory)
                    province, period = keys[future]
                    yield Outcome(province, period, failure="error", message=f"its worker process died: {exc}")
    finally:
        if pending or len(keys) < len(periods):  # stopped early (a failure, an interrupt): terminate what still runs
            _terminate(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers at once (SIGTERM: a transaction in flight is rolled back)."""
    processes: dict[int, Any] = dict(getattr(pool, "_processes", None) or {})
    for process in processes.values():
        if process.is_alive():
            process.terminate()
