"""`thidua serve` and `--db http://…` (issue 18): the same command line against a remote store
prints the same bytes, errors and exit codes; the API answers with the CLI's documents; signed
writes; what is public and what never is."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from serving import copy_store, demo_store, serving

from thidua.cli.main import cli
from thidua.service.app import create_app
from thidua.service.auth import ACTOR, SIGNATURE, TIME, sign_headers
from thidua.service.state import Settings

QUERIES = [
    ("standings", "--province", "laichau", "--period", "2020"),
    ("standings", "--province", "laichau", "--period", "2020", "--format", "json"),
    ("standings", "--province", "laocai", "--period", "2021", "--format", "csv"),
    ("standings", "--province", "dienbien", "--period", "2020", "--block", "NOPE"),
    ("standings", "--province", "laichau", "--period", "2020", "--as-of", "@300", "--format", "json"),
    ("standings", "--province", "atlantis", "--period", "2020"),
    ("standings", "--province", "laichau", "--period", "20x0"),
    ("standings", "--province", "hcm_q1", "--period", "2015-2019"),
    ("explain", "--province", "laichau", "--period", "2020", "--unit", "LDLD_MUONG_TE"),
    ("explain", "--province", "laichau", "--period", "2020", "--unit", "LDLD_MUONG_TE", "--format", "json"),
    ("explain", "--province", "laichau", "--period", "2020", "--unit", "NO_SUCH_UNIT"),
    ("explain", "--province", "hcm_q1", "--period", "2015-2019", "--person", "P_MINH"),
    ("eligibility", "--province", "hcm_q1", "--period", "2015-2019", "--format", "json"),
    ("diff", "--province", "laichau", "--period", "2020", "--from", "@400", "--to", "@500"),
    ("diff", "--province", "laichau", "--period", "2020", "--from", "@500", "--to", "@400"),
    ("rules", "list", "--province", "laocai", "--period", "2021"),
    ("rules", "show", "LCA-DED-3", "--format", "json"),
    ("rules", "show", "LCA-DED-33"),
    ("standings", "--province", "laocai", "--period", "2021", "--format", "csv", "--lang", "vi"),
    ("eligibility", "--province", "hcm_q1", "--period", "2015-2019", "--lang", "vi"),
    ("plugins",),
    ("log", "--type", "score.provincial"),
    ("log", "--since", "500", "--format", "jsonl"),
    ("verify",),
]


def run(db: str, *args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", db, *args], input=input, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_store(tmp_path_factory.mktemp("demo") / "demo.sqlite")


@pytest.fixture(scope="module")
def served(demo: Path, tmp_path_factory: pytest.TempPathFactory):
    db = copy_store(demo, tmp_path_factory.mktemp("served") / "store.sqlite")
    with serving(db) as url:
        yield db, url


def test_the_command_line_against_the_service_prints_what_it_prints_locally(served, tmp_path: Path) -> None:
    db, url = served
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        json.dumps(
            {
                "type": "score.appraised",
                "province": "laichau",
                "period": "2020",
                "at": "2020-12-05",
                "id": "remote-1",
                "unit": "LDLD_SIN_HO",
                "criterion": "C1",
                "points": 20,
                "actor": "KHOI_TRUONG",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "score.self", "province": "laichau"}\nnot json\n', encoding="utf-8")
    assert run(url, "import", str(batch)) == (0, "appended 1, skipped 0 (already stored)\n", "")
    for args in [("import", str(batch)), ("import", str(bad)), ("import", str(tmp_path / "missing.jsonl"))]:
        assert run(url, *args) == run(str(db), *args), args
    for args in QUERIES:
        local, remote = run(str(db), *args), run(url, *args)
        assert remote == local, args
    sheet = tmp_path / "khoi.xlsx"
    assert (
        run(
            str(db),
            "sheet",
            "--province",
            "laocai",
            "--period",
            "2021",
            "--block",
            "KHOI_TONG_HOP",
            "--output",
            str(sheet),
        )[0]
        == 0
    )
    assert run(url, "import", str(sheet)) == run(
        str(db), "import", str(sheet)
    )  # an unfilled sheet, read at the service
    for where, name in ((url, "remote.xlsx"), (str(db), "local.xlsx")):
        args = ("explain", "--province", "laichau", "--period", "2020", "--unit", "LDLD_SIN_HO", "--format", "xlsx")
        assert run(where, *args, "--output", str(tmp_path / name)) == (0, f"wrote {tmp_path / name}\n", "")
    code, out, _ = run(url, "standings", "--province", "laichau", "--period", "2020", "--format", "json")
    assert code == 0 and json.loads(out)["position"] == json.loads(run(str(db), "verify")[1].split()[1])


def test_a_document_is_served_as_the_cli_prints_it_and_bad_input_writes_nothing(served) -> None:
    db, url = served
    query = {"province": "laichau", "period": "2020", "unit": "LDLD_SIN_HO"}
    served_bytes = httpx.get(f"{url}/v1/explain", params=query).content
    assert served_bytes == run(str(db), "explain", *(f"--{k}={v}" for k, v in query.items()), "--format", "json")[
        1
    ].encode("utf-8")
    head = httpx.get(f"{url}/v1/head").json()
    bad = b'{"type": "score.self", "province": "laichau", "period": "2020", "at": "2020-01-01", "unit": "X", "criterion": "C1", "points": 1}\n\xff\n'
    answer = httpx.post(f"{url}/v1/events", content=bad)
    assert answer.status_code == 422
    body = answer.json()
    assert body["exit_code"] == 1 and [p["line"] for p in body["problems"]] == [1, 2]  # one round: the unknown unit too
    assert httpx.get(f"{url}/v1/head").json() == head
    assert httpx.get(f"{url}/v1/log", params={"after": head["position"] - 2}).text.count("\n") == 2
    openapi = httpx.get(f"{url}/openapi.json").json()
    assert {"/v1/events", "/v1/standings", "/v1/explain", "/v1/diff", "/v1/log", "/v1/verify"} <= set(openapi["paths"])
    for path in ("/v1/standings?province=laichau&period=2020&as_of=%FF", "/nowhere", "/p/laichau/2020?as_of=@x"):
        answer = httpx.get(url + path)
        assert 400 <= answer.status_code < 500 and "Traceback" not in answer.text, path


def test_pages_say_the_store_is_open_and_never_show_a_persons_discipline(served) -> None:
    _, url = served
    page = httpx.get(f"{url}/p/laichau/2020/unit/LDLD_MUONG_TE")
    assert page.status_code == 200 and page.headers["X-Thidua-Store"] == "open"
    assert "Kho mở" in page.text and "LĐLĐ huyện Mường Tè" in page.text
    assert "không công khai" in page.text and "61/QĐ-UBKT" not in page.text and "canh_cao" not in page.text
    standings = httpx.get(f"{url}/p/laichau/2020").text
    assert "<svg" in standings and "LC-ELIG-1" in standings and "Kho mở" in standings
    changed = httpx.get(f"{url}/p/laichau/2020/diff", params={"from": "@400", "to": "@500"}).text
    assert "LĐLĐ huyện Than Uyên" in changed and "do sự kiện #433" in changed
    rules = httpx.get(f"{url}/rules/laichau").text
    assert 'id="LC-ELIG-1"' in rules and "Đối với đơn vị có cá nhân lãnh đạo chủ chốt bị kỷ luật" in rules
    home = httpx.get(f"{url}/").text
    assert "/p/hcm_q1/2015-2019" in home and "Điện Biên" in home
    assert "Nguyên vẹn" in httpx.get(f"{url}/verify").text


@pytest.fixture
def enforcing(demo: Path, tmp_path: Path):
    """A service whose writes and private reads need an actor's signature (keys in a folder)."""
    keys = tmp_path / "actors"
    keys.mkdir()
    assert run(str(tmp_path / "unused.sqlite"), "keygen", str(tmp_path / "board.key"))[0] == 0
    (keys / "board.pub").write_bytes((tmp_path / "board.key.pub").read_bytes())
    db = copy_store(demo, tmp_path / "store.sqlite")
    app = create_app(Settings(str(db), public=True, keys=keys))
    with TestClient(app) as client:
        yield client, tmp_path / "board.key"


