"""The API fuzzed from its own OpenAPI description (schemathesis, bounded): whatever the query or
body, no answer is a 5xx and none carries a traceback."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from serving import demo_store

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from thidua.service.app import create_app  # noqa: E402
from thidua.service.state import Settings  # noqa: E402

EXAMPLES = 40  # per operation; with the explicit examples, ~400 requests in a few seconds


@schemathesis.serializer("application/jsonl")
def _jsonl(ctx: Any, value: Any) -> dict[str, Any]:
    if isinstance(value, bytes):
        return {"data": value}
    return {"data": (value if isinstance(value, str) else json.dumps(value)).encode("utf-8")}


STATUSES: Counter[int] = Counter()


def no_traceback(ctx: Any, response: Any, case: Any) -> bool | None:
    STATUSES[response.status_code] += 1
    text = response.content.decode("utf-8", errors="replace")
    assert "Traceback" not in text and 'File "' not in text, f"a traceback in the answer to {case.path}"
    return None


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    db = demo_store(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite")
    return create_app(Settings(str(db)))


def test_no_answer_is_a_server_error_or_a_traceback(app) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def fuzz(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error], additional_checks=[no_traceback])

        fuzz()
    print(f"fuzzed {len(operations)} operations: {sum(STATUSES.values())} requests, by status {dict(STATUSES)}")
    assert STATUSES[200] and sum(STATUSES.values()) >= 100 and not any(code >= 500 for code in STATUSES)


def test_the_fuzzed_store_still_verifies(app) -> None:
    from starlette.testclient import TestClient

    with TestClient(app) as client:
        assert client.get("/v1/verify").json()["ok"] is True
        assert Path(app.state.service.settings.db).exists()
