"""What one CVAT image record's files look like on disk: the worker side of the media check.

:class:`ImageTask` is what travels to a worker (a name, not the record); :func:`inspect_image`
locates the file through the store's guard, probes it (or takes a cached probe) and looks for
its context images. :mod:`manifest_lint.kinds.cvat.media` judges the facts against the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from manifest_lint.media import MediaError
from manifest_lint.media.store import LocalStore, State


@dataclass(slots=True)
class ImageTask:
    """What a worker needs to inspect one record's files (one per record; not frozen, as a
    frozen dataclass costs four times as much to build)."""

    full_name: str  # name + extension
    point_cloud: bool
    related: tuple[str, ...]  # the clean related-image paths the record lists
    checksum: bool  # decode and hash the pixels
    probed: tuple[int, int, int, str | None] | None = None  # cached (w, h, orientation, md5)


@dataclass(slots=True)
class ImageFacts:
    """What the files of one record look like on disk."""

    status: str  # "ok", "missing", "outside" or "unreadable"
    message: str = ""
    width: int | None = None
    height: int | None = None
    orientation: int = 1
    checksum: str | None = None
    related_on_disk: tuple[str, ...] = ()
    related_missing: tuple[str, ...] = ()
    related_outside: tuple[str, ...] = ()


def inspect_images(store: LocalStore, tasks: Sequence[ImageTask]) -> list[ImageFacts]:
    """Worker: inspect a batch of records (a module-level function, for worker processes)."""
    return [inspect_image(store, t, {}) for t in tasks]


def inspect_image(store: LocalStore, task: ImageTask, dirs: dict[str, bool]) -> ImageFacts:
    """Probe one record's file (size, and the pixel md5 if asked) and its context images."""
    path, where = store.locate(task.full_name)
    return inspect_located(store, task, path, where, dirs)


def inspect_located(store: LocalStore, task: ImageTask, path: str, where: State,
                    dirs: dict[str, bool]) -> ImageFacts:
    """:func:`inspect_image` of a file already located (``path``, ``where``)."""
    from manifest_lint.kinds.cvat.sources import related_images_2d, related_images_3d
    from manifest_lint.media.images import probe_image

    if where != "ok":
        return ImageFacts(where)
    root = store.root
    facts = ImageFacts("ok")
    try:
        if task.point_cloud:
            from manifest_lint.media import check_regular_file

            check_regular_file(path)
            facts.related_on_disk = tuple(related_images_3d([path], root)[path])
        else:
            if task.probed is not None:
                facts.width, facts.height, facts.orientation, facts.checksum = task.probed
            else:
                info = probe_image(path, checksum=task.checksum, allow_large=True)
                facts.width, facts.height = info.width, info.height
                facts.orientation, facts.checksum = info.orientation, info.checksum
            facts.related_on_disk = tuple(related_images_2d([path], root, dirs)[path])
    except MediaError as exc:
        return ImageFacts("unreadable", exc.message)
    except Exception as exc:  # noqa: BLE001 - a decoder failure is a finding, not a crash
        return ImageFacts("unreadable", f"{type(exc).__name__}: {exc}")
    missing, outside = [], []
    for rel in task.related:
        state = store.locate(rel)[1]
        if state == "missing":
            missing.append(rel)
        elif state == "outside":
            outside.append(rel)
    facts.related_missing, facts.related_outside = tuple(missing), tuple(outside)
    return facts
