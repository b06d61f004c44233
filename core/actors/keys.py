"""Ed25519 keys of actors: PEM files from `thidua keygen` (the checkpoint keys), public keys in
events as base64 of the 32 raw bytes (or PEM). Never hand-written cryptography."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from thidua.audit.checkpoint import CheckpointError, _crypto, _load, _raw_public
from thidua.audit.checkpoint import fingerprint as fingerprint


class BadKey(Exception):
    """A key file or an event's `public_key` cannot be read (bad input)."""


def load_private(path: Path) -> Any:
    try:
        return _load(path, private=True)
    except CheckpointError as exc:
        raise BadKey(str(exc)) from None


def public_of(private_key: Any) -> bytes:
    return _raw_public(private_key.public_key())


def public_file(path: Path) -> bytes:
    """The raw 32 bytes of a PEM public key file."""
    try:
        return _raw_public(_load(path, private=False))
    except CheckpointError as exc:
        raise BadKey(str(exc)) from None


def raw_public_key(text: str) -> bytes:
    """An event's `public_key`: PEM, or base64 of the 32 raw bytes."""
    _, serialization, ed25519 = _crypto()
    if "-----BEGIN" in text:
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise BadKey(f"not a PEM public key ({exc})") from None
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise BadKey("not an Ed25519 public key")
        return _raw_public(key)
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise BadKey("expected an Ed25519 public key, PEM or base64 of its 32 bytes") from None
    if len(raw) != 32:
        raise BadKey(f"an Ed25519 public key has 32 bytes, this one {len(raw)}")
    return raw


def encode_public(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def sign(private_key: Any, message: bytes) -> str:
    return base64.b64encode(private_key.sign(message)).decode("ascii")


def verifies(raw_public: bytes, signature: str, message: bytes) -> bool:
    invalid_signature, _, ed25519 = _crypto()
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(raw_public).verify(
            base64.b64decode(signature, validate=True), message
        )
    except (invalid_signature, ValueError, TypeError):
        return False
    return True
