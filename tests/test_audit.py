"""The auditor's toolkit on real data: diff, the rule catalogue, dated rule versions, signed
checkpoints against a rewritten-and-re-hashed history, reproducible JSON, audit bundles."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from thidua.log import chain

from conftest import ev, laichau_year


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The four demo provinces in one store (570 events)."""
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    from click.testing import CliRunner

    from thidua.cli.main import cli

    result = CliRunner().invoke(cli, ["--db", str(db), "demo"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def on_demo(demo, tmp_path):
    from conftest import Thidua

    copy = tmp_path / "demo.sqlite"
    copy.write_bytes(demo.read_bytes())
    return Thidua(copy)


@pytest.fixture
def keys(on_demo, tmp_path) -> tuple[Path, Path]:
    key = tmp_path / "operator.key"
    result = on_demo("keygen", str(key))
    assert result.code == 0, result.err
    return key, Path(str(key) + ".pub")


def position_of(thidua, event_id: str) -> int:
    rows = thidua("log", "--format", "jsonl").out.splitlines()
    return next(json.loads(r)["position"] for r in rows if json.loads(r).get("id") == event_id)


# -- diff --------------------------------------------------------------------------------
def test_diff_names_each_changed_unit_with_before_after_and_the_events_that_caused_it(on_demo):
    correction = position_of(on_demo, "lc2020-218")  # Than Uyên's C2 self-score re-entered, one point lower
    result = on_demo(
        "diff",
        "--province",
        "laichau",
        "--period",
        "2020",
        "--from",
        f"@{correction - 1}",
        "--to",
        f"@{correction}",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    data = result.json()
    assert data["from"]["position"] == correction - 1 and data["to"]["position"] == correction
    [block] = data["blocks"]
    [change] = block["changes"]
    assert (block["block"], change["unit"], change["changed"]) == (
        "KHOI_HUYEN",
        "LDLD_THAN_UYEN",
        {"total": [168, 167]},
    )
    assert [(e["position"], e["type"], e["criterion"], e["points"]) for e in change["events"]] == [
        (correction, "score.self", "C2", 24)
    ]


def test_diff_shows_a_rank_moved_by_a_block_mates_events_and_reads_as_a_table(thidua):
    thidua.load(laichau_year())
    before = thidua("log", "--format", "jsonl").out.count("\n")
    thidua.load(
        [
            ev("score.provincial", "2020-12-06", unit="C", scorer="ban_1", points=8),
            ev("score.self", "2020-12-06", unit="C", criterion="C2", points=45),
        ]
    )
    data = thidua(
        "diff",
        "--province",
        "laichau",
        "--period",
        "2020",
        "--from",
        f"@{before}",
        "--to",
        f"@{before + 2}",
        "--format",
        "json",
    ).json()
    changes = {c["unit"]: c for c in data["blocks"][0]["changes"]}
    assert changes["C"]["changed"] == {
        "total": [107, 135],
        "rank": [3, 1],
        "award": [None, "co_thi_dua_tld"],
        "award_status": [None, "proposed"],
    }
    assert [e["position"] for e in changes["C"]["events"]] == [before + 1, before + 2]
    assert changes["A"]["changed"]["rank"] == [1, 2] and changes["A"]["events"] == []
    assert [e["position"] for e in changes["A"]["context"]] == [before + 1, before + 2]  # C's scores moved A
    table = thidua(
        "diff", "--province", "laichau", "--period", "2020", "--from", f"@{before}", "--to", f"@{before + 2}"
    ).out
    assert "  C (Đơn vị C): total 107 → 135; rank 3 → 1" in table
    assert f"because of #{before + 2} score.self" in table


def test_diff_of_a_selection_province_and_wrong_order(on_demo):
    data = on_demo(
        "diff", "--province", "hcm_q1", "--period", "2015-2019", "--from", "@1", "--to", "@570", "--format", "json"
    ).json()
    assert data["candidates"] and all(c["changed"]["present"] == [False, True] for c in data["candidates"])
    backwards = on_demo("diff", "--province", "laichau", "--period", "2020", "--from", "@500", "--to", "@400")
    assert backwards.code == 2 and "later than --to @400 (position 400): swap them" in backwards.err


def test_diff_with_nothing_in_between_says_so(on_demo):
    result = on_demo("diff", "--province", "laocai", "--period", "2021", "--from", "@570", "--to", "@570")
    assert result.code == 0 and "no decision changed" in result.out


# -- the rule catalogue ------------------------------------------------------------------
def _cited(document, into: set[str]) -> None:
    """Every rule id anywhere in an output document: lines, reasons, levels, rules_cited."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "rule" and isinstance(value, str):
                into.add(value)
            elif key in ("reasons", "rules") and isinstance(value, list) and all(isinstance(v, str) for v in value):
                into.update(value)
            else:
                _cited(value, into)
    elif isinstance(document, list):
        for item in document:
            _cited(item, into)


@pytest.mark.parametrize(
    "province,period", [("laichau", "2020"), ("laocai", "2021"), ("dienbien", "2020"), ("hcm_q1", "2015-2019")]
)
def test_every_rule_id_an_output_cites_resolves_in_the_catalogue(on_demo, province, period):
    cited: set[str] = set()
    outputs = [on_demo("eligibility", "--province", province, "--period", period, "--format", "json").json()]
    if province != "hcm_q1":
        outputs.append(on_demo("standings", "--province", province, "--period", period, "--format", "json").json())
    for candidate in outputs[0]["candidates"]:
        flag = f"--{candidate['kind']}"
        outputs.append(
            on_demo(
                "explain", "--province", province, "--period", period, flag, candidate["subject"], "--format", "json"
            ).json()
        )
    for document in outputs:
        _cited(document, cited)
    assert len(cited) >= 5
    for rule_id in sorted(cited):
        shown = on_demo("rules", "show", rule_id, "--format", "json")
        assert shown.code == 0, f"{rule_id}: {shown.err}"
        [entry] = shown.json()["rules"]
        assert entry["province"] == province and entry["quote"] and entry["document"] and entry["in_force_from"]


def test_rules_show_gives_document_clause_sentence_values_and_interpretation(on_demo):
    [entry] = on_demo("rules", "show", "LCA-DED-3", "--format", "json").json()["rules"]
    assert entry["clause"] == "Mục II.2.b" and entry["quote"].startswith(
        "Trừ 01 điểm đối với đơn vị thực hiện chưa nghiêm túc"
    )
    assert entry["version"] == "2021.1" and entry["issued"] is None and entry["in_force_from"] == "2021-10-13"
    assert {"name": "lapse_points", "value": 1, "summary": "deducted for not following the block's rules"} in entry[
        "values"
    ]
    assert [s["name"] for s in entry["settings"]] == ["lapse_per_event"] and "once per period" in entry[
        "interpretation"
    ]
    table = on_demo("rules", "show", "LCA-DED-3").out
    assert re.search(r"setting:\s+lapse_per_event \(default 0\)", table) and re.search(r"clause:\s+Mục II\.2\.b", table)


def test_rules_list_and_unknown_ids(on_demo):
    listing = on_demo("rules", "list", "--province", "dienbien", "--period", "2020", "--format", "json").json()["rules"]
    assert "DB-QUOTA-1" in {r["rule"] for r in listing} and {r["version"] for r in listing} == {"2020.1"}
    unknown = on_demo("rules", "show", "LCA-DED-9")
    assert unknown.code == 2 and "no rule 'LCA-DED-9' (did you mean 'LCA-DED-3'?)" in unknown.err
    assert on_demo("rules", "list", "--province", "laichau", "--period", "2019").code == 2


# -- rule-set versions by date -------------------------------------------------------------
def _testland_year(period: str, bonus: float) -> list[dict]:
    year = [dict(e, province="testland", period=period, at=e["at"].replace("2020", period)) for e in laichau_year()]
    return year + [
        ev("emulation.registered", f"{period}-02-02", province="testland", period=period, unit="A", targets={"t": 1}),
        ev("target.result", f"{period}-11-02", province="testland", period=period, unit="A", target="t", achieved=2),
        ev("bonus.awarded", f"{period}-12-02", province="testland", period=period, unit="A", target="t", points=bonus),
    ]


def test_each_period_is_decided_by_the_rule_set_version_in_force(thidua, testland):
    refused = thidua.load(_testland_year("2021", 1.5), expect=1)
    assert "points: a bonus is at most 1 point (TL-BONUS-1)" in refused.err
    thidua.load(_testland_year("2021", 1))
    thidua.load(_testland_year("2022", 1.5))  # the amended rules allow 2
    old, new = (thidua.standings(province="testland", period=p) for p in ("2021", "2022"))
    assert (old["rules"]["version"], old["rules"]["document"]) == ("1", "Test rules 1/TL")
    assert (new["rules"]["version"], new["rules"]["document"], new["rules"]["in_force_from"]) == (
        "2",
        "Test rules 2/TL",
        "2022-01-01",
    )
    assert [u["total"] for u in new["blocks"][0]["units"]][:1] == [121.5]
    assert (
        "rule set 2, in force from 2022-01-01" in thidua("standings", "--province", "testland", "--period", "2022").out
    )
    shown = thidua("rules", "show", "TL-BONUS-1", "--format", "json").json()["rules"]
    assert [(r["version"], r["in_force_to"], r["values"][0]["value"]) for r in shown] == [
        ("1", "2022-01-01", 1),
        ("2", None, 2),
    ]
    none = thidua("standings", "--province", "testland", "--period", "2018")
    assert (
        none.code == 2
        and "no rule set of testland is in force for period 2018 (versions: 1 from 2019-01-01 to 2022-01-01; 2 from 2022-01-01)"
        in none.err
    )


# -- signed checkpoints ------------------------------------------------------------------
def _rewrite_and_rehash(db: Path, position: int, points: str) -> None:
    """What a dishonest operator would do: change one score and recompute every later hash."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT rowid, topic, state FROM stored_events ORDER BY rowid").fetchall()
        previous = chain.GENESIS
        for rowid, topic, state in rows:
            data = json.loads(state)
            if rowid == position:
                data["record"]["points"] = points
            stamp = data["timestamp"]["_data_"]
            data["hash"] = chain.link(previous, rowid, topic.split(":", 1)[1], stamp, data["record"])
            previous = data["hash"]
            connection.execute(
                "UPDATE stored_events SET state = ? WHERE rowid = ?",
                (json.dumps(data, ensure_ascii=False).encode(), rowid),
            )


def test_a_checkpoint_catches_history_rewritten_and_rehashed(on_demo, keys, tmp_path):
    key, public = keys
    checkpoint = tmp_path / "cp.json"
    signed = on_demo("checkpoint", "--key", str(key))
    assert signed.code == 0 and signed.json()["statement"]["position"] == 570
    checkpoint.write_text(signed.out)
    ok = on_demo("verify", "--checkpoint", str(checkpoint), "--pubkey", str(public))
    assert ok.code == 0 and "ok: the log extends the checkpoint of" in ok.out and "(position 570," in ok.out
    _rewrite_and_rehash(on_demo.db, 300, "30")
    assert on_demo("verify", "--quick").code == 0  # the plain chain check is fooled
    kept = on_demo("verify")  # the read models, built from the old log, are not
    assert kept.code == 3 and "integrity failure at position 570:" in kept.err and "rewritten" in kept.err
    caught = on_demo("verify", "--checkpoint", str(checkpoint), "--pubkey", str(public))
    assert caught.code == 3
    assert (
        "integrity failure at position 570:" in caught.err
        and "history up to the checkpoint was rewritten" in caught.err
    )


def test_a_checkpoint_catches_a_truncated_log(on_demo, keys, tmp_path):
    key, public = keys
    (tmp_path / "cp.json").write_text(on_demo("checkpoint", "--key", str(key)).out)
    with sqlite3.connect(on_demo.db) as connection:
        connection.execute("DELETE FROM stored_events WHERE rowid > 550")
    assert on_demo("verify", "--quick").code == 0
    caught = on_demo("verify", "--checkpoint", str(tmp_path / "cp.json"), "--pubkey", str(public))
    assert (
        caught.code == 3 and "the log ends at position 550, before the signed checkpoint's position 570" in caught.err
    )


def test_a_forged_or_foreign_checkpoint_is_refused(on_demo, keys, tmp_path):
    key, public = keys
    document = on_demo("checkpoint", "--key", str(key)).json()
    forged = dict(document, statement=dict(document["statement"], position=100))
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    result = on_demo("verify", "--checkpoint", str(tmp_path / "forged.json"), "--pubkey", str(public))
    assert result.code == 3 and "signature does not verify: the statement was altered" in result.err
    other = tmp_path / "other.key"
    on_demo("keygen", str(other))
    (tmp_path / "cp.json").write_text(json.dumps(document))
    foreign = on_demo("verify", "--checkpoint", str(tmp_path / "cp.json"), "--pubkey", str(other) + ".pub")
    assert foreign.code == 3 and "not by a trusted key" in foreign.err
    assert on_demo("verify", "--checkpoint", str(tmp_path / "cp.json")).code == 2  # which key do you trust?
    (tmp_path / "junk.json").write_text("{}")
    junk = on_demo("verify", "--checkpoint", str(tmp_path / "junk.json"), "--pubkey", str(public))
    assert junk.code == 1 and "not a thidua checkpoint" in junk.err
    again = on_demo("keygen", str(key))
    assert again.code == 1 and "exists: refusing to overwrite a key" in again.err
    assert oct(key.stat().st_mode & 0o777) == "0o600"


# -- reproducible decisions --------------------------------------------------------------
def test_decisions_name_their_log_position_head_hash_and_versions_and_are_byte_identical(on_demo):
    def run(seed: str, *args: str) -> bytes:
        env = dict(os.environ, PYTHONHASHSEED=seed)
        command = [sys.executable, "-m", "thidua.cli.main", "--db", str(on_demo.db), *args, "--format", "json"]
        return subprocess.run(command, env=env, capture_output=True, check=True).stdout

    queries = [
        ("standings", "--province", "laocai", "--period", "2021", "--as-of", "@400"),
        ("explain", "--province", "dienbien", "--period", "2020", "--unit", "LDLD_DIEN_BIEN"),
        ("eligibility", "--province", "hcm_q1", "--period", "2015-2019"),
    ]
    for query in queries:
        first, second = run("1", *query), run("4242", *query)
        assert first == second, query
        head = json.loads(first)
        assert head["position"] in (400, 570) and len(head["head_hash"]) == 64
        assert head["plugin_version"] and head["rules"]["version"]
    assert (
        json.loads(run("1", *queries[0]))["head_hash"]
        == json.loads(on_demo("log", "--format", "jsonl").out.splitlines()[399])["hash"]
    )


# -- audit bundles -----------------------------------------------------------------------
@pytest.fixture
def bundle(on_demo, keys, tmp_path) -> Path:
    out = tmp_path / "laocai-2021.zip"
    result = on_demo("bundle", "--province", "laocai", "--period", "2021", "--key", str(keys[0]), str(out))
    assert result.code == 0, result.err
    assert result.out.startswith(f"wrote {out}: 122 events of laocai 2021, ")
    return out


def test_a_bundle_verifies_from_the_bundle_alone(bundle, keys, tmp_path):
    from conftest import Thidua

    fresh = Thidua(tmp_path / "fresh" / "never-created.sqlite")  # no database at all
    result = fresh("verify", "--bundle", str(bundle), "--pubkey", str(keys[1]))
    assert result.code == 0, result.err
    assert "ok: laocai 2021: chain of 570 events recomputed to the signed head" in result.out
    assert "(122 of the period, 448 as digests)" in result.out
    assert "ok: 14 decision documents reproduced byte for byte" in result.out
    names = zipfile.ZipFile(bundle).namelist()
    assert {
        "manifest.json",
        "checkpoint.json",
        "events.jsonl",
        "chain.jsonl",
        "standings.json",
        "eligibility.json",
        "explain/unit-CT_APATIT.json",
    } <= set(names)


def _rezip(bundle: Path, out: Path, change) -> None:
    with zipfile.ZipFile(bundle) as source:
        files = {n: source.read(n) for n in source.namelist()}
    change(files)
    with zipfile.ZipFile(out, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)


def _reseal(files: dict[str, bytes]) -> None:
    """Update the manifest's hashes as a forger would."""
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = {n: hashlib.sha256(d).hexdigest() for n, d in files.items() if n != "manifest.json"}
    files["manifest.json"] = json.dumps(manifest).encode()


def test_a_bundle_with_one_event_changed_fails(bundle, keys, tmp_path, on_demo):
    def raise_a_bonus(files):
        lines = files["events.jsonl"].decode().splitlines()
        index = next(i for i, line in enumerate(lines) if '"bonus.awarded"' in line)
        event = json.loads(lines[index])
        event["points"] = 1 if event["points"] != 1 else 0.5
        lines[index] = json.dumps(event, ensure_ascii=False)
        files["events.jsonl"] = ("\n".join(lines) + "\n").encode()

    changed = tmp_path / "changed.zip"
    _rezip(bundle, changed, raise_a_bonus)
    result = on_demo("verify", "--bundle", str(changed), "--pubkey", str(keys[1]))
    assert result.code == 3 and "events.jsonl does not match its SHA-256 in the manifest: it was changed" in result.err
    resealed = tmp_path / "resealed.zip"
    _rezip(bundle, resealed, lambda files: (raise_a_bonus(files), _reseal(files)))
    result = on_demo("verify", "--bundle", str(resealed), "--pubkey", str(keys[1]))
    assert result.code == 3 and "does not match its hash: it was altered" in result.err


def test_a_bundle_with_a_decision_changed_or_the_wrong_signer_fails(bundle, keys, tmp_path, on_demo):
    def promote(files):
        files["standings.json"] = files["standings.json"].replace(b'"rank": 2', b'"rank": 1', 1)
        _reseal(files)

    changed = tmp_path / "promoted.zip"
    _rezip(bundle, changed, promote)
    result = on_demo("verify", "--bundle", str(changed), "--pubkey", str(keys[1]))
    assert result.code == 3 and "standings.json: the replay does not reproduce this decision" in result.err
    other = tmp_path / "other.key"
    on_demo("keygen", str(other))
    foreign = on_demo("verify", "--bundle", str(bundle), "--pubkey", str(other) + ".pub")
    assert foreign.code == 3 and "checkpoint.json: the checkpoint was signed by ed25519:" in foreign.err
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert on_demo("verify", "--bundle", str(tmp_path / "junk.zip")).code == 1
