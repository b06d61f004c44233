"""The outcome tests of Lai Châu, import and integrity (standings, explain, import, verify), run
again with `--db http://…` (issue 18): every command of those tests is a client of a service over
the same store file, and every assertion about stdout, stderr and exit codes must still hold."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from serving import in_thread
from test_import import *  # noqa: F403  (collected again here, with the fixture below)
from test_integrity import *  # noqa: F403
from test_laichau import *  # noqa: F403

from thidua.cli.main import cli

from conftest import Result, Thidua

pytestmark: list = []  # the star imports bring test_import's and test_integrity's engines; here the store is served


class RemoteThidua(Thidua):
    """`thidua --db http://… …`: the same helper, every command answered by the service of `db`."""

    def __init__(self, db, url: str):
        super().__init__(db)
        self.url = url

    def __call__(self, *args: str, input: str | bytes | None = None) -> Result:
        result = CliRunner().invoke(cli, ["--db", self.url, *args], input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def thidua(tmp_path):
    db = tmp_path / "test.sqlite"
    with in_thread(db) as url:
        yield RemoteThidua(db, url)
