"""Progress bars for long work: on a terminal only, and only once the work has taken a second.

Piped output, `--format json` and short jobs stay quiet, so scripts and tests never see a bar.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

DELAY = 1.0  # seconds before a bar appears


class Progress:
    """Call with the number of items just done; `close()` when the work ends."""

    def __init__(self, label: str, total: int, enabled: bool = True):
        self.label, self.total, self.done = label, total, 0
        # Only for a person watching: both streams on a terminal (a pipe or a file gets no bar).
        self.enabled = enabled and sys.stderr.isatty() and sys.stdout.isatty()
        self.started = time.monotonic()
        self.bar: Any = None

    def __call__(self, count: int, remaining: int | None = None) -> None:
        self.done += count
        if remaining is not None:  # the work knows better than the guess it started with
            self.total = self.done + remaining
            if self.bar is not None:
                self.bar.length = self.total
        if not self.enabled:
            return
        if self.bar is None and time.monotonic() - self.started >= DELAY:
            self.bar = click.progressbar(length=max(self.total, self.done), label=self.label, file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done - count)
        if self.bar is not None:
            self.bar.update(count)

    def close(self, finished: bool = False) -> None:
        """End the bar; `finished` fills it (the last items may not have been counted one by one)."""
        if self.bar is not None and finished and self.bar.pos < self.bar.length:
            self.bar.update(self.bar.length - self.bar.pos)
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
