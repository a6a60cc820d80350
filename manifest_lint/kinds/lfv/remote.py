"""The object-storage side of the Lookout for Vision media checks: what a record's objects
need fetched (in the fetch threads) and probing what was fetched (in the decode stage).

A record's image is read with ranged requests (only its header); ``--deep`` images and masks
are read whole into spool files, probed by the same code as local files and deleted.

With ``--scheduler`` the fetch threads only consult the listing (and the cache): each record's
references go to the cluster, whose workers read them with their own clients and probe them
(:func:`read_and_probe`); what they found comes back and is judged and cached here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from manifest_lint.cloud import is_remote, root_of
from manifest_lint.kinds.lfv.probes import _probe_image, _probe_mask, probe_files, valid_outcome
from manifest_lint.media.executor import OrderedWork, worker_count
from manifest_lint.media.store import StatResult, escape_reason

if TYPE_CHECKING:
    from manifest_lint.diagnostics import Diagnostic
    from manifest_lint.media.cache import MediaCache
    from manifest_lint.media.executor import Backend
    from manifest_lint.media.objclient import ClientOptions
    from manifest_lint.media.objects import ObjectStore

# (location, what, first bytes or None, complete, spool file or None)
Fetched = tuple[str, str, bytes | None, bool, str | None]
# what a cluster worker gets per file: (location, what, size the listing said)
Ref = tuple[str, str, int | None]
# what it sends back per record: probe outcomes, (size, token) of what it read, problems
# ("not found", ...) and skipped files (the bucket refused the worker)
Read = tuple[dict[str, list[Any]], dict[str, tuple[int, str]], dict[str, str], dict[str, str]]


def cache_key(what: str) -> str:
    return "lfv-image-deep" if what == "image-deep" else f"lfv-{what}"


@dataclass(frozen=True, slots=True)
class _Located:
    path: str | None = None  # the file to open
    skip: str = ""  # why not checked (no mapping, no folder)
    escape: str = ""  # why it must not be opened


@dataclass(slots=True)
class MediaTask:
    """One record's media: its image and masks, located, with cached results filled in."""

    line: int
    ref: str
    image: _Located
    deep: bool
    masks: list[tuple[str, _Located, frozenset[str] | None]] = field(default_factory=list)
    tag: object = None  # the caller's own mark, returned with the result
    stats: dict[str, StatResult] = field(default_factory=dict)  # path -> stat, for the cache
    found: dict[str, list[Any]] = field(default_factory=dict)  # path -> probe outcome
    problems: dict[str, str] = field(default_factory=dict)  # path -> why it cannot be probed
    # objects in a bucket: what to fetch, what was, and buckets that refused (not checked)
    fetch: list[tuple[str, str]] = field(default_factory=list)  # (url, what)
    heads: dict[str, tuple[bytes, bool]] = field(default_factory=dict)  # url -> bytes, whole?
    spooled: dict[str, str] = field(default_factory=dict)  # url -> local spool file
    skipped: dict[str, str] = field(default_factory=dict)  # url -> why not checked


