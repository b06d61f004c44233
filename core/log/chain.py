"""The hash chain: each stored event's SHA-256 covers the previous hash, its position,
its type, its recording time and the SHA-256 of its canonical record, so an edit, a deletion,
an insertion or a reordering anywhere changes every hash from that point on.

The record enters through its own digest so that a proof can carry an event as
(position, type, recorded_at, record digest) without its content: an audit bundle proves a
period's events against a signed head without disclosing the other provinces' events."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

GENESIS = "0" * 64


def canonical_bytes(record: dict[str, Any]) -> bytes:
    """One byte string per record: sorted keys, UTF-8, no spaces (decimals are already text)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def record_digest(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def link(previous: str, position: int, event_type: str, recorded_at: str, record: dict[str, Any]) -> str:
    return link_digest(previous, position, event_type, recorded_at, record_digest(record))


def link_digest(previous: str, position: int, event_type: str, recorded_at: str, digest_of_record: str) -> str:
    digest = hashlib.sha256()
    for part in (previous, str(position), event_type, recorded_at, digest_of_record):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")  # unit separator: no two different tuples hash alike
    return digest.hexdigest()
