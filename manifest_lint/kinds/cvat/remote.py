"""CVAT image records against objects in a bucket (``--media-root s3://bucket/prefix/``, or a
manifest linted from its bucket).

The root is listed once (existence, sizes, ETags, the unlisted-files check and the context
folders all come from that listing). Each record's image is then read in a fetch thread: its
first bytes for the size, or the whole object (to a spool file) for ``--deep`` checksums.
Decoding happens in the decode stage (this process, or the process pool with ``--deep``),
which gets only bytes or a spool file, never the store.

With ``--scheduler`` the fetch threads only consult the listing: the references go to the
cluster in batches, and each worker reads and decodes them itself (:func:`read_and_decode`,
with a client from its own environment); only the small facts come back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from manifest_lint.kinds.cvat.sources import RELATED_IMAGES_DIR, is_image, related_images_3d
from manifest_lint.media import MediaError, objects

if TYPE_CHECKING:
    from manifest_lint.media.executor import Backend, OrderedWork
    from manifest_lint.media.objclient import ClientOptions

Decoded = tuple[str, str, int | None, int | None, int, str | None]


@dataclass(slots=True)
class Fetched:
    """What a fetch thread brings back for one record (no store inside: it may be pickled)."""

    url: str
    status: str  # "ok", "missing", "unreadable", "skipped"
    message: str = ""
    head: bytes | None = None
    complete: bool = False
    spool: str | None = None
    point_cloud: bool = False
    checksum: bool = False
    probed: tuple[int, int, int, str | None] | None = None
    related_on_disk: tuple[str, ...] = ()
    related_missing: tuple[str, ...] = ()
    size: int | None = None  # what the listing said (for a read on a cluster worker)


def related_in_listing(store: objects.ObjectStore, name: str) -> tuple[str, ...]:
    """``<dir>/related_images/<stem>_<ext>/*`` images of ``name`` from the root's listing, as
    :func:`~manifest_lint.kinds.cvat.sources.related_images_2d` finds them on disk."""
    folder, _, base = name.rpartition("/")
    context = "_".join(base.rsplit(".", 1))
    prefix = f"{folder}/" if folder else ""
    prefix += f"{RELATED_IMAGES_DIR}/{context}/"
    return tuple(n for n in store.folder_names(prefix) if is_image(n))


class BucketListing:
    """The root's listing as folders for the 3D layout search
    (:func:`~manifest_lint.kinds.cvat.sources.related_images_3d`): paths are ``/`` + the
    name below the root, so the root is ``/``."""

    def __init__(self, store: objects.ObjectStore) -> None:
        store.list_prefix(store.prefix, recursive=True)
        self.store = store

    @staticmethod
    def _folder(path: str) -> str:
        inside = path.strip("/")
        return inside + "/" if inside else ""

    def entries(self, folder: str) -> list[str]:
        at = self._folder(folder)
        names = self.store.folder_names(at) + [d.rstrip("/") for d in self.store.subfolders(at)]
        return ["/" + n for n in names]

    def isdir(self, folder: str) -> bool:
        at = self._folder(folder)
        return bool(self.store.folder_names(at) or self.store.subfolders(at))


def related_3d_in_listing(store: objects.ObjectStore, name: str) -> tuple[str, ...]:
    """Context images of the point cloud ``name`` in CVAT's 3D layouts, from the listing."""
    path = "/" + name
    return tuple(related_images_3d([path], "/", BucketListing(store))[path])


def stages(root: str, s3: ClientOptions | None, backend: Callable[[int], Backend],
           workers: int, send_task: Callable[[Any], Any], send_fetched: Callable[[Any], Any]
           ) -> tuple[objects.ObjectStore, OrderedWork[Any, Fetched], OrderedWork[Any, Decoded]]:
    """The store of ``root``, the fetch stage (threads) and the decode stage: this process or
    the pool (reads in the fetch threads), or the ``--scheduler`` cluster (reads on its
    workers, the fetch threads only consult the listing)."""
    from manifest_lint.media.clients import client_for
    from manifest_lint.media.executor import OrderedWork
    from manifest_lint.media.fetch import fetch_stage
    from manifest_lint.media.objclient import options_from_env

    store = objects.ObjectStore(root, client_for(root, s3))
    cluster = bool(getattr(backend, "remote", False))
    fetching: OrderedWork[Any, Fetched] = fetch_stage(
        partial(fetch_images, store, read=not cluster), (s3 or options_from_env()).concurrency,
        send=send_task)
    if cluster:
        work: OrderedWork[Any, Decoded] = OrderedWork(
            partial(read_and_decode, s3.endpoint if s3 else None), workers=workers,
            send=send_fetched, backend=backend)
    else:
        work = OrderedWork(decode_fetched, workers=workers, send=send_fetched)
    return store, fetching, work


def fetch_images(store: objects.ObjectStore, tasks: Sequence[object], *, read: bool = True
                 ) -> list[Fetched]:
    """Fetch thread: read what each record needs (never raises); only what the listing
    says when not ``read`` (a cluster worker reads the object)."""
    return [_fetch(store, task, read) for task in tasks]


def _fetch(store: objects.ObjectStore, task: Any, read: bool = True) -> Fetched:
    """``task`` is a :class:`~manifest_lint.kinds.cvat.media.ImageTask`."""
    read_head, spool_file = objects.read_head, objects.spool_file
    url = store.url(task.full_name)
    out = Fetched(url, "ok", point_cloud=task.point_cloud, checksum=task.checksum,
                  probed=task.probed)
    try:
        info = store.info(url)
        if info is None:
            out.status = "missing"
            return out
        out.size = info.size
        if task.point_cloud:
            if info.size == 0:
                out.status, out.message = "unreadable", "empty file (0 bytes)"
        elif task.probed is None and not read:
            pass  # a cluster worker reads it
        elif task.probed is None and task.checksum:
            target = spool_file(url)
            try:
                store.download(url, target)
            except BaseException:
                os.unlink(target)
                raise
            out.spool = target
        elif task.probed is None:
            out.head, out.complete, _info = read_head(store, url, info.size)
        missing = tuple(r for r in task.related if store.info(store.url(r)) is None)
        out.related_missing = missing
        if task.point_cloud:
            out.related_on_disk = related_3d_in_listing(store, task.full_name)
        else:
            out.related_on_disk = related_in_listing(store, task.full_name)
    except FileNotFoundError:
        store.forget(url)  # listed, then deleted before we read it
        out.status = "missing"
    except OSError as exc:  # BucketError: the bucket refused; other: the spool file
        out.status, out.message = "skipped", str(exc)
    return out


def decode_fetched(batch: Sequence[Fetched]) -> list[Decoded]:
    """Decode stage: (status, message, width, height, orientation, checksum) per record."""
    return [_decode(f) for f in batch]


def read_and_decode(endpoint: str | None, batch: Sequence[Fetched]) -> list[Decoded]:
    """On a cluster worker: read each record's object (its header, or all of it for a
    checksum) with this worker's own client, and decode it (never raises)."""
    from manifest_lint.media.worker_reads import ObjectRef, Reader

    refs = [ObjectRef(f.url, f.size, whole=f.checksum)
            if (f.status == "ok" and not f.point_cloud and f.probed is None and f.head is None
                and f.spool is None) else None for f in batch]
    out: list[Decoded] = []
    for f, read in zip(batch, Reader(endpoint).read_many(refs), strict=True):
        if read is not None:
            if read.status != "ok":
                status = "missing" if read.status == "missing" else "skipped"
                out.append((status, read.message, None, None, 1, None))
                continue
            f.head, f.complete, f.spool = read.head, read.complete, read.spool
        out.append(_decode(f))
    return out


def _decode(f: Fetched) -> Decoded:
    if f.status != "ok" or f.point_cloud:
        return f.status, f.message, None, None, 1, None
    if f.probed is not None:
        return "ok", "", *f.probed
    try:
        if f.spool is not None:
            from manifest_lint.media.images import probe_image

            info = probe_image(f.spool, checksum=True, allow_large=True)
        else:
            from manifest_lint.media.heads import probe_image_data

            info = probe_image_data(f.head or b"", f.url, complete=f.complete,
                                    allow_large=True)
    except MediaError as exc:
        return "unreadable", exc.message, None, None, 1, None
    except Exception as exc:  # noqa: BLE001 - a decoder failure is a finding, not a crash
        return "unreadable", f"{type(exc).__name__}: {exc}", None, None, 1, None
    finally:
        if f.spool is not None:
            os.unlink(f.spool)
    return "ok", "", info.width, info.height, info.orientation, info.checksum


# --------------------------------------------------------------------------- create, on workers


def probe_objects(endpoint: str | None, refs: Sequence[Any]) -> list[Any]:
    """On a cluster worker (``create cvat`` from a bucket): read each image whole with this
    worker's own client and probe it with its pixel md5. Per reference an
    :class:`~manifest_lint.media.images.ImageInfo`, a :class:`MediaError` naming the object,
    or a string saying why the bucket refused the worker (never raises)."""
    from manifest_lint.media.images import probe_image
    from manifest_lint.media.worker_reads import Reader, drop

    out: list[Any] = []
    for ref, read in zip(refs, Reader(endpoint).read_many(refs), strict=True):
        assert read is not None
        if read.status == "skipped":
            out.append(read.message)
        elif read.status != "ok" or read.spool is None:
            out.append(MediaError(ref.url, read.message or "no such object (deleted since "
                                  "it was listed)"))
        else:
            try:
                out.append(probe_image(read.spool, checksum=True, allow_large=True))
            except MediaError as exc:
                out.append(MediaError(ref.url, exc.message))
            finally:
                drop(read)
    return out


def scan_objects(endpoint: str | None, force: bool, refs: Sequence[Any]) -> list[Any]:
    """On a cluster worker (``create cvat`` of a video in a bucket): read the video whole
    (under its own name) and scan it as CVAT's tool does. Per reference a
    :class:`~manifest_lint.media.video.VideoInfo`, a :class:`MediaError` naming the object,
    or a string saying why the bucket refused the worker (never raises)."""
    from manifest_lint.media.video import scan_video
    from manifest_lint.media.worker_reads import Reader, drop

    reader = Reader(endpoint)
    out: list[Any] = []
    for ref in refs:
        read = reader.read(ref)
        if read.status == "skipped":
            out.append(read.message)
        elif read.status != "ok" or read.spool is None:
            out.append(MediaError(ref.url, read.message or "no such object"))
        else:
            try:
                out.append(scan_video(read.spool, force=force))
            except MediaError as exc:
                out.append(type(exc)(ref.url, exc.message))
            except Exception as exc:  # noqa: BLE001 - a decoder failure is a finding
                out.append(MediaError(ref.url, f"{type(exc).__name__}: {exc}"))
            finally:
                drop(read)
    return out
