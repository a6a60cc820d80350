"""Where media bytes come from: a :class:`MediaStore` names, guards, locates, stats, lists
and opens the files below one root.

A store knows nothing of manifests: callers hand it ``/``-separated names relative to its
root. :class:`LocalStore` serves a folder on disk; an object-storage store serves a bucket
prefix through the same methods. A store is cheap to pickle (only its root travels), so
worker processes rebuild it from the task they get.

Names from a manifest are guarded before anything is opened: a NUL, an absolute path, a
``~`` or a ``..`` segment never reaches the file system (:func:`escape_reason`). Symbolic
links the user made below the root are followed wherever they lead (as CVAT's tool follows
them: a DVC or git-annex dataset is all links into a cache); a store made with
``follow_links=False`` reports a link that resolves outside the root as ``outside``.
"""

from __future__ import annotations

import os
import stat as stat_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal

# Folders that are never dataset folders: version control, virtualenvs, caches.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".manifest_lint_cache", ".hypothesis",
})

State = Literal["ok", "missing", "outside"]


@dataclass(frozen=True, slots=True)
class StatResult:
    """A file's size and change token (``mtime_ns`` on disk, the ETag in a bucket)."""

    size: int
    token: str
    regular: bool = True


def escape_reason(name: str) -> str | None:
    """Why a name from a manifest must not be opened (``None`` when it is a clean name)."""
    if "\x00" in name:
        return "contains a NUL character"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if name.startswith("~"):
        return "starts with '~' (a home folder)"
    if ".." in name.replace("\\", "/").split("/"):
        return "contains a '..' segment"
    return None


class LocalStore:
    """The media below one folder on disk."""

    def __init__(self, root: str | os.PathLike[str], follow_links: bool = True) -> None:
        self.root = os.path.abspath(os.fspath(root))
        self.follow_links = follow_links
        self._real_root: str | None = None
        self._folder_inside: dict[str, bool] = {}  # folder -> inside(folder), links resolved

    def __reduce__(self) -> tuple[type[LocalStore], tuple[str, bool]]:
        return (LocalStore, (self.root, self.follow_links))

    @property
    def real_root(self) -> str:
        """The root with every link resolved (computed once)."""
        if self._real_root is None:
            self._real_root = os.path.realpath(self.root)
        return self._real_root

    def exists(self) -> bool:
        return os.path.isdir(self.root)

    def url(self, name: str) -> str:
        """How reports name the file ``name``."""
        return self.path(name)

    def path(self, name: str) -> str:
        """The file a clean ``/``-separated ``name`` names below the root."""
        return os.path.join(self.root, *name.split("/"))

    def inside(self, path: str) -> bool:
        """True when ``path`` (links resolved) is the root or below it."""
        real = os.path.realpath(path)
        root = self.real_root
        prefix = root if root.endswith(os.sep) else root + os.sep
        return real == root or real.startswith(prefix)

    def locate(self, name: str) -> tuple[str, State]:
        """The path of ``name`` and whether it is there (``ok``), absent (``missing``, a
        broken link too) or, without ``follow_links``, a link that leads out of the root
        (``outside``). ``name`` must be a clean name (see :func:`escape_reason`)."""
        path = self.path(name)
        try:
            mode = os.lstat(path).st_mode
        except (OSError, ValueError):
            return path, "missing"
        if not stat_module.S_ISLNK(mode):
            if self.follow_links:
                return path, "ok"
            # a file that is no link is inside when its folder is: resolve each folder once
            folder = os.path.dirname(path)
            inside = self._folder_inside.get(folder)
            if inside is None:
                inside = self._folder_inside[folder] = self.inside(folder)
            return path, "ok" if inside else "outside"
        if not self.follow_links and not self.inside(path):
            return path, "outside"
        if not os.path.exists(path):
            return path, "missing"
        return path, "ok"

    @staticmethod
    def stat(path: str) -> StatResult:
        """Size and change token of ``path``; raises :class:`OSError`."""
        st = os.stat(path)
        return StatResult(st.st_size, str(st.st_mtime_ns), stat_module.S_ISREG(st.st_mode))

    @staticmethod
    def open(path: str) -> BinaryIO:
        return open(path, "rb")

    @staticmethod
    def read_range(path: str, start: int, length: int) -> bytes:
        """Up to ``length`` bytes of ``path`` from ``start``."""
        with open(path, "rb") as f:
            f.seek(start)
            return f.read(length)

    def names(self, wanted: Callable[[str], bool]) -> Iterator[str]:
        """Names below the root whose file name passes ``wanted``, ``/``-separated, sorted
        folder by folder; version control folders, virtualenvs and caches are skipped."""
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS
                             and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg")))
            rel_folder = os.path.relpath(folder, self.root)
            prefix = "" if rel_folder == "." else rel_folder.replace(os.sep, "/") + "/"
            for f in sorted(files):
                if wanted(f):
                    yield prefix + f

    def entries(self) -> list[str]:
        """The names directly in the root, sorted (empty when it cannot be listed)."""
        try:
            return sorted(os.listdir(self.root))
        except OSError:
            return []
