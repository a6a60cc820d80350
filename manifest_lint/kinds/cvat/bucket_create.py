"""``create cvat s3://bucket/prefix/`` (or a video ``s3://bucket/clip.mp4``; ``gs://``, Azure
too) with ``--scheduler``: the cluster's workers read the objects themselves.

This process lists the prefix once (which objects are frames, their context images under
``related_images/``, their order) and writes the manifest; the workers read each image whole
with a client from their own environment and send back its size and pixel md5 (for a video:
the scan), in batches, in order. The manifest is the one :func:`~manifest_lint.kinds.cvat.
create.create_manifest` writes for a local copy of the same objects. Point clouds need no
decoding: their records (and their context images, in CVAT's 3D layouts) come from the listing
alone, and nothing is read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from manifest_lint.kinds.cvat.create import (
    CreateResult,
    media_errors,
    write_atomically,
    write_video_manifest,
)
from manifest_lint.kinds.cvat.remote import probe_objects, related_in_listing, scan_objects
from manifest_lint.kinds.cvat.serialize import (
    MANIFEST_FILE_NAME,
    dumps_line,
    header_lines,
    image_record,
)
from manifest_lint.kinds.cvat.sources import (
    CreateError,
    check_sorting,
    in_related_images,
    is_image,
    is_video,
    sort_paths,
)
from manifest_lint.kinds.cvat.structure import is_point_cloud
from manifest_lint.media import MediaError
from manifest_lint.media.executor import backend_for, run_ordered

_BASE = "/bucket"  # names are sorted as the paths of a local copy would be


def create_from_bucket(url: str, output_dir: Path, *, sorting: str, force: bool,
                       endpoint: str | None, scheduler: str,
                       progress: Callable[[int], None] | None = None) -> CreateResult:
    """Write ``output_dir/manifest.jsonl`` for the objects at ``url``, read by the workers
    of the cluster at ``scheduler``. Raises :class:`ValueError` for a source that cannot be
    listed or holds no image, :class:`CreateError` for media that cannot make a manifest
    (nothing is written), :class:`~manifest_lint.media.ClusterError`."""
    from manifest_lint.media.clients import client_for
    from manifest_lint.media.objclient import BucketError, options_from_env
    from manifest_lint.media.objects import ObjectStore, split_url
    from manifest_lint.media.worker_reads import ObjectRef

    check_sorting(sorting)
    options = options_from_env(endpoint)
    _bucket, key = split_url(url)
    output = Path(output_dir) / MANIFEST_FILE_NAME
    backend = backend_for(scheduler)
    root = url if url.endswith("/") else url + "/"
    video = bool(key) and not key.endswith("/") and is_video(key)
    try:
        store = ObjectStore(url.rsplit("/", 1)[0] + "/" if video else root,
                            client_for(url, options))
        if video:
            found = store.info(url)
            if found is None:
                raise ValueError(f"{url}: no such object")
            ref = ObjectRef(url, found.size, whole=True, keep_name=True)
            done = run_ordered(partial(scan_objects, endpoint, force), [ref], workers=1,
                               progress=progress, backend=backend)
            return write_video_manifest(url, output, _refused(next(done)[1]))
        names = list(store.names(lambda n: is_image(n) or is_point_cloud(n)))
    except BucketError as exc:
        raise ValueError(str(exc)) from None
    if not names:
        raise ValueError(f"no images found in {root}; CVAT's tool takes objects whose name "
                         "looks like an image (.jpg, .png, ...)")
    frames = {os.path.join(_BASE, *n.split("/")): n for n in names if not in_related_images(n)}
    if not frames:
        raise CreateError(f"no images found in {root.rstrip('/')}")
    if any(is_point_cloud(n) for n in frames.values()):
        return _point_clouds(store, frames, sorting, output, progress)
    order = [frames[p] for p in sort_paths(frames, sorting)]
    refs = [ObjectRef(store.url(n), _size(store, n), whole=True) for n in order]
    probed = run_ordered(partial(probe_objects, endpoint), refs, workers=1, progress=progress,
                         backend=backend)
    errors: list[MediaError] = []

    def lines() -> Iterator[str]:
        yield from header_lines("images")
        for name, (_ref, info) in zip(order, probed, strict=True):
            info = _refused(info)
            if isinstance(info, MediaError):
                errors.append(info)
            elif not errors:
                stem, extension = os.path.splitext(name)
                yield dumps_line(image_record(
                    stem.replace("\\", "/"), extension, info.width, info.height,
                    {"related_images": list(related_in_listing(store, name))}, info.checksum))

    def check() -> None:
        if errors:
            raise media_errors(errors)

    count = write_atomically(output, lines(), before_commit=check)
    return CreateResult(path=output, kind="images", records=count - 2)


def _point_clouds(store: Any, frames: dict[str, str], sorting: str, output: Path,
                  progress: Callable[[int], None] | None) -> CreateResult:
    """The records of point clouds from the listing (as ``create_manifest`` makes them from
    files: no size, no checksum, context images in CVAT's 3D layouts)."""
    from manifest_lint.kinds.cvat.remote import related_3d_in_listing

    related = {n: related_3d_in_listing(store, n) for n in frames.values() if is_point_cloud(n)}
    context = {rel for rels in related.values() for rel in rels}
    leftovers = [n for n in frames.values() if n not in related and n not in context]
    if leftovers:
        raise CreateError("Combined data types 2D and 3D are not supported: "
                          f"{leftovers[0]} is an image next to point clouds")
    order = [frames[p] for p in sort_paths((p for p, n in frames.items() if n in related),
                                           sorting)]
    errors: list[MediaError] = []

    def lines() -> Iterator[str]:
        yield from header_lines("images")
        for done, name in enumerate(order, 1):
            if not _size(store, name):
                errors.append(MediaError(store.url(name), "empty file (0 bytes)"))
            elif not errors:
                stem, extension = os.path.splitext(name)
                yield dumps_line(image_record(stem.replace("\\", "/"), extension, None, None,
                                              {"related_images": list(related[name])}, None))
            if progress is not None:
                progress(done)

    def check() -> None:
        if errors:
            raise media_errors(errors)

    count = write_atomically(output, lines(), before_commit=check)
    return CreateResult(path=output, kind="images", records=count - 2)


def _size(store: Any, name: str) -> int | None:
    found = store.info(store.url(name))  # from the listing: no request
    return None if found is None else int(found.size)


def _refused(result: Any) -> Any:
    """``result`` of a worker, or :class:`ValueError` when the bucket refused the worker."""
    if isinstance(result, str):
        raise ValueError(result)
    return result
