"""Decoding of images and videos with Pillow and PyAV (imported lazily by the submodules)."""

from __future__ import annotations

import os
import stat


class MediaError(Exception):
    """A media file cannot be read or decoded; ``str()`` names the file and the problem."""

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        super().__init__(os.fspath(path), message)
        self.path = os.fspath(path)
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ClusterError(Exception):
    """The cluster cannot run the media work (unreachable, gone, blind to the data): the
    CLI prints it and exits 2; the file being fixed or created is not written."""


def check_regular_file(path: str) -> None:
    """Raise :class:`MediaError` unless ``path`` is a non-empty regular file."""
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise MediaError(path, "file not found") from exc
    except OSError as exc:
        raise MediaError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise MediaError(path, "a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise MediaError(path, "not a regular file")
    if info.st_size == 0:
        raise MediaError(path, "empty file (0 bytes)")


__all__ = ["ClusterError", "MediaError", "check_regular_file"]