def test_writes_need_a_fresh_signature_of_a_known_actor(enforcing, tmp_path: Path) -> None:
    client, key = enforcing
    line = b'{"type": "pledge.signed", "province": "laichau", "period": "2020", "at": "2020-02-14", "unit": "LDLD_SIN_HO", "block": "KHOI_HUYEN"}\n'
    assert client.post("/v1/events", content=line).status_code == 401
    headers = sign_headers(key, "board", "POST", "/v1/events", line)
    assert client.post("/v1/events", content=line + b"\n", headers=headers).status_code == 401  # body changed
    assert client.post("/v1/events", content=line, headers=headers | {ACTOR: "nobody"}).status_code == 401
    answer = client.post("/v1/events", content=line, headers=headers)
    assert answer.status_code == 200 and answer.json()["appended"] == 1
    replayed = client.post("/v1/events", content=line, headers=headers)
    assert replayed.status_code == 401 and "replay" in replayed.json()["error"]
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    assert client.post("/v1/events", content=line, headers=headers | {TIME: old}).status_code == 401
    assert client.post("/v1/events", content=line, headers=headers | {SIGNATURE: "AAAA"}).status_code == 401


def test_public_standings_are_open_to_everyone_explanations_to_actors_only(enforcing) -> None:
    client, key = enforcing
    query = "/v1/standings?province=laichau&period=2020"
    assert client.get(query).status_code == 200
    assert client.get("/p/laichau/2020").status_code == 200
    assert client.get("/rules/laichau").status_code == 200
    explain = "/v1/explain?province=laichau&period=2020&unit=LDLD_SIN_HO"
    assert client.get(explain).status_code == 401
    assert client.get(explain, headers=sign_headers(key, "board", "GET", explain, b"")).status_code == 200
    for page in ("/p/laichau/2020/unit/LDLD_SIN_HO", "/p/hcm_q1/2015-2019", "/p/laichau/2020/diff?from=@1&to=@2"):
        answer = client.get(page)
        assert answer.status_code == 401 and "--as" in answer.text, page
    assert client.get("/p/laichau/2020").headers["X-Thidua-Store"] == "enforcing"


