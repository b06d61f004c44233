"""Shared helpers: run the real command line in-process, and build small province-years."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pgserver import Server

from thidua.cli.main import cli

ENGINES = ["sqlite", "postgresql"]
# The storage, replay, read-model, integrity and concurrency tests run on both engines:
on_both = pytest.mark.parametrize("thidua", ENGINES, indirect=True)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Thidua:
    """`thidua --db <tmp file or URL> …` as a user runs it, exit code and both streams kept apart."""

    def __init__(self, db: Path | str):
        self.db = db

    @property
    def postgres(self) -> bool:
        return str(self.db).startswith("postgresql://")

    def sql(self, statement: str, *params: Any) -> list[tuple]:
        """Run SQL on the store itself, behind thidua's back (`?` placeholders and the events table
        as `stored_events` on both engines; the library names it `thidua_events` on PostgreSQL)."""
        if self.postgres:
            import psycopg

            statement = statement.replace("?", "%s").replace("stored_events", "thidua_events")
            with psycopg.connect(str(self.db), autocommit=True) as connection:
                cursor = connection.execute(statement, params)
                return cursor.fetchall() if cursor.description else []
        import sqlite3

        with sqlite3.connect(self.db) as connection:
            return connection.execute(statement, params).fetchall()

    def __call__(self, *args: str, input: str | bytes | None = None) -> Result:
        result = CliRunner().invoke(cli, ["--db", str(self.db), *args], input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    def load(self, events: list[dict[str, Any]], expect: int = 0) -> Result:
        result = self("import", "-", input=jsonl(events))
        assert result.code == expect, result.err
        return result

    def standings(self, *args: str, period: str = "2020", province: str = "laichau") -> dict[str, Any]:
        result = self("standings", "--province", province, "--period", period, "--format", "json", *args)
        assert result.code == 0, result.err
        return result.json()

    def units(self, *args: str, block: str = "K") -> dict[str, dict[str, Any]]:
        data = self.standings(*args)
        return {u["unit"]: u for b in data["blocks"] if b["block"] == block for u in b["units"]}

    def explain(self, unit: str, *args: str) -> dict[str, Any]:
        result = self("explain", "--province", "laichau", "--period", "2020", "--unit", unit, "--format", "json", *args)
        assert result.code == 0, result.err
        return result.json()


def jsonl(events: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)


class Postgres:
    """The session's throwaway server: `fresh()` empties its test database and gives its URL."""

    def __init__(self, server: Server):
        self.server = server
        self.url = server.database()

    def fresh(self) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            connection.execute("DROP SCHEMA public CASCADE")
            connection.execute("CREATE SCHEMA public")
        return self.url


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL for the session, started here and stopped afterwards (also on failure).
    In CI (`CI=true`) a server that cannot start fails the tests; elsewhere they are skipped."""
    server = Server()
    try:
        server.start()
        found = Postgres(server)
    except Exception as exc:
        server.stop()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL could not be started for the tests: {exc}")
        pytest.skip(f"no PostgreSQL for the tests: {exc}")
    yield found
    server.stop()


@pytest.fixture
def fresh_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """`fresh_store()` gives the URL of a new empty store on the engine of `request.param`."""
    engine = getattr(request, "param", "sqlite")
    if engine == "postgresql":
        return request.getfixturevalue("postgres").fresh
    made = iter(range(10**6))
    return lambda: str(tmp_path / f"store{next(made)}.sqlite")


@pytest.fixture
def thidua(request: pytest.FixtureRequest, tmp_path: Path) -> Thidua:
    """On SQLite, or on the engine `on_both` gives it."""
    if getattr(request, "param", "sqlite") == "postgresql":
        return Thidua(request.getfixturevalue("postgres").fresh())
    return Thidua(tmp_path / "test.sqlite")


def ev(
    event_type: str, at: str = "2020-03-01", province: str = "laichau", period: str = "2020", **keys: Any
) -> dict[str, Any]:
    return {"type": event_type, "province": province, "period": period, "at": at, **keys}


def laichau_year(
    scores: dict[str, tuple[float, float]] | None = None, skip: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """A Lai Châu 2020 block K of units with (self-assessed part, provincial thuong_truc points).

    Every unit is fully compliant unless `skip` names "pledge:U", "registration:U",
    "mid_year:U" or "year_end:U"; self-scores split over C1 (max 75) and C2 (max 75).
    """
    scores = scores or {"A": (120, 9), "B": (110, 8), "C": (100, 7), "D": (90, 6)}
    units = list(scores)
    events = [ev("unit.registered", "2020-01-05", unit=u, name=f"Đơn vị {u}") for u in units]
    events.append(
        ev("block.formed", "2020-01-10", block="K", name="Khối thử", members=units, head=units[0], deputy=units[1])
    )
    events.append(
        ev("sheet.defined", "2020-01-10", block="*", criteria=[{"id": "C1", "max": 75}, {"id": "C2", "max": 75}])
    )
    for unit, (own, provincial) in scores.items():
        if f"registration:{unit}" not in skip:
            events.append(ev("emulation.registered", "2020-02-01", unit=unit))
        if f"pledge:{unit}" not in skip:
            events.append(ev("pledge.signed", "2020-02-01", unit=unit, block="K"))
        if f"mid_year:{unit}" not in skip:
            events.append(ev("report.submitted", "2020-06-15", unit=unit, kind="mid_year"))
        if f"year_end:{unit}" not in skip:
            events.append(ev("report.submitted", "2020-11-30", unit=unit, kind="year_end"))
        first = min(own, 75)
        events.append(ev("score.self", "2020-12-01", unit=unit, criterion="C1", points=first))
        events.append(ev("score.self", "2020-12-01", unit=unit, criterion="C2", points=own - first))
        events.append(ev("score.provincial", "2020-12-05", unit=unit, scorer="thuong_truc", points=provincial))
    return events


TESTLAND = Path(__file__).parent / "testland"


def install_fake_distribution(folder: Path, name: str, module: str, key: str) -> None:
    """A .dist-info folder as pip writes it: importlib.metadata finds its entry point on sys.path."""
    info = folder / f"{name.replace('-', '_')}-0.0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[thidua]\n{key} = {module}\n", encoding="utf-8")


@pytest.fixture
def testland(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the tests' third-party province `testland` through the real entry-point group."""
    site = tmp_path / "site"
    install_fake_distribution(site, "thidua-testland", "thidua_testland", "testland")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(TESTLAND))
    return site


