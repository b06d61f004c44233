"""A real `thidua serve` for tests: a demo store, a free loopback port, stopped at the end."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from thidua.intake.importer import import_events
from thidua.log.store import Store
from thidua.registry import load_plugins


def demo_store(path: Path) -> Path:
    """Every built-in province's demo events in a fresh SQLite store."""
    plugins = load_plugins()
    store = Store(str(path))
    try:
        for key in sorted(plugins.provinces):
            for demo in plugins.provinces[key].demo:
                outcome = import_events(store, demo.read_bytes(), plugins)
                assert not outcome.problems, outcome.problems
    finally:
        store.close()
    return path


def copy_store(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def in_thread(db: Path) -> Iterator[str]:
    """The service of `db` in a thread of this process (uvicorn, one worker): quick to start."""
    import threading

    import uvicorn

    from thidua.service.app import create_app
    from thidua.service.state import Settings

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(Settings(str(db))), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )

    def run() -> None:
        # SIGINT and SIGTERM stay with the main thread (this thread's workers inherit the mask), so a
        # test that holds them there still sees them pending rather than taken by a server thread.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        server.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the in-thread service did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        server.config.app.state.service.ctx._store and server.config.app.state.service.ctx._store.close()


@contextmanager
def serving(db: Path, *options: str, seconds: float = 20) -> Iterator[str]:
    """`thidua --db DB serve` on 127.0.0.1 in its own process; yields its URL."""
    port = free_port()
    log = db.with_name(db.name + f".serve-{port}.log")
    errors = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "thidua.cli.main", "--db", str(db), "serve", "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=errors,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if httpx.get(f"{url}/v1/head", timeout=1).status_code in (200, 401):
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"thidua serve did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()