def test_import_signed_by_the_command_line_against_an_enforcing_service(demo: Path, tmp_path: Path) -> None:
    keys = tmp_path / "actors"
    keys.mkdir()
    run(str(tmp_path / "x.sqlite"), "keygen", str(tmp_path / "head.key"))
    (keys / "head.pub").write_bytes((tmp_path / "head.key.pub").read_bytes())
    events = tmp_path / "e.jsonl"
    events.write_text(
        '{"type": "pledge.signed", "province": "laichau", "period": "2020", "at": "2020-02-14", "id": "p-1", "unit": "LDLD_SIN_HO", "block": "KHOI_HUYEN"}\n',
        encoding="utf-8",
    )
    db = copy_store(demo, tmp_path / "store.sqlite")
    with serving(db, "--keys", str(keys)) as url:
        code, _, err = run(url, "import", str(events))
        assert code == 1 and err.startswith("Error: not authenticated")
        assert run(url, "import", str(events), "--as", "head", "--key", str(tmp_path / "head.key"))[:2] == (
            0,
            "appended 1, skipped 0 (already stored)\n",
        )
        assert run(url, "explain", "--province", "laichau", "--period", "2020", "--unit", "LDLD_SIN_HO")[0] == 1
        actor = {"THIDUA_ACTOR": "head", "THIDUA_KEY": str(tmp_path / "head.key")}  # reads signed too
        signed = run(url, "explain", "--province", "laichau", "--period", "2020", "--unit", "LDLD_SIN_HO", env=actor)
        assert signed == run(str(db), "explain", "--province", "laichau", "--period", "2020", "--unit", "LDLD_SIN_HO")
        assert run(url, "verify", env=actor) == run(str(db), "verify")
