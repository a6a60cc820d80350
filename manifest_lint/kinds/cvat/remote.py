"""CVAT image records against objects in a bucket (``--media-root s3://bucket/prefix/``, or a
manifest linted from its bucket).

The root is listed once (existence, sizes, ETags, the unlisted-files check and the context
folders all come from that listing). Each record's image is then read in a fetch thread: its
first bytes for the size, or the whole object (to a spool file) for ``--deep`` checksums.
Decoding happens in the decode stage (this process, or the process pool with ``--deep``),
which gets only bytes or a spool file, never the store.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from manifest_lint.kinds.cvat.sources import RELATED_IMAGES_DIR, is_image, related_images_3d
from manifest_lint.media import MediaError, objects


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


def fetch_images(store: objects.ObjectStore, tasks: Sequence[object]) -> list[Fetched]:
    """Fetch thread: read what each record needs (never raises)."""
    return [_fetch(store, task) for task in tasks]


def _fetch(store: objects.ObjectStore, task: Any) -> Fetched:
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
        if task.point_cloud:
            if info.size == 0:
                out.status, out.message = "unreadable", "empty file (0 bytes)"
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


def decode_fetched(batch: Sequence[Fetched]) -> list[tuple[str, str, int | None, int | None,
                                                             int, str | None]]:
    """Decode stage: (status, message, width, height, orientation, checksum) per record."""
    return [_decode(f) for f in batch]


def _decode(f: Fetched) -> tuple[str, str, int | None, int | None, int, str | None]:
    if f.status != "ok" or f.point_cloud:
        return f.status, f.message, None, None, 1, None
    if f.probed is not None:
        return "ok", "", *f.probed
    try:
        if f.spool is not None:
            from manifest_lint.media.images import probe_image

            info = probe_image(f.spool, checksum=True)
        else:
            from manifest_lint.media.heads import probe_image_data

            info = probe_image_data(f.head or b"", f.url, complete=f.complete)
    except MediaError as exc:
        return "unreadable", exc.message, None, None, 1, None
    except Exception as exc:  # noqa: BLE001 - a decoder failure is a finding, not a crash
        return "unreadable", f"{type(exc).__name__}: {exc}", None, None, 1, None
    finally:
        if f.spool is not None:
            os.unlink(f.spool)
    return "ok", "", info.width, info.height, info.orientation, info.checksum
