"""Atomic file writes: a temp file in the target's folder, fsync, ``os.replace``, then an
fsync of the folder. Readers see the old file or the new one, never a torn one.

A path that is a symbolic link (DVC, git-annex) is written through: the link's final target
is replaced, from a temp file in the target's folder, and the link stays as it is."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def write_target(path: Path) -> Path:
    """The file a write to ``path`` replaces: the link's final target when ``path`` is a
    symbolic link (so the link is kept), otherwise ``path`` itself."""
    if os.path.islink(path):
        return Path(os.path.realpath(path))
    return path


def new_temp(path: Path) -> tuple[Path, BinaryIO]:
    """A new, exclusively created file beside ``path`` with the usual permissions
    (0o666 minus the umask), open for binary writing."""
    while True:
        tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        return tmp, os.fdopen(fd, "wb")


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort; not on every platform)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; when the block ends without an exception it replaces
    ``path`` (through a symbolic link) atomically, otherwise the temp file is removed and
    ``path`` is untouched."""
    path = write_target(path)
    tmp, out = new_temp(path)
    try:
        with out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    with atomic_writer(path) as out:
        out.write(data)
