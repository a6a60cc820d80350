"""Generate a CVAT ``manifest.jsonl`` the way CVAT's ``utils/dataset_manifest/create.py`` does.

For the same input and the same Pillow/PyAV builds the output is byte-identical to CVAT's tool.

Sources (as CVAT's tool):

* a folder: ``os.walk`` (symlinked folders are not entered), every file whose name
  ``mimetypes.guess_type`` calls ``image/*`` (except ``image/svg*``); names are relative to it;
* a glob pattern (``**`` allowed): names are relative to the literal folder before the first
  component with ``* ? [ ]``; a pattern starting with a wildcard has no common root;
* a single video file (``video/*`` by name).

Files inside a ``related_images`` folder are context images, not frames: they are dropped from
the sources and listed in ``meta.related_images`` of their image (``<dir>/related_images/
<stem>_<ext without dot>/*``, relative to the root, ``/``-separated, sorted).

Point clouds (3D): CVAT's standalone tool relies on the host's MIME table, which normally does
not know ``.pcd`` (only CVAT's server registers it). We pick ``.pcd`` files by extension, write
``name, extension, meta`` records (no size, no checksum, as CVAT's 3D reader) and find their
context images in the layouts CVAT's server knows: ``<scene>.pcd`` beside ``<scene>.<img>``;
``<scene>/<scene>.pcd`` with any images in that folder; ``pointcloud/<n>.pcd`` with
``related_images/<n>_pcd/*``; KITTI ``velodyne_points/data/<n>.pcd`` with
``image_XX/data/<n>.<img>``. Context images found that way are not frames; any other image next
to point clouds is an error ("Combined data types 2D and 3D are not supported"). KITTI ``.bin``
files must be converted to ``.pcd`` first, as in CVAT.

Sorting: ``lexicographical`` (``sorted`` absolute paths, CVAT's default), ``natural``
(``natsort.os_sorted``, locale dependent) and ``predefined`` (discovery order). CVAT's
``random`` is not offered: CVAT's server rejects a manifest together with random sorting, and a
shuffled manifest cannot be reproduced or checked.

Differences from CVAT's tool, on purpose: we do not write ``index.json`` (an offset cache CVAT
rebuilds itself; its server skips an uploaded one); the manifest is written atomically and not
at all when anything fails; too few key frames raises :class:`CreateError` naming ``--force``
(CVAT prints a message about ``--force`` only in dead code); every unreadable image is reported,
not just the first; a video without any usable key frame is refused even with ``force`` (CVAT
would write a manifest its own structure check rejects, and exits 0); ``related_images/`` is
looked for in the path below the root (CVAT looks in the absolute path, so a dataset inside a
folder such as ``/data/related_images/`` yields no images there).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from manifest_lint.atomic import atomic_writer
from manifest_lint.kinds.cvat.serialize import (
    MANIFEST_FILE_NAME,
    dumps_line,
    header_lines,
    image_record,
    video_properties,
    video_record,
)
from manifest_lint.kinds.cvat.sources import (
    CreateError,
    check_sorting,
    find_images,
    is_video,
    record_name,
    related_images_2d,
    related_images_3d,
    sort_paths,
)
from manifest_lint.kinds.cvat.structure import is_point_cloud
from manifest_lint.media import MediaError, check_regular_file
from manifest_lint.media.executor import backend_for, run_ordered, worker_count
from manifest_lint.media.images import ImageInfo, probe_image

if TYPE_CHECKING:
    from manifest_lint.media.video import VideoInfo

_MAX_LISTED_ERRORS = 10

Progress = Callable[[int], None]


@dataclass(frozen=True)
class CreateResult:
    """What :func:`create_manifest` wrote."""

    path: Path
    kind: Literal["images", "video"]
    records: int
    length: int | None = None  # video frame count
    rejected_key_frames: tuple[int, ...] = ()  # video key frames that do not seek back


# --------------------------------------------------------------------------- records


def _records(
    root: str,
    paths: Sequence[str],
    *,
    jobs: int | None,
    progress: Progress | None,
    scheduler: str | None = None,
) -> Iterator[dict[str, Any] | MediaError]:
    clouds = [p for p in paths if is_point_cloud(p)]
    if clouds and len(clouds) != len(paths):
        raise CreateError("Combined data types 2D and 3D are not supported")
    if clouds:
        yield from _point_cloud_records(root, paths, progress)
        return

    related = related_images_2d(paths, root)
    infos = _probe_all(root, paths, jobs=jobs, progress=progress, scheduler=scheduler)
    for path, info in zip(paths, infos, strict=True):
        if isinstance(info, MediaError):
            yield info
            continue
        name, extension = record_name(path, root)
        yield image_record(
            name,
            extension,
            info.width,
            info.height,
            {"related_images": related[path]},
            info.checksum,
        )


def _point_cloud_records(
    root: str, paths: Sequence[str], progress: Progress | None
) -> Iterator[dict[str, Any] | MediaError]:
    related = related_images_3d(paths, root)
    for done, path in enumerate(paths, 1):
        try:
            _check_inside(path, root)
            check_regular_file(path)
        except MediaError as exc:
            yield exc
        else:
            name, extension = record_name(path, root)
            yield image_record(name, extension, None, None, {"related_images": related[path]}, None)
        if progress is not None:
            progress(done)


def _check_inside(path: str, root: str) -> None:
    relative = os.path.relpath(path, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
        raise MediaError(path, f"outside the dataset root {root}")


def _probe_batch(root: str, paths: Sequence[str]) -> list[ImageInfo | MediaError]:
    """Worker: probe with checksum, returning errors instead of raising."""
    out: list[ImageInfo | MediaError] = []
    for path in paths:
        try:
            _check_inside(path, root)
            out.append(probe_image(path, checksum=True, allow_large=True))
        except MediaError as exc:
            out.append(exc)
    return out


def _probe_all(
    root: str, paths: Sequence[str], *, jobs: int | None, progress: Progress | None,
    scheduler: str | None = None,
) -> Iterator[ImageInfo | MediaError]:
    workers = worker_count(jobs)
    for _path, info in run_ordered(partial(_probe_batch, root), paths, workers=workers,
                                   progress=progress, backend=backend_for(scheduler, [root])):
        yield info


# --------------------------------------------------------------------------- create


def create_manifest(
    source: str | os.PathLike[str],
    output_dir: Path,
    *,
    sorting: str = "lexicographical",
    force: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> CreateResult:
    """Write ``output_dir/manifest.jsonl`` for a folder, glob pattern or video file.

    ``force`` accepts a video with too few key frames. ``progress`` gets the number of images
    (or video frames) done. ``scheduler`` sends the images' decoding to a Dask cluster.
    Raises :class:`CreateError` (or :class:`~manifest_lint.media.ClusterError`); no file is
    written then.
    """
    check_sorting(sorting)
    absolute = os.path.abspath(os.path.expanduser(os.fspath(source)))
    output = Path(output_dir) / MANIFEST_FILE_NAME
    if os.path.isfile(absolute):
        return _create_video_manifest(absolute, output, force=force, progress=progress)

    found = find_images(absolute)
    paths = sort_paths(found.paths, sorting)
    errors: list[MediaError] = []

    def lines() -> Iterator[str]:
        yield from header_lines("images")
        for item in _records(found.root, paths, jobs=jobs, progress=progress,
                             scheduler=scheduler):
            if isinstance(item, MediaError):
                errors.append(item)
            elif not errors:
                yield dumps_line(item)

    def check() -> None:
        if errors:
            raise media_errors(errors)

    count = write_atomically(output, lines(), before_commit=check)
    return CreateResult(path=output, kind="images", records=count - 2)


def _create_video_manifest(
    path: str, output: Path, *, force: bool, progress: Progress | None
) -> CreateResult:
    from manifest_lint.media.video import scan_video

    if not is_video(path):
        raise CreateError(
            f"{path} is not a video (judged by its name); give a video file, a folder of"
            " images or a glob pattern"
        )
    try:
        info = scan_video(path, force=force, progress=progress)
    except MediaError as exc:
        return write_video_manifest(path, output, exc)
    return write_video_manifest(path, output, info)


def write_video_manifest(path: str, output: Path, info: VideoInfo | MediaError
                         ) -> CreateResult:
    """Write the manifest of the video ``path`` (a file or an object URL) from its scan, or
    raise :class:`CreateError` for the error the scan gave."""
    from manifest_lint.media.video import NotEnoughKeyFramesError

    if isinstance(info, NotEnoughKeyFramesError):
        raise CreateError(
            f"{info}. Pass --force to create the manifest anyway (CVAT will seek slowly)", [info]
        )
    if isinstance(info, MediaError):
        raise CreateError(str(info), [info])
    if not info.key_frames:
        raise CreateError(
            f"{path}: no key frame can be seeked back to, so CVAT cannot use a manifest for"
            " this video; re-encode it (e.g. with regular key frames)"
        )
    properties = video_properties(info.name, (info.width, info.height), info.length)
    lines = [
        *header_lines("video", properties),
        *(dumps_line(video_record(k.number, k.pts, k.checksum)) for k in info.key_frames),
    ]
    write_atomically(output, lines)
    return CreateResult(
        path=output,
        kind="video",
        records=len(info.key_frames),
        length=info.length,
        rejected_key_frames=tuple(info.rejected_key_frames),
    )


def media_errors(errors: Sequence[MediaError]) -> CreateError:
    listed = "\n".join(f"  {e}" for e in errors[:_MAX_LISTED_ERRORS])
    more = len(errors) - _MAX_LISTED_ERRORS
    tail = f"\n  ... and {more} more" if more > 0 else ""
    noun = "file" if len(errors) == 1 else "files"
    return CreateError(f"{len(errors)} {noun} cannot be read:\n{listed}{tail}\n"
                       "fix or remove these files, then run the command again", errors)


def write_atomically(
    path: Path, lines: Iterable[str], before_commit: Callable[[], None] | None = None
) -> int:
    """Write LF-terminated lines to a temporary file beside ``path``, then rename it over.

    ``before_commit`` may raise to abandon the file. Returns the number of lines written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with atomic_writer(path) as out:
        for line in lines:
            out.write(line.encode("utf-8") + b"\n")
            count += 1
        if before_commit is not None:
            before_commit()
    return count
