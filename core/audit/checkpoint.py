"""Signed checkpoints: an operator's Ed25519 signature over (log position, head hash, time).

A hash chain alone proves that the log is consistent with itself; someone who rewrites history
*and re-hashes* every later event produces a consistent chain. A checkpoint held by an auditor
pins the prefix: the current log must still have that exact hash at that position.

Keys are PEM files (PKCS#8 private key, SubjectPublicKeyInfo public key) from the
`cryptography` library, so they interoperate with OpenSSL.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from thidua.clock import local_iso, now
from thidua.log.chain import canonical_bytes

KIND = "thidua checkpoint"


class CheckpointError(Exception):
    """A key or checkpoint file cannot be read or is not what it claims (bad input)."""


class ForgedCheckpoint(Exception):
    """The signature does not verify, or was made by another key (an integrity failure)."""


def _crypto():
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return InvalidSignature, serialization, ed25519


def keygen(path: Path) -> Path:
    """Write a new private key to `path` (owner-only) and its public key to `path`.pub."""
    _, serialization, ed25519 = _crypto()
    public_path = path.with_name(path.name + ".pub")
    for target in (path, public_path):
        if target.exists():
            raise CheckpointError(f"{target} exists: refusing to overwrite a key")
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private)
    public_path.write_bytes(public)
    return public_path


def _raw_public(public_key: Any) -> bytes:
    _, serialization, _ = _crypto()
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(raw_public: bytes) -> str:
    return "ed25519:" + hashlib.sha256(raw_public).hexdigest()[:16]


def _load(path: Path, private: bool) -> Any:
    _, serialization, ed25519 = _crypto()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read the key {path}: {exc.strerror}") from None
    try:
        key = (
            serialization.load_pem_private_key(data, password=None)
            if private
            else serialization.load_pem_public_key(data)
        )
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path}: not a PEM {'private' if private else 'public'} key ({exc})") from None
    wanted = ed25519.Ed25519PrivateKey if private else ed25519.Ed25519PublicKey
    if not isinstance(key, wanted):
        raise CheckpointError(f"{path}: not an Ed25519 key")
    return key


def sign(key_path: Path, position: int, head_hash: str) -> dict[str, Any]:
    """A signed statement that the log had `head_hash` at `position`, now."""
    key = _load(key_path, private=True)
    raw = _raw_public(key.public_key())
    statement = {
        "kind": KIND,
        "position": position,
        "head_hash": head_hash,
        "time": local_iso(now()),
        "signer": fingerprint(raw),
    }
    signature = key.sign(canonical_bytes(statement))
    return {
        "statement": statement,
        "public_key": base64.b64encode(raw).decode(),
        "signature": base64.b64encode(signature).decode(),
    }


@dataclass(frozen=True)
class Checkpoint:
    position: int
    head_hash: str
    time: str
    signer: str


def read(data: bytes, source: str) -> dict[str, Any]:
    try:
        document = orjson.loads(data)
        statement = document["statement"]
        if statement["kind"] != KIND or not isinstance(statement["position"], int) or statement["position"] < 0:
            raise ValueError("not a thidua checkpoint")
        return document
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{source}: not a thidua checkpoint ({type(exc).__name__}: {exc})") from None


def check(document: dict[str, Any], public_key_path: Path | None) -> Checkpoint:
    """The statement if its signature verifies (with the given public key, if any)."""
    invalid_signature, _, ed25519 = _crypto()
    statement = document["statement"]
    try:
        raw = base64.b64decode(document["public_key"], validate=True)
        signature = base64.b64decode(document["signature"], validate=True)
        embedded = ed25519.Ed25519PublicKey.from_public_bytes(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint's key or signature is malformed ({exc})") from None
    if public_key_path is not None:
        trusted = _load(public_key_path, private=False)
        if _raw_public(trusted) != raw:
            raise ForgedCheckpoint(
                f"the checkpoint was signed by {fingerprint(raw)}, not by the key in {public_key_path} "
                f"({fingerprint(_raw_public(trusted))})"
            )
    try:
        embedded.verify(signature, canonical_bytes(statement))
    except invalid_signature:
        raise ForgedCheckpoint("the checkpoint's signature does not verify: the statement was altered") from None
    return Checkpoint(statement["position"], statement["head_hash"], statement["time"], statement["signer"])