class RemoteMedia:
    """The part of :class:`~manifest_lint.kinds.lfv.media.MediaChecker` that reads objects
    in buckets: a fetch stage (threads) feeding a decode stage (here or a process pool)."""

    deep: bool
    cache: MediaCache | None
    remote: bool
    s3: ClientOptions | None
    _jobs: int | None
    _backend: Callable[[int], Backend]
    _buckets: dict[str, ObjectStore]
    _fetching: OrderedWork[MediaTask, MediaTask] | None
    _decoding: OrderedWork[MediaTask, Any] | None

    def _remember(self, task: MediaTask, found: dict[str, list[Any]]) -> None:
        raise NotImplementedError

    def _judge(self, task: MediaTask) -> list[Diagnostic]:
        raise NotImplementedError

    def _in_bucket(self, prefix: str, rel: str) -> _Located:
        """An object below ``prefix`` (``s3://bucket/...`` or a mirror in another provider's
        storage), its key guarded like a path."""
        if not rel or rel.endswith("/"):
            return _Located(skip="reference names a folder")
        reason = escape_reason(rel)
        if reason is not None and not reason.startswith("starts with '~'"):
            return _Located(escape=reason)
        return _Located(path=prefix.rstrip("/") + "/" + rel)


    def _fetch_stage(self) -> OrderedWork[MediaTask, MediaTask]:
        if self._fetching is None:
            from manifest_lint.kinds.lfv.remote import fetch_objects, fetched_of, probe_fetched
            from manifest_lint.media.fetch import fetch_stage
            from manifest_lint.media.objclient import options_from_env

            concurrency = (self.s3 or options_from_env()).concurrency
            cluster = bool(getattr(self._backend, "remote", False))  # --scheduler
            self._fetching = fetch_stage(
                partial(fetch_objects, self._buckets, self.cache, read=not cluster),
                concurrency)
            if cluster:
                self._decoding = OrderedWork(
                    partial(read_and_probe, self.s3.endpoint if self.s3 else None),
                    workers=1, send=refs_of, backend=self._backend)
            else:
                self._decoding = OrderedWork(
                    probe_fetched, workers=worker_count(self._jobs) if self.deep else 1,
                    send=fetched_of)
        return self._fetching

    def _decode(self, task: MediaTask) -> Iterator[tuple[MediaTask, list[Diagnostic]]]:
        assert self._decoding is not None
        for done, found in self._decoding.submit(task):
            yield self._decoded(done, found)

    def _decoded(self, task: MediaTask, found: dict[str, list[Any]] | Read
                 ) -> tuple[MediaTask, list[Diagnostic]]:
        if isinstance(found, tuple):  # read and probed on a cluster worker
            found, stats, problems, skipped = found
            task.stats.update((url, StatResult(*st)) for url, st in stats.items())
            task.problems.update(problems)
            task.skipped.update(skipped)
        task.found.update(found)
        self._remember(task, found)
        return task, self._judge(task)

    def _prepare_remote(self, task: MediaTask, url: str, what: str) -> bool:
        """What the listing says of ``url``; True when nothing is left to fetch."""
        from manifest_lint.media.clients import client_for
        from manifest_lint.media.objclient import BucketError
        from manifest_lint.media.objects import ObjectStore

        top = root_of(url)
        store = self._buckets.get(top)
        if store is None:
            store = self._buckets[top] = ObjectStore(top, client_for(top, self.s3))
        try:
            known = store.plan(url)
        except BucketError as exc:
            task.skipped[url] = str(exc)
            return True
        if known is None:
            task.problems[url] = "not found"
            return True
        if known is not False:
            st = task.stats[url] = StatResult(known.size, known.etag)
            hit = self.cache.get(url, st, cache_key(what)) if self.cache is not None else None
            if valid_outcome(hit, what):
                task.found[url] = hit
                return True
        task.fetch.append((url, "mask" if what == "mask" else what))
        return False



def fetch_objects(stores: dict[str, ObjectStore], cache: MediaCache | None,
                  batch: Sequence[MediaTask], *, read: bool = True) -> list[MediaTask]:
    """Fetch thread: read what each task's remote files need (never raises); only the
    listing and the cache when not ``read`` (a cluster worker reads the objects)."""
    from manifest_lint.media.objclient import BucketError

    for task in batch:
        for url, what in task.fetch:
            try:
                _fetch_one(stores[root_of(url)], cache, task, url, what, read)
            except FileNotFoundError:
                task.problems[url] = "not found"
            except BucketError as exc:
                task.skipped[url] = str(exc)
            except OSError as exc:
                task.problems[url] = f"cannot be read: {exc.strerror or exc}"
    return list(batch)


def _fetch_one(store: ObjectStore, cache: MediaCache | None, task: MediaTask, url: str,
               what: str, read: bool = True) -> None:
    from manifest_lint.media.objects import read_head, spool_file

    st = task.stats.get(url)
    if st is None and cache is not None and cache.enabled:
        st = store.stat(url)  # one HEAD: a cached result spares the read
        task.stats[url] = st
        hit = cache.get(url, st, cache_key(what))
        if valid_outcome(hit, what):
            task.found[url] = hit
            return
    if not read:
        return  # a cluster worker reads it
    try:
        if what == "image":
            data, complete, info = read_head(store, url, None if st is None else st.size)
            task.heads[url] = (data, complete)
        else:
            target = spool_file(url)
            try:
                info = store.download(url, target)
            except BaseException:
                os.unlink(target)
                raise
            task.spooled[url] = target
    except FileNotFoundError:
        store.forget(url)  # listed, then deleted before we read it
        raise
    task.stats[url] = StatResult(info.size, info.etag)


