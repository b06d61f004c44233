"""Interrupts that tell the truth: SIGINT and SIGTERM are held while an append commits, so a
process is never stopped between "the transaction committed" and "it knows it did"."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HELD = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def held() -> Iterator[None]:
    """Delay SIGINT and SIGTERM until the block has finished (main thread only; elsewhere, and on
    systems without signal masks, the block runs as it is)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a held signal is delivered here


def ignore_interrupts() -> None:
    """From now on SIGINT and SIGTERM do nothing: once an import has committed, the command
    finishes and says "appended N" rather than being stopped into a false failure."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def terminate_as_interrupt() -> None:
    """SIGTERM ends the process the way Ctrl-C does (KeyboardInterrupt), so the command can say
    what was and was not written instead of vanishing mid-sentence."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous_hook = sys.unraisablehook

    def unraisable(hook: Any) -> None:
        # An interrupt that lands in a finalizer cannot propagate there: Python would print a
        # traceback and drop it. Deliver it again instead, once the finalizer has returned.
        if isinstance(hook.exc_value, KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
            return
        previous_hook(hook)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)
        sys.unraisablehook = unraisable


def forget_caught_interrupts() -> None:
    """CPython remembers a KeyboardInterrupt that ended code it ran from a string (`exec` or `eval`
    of text: dataclasses and namedtuples make their methods so, as modules load) even when a handler
    caught it; under `python -m` it then ends the process by SIGINT at exit (status -2) instead of
    with the status the command chose (130 "nothing was appended", or 0 after "appended N").
    Running any string resets that memory (CPython's `run_eval_code_obj` clears it first)."""
    exec("")
