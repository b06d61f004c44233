"""Where an import keeps its accepted lines between validating them and appending them.

A private temporary file (created 0600, gone when closed) holds each line's stored form; memory
holds eight bytes per line (its offset). An import of any size thus keeps in memory only what
validation needs (`thidua.intake.periods`), never the records themselves.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from collections.abc import Iterator
from typing import Any

import orjson

BLOCK = 1 << 20  # bytes read back at a time


class Spool:
    """(type, stored record) pairs in append order; sized and iterable again and again, so it
    can be handed to `Store.append` like a list."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="thidua-import-")  # noqa: SIM115 (closed by `close`)
        self._offsets = array("Q")
        self._end = 0

    def add(self, event_type: str, record: dict[str, Any]) -> int:
        """Keep one accepted line; its index (0, 1, …) is its place in the append."""
        line = orjson.dumps((event_type, record)) + b"\n"
        self._offsets.append(self._end)
        self._file.write(line)
        self._end += len(line)
        return len(self._offsets) - 1

    def __len__(self) -> int:
        return len(self._offsets)

    def at(self, index: int) -> tuple[str, dict[str, Any]]:
        """One line back (to fold a province-period's facts again)."""
        self._file.flush()
        start = self._offsets[index]
        end = self._offsets[index + 1] if index + 1 < len(self._offsets) else self._end
        event_type, record = orjson.loads(os.pread(self._file.fileno(), end - start, start))
        return event_type, record

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        self._file.flush()
        fd, offset, rest = self._file.fileno(), 0, b""
        while offset < self._end:
            block = os.pread(fd, min(BLOCK, self._end - offset), offset)
            offset += len(block)
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            for line in lines:
                event_type, record = orjson.loads(line)
                yield event_type, record

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
