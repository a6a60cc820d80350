"""Media in object storage: :class:`ObjectStore` serves ``s3://bucket/prefix/`` (and
``gs://bucket/prefix/``, ``az://container/prefix/``, ``https://<account>.blob.core.windows.net/
<container>/prefix/``, through the client :func:`~manifest_lint.media.clients.client_for` picks)
the way :class:`~manifest_lint.media.store.LocalStore` serves a folder.

Facts come as cheaply as S3 allows:

* existence, size and ETag from *listing* the folders a manifest uses (one request per 1,000
  objects): a folder is listed once it holds more than :data:`HEAD_LIMIT` looked-up names;
  names looked up before that get one ``HEAD`` (or their ranged ``GET`` says it);
* image headers from ranged reads of the first bytes (:func:`read_head` grows the range only
  as far as the PNG/JPEG header needs);
* whole objects only for ``--deep``, masks, videos and ``create``, streamed to a spool file.

The store is shared by threads (requests run concurrently, see
:mod:`manifest_lint.media.fetch`); the listing index is guarded by a lock. Nothing here ever
writes to a bucket. ``StatResult.token`` is the provider's change token (S3 and Azure ETag,
GCS generation), so the media cache keys results by object URL + token + size.
"""

from __future__ import annotations

import io
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO, Literal

from manifest_lint.cloud import root_of, split
from manifest_lint.media.heads import header_end
from manifest_lint.media.objclient import BucketError, ObjectInfo
from manifest_lint.media.store import State, StatResult, escape_reason
from manifest_lint.textio import SURROGATE

if TYPE_CHECKING:
    from manifest_lint.media.clients import Client

HEAD_LIMIT = 2  # names looked up one by one in a folder before the folder is listed
HEAD_BYTES = 2048  # first ranged read of an image (a JPEG or PNG header is usually less)
MAX_HEADER = 1 << 20  # a header that needs more than this is read whole


