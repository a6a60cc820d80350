"""A cache of per-media-file results (sizes, checksums, key frames), like ruff's.

Entries are keyed by the media file's location (absolute path, or URL), size and change
token (mtime on disk, ETag in a bucket: see :class:`~manifest_lint.media.store.StatResult`),
under a folder named after the tool version, one JSON shard per manifest and set of decoder
versions (:func:`decoder_versions`): a new Pillow, libjpeg-turbo or FFmpeg build may decode
other pixels, so its results never come from an older build's shard. A shard that is not a
JSON object of entries is ignored; callers check the shape of the values they get. Shards are
written atomically (temp file + ``os.replace``), so two runs sharing the cache never see
a torn file; the last writer wins. The folder carries a ``CACHEDIR.TAG`` so backup tools skip it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manifest_lint import __version__
from manifest_lint.atomic import write_atomically

if TYPE_CHECKING:
    from manifest_lint.media.store import StatResult

CACHE_DIR_NAME = ".manifest_lint_cache"
ENV_DIR = "MANIFEST_LINT_CACHE_DIR"
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by manifest-lint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


@functools.cache
def decoder_versions(video: bool = False) -> str:
    """The versions of the decoders whose results are cached: Pillow and the codec libraries
    it reports (libjpeg-turbo, libjpeg, zlib, libtiff, libwebp, OpenJPEG); with ``video``
    also PyAV and its FFmpeg libraries."""
    from PIL import Image, features

    found = [f"pillow={Image.__version__}"]
    for name in ("libjpeg_turbo", "jpg", "zlib", "libtiff", "webp", "jpg_2000"):
        try:
            version = features.version(name)
        except (ValueError, KeyError):  # a feature this Pillow does not know
            version = None
        if version:
            found.append(f"{name}={version}")
    if video:
        import av

        found.append(f"pyav={av.__version__}")
        found += [f"{lib}={'.'.join(map(str, v))}"
                  for lib, v in sorted(av.library_versions.items())]
    return ";".join(found)


def default_cache_dir(config_root: Path) -> Path:
    env = os.environ.get(ENV_DIR)
    return Path(env) if env else config_root / CACHE_DIR_NAME


class MediaCache:
    """Results for the media of one manifest; a no-op when ``root`` is None."""

    def __init__(self, root: Path | None, owner: Path, namespace: str, *,
                 video: bool = False) -> None:
        self._entries: dict[str, Any] = {}
        self._folders: dict[str, str] = {}  # folder -> its realpath
        self._dirty = False
        self._file: Path | None = None
        if root is None:
            return
        import hashlib  # here, not at the top: a run without media never needs them
        import json

        import orjson

        decoders = decoder_versions(video)
        digest = hashlib.sha1(f"{namespace}\0{owner.resolve()}\0{decoders}".encode(
            errors="surrogateescape")).hexdigest()
        self._root = root
        self._file = root / __version__ / f"{digest}.json"
        try:
            raw = self._file.read_bytes()
            try:
                data = orjson.loads(raw)  # ~4x faster than json on a warm run's shard
            except orjson.JSONDecodeError:  # what only json takes (escaped lone surrogates)
                data = json.loads(raw.decode("utf-8"))
            if isinstance(data, dict):
                self._entries = data
        except (OSError, ValueError, RecursionError):
            self._entries = {}

    @property
    def enabled(self) -> bool:
        return self._file is not None

    def _key(self, where: str | os.PathLike[str], what: str) -> str:
        where = os.fspath(where)
        if "://" not in where:
            where = self._realpath(where)
        return f"{what}\0{where}"

    def _realpath(self, path: str) -> str:
        """``os.path.realpath(path)``, resolving each folder once: a file that is no link
        is its resolved folder plus its name (one ``lstat`` instead of one per component)."""
        folder, name = os.path.split(path)
        if not folder or name in ("", ".", "..") or os.path.islink(path):
            return os.path.realpath(path)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return os.path.join(real, name)

    def get(self, where: str | os.PathLike[str], st: StatResult, what: str, *,
            resolved: bool = False) -> Any | None:
        """The cached result for ``where`` if its size and change token are unchanged;
        ``resolved``: ``where`` is a real path already (links resolved, as
        :meth:`~manifest_lint.media.store.LocalStore.lookup` gives it) or a URL."""
        key = f"{what}\0{where}" if resolved else self._key(where, what)
        entry = self._entries.get(key)
        if (isinstance(entry, list) and len(entry) == 3 and entry[0] == st.size
                and entry[1] == st.token):
            return entry[2]
        return None

    def first(self, where: str, size: int, token: str, whats: tuple[str, ...],
              valid: Callable[[Any], bool]) -> Any | None:
        """The first ``valid`` result cached for the real path (or URL) ``where`` under one
        of ``whats`` with this size and change token: :meth:`get` for several kinds of
        result at once, without a :class:`StatResult` (a warm run's per-file lookup)."""
        entries = self._entries
        for what in whats:
            entry = entries.get(f"{what}\0{where}")
            if (isinstance(entry, list) and len(entry) == 3 and entry[0] == size
                    and entry[1] == token and valid(entry[2])):
                return entry[2]
        return None

    def put(self, where: str | os.PathLike[str], st: StatResult, what: str,
            value: Any, *, resolved: bool = False) -> None:
        if self._file is None:
            return
        key = f"{what}\0{where}" if resolved else self._key(where, what)
        self._entries[key] = [st.size, st.token, value]
        self._dirty = True

    def save(self) -> None:
        """Write the shard atomically; failures (read-only disk) are ignored."""
        if self._file is None or not self._dirty:
            return
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            tag = self._root / "CACHEDIR.TAG"
            if not tag.exists():
                write_atomically(tag, TAG.encode())
            gitignore = self._root / ".gitignore"
            if not gitignore.exists():
                write_atomically(gitignore, b"# Created by manifest-lint.\n*\n")
            import json

            write_atomically(self._file, json.dumps(self._entries).encode())
            self._dirty = False
        except OSError:
            pass
