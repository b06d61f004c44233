"""A throwaway PostgreSQL server for the tests and the benchmark: a fresh cluster in a temporary
folder, listening on a free loopback port, trust authentication, stopped and removed afterwards.

PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` system user.
`THIDUA_TEST_POSTGRES=postgresql://…` uses a server of your own instead (each test still gets a
database of its own on it).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from itertools import count
from pathlib import Path


class ServerUnavailable(Exception):
    pass


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise ServerUnavailable(f"{name} not found (install PostgreSQL, or set THIDUA_TEST_POSTGRES)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`Server().start()` … `.database()` for a fresh database URL … `.stop()`."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.own = os.environ.get("THIDUA_TEST_POSTGRES")
        self.url = self.own or ""
        self._names = count(1)
        self._as: list[str] = []

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=60)
        if result.returncode:
            raise ServerUnavailable(f"{os.path.basename(args[0])} failed: {(result.stderr or result.stdout).strip()}")

    def start(self) -> Server:
        if self.own:
            return self
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        self.folder = Path(tempfile.mkdtemp(prefix="thidua-pg-"))
        if os.geteuid() == 0:  # PostgreSQL refuses root: the cluster belongs to the postgres user
            shutil.chown(self.folder, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        data, port = self.folder / "data", _free_port()
        self._run(initdb, "-D", str(data), "-U", "thidua", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-h 127.0.0.1 -p {port} -k {self.folder} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=300"
        )
        self._run(pg_ctl, "-D", str(data), "-o", options, "-l", str(self.folder / "log"), "-w", "-t", "60", "start")
        self.url = f"postgresql://thidua@127.0.0.1:{port}/postgres"
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=3).close()
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def database(self) -> str:
        """A new empty database on the server; its URL."""
        import psycopg

        name = f"thidua_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        if self.folder is None:
            return
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run([*self._as, _bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