def split_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` (or ``gs://``, ``az://``, ``https://<account>.blob...``) ->
    ``(bucket, key)``."""
    _root, bucket, key = split(url)
    return bucket, key


class ObjectStore:
    """The objects below one ``s3://bucket/prefix/`` (or another provider's), read-only."""

    def __init__(self, root: str, client: Client | None = None) -> None:
        if not root.endswith("/"):
            root += "/"
        self.root = root
        self.top, self.bucket, self.prefix = split(root)  # top: scheme, bucket and "/"
        if client is None:
            from manifest_lint.media.clients import client_for

            client = client_for(root)
        self.client = client
        self._lock = threading.Lock()
        self._listing = threading.Lock()
        self._listed: set[str] = set()  # key prefixes whose objects are all in _objects
        self._objects: dict[str, ObjectInfo] = {}
        self._lookups: Counter[str] = Counter()
        self.failure: BucketError | None = None  # set once the bucket refused us
        self._checked = False
        self._folders: dict[str, list[str]] | None = None  # folder -> names, from listings
        self._subfolders: dict[str, set[str]] = {}  # folder -> its folders, with _folders

    def __reduce__(self) -> tuple[type[ObjectStore], tuple[str]]:
        return (ObjectStore, (self.root,))

    # ------------------------------------------------------------------ names

    def url(self, name: str) -> str:
        return self.root + name

    def path(self, name: str) -> str:
        """Locations of objects are their URLs."""
        return self.root + name

    @staticmethod
    def escape(name: str) -> str | None:
        return escape_reason(name)

    def exists(self) -> bool:
        """True when the prefix can be listed (raises :class:`BucketError` when the bucket
        cannot be used)."""
        self.list_prefix(self.prefix, recursive=True)
        return True

    # ------------------------------------------------------------------ listing

    def list_prefix(self, prefix: str, *, recursive: bool) -> None:
        """List ``prefix`` into the index (once, whichever thread asks first; the others
        wait for it); one level unless ``recursive``."""
        mark = prefix if recursive else prefix + "\0"
        with self._listing:  # one listing at a time: never the same folder twice
            with self._lock:
                if self.failure is not None:
                    raise self.failure
                if mark in self._listed or prefix in self._listed:
                    return
            found: dict[str, ObjectInfo] = {}
            try:
                for key, info in self.client.list(self.bucket, prefix,
                                                  delimiter="" if recursive else "/"):
                    found[key] = info
            except BucketError as exc:
                self.failure = exc
                raise
            with self._lock:
                self._objects.update(found)
                self._listed.add(mark)
                self._checked = True
                self._folders = None

    def _known(self, key: str) -> bool:
        folder = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
        if folder + "\0" in self._listed:
            return True
        return any(key.startswith(p) for p in self._listed if not p.endswith("\0"))

    def plan(self, url: str) -> ObjectInfo | None | Literal[False]:
        """What the index knows of ``url`` without a request per object: its info, None (not
        in its listed folder) or False (not known: the request that reads it will tell). A
        folder is listed once it was asked for more than :data:`HEAD_LIMIT` times. Raises
        :class:`BucketError`."""
        bucket, key = split_url(url)
        if not url.startswith(self.top):
            raise ValueError(f"{url} is not in {self.top}")
        if self.failure is not None:
            raise self.failure
        folder = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
        self._check_bucket(folder)
        with self._lock:
            if self._known(key):
                return self._objects.get(key)
            self._lookups[folder] += 1
            list_now = self._lookups[folder] > HEAD_LIMIT
        if list_now:
            self.list_prefix(folder, recursive=False)
            with self._lock:
                return self._objects.get(key)
        with self._lock:
            return self._objects.get(key, False)

    def info(self, url: str) -> ObjectInfo | None:
        """Size and ETag of ``url`` (None when it does not exist): from the index, else by
        listing its folder or one HEAD (see :meth:`plan`). Raises :class:`BucketError`."""
        known = self.plan(url)
        if known is not False:
            return known
        try:
            found = self.client.head(self.bucket, split_url(url)[1])
        except FileNotFoundError:
            return None
        except BucketError as exc:
            self.failure = exc
            raise
        with self._lock:
            self._objects[split_url(url)[1]] = found
        return found

    def _check_bucket(self, folder: str) -> None:
        """Before the first HEAD: one small listing, so that a missing bucket or a denied
        listing is told apart from a missing object (a HEAD answers both with a bare 404/403)."""
        with self._lock:
            if self._checked:
                return
            self._checked = True
        try:
            for key, found in self.client.list(self.bucket, folder, limit=1):
                with self._lock:
                    self._objects.setdefault(key, found)
        except BucketError as exc:
            self.failure = exc
            raise

    def forget(self, url: str) -> None:
        """Drop ``url`` from the index (it vanished between listing and reading)."""
        with self._lock:
            self._objects.pop(split_url(url)[1], None)
            self._folders = None

    def folder_names(self, folder: str) -> list[str]:
        """Names (relative to the root, sorted) of the listed objects directly in ``folder``
        (a name ending in ``/``, or ``""`` for the root)."""
        with self._lock:
            return self._index()[0].get(folder, [])

    def subfolders(self, folder: str) -> list[str]:
        """Folders (names relative to the root ending in ``/``, sorted) directly in
        ``folder`` that hold a listed object somewhere below them."""
        with self._lock:
            return sorted(self._index()[1].get(folder, ()))

    def _index(self) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
        """folder -> names of its objects, folder -> its subfolders (call under the lock)."""
        if self._folders is None:
            self._folders, self._subfolders = {}, {}
            for key in sorted(self._objects):
                if key.startswith(self.prefix) and not key.endswith("/"):
                    name = key[len(self.prefix):]
                    parent = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
                    self._folders.setdefault(parent, []).append(name)
                    while parent:  # every folder on the way up holds this object
                        up = parent[:-1].rsplit("/", 1)[0] + "/" if "/" in parent[:-1] else ""
                        known = self._subfolders.setdefault(up, set())
                        if parent in known:  # and so are the folders above it
                            break
                        known.add(parent)
                        parent = up
        return self._folders, self._subfolders

    # ------------------------------------------------------------------ LocalStore's methods

    def locate(self, name: str) -> tuple[str, State]:
        url = self.url(name)
        if SURROGATE.search(name):  # a name that is not UTF-8 is no object key: never asked
            return url, "missing"
        return url, "ok" if self.info(url) is not None else "missing"

    def stat(self, url: str) -> StatResult:
        """Size and ETag; raises :class:`FileNotFoundError` (or :class:`BucketError`)."""
        found = self.info(url)
        if found is None:
            raise FileNotFoundError(url)
        return StatResult(found.size, found.etag)

    def open(self, url: str) -> BinaryIO:
        """The whole object in memory (prefer :meth:`download` for big ones)."""
        bucket, key = split_url(url)
        return io.BytesIO(self.client.get(bucket, key)[0])

    def read_range(self, url: str, start: int, length: int) -> bytes:
        bucket, key = split_url(url)
        return self.client.get(bucket, key, start, length)[0]

    def names(self, wanted: Callable[[str], bool]) -> Iterator[str]:
        """Names below the root whose last part passes ``wanted``, in listing order."""
        self.list_prefix(self.prefix, recursive=True)
        with self._lock:
            keys = sorted(k for k in self._objects if k.startswith(self.prefix))
        for key in keys:
            name = key[len(self.prefix):]
            if name and not name.endswith("/") and wanted(name.rsplit("/", 1)[-1]):
                yield name

    def entries(self) -> list[str]:
        """Names directly below the root, sorted."""
        try:
            self.list_prefix(self.prefix, recursive=False)
        except BucketError:
            return []
        with self._lock:
            return sorted(k[len(self.prefix):] for k in self._objects
                          if k.startswith(self.prefix) and "/" not in k[len(self.prefix):])

    def download(self, url: str, target: str) -> ObjectInfo:
        bucket, key = split_url(url)
        return self.client.download(bucket, key, target)


# ---------------------------------------------------------------------- ranged header reads


def read_head(store: ObjectStore, url: str, size: int | None) -> tuple[bytes, bool, ObjectInfo]:
    """The first bytes of ``url`` that an image header needs, whether that is the whole
    object, and what the object is. Raises :class:`FileNotFoundError` / :class:`BucketError`."""
    bucket, key = split_url(url)
    first = HEAD_BYTES if size is None else min(HEAD_BYTES, size)
    data, info = store.client.get(bucket, key, 0, max(first, 1))
    while len(data) < info.size:
        need = header_end(data)
        if need is None:
            break
        if need < 0 or need > MAX_HEADER:
            more, info = store.client.get(bucket, key, len(data))
            data += more
            break
        want = max(need + 1024, 2 * len(data))  # a little past what the header says
        more, info = store.client.get(bucket, key, len(data), want - len(data))
        if not more:
            break
        data += more
    return data, len(data) >= info.size, info


def spool_dir() -> str:
    """A private folder for whole objects being decoded (removed by :func:`clean_spool`)."""
    import tempfile

    global _SPOOL
    with _SPOOL_LOCK:
        if _SPOOL is None or not os.path.isdir(_SPOOL):
            _SPOOL = tempfile.mkdtemp(prefix="manifest-lint-s3-")
        return _SPOOL


def spool_file(url: str, *, keep_name: bool = False) -> str:
    """A fresh file name in the spool folder, keeping ``url``'s extension (or its whole
    base name, in a folder of its own, when ``keep_name``)."""
    import tempfile

    base = url.rsplit("/", 1)[-1]
    if keep_name:
        return os.path.join(tempfile.mkdtemp(dir=spool_dir()), base)
    fd, path = tempfile.mkstemp(suffix=os.path.splitext(base)[1][:16], dir=spool_dir())
    os.close(fd)
    return path


def clean_spool() -> None:
    """Remove the spool folder and what is left in it."""
    global _SPOOL
    import shutil

    with _SPOOL_LOCK:
        if _SPOOL is not None:
            shutil.rmtree(_SPOOL, ignore_errors=True)
            _SPOOL = None


_SPOOL: str | None = None
_SPOOL_LOCK = threading.Lock()


def store_for(url: str, cache: dict[str, ObjectStore] | None = None) -> ObjectStore:
    """The store of ``url``'s bucket (one per bucket root in ``cache``)."""
    top = root_of(url)
    if cache is None:
        return ObjectStore(top)
    store = cache.get(top)
    if store is None:
        store = cache[top] = ObjectStore(top)
    return store
