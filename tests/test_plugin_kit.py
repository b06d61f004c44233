"""The plugin kit end to end: scaffold a province, install it with pip, see it listed, import its
demo, rank it, run its own tests and the conformance kit; and the kit failing a plugin that
ignores retractions."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Thidua


def run(*command: str, cwd: Path | None = None, site: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if site is not None:  # the installed plugin is visible to these processes only
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    return subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def thidua_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "thidua.cli.main", *args]


def scaffold(tmp_path: Path, key: str = "quangninh") -> Path:
    result = run(
        *thidua_cmd(
            "plugin", "new", key, "--name", "Quảng Ninh", "--dir", str(tmp_path), "--year", "2025", "--prefix", "QN"
        )
    )
    assert result.returncode == 0, result.stderr
    return tmp_path / f"thidua-{key}"


def install(package: Path, site: Path) -> None:
    result = run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(package))
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("kit")
    package = scaffold(root)
    install(package, root / "site")
    return package, root / "site"


def test_a_scaffolded_plugin_installs_lists_imports_and_ranks(installed, tmp_path):
    package, site = installed
    db = str(tmp_path / "q.sqlite")
    listing = run(*thidua_cmd("--db", db, "plugins"), site=site)
    assert "quangninh  Quảng Ninh" in listing.stdout and "2025.1" in listing.stdout
    imported = run(
        *thidua_cmd("--db", db, "import", str(package / "thidua_quangninh" / "demo" / "quangninh-2025.jsonl")),
        site=site,
    )
    assert imported.returncode == 0 and imported.stdout.startswith("appended 45, skipped 0")
    table = run(*thidua_cmd("--db", db, "standings", "--province", "quangninh", "--period", "2025"), site=site).stdout
    assert re.search(r"^\s*1\s+DV_D\s+LĐLĐ huyện Nam\s+87\s+co_thi_dua\s+proposed", table, re.M), table
    assert "excluded: QN-ELIG-2" in table and "excluded: QN-ELIG-1" in table
    assert re.search(r"^\s*1\s+DV_F\s+Công đoàn ngành Y tế\s+85\s+co_thi_dua\s+resolved", table, re.M), table
    shown = run(*thidua_cmd("--db", db, "rules", "show", "QN-BONUS-1"), site=site).stdout
    assert "Mục II.2" in shown and "bonus_cap = 1" in shown


def test_a_scaffolded_plugin_passes_its_own_tests_and_the_conformance_kit(installed):
    package, site = installed
    result = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package, site=site)
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"\b\d+ passed\b", result.stdout) and " failed" not in result.stdout, result.stdout[-3000:]


def test_the_kit_fails_a_plugin_that_ignores_retractions(tmp_path):
    package = scaffold(tmp_path, "sloppy")
    standings = package / "thidua_sloppy" / "standings.py"
    text = standings.read_text(encoding="utf-8")
    standings.write_text(
        text.replace(
            'facts.counting("violation.recorded", unit=unit)', 'facts.everything("violation.recorded", unit=unit)'
        ),
        encoding="utf-8",
    )
    install(package, tmp_path / "site")
    result = run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-k",
        "Conformance",
        cwd=package,
        site=tmp_path / "site",
    )
    assert result.returncode == 1
    assert (
        "FAILED tests/test_sloppy.py::TestConformance::test_a_retracted_event_decides_as_if_never_recorded"
        in result.stdout
    )
    assert "retracting violation.recorded" in result.stdout


def test_plugin_new_refuses_bad_keys_taken_keys_and_existing_folders(thidua: Thidua, tmp_path):
    bad = thidua("plugin", "new", "Quang-Ninh", "--name", "Quảng Ninh", "--dir", str(tmp_path))
    assert bad.code == 1 and "KEY 'Quang-Ninh': lower-case letters, digits and _" in bad.err
    taken = thidua("plugin", "new", "laichau", "--name", "Lai Châu", "--dir", str(tmp_path))
    assert taken.code == 1 and "a province with this key is already installed" in taken.err
    assert thidua("plugin", "new", "binhduong", "--name", "Bình Dương", "--dir", str(tmp_path)).code == 0
    again = thidua("plugin", "new", "binhduong", "--name", "Bình Dương", "--dir", str(tmp_path))
    assert again.code == 1 and "exists: refusing to overwrite it" in again.err
    assert "BINHDUONG-SCORE-1" in (tmp_path / "thidua-binhduong" / "thidua_binhduong" / "rules.toml").read_text(
        encoding="utf-8"
    )
