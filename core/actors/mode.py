"""Whether a store is open (one operator, as before actors) or enforcing (`thidua init`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from thidua.log.store import Store


OPEN, ENFORCING = "open", "enforcing"


def mode_of(store: Store) -> str:
    """`enforcing` if the log's first event appoints an administrator, else `open`."""
    cached = getattr(store, "_thidua_mode", None)
    if cached is not None:
        return cached
    first = next(iter(store.read(1, 1)), None)
    mode = ENFORCING if first is not None and first.type == "actor.appointed" else OPEN
    if first is not None:
        store._thidua_mode = mode  # type: ignore[attr-defined]  # position 1 never changes
    return mode