def fetched_of(task: MediaTask) -> list[Fetched]:
    """What travels to the decode stage: every file of the task still to probe."""
    out: list[Fetched] = []
    locs = [(task.image.path, "image-deep" if task.deep else "image"),
            *((loc.path, "mask") for _ref, loc, _colors in task.masks)]
    for path, what in locs:
        if path is None or path not in task.stats or path in task.found:
            continue
        if is_remote(path):
            head = task.heads.get(path)
            spool = task.spooled.get(path)
            if head is not None:
                out.append((path, what, head[0], head[1], None))
            elif spool is not None:
                out.append((path, what, None, True, spool))
        else:
            out.append((path, what, None, True, None))
    return out


def refs_of(task: MediaTask) -> list[Ref]:
    """What travels to a cluster worker: every file of the task still to probe (objects
    with the size their listing said; local files the workers see at the same path)."""
    out: list[Ref] = []
    locs = [(task.image.path, "image-deep" if task.deep else "image"),
            *((loc.path, "mask") for _ref, loc, _colors in task.masks)]
    for path, what in locs:
        if path is None or path in task.found or path in task.problems:
            continue
        if is_remote(path):
            if path not in task.skipped and (path, what) in task.fetch:
                st = task.stats.get(path)
                out.append((path, what, None if st is None else st.size))
        elif path in task.stats:
            out.append((path, what, None))
    return out


def read_and_probe(endpoint: str | None, batch: Sequence[list[Ref]]) -> list[Read]:
    """On a cluster worker: read each record's objects with this worker's own client (the
    image's header, or all of it with ``--deep``; masks whole) and probe them, as
    :func:`probe_fetched` probes what the fetch threads read (never raises)."""
    from manifest_lint.media.worker_reads import ObjectRef, Reader

    objects = (ObjectRef(where, size, whole=what != "image") if is_remote(where) else None
               for refs in batch for where, what, size in refs)
    reads = Reader(endpoint).read_many(objects)
    out: list[Read] = []
    for refs in batch:
        stats: dict[str, tuple[int, str]] = {}
        problems: dict[str, str] = {}
        skipped: dict[str, str] = {}
        fetched: list[Fetched] = []
        for where, what, _size in refs:
            read = next(reads)
            if read is None:  # a local file (the workers see it at the same path)
                fetched.append((where, what, None, True, None))
                continue
            if read.status == "missing":
                problems[where] = "not found"
            elif read.status == "skipped":
                skipped[where] = read.message
            elif read.status == "failed":
                problems[where] = f"cannot be read: {read.message}"
            else:
                stats[where] = (read.size, read.token)
                fetched.append((where, what, read.head, read.complete, read.spool))
        out.append((probe_fetched([fetched])[0], stats, problems, skipped))
    list(reads)  # nothing is left: this ends the read-ahead
    return out


def probe_fetched(batch: Sequence[list[Fetched]]) -> list[dict[str, list[Any]]]:
    """Decode stage (maybe a worker process): probe local files, spool files and headers."""
    out = []
    for items in batch:
        found: dict[str, list[Any]] = {}
        for where, what, head, complete, spool in items:
            if head is not None:
                found[where] = _probe_head(head, where, complete)
            elif spool is not None:
                try:
                    found[where] = (_probe_mask(spool) if what == "mask"
                                    else _probe_image(spool, what == "image-deep"))
                finally:
                    os.unlink(spool)
            else:
                found[where] = probe_files([[(where, what)]])[0][where]
        out.append(found)
    return out


def _probe_head(data: bytes, url: str, complete: bool) -> list[Any]:
    """:func:`~manifest_lint.kinds.lfv.probes._probe_image` for the first bytes of an object."""
    from manifest_lint.kinds.lfv.probes import MAX_SIDE
    from manifest_lint.media import MediaError
    from manifest_lint.media.heads import probe_image_data
    from manifest_lint.media.images import JPEG_SIGNATURE, PNG_SIGNATURE, describe_head

    if not data.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        return ["format", f"is {describe_head(data[:16])}, not a PNG or JPEG; convert it "
                          "(Lookout for Vision accepts only PNG and JPEG)"]
    try:
        info = probe_image_data(data, url, complete=complete)
    except MediaError as exc:
        if "too large" in exc.message:
            return ["too-large", f"is too large to decode safely ({exc.message}); Lookout "
                                 f"for Vision accepts at most {MAX_SIDE}x{MAX_SIDE}"]
        return ["format", f"cannot be read: {exc.message}; re-export it as PNG or JPEG"]
    return ["ok", info.raw_width, info.raw_height]
