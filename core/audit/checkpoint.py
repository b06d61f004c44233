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
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from thidua.audit.files import FileRefused, write_new
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
        if target.exists() or target.is_symlink():
            raise CheckpointError(f"{target} exists: refusing to overwrite a key")
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        write_new(path, private, 0o600)  # the private key: its owner only
        write_new(public_path, public, 0o644)
    except FileRefused as exc:
        raise CheckpointError(str(exc)) from None
    return public_path


def _raw_public(public_key: Any) -> bytes:
    _, serialization, _ = _crypto()
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(raw_public: bytes) -> str:
    return "ed25519:" + hashlib.sha256(raw_public).hexdigest()[:16]


def _load(path: Path, private: bool) -> Any:
    _, serialization, ed25519 = _crypto()
    try:
        if private:
            _owner_only(path)
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


def _owner_only(path: Path) -> None:
    """A private key readable or writable by group or others is refused, as OpenSSH refuses one."""
    if os.name == "nt":  # no POSIX modes to check
        return
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise CheckpointError(
            f"{path}: permissions {mode:04o} are too open: a private key must be accessible by its owner only "
            f"(chmod 600 {path})"
        )


def trusted_keys(paths: Iterable[Path]) -> list[bytes]:
    """The raw Ed25519 public keys of these files; a file may hold several PEM public keys (a file
    of trusted keys), blank lines and `#` comments between them."""
    keys: list[bytes] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"cannot read the trusted key file {path}: {getattr(exc, 'strerror', exc)}") from None
        blocks = re.findall(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", text, flags=re.S)
        rest = re.sub(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", "", text, flags=re.S)
        if not blocks or any(line.strip() and not line.lstrip().startswith("#") for line in rest.splitlines()):
            raise CheckpointError(f"{path}: not a PEM public key, or a file of them")
        for block in blocks:
            keys.append(_raw_public(_public_from_pem(block.encode(), path)))
    return keys


def _public_from_pem(data: bytes, path: Path) -> Any:
    _, serialization, ed25519 = _crypto()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
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
    trusted: bool  # signed by a key the caller trusts; False: only self-consistent


MAX_BYTES = 64 * 1024  # a checkpoint is a few hundred bytes
HEX64 = re.compile(r"[0-9a-f]{64}")


def read(data: bytes, source: str) -> dict[str, Any]:
    """A checkpoint document, every field checked for its kind: anything else is one line (exit 1)."""

    def refuse(why: str) -> CheckpointError:
        return CheckpointError(f"{source}: not a thidua checkpoint: {why}")

    if len(data) > MAX_BYTES:
        raise refuse(f"{len(data)} bytes, more than a checkpoint's {MAX_BYTES}")
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise refuse(f"not JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("statement"), dict):
        raise refuse("no statement object")
    statement = document["statement"]
    wanted = {
        "kind": lambda v: v == KIND,
        "position": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "head_hash": lambda v: isinstance(v, str) and HEX64.fullmatch(v) is not None,
        "time": lambda v: isinstance(v, str) and 0 < len(v) <= 64,
        "signer": lambda v: isinstance(v, str) and len(v) <= 64,
    }
    for key, valid in wanted.items():
        if key not in statement:
            raise refuse(f"statement.{key} is missing")
        if not valid(statement[key]):
            raise refuse(f"statement.{key} is malformed")
    for key in ("public_key", "signature"):
        if not isinstance(document.get(key), str):
            raise refuse(f"{key} is missing or not text")
    return document


def check(document: dict[str, Any], trusted: list[bytes] | None) -> Checkpoint:
    """The statement if its signature verifies. With `trusted` keys it must be signed by one of
    them (else `ForgedCheckpoint`); without, it is only self-consistent (`trusted` False)."""
    invalid_signature, _, ed25519 = _crypto()
    statement = document["statement"]
    try:
        raw = base64.b64decode(document["public_key"], validate=True)
        signature = base64.b64decode(document["signature"], validate=True)
        embedded = ed25519.Ed25519PublicKey.from_public_bytes(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint's key or signature is malformed ({exc})") from None
    if trusted is not None and raw not in trusted:
        raise ForgedCheckpoint(
            f"the checkpoint was signed by {fingerprint(raw)}, not by a trusted key "
            f"({', '.join(fingerprint(key) for key in trusted)})"
        )
    try:
        embedded.verify(signature, canonical_bytes(statement))
    except invalid_signature:
        raise ForgedCheckpoint("the checkpoint's signature does not verify: the statement was altered") from None
    return Checkpoint(
        statement["position"], statement["head_hash"], statement["time"], fingerprint(raw), trusted is not None
    )
