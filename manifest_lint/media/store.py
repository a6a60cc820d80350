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
# What :meth:`LocalStore.lookup` finds: the path, its folder, the state, the file's stat
# (None when missing) and its real path (links resolved; "" when missing).
Lookup = tuple[str, str, State, "os.stat_result | None", str]
_POSIX = os.sep == "/"


@dataclass(slots=True)
class StatResult:
    """A file's size and change token (``mtime_ns`` on disk, the ETag in a bucket); built
    per file, so not frozen (a frozen dataclass costs four times as much to build)."""

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
        self._prefix = self.root if self.root.endswith(os.sep) else self.root + os.sep
        self._real_root: str | None = None
        # folder -> (its realpath ending in a separator, whether it is inside the root)
        self._folders: dict[str, tuple[str, bool]] = {}

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
        if _POSIX and "//" not in name and not name.startswith("/"):
            return self._prefix + name  # what the join below gives, built in one step
        return os.path.join(self.root, *name.split("/"))

    def join(self, rel: str) -> str:
        """``os.path.join(root, rel)`` for a relative ``rel`` (one that does not start with
        a separator), built in one step."""
        return self._prefix + rel if _POSIX else os.path.join(self.root, rel)

    def inside(self, path: str) -> bool:
        """True when ``path`` (links resolved) is the root or below it."""
        return self.real_inside(os.path.realpath(path))

    def real_inside(self, real: str) -> bool:
        """True when the resolved path ``real`` is the root or below it."""
        root = self.real_root
        prefix = root if root.endswith(os.sep) else root + os.sep
        return real == root or real.startswith(prefix)

    def _folder(self, folder: str) -> tuple[str, bool]:
        """``folder`` resolved (with a separator at the end) and whether that is inside the
        root: looked up once per folder."""
        known = self._folders.get(folder)
        if known is None:
            real = os.path.realpath(folder)
            known = self._folders[folder] = (os.path.join(real, ""), self.real_inside(real))
        return known

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
            return path, "ok" if self._folder(os.path.dirname(path))[1] else "outside"
        if not self.follow_links and not self.inside(path):
            return path, "outside"
        if not os.path.exists(path):
            return path, "missing"
        return path, "ok"

    def lookup(self, name: str) -> Lookup:
        """:meth:`locate` and :meth:`stat` in one: for a file that is no link, one ``lstat``
        (its folder resolved once for the guard and the real path). A link is resolved on
        its own; one that leads outside the root is still stat-ed (its cache entry is kept)."""
        if "/" in name or not _POSIX:
            path = self.path(name)
            folder, base = os.path.split(path)
        else:
            path, folder, base = self._prefix + name, self.root, name
        try:
            st = os.lstat(path)
        except (OSError, ValueError):
            return path, folder, "missing", None, ""
        if stat_module.S_ISLNK(st.st_mode):
            inside = self.follow_links or self.inside(path)
            try:
                st = os.stat(path)
            except (OSError, ValueError):  # broken (a broken link out of the root: outside)
                return path, folder, "missing" if inside else "outside", None, ""
            return path, folder, "ok" if inside else "outside", st, os.path.realpath(path)
        real_prefix, inside = self._folder(folder)
        state: State = "ok" if inside or self.follow_links else "outside"
        if base in ("", ".", ".."):
            return path, folder, state, st, os.path.realpath(path)
        return path, folder, state, st, real_prefix + base

    def resolve(self, path: str) -> tuple[str, os.stat_result | None]:
        """``os.path.realpath(path)`` and the ``lstat`` of ``path`` (None when that fails):
        one ``lstat`` for a path that is no link (missing or not), which is its folder,
        resolved once, plus its name; a link is resolved on its own."""
        try:
            st: os.stat_result | None = os.lstat(path)
        except (OSError, ValueError):
            st = None
        folder, base = os.path.split(path)
        if (st is not None and stat_module.S_ISLNK(st.st_mode)) or base in ("", ".", ".."):
            return os.path.realpath(path), st
        return self._folder(folder)[0] + base, st

    @staticmethod
    def stat_of(st: os.stat_result) -> StatResult:
        """The size and change token of a stat result."""
        return StatResult(st.st_size, str(st.st_mtime_ns), stat_module.S_ISREG(st.st_mode))

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
