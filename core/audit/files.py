"""New files the auditor's toolkit writes (keys, bundles): created, never overwritten, never
written through a symbolic link (a dangling link would send a private key wherever it points)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


class FileRefused(Exception):
    """The path exists (a file or a link) or cannot be created; the message says which."""


def create(path: Path, mode: int = 0o600) -> BinaryIO:
    """A new file at `path`, open for writing, with `mode`; refused if anything is already there."""
    if os.path.islink(path):
        raise FileRefused(f"{path} is a symbolic link: refusing to write through it")
    try:
        descriptor = os.open(path, FLAGS, mode)
    except FileExistsError:
        raise FileRefused(f"{path} exists: refusing to overwrite it") from None
    except OSError as exc:
        raise FileRefused(f"cannot create {path}: {exc.strerror}") from None
    return os.fdopen(descriptor, "wb")


def write_new(path: Path, data: bytes, mode: int = 0o600) -> None:
    with create(path, mode) as handle:
        handle.write(data)
