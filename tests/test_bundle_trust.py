"""Issue 19: audit bundles and checkpoints are "verified" only with a trusted key; hostile zips are
refused before anything is unpacked; malformed manifests and checkpoints are one line, exit 1; a
private key others can read is refused, as OpenSSH refuses it."""

from __future__ import annotations

import hashlib
import json
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from thidua.audit import bundle as bundles

from conftest import laichau_year


@pytest.fixture
def made(thidua, tmp_path):
    thidua.load(laichau_year())
    key = tmp_path / "op.key"
    assert thidua("keygen", str(key)).code == 0
    out = tmp_path / "laichau-2020.zip"
    assert thidua("bundle", "--province", "laichau", "--period", "2020", "--key", str(key), str(out)).code == 0
    return thidua, key, Path(f"{key}.pub"), out


def files_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return path


def resealed(files: dict[str, bytes], manifest_change=None) -> list[tuple[str, bytes]]:
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = {n: hashlib.sha256(d).hexdigest() for n, d in files.items() if n != "manifest.json"}
    if manifest_change:
        manifest_change(manifest)
    return [("manifest.json", json.dumps(manifest).encode())] + [
        (n, d) for n, d in files.items() if n != "manifest.json"
    ]


def one_line(result, code: int, *fragments: str) -> None:
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def verify(thidua, path: Path, *keys: Path):
    return thidua("verify", "--bundle", str(path), *[arg for key in keys for arg in ("--pubkey", str(key))])


# -- trust -----------------------------------------------------------------------------------------
def test_a_bundle_is_verified_only_with_a_trusted_key(made, tmp_path):
    thidua, key, public, out = made
    ok = verify(thidua, out, public)
    assert ok.code == 0 and ok.out.startswith("ok: laichau 2020: chain of ") and ok.err == ""
    alone = verify(thidua, out)  # consistent, but signed by anyone: its own exit status, nothing on stdout
    one_line(alone, 5, "NOT verified", "signed by ed25519:", "give --pubkey")
    assert alone.out == ""
    other = tmp_path / "other.key"
    assert thidua("keygen", str(other)).code == 0
    one_line(verify(thidua, out, Path(f"{other}.pub")), 3, "not by a trusted key")
    ring = tmp_path / "trusted.pem"  # a file of trusted keys
    ring.write_text("# auditors' keyring\n" + Path(f"{other}.pub").read_text() + "\n" + public.read_text())
    assert verify(thidua, out, ring).code == 0
    assert verify(thidua, out, Path(f"{other}.pub"), public).code == 0
    ring.write_text("not a key\n")
    one_line(verify(thidua, out, ring), 1, "not a PEM public key")


def test_an_untrusted_resigned_bundle_cannot_pass_for_verified(made, tmp_path):
    """A forger re-signs an altered bundle with their own key: without --pubkey it is exit 5, never 0."""
    thidua, key, public, out = made
    forger = tmp_path / "forger.key"
    assert thidua("keygen", str(forger)).code == 0
    forged = tmp_path / "forged.zip"
    assert thidua("bundle", "--province", "laichau", "--period", "2020", "--key", str(forger), str(forged)).code == 0
    one_line(verify(thidua, forged), 5, "NOT verified")
    one_line(verify(thidua, forged, public), 3, "not by a trusted key")


# -- the zip -------------------------------------------------------------------------------------
def test_members_beyond_the_manifest_are_refused(made, tmp_path):
    thidua, _, public, out = made
    files = files_of(out)
    extra = write(tmp_path / "extra.zip", [*files.items(), ("notes.txt", b"hello")])
    one_line(verify(thidua, extra, public), 3, "notes.txt is in the bundle but not in its manifest")
    listed = write(tmp_path / "listed.zip", resealed({**files, "notes.txt": b"hello"}))
    one_line(verify(thidua, listed, public), 3, "notes.txt is not a file of a thidua audit bundle")
    missing = dict(files)
    del missing["explain/unit-A.json"]
    one_line(verify(thidua, write(tmp_path / "m.zip", resealed(missing)), public), 3, "explain/unit-A.json")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../x", "'..'"),
        ("explain/../../x.json", "'..'"),
        ("/etc/x.json", "absolute"),
        ("C:/x.json", "absolute"),
        ("a\\..\\x.json", "absolute"),
        ("explain//x.json", "empty part"),
    ],
)
def test_unsafe_names_are_refused_before_unpacking(made, tmp_path, name, why):
    thidua, _, public, out = made
    hostile = write(tmp_path / "hostile.zip", resealed({**files_of(out), name: b"{}"}))
    one_line(verify(thidua, hostile, public), 1, "refused before unpacking", why)


def test_a_member_twice_is_refused_before_unpacking(made, tmp_path):
    thidua, _, public, out = made
    files = files_of(out)
    forged = files["standings.json"].replace(b'"rank": 2', b'"rank": 1', 1)
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = write(tmp_path / "twice.zip", [*files.items(), ("standings.json", forged)])
    one_line(verify(thidua, twice, public), 1, "'standings.json' appears twice; refused before unpacking")


