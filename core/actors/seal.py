"""The batch seal: one Ed25519 signature per appended batch, stored with the batch's last event.

The signed message names the signer and, for every event of the batch, its log position, type
and record digest (the same SHA-256 the chain links), so verifying a batch costs one signature
check plus the digests the chain check computes anyway; an auditor holding only
(position, type, record digest) of other provinces' events can still check their seals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from thidua.actors import keys

KIND = b"thidua batch seal v1"
Entry = tuple[int, str, str]  # (position, type, record SHA-256)


def message(signer: str, entries: Sequence[Entry]) -> bytes:
    lines = [KIND, signer.encode("utf-8")]
    lines += [f"{position} {event_type} {digest}".encode() for position, event_type, digest in entries]
    return b"\n".join(lines)


def make(signer: str, private_key: Any, entries: Sequence[Entry]) -> dict[str, Any]:
    """The seal stored beside the batch's last event: who signed, where the batch starts, the signature."""
    return {"signer": signer, "first": entries[0][0], "signature": keys.sign(private_key, message(signer, entries))}


def well_formed(seal: Any) -> bool:
    return (
        isinstance(seal, dict)
        and isinstance(seal.get("signer"), str)
        and isinstance(seal.get("first"), int)
        and isinstance(seal.get("signature"), str)
    )