def quotes_not_in_seed(province: str) -> list[str]:
    """Every rule's quote must be the seed's own words: each part between "…" is found in the seed
    (whitespace and the seed's markdown emphasis aside). Returns the parts that are not."""
    import re
    import tomllib
    import unicodedata

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).replace("*", "").split())

    root = Path(__file__).parent.parent
    # The seeds live in shared/ beside the repository (as CI lays it out), or where THIDUA_SEEDS says.
    seeds = Path(os.environ.get("THIDUA_SEEDS", root.parent / "shared" / "seeds"))
    if not seeds.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the seed documents are not at {seeds}: CI must check every quote against them")
        pytest.skip(f"the seed documents are not at {seeds} (set THIDUA_SEEDS)")
    data = tomllib.loads((root / "plugins" / province / "rules.toml").read_text(encoding="utf-8"))
    missing = []
    for version in data["versions"]:
        seed = norm((seeds / version["seed"]).read_text(encoding="utf-8"))
        for rule_id, rule in version["rules"].items():
            for part in re.split(r"\s*…\s*", rule["quote"]):
                if norm(part).strip(" .") and norm(part).strip(" .") not in seed:
                    missing.append(f"{rule_id}: {part}")
    return missing


def quote_of(province: str, rule_id: str) -> str:
    import tomllib

    root = Path(__file__).parent.parent
    data = tomllib.loads((root / "plugins" / province / "rules.toml").read_text(encoding="utf-8"))
    return data["versions"][-1]["rules"][rule_id]["quote"]