def test_a_zip_bomb_is_refused_from_its_directory_in_bounded_time_and_memory(made, tmp_path):
    thidua, _, public, out = made
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files_of(out).items():
            archive.writestr(name, data)
        with archive.open("explain/unit-Z.json", "w", force_zip64=True) as member:
            block = b"\0" * 2**20
            for _ in range(200):  # 200 MiB of zeros, about 200 KB packed
                member.write(block)
    assert bomb.stat().st_size < 2 * 2**20
    tracemalloc.start()
    started = time.perf_counter()
    result = verify(thidua, bomb, public)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    one_line(result, 1, "explain/unit-Z.json", "compressed 1", ":1, over the limit of 100:1", "before unpacking")
    assert elapsed < 2.0 and peak < 20 * 2**20, (elapsed, peak)


def test_members_over_the_size_limits_are_refused(made, tmp_path, monkeypatch):
    thidua, _, public, out = made
    monkeypatch.setattr(bundles, "MAX_MEMBER_BYTES", 1000)
    one_line(verify(thidua, out, public), 1, "bytes unpacked, over the limit of 1000", "before unpacking")
    monkeypatch.setattr(bundles, "MAX_MEMBER_BYTES", 2**30)
    monkeypatch.setattr(bundles, "MAX_TOTAL_BYTES", 5000)
    one_line(verify(thidua, out, public), 1, "over the limit of 5000")
    monkeypatch.setattr(bundles, "MAX_TOTAL_BYTES", 2**30)
    monkeypatch.setattr(bundles, "MAX_MEMBERS", 3)
    one_line(verify(thidua, out, public), 1, "members, over the limit of 3")


# -- malformed manifests and checkpoints ------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda m: m.update(files=5), "files is malformed"),
        (lambda m: m.pop("position"), "position is missing"),
        (lambda m: m.update(position="559"), "position is malformed"),
        (lambda m: m.update(position=True), "position is malformed"),
        (lambda m: m.pop("head_hash"), "head_hash is missing"),
        (lambda m: m.update(rules=[]), "rules is malformed"),
        (lambda m: m.update(kind="something else"), "kind is malformed"),
        (lambda m: m["files"].update({"standings.json": "not a digest"}), "files is malformed"),
    ],
)
def test_a_malformed_manifest_is_one_line_and_exit_1(made, tmp_path, change, why):
    thidua, _, public, out = made
    broken = write(tmp_path / "broken.zip", resealed(files_of(out), change))
    one_line(verify(thidua, broken, public), 1, "manifest.json is not a bundle manifest", why)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (b"[1, 2", "not JSON"),
        (b"[]", "not an object"),
        (b'{"kind": "thidua audit bundle", "kind": "x"}', "'kind' appears twice"),
        (b'{"kind": NaN}', "NaN is not a JSON number"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_a_manifest_that_is_not_json_is_one_line_and_exit_1(made, tmp_path, text, why):
    thidua, _, public, out = made
    files = files_of(out)
    broken = write(
        tmp_path / "broken.zip", [("manifest.json", text), *[(n, d) for n, d in files.items() if n != "manifest.json"]]
    )
    one_line(verify(thidua, broken, public), 1, why)


CHECKPOINT_BREAKS = [
    (lambda c: c["statement"].pop("head_hash"), "statement.head_hash is missing"),
    (lambda c: c["statement"].pop("time"), "statement.time is missing"),
    (lambda c: c["statement"].update(position="5"), "statement.position is malformed"),
    (lambda c: c["statement"].update(head_hash="abc"), "statement.head_hash is malformed"),
    (lambda c: c.pop("signature"), "signature is missing"),
    (lambda c: c.update(statement=[]), "no statement object"),
    (lambda c: c.update(public_key="@@@"), "key or signature is malformed"),
]


@pytest.mark.parametrize(("change", "why"), CHECKPOINT_BREAKS)
def test_a_malformed_checkpoint_is_one_line_and_exit_1(made, tmp_path, change, why):
    thidua, key, public, out = made
    document = json.loads(thidua("checkpoint", "--key", str(key)).out)
    change(document)
    path = tmp_path / "cp.json"
    path.write_text(json.dumps(document))
    one_line(thidua("verify", "--checkpoint", str(path), "--pubkey", str(public)), 1, why)
    files = files_of(out)  # the same checkpoint inside a bundle
    files["checkpoint.json"] = json.dumps(document).encode()
    one_line(verify(thidua, write(tmp_path / "b.zip", resealed(files)), public), 1, why)


def test_a_huge_or_non_json_checkpoint_is_one_line(made, tmp_path):
    thidua, _, public, _ = made
    path = tmp_path / "cp.json"
    path.write_bytes(b" " * (2**20))
    one_line(thidua("verify", "--checkpoint", str(path), "--pubkey", str(public)), 1, "more than a checkpoint's")
    path.write_bytes(b"\xff not json")
    one_line(thidua("verify", "--checkpoint", str(path), "--pubkey", str(public)), 1, "not JSON")


# -- private keys ---------------------------------------------------------------------------------
@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o777, 0o660])
def test_a_private_key_others_can_read_is_refused(made, tmp_path, mode):
    thidua, key, _, _ = made
    key.chmod(mode)
    one_line(thidua("checkpoint", "--key", str(key)), 1, f"permissions {mode:04o} are too open", "chmod 600")
    result = thidua("bundle", "--province", "laichau", "--period", "2020", "--key", str(key), str(tmp_path / "x.zip"))
    one_line(result, 1, "too open")
    key.chmod(0o600)
    assert thidua("checkpoint", "--key", str(key)).code == 0
    key.chmod(0o400)
    assert thidua("checkpoint", "--key", str(key)).code == 0
