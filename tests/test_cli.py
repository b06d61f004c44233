"""The command line as a user meets it: help with examples, usage errors, the store URL."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from thidua.cli.main import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every runnable command of the group, sub-groups' commands included, as typed."""
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


COMMANDS = _commands(cli)


def test_the_command_list_is_the_contracts_and_more():
    # CONTRACT.md §2 and §3 name these; the list above comes from the group, never by hand.
    names = {" ".join(c) for c in COMMANDS}
    assert {"import", "standings", "eligibility", "explain", "diff", "log", "verify", "plugins"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(thidua, command):
    result = thidua(*command, "--help")
    assert result.code == 0
    assert "Example:" in result.out and "thidua " in result.out


def test_wrong_usage_exits_2(thidua):
    assert thidua("standings", "--province", "laichau").code == 2  # no --period
    result = thidua("standings", "--province", "hanoi", "--period", "2020")
    assert result.code == 2 and "unknown province 'hanoi' (installed:" in result.err
    bad_period = thidua("standings", "--province", "laichau", "--period", "20-20")
    assert bad_period.code == 2 and "--period" in bad_period.err
    assert thidua("explain", "--province", "laichau", "--period", "2020").code == 2


def test_a_postgres_url_without_its_driver_says_how_to_install_it(thidua, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on a machine without the extra
    from click.testing import CliRunner

    from thidua.cli.main import cli

    result = CliRunner().invoke(cli, ["--db", "postgresql://u:p@localhost/thidua", "verify"])
    assert result.exit_code == 2
    assert "PostgreSQL needs its driver: pip install 'thidua[postgres]'" in result.stderr


def test_a_db_in_a_missing_folder_is_a_usage_error(thidua, tmp_path):
    from click.testing import CliRunner

    from thidua.cli.main import cli

    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "no" / "such.sqlite"), "verify"])
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_the_installed_console_script_runs(tmp_path):
    db = str(tmp_path / "x.sqlite")
    result = subprocess.run(
        [sys.executable, "-m", "thidua.cli.main", "--db", db, "import", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        input="",
    )
    assert result.returncode == 1 and "empty" in result.stderr  # an empty file is an error, not 0 events
    verified = subprocess.run(
        [sys.executable, "-m", "thidua.cli.main", "--db", db, "verify"], capture_output=True, text=True, timeout=60
    )
    # The failed import left no surprise file: there is still no store to verify.
    assert verified.returncode == 2 and f"no store at {db}" in verified.stderr


def test_thidua_db_environment_variable(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from thidua.cli.main import cli

    monkeypatch.setenv("THIDUA_DB", str(tmp_path / "env.sqlite"))
    assert CliRunner().invoke(cli, ["demo"]).exit_code == 0
    assert (tmp_path / "env.sqlite").exists()


@pytest.mark.parametrize("command", [c for c in COMMANDS if c[-1] in ("explain", "eligibility", "diff")], ids=" ".join)
def test_help_examples_name_subjects_the_demo_has(thidua, command):
    """A help example a user copies must work on the demo: every --unit or --person it names is there."""
    import re

    from thidua.registry import load_plugins

    demos = "".join(d.read_text(encoding="utf-8") for p in load_plugins().provinces.values() for d in p.demo)
    examples = [line for line in thidua(*command, "--help").out.splitlines() if line.strip().startswith("thidua ")]
    assert examples
    for flag, name in re.findall(r"--(unit|person) (\S+)", "\n".join(examples)):
        assert f'"{flag}": "{name}"' in demos, f"the example names {flag} {name}, which no demo has"
