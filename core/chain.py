"""The hash chain: each stored event's SHA-256 covers the previous hash, its position,
its type, its recording time and its canonical record, so an edit, a deletion, an
insertion or a reordering anywhere changes every hash from that point on."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

GENESIS = "0" * 64


def canonical_bytes(record: dict[str, Any]) -> bytes:
    """One byte string per record: sorted keys, UTF-8, no spaces (decimals are already text)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def link(previous: str, position: int, event_type: str, recorded_at: str, record: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    for part in (previous, str(position), event_type, recorded_at):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")  # unit separator: no two different tuples hash alike
    digest.update(canonical_bytes(record))
    return digest.hexdigest()
