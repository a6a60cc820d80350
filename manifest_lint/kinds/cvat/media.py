"""Checking a CVAT manifest against its media: images (sizes, checksums, related images,
unlisted files) and the video (properties and key frames).

Media resolve from ``--media-root`` or the manifest's folder. Paths that are not clean
relative paths never get here (the structure checks report them); symbolic links that lead
out of the media folder are reported and not opened. Image work runs in a process pool for
``--deep`` (decoding dominates); results come back in manifest order, a bounded window at a
time, so memory stays flat.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.cvat import rules as R
from manifest_lint.kinds.cvat.serialize import (
    dumps_line,
    image_record,
    video_properties,
    video_record,
)
from manifest_lint.kinds.cvat.structure import IMAGE_KEYS, is_checksum, is_int
from manifest_lint.media import MediaError

if TYPE_CHECKING:
    from manifest_lint.cache import MediaCache

PARALLEL_MIN = 32  # below this many images a pool costs more than it saves
BATCH = 8  # images per pool task
MAX_UNLISTED = 20  # unlisted files reported one by one; the rest are counted

# Diagnostics a regenerated image record repairs (CVAT205/CVAT204 only with a computed
# checksum, i.e. with --deep).
IMAGE_REGEN = frozenset({"CVAT006", "CVAT202", "CVAT203", "CVAT402", "CVAT403", "CVAT404",
                         "CVAT501"})
IMAGE_REGEN_DEEP = IMAGE_REGEN | {"CVAT204", "CVAT205"}
# Diagnostics the regenerated video properties and key frames repair.
VIDEO_REGEN = frozenset({"CVAT006", "CVAT104", "CVAT204", "CVAT205", "CVAT301", "CVAT302",
                         "CVAT303", "CVAT304", "CVAT406", "CVAT407", "CVAT408", "CVAT501",
                         "CVAT502", "CVAT503"})
# Structure problems that only a scan of the video can repair (so they trigger one).
_CACHE_DEEP = "cvat-probe-md5"  # cache entries: [width, height, orientation, checksum]
_CACHE_SIZE = "cvat-probe"
_NEEDS_VIDEO_SCAN = frozenset({"CVAT104", "CVAT301", "CVAT302", "CVAT303", "CVAT304"})


# --------------------------------------------------------------------------- paths


def media_path(root: str, relative: str) -> str:
    """The file a clean ``/``-separated relative path names below ``root``."""
    return os.path.join(root, *relative.split("/"))


def _inside(real: str, real_root: str) -> bool:
    prefix = real_root if real_root.endswith(os.sep) else real_root + os.sep
    return real == real_root or real.startswith(prefix)


def locate(path: str, real_root: str) -> str | None:
    """``None`` if ``path`` is a file below the root, else ``"missing"`` or ``"outside"``."""
    if not os.path.lexists(path):
        return "missing"
    if not _inside(os.path.realpath(path), real_root):
        return "outside"
    if not os.path.exists(path):
        return "missing"  # a broken link inside the root
    return None


# --------------------------------------------------------------------------- images


@dataclass(frozen=True, slots=True)
class ImageTask:
    """What a worker needs to inspect one record's files."""

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


def inspect_images(root: str, tasks: list[ImageTask]) -> list[ImageFacts]:
    """Pool worker: inspect a batch of records."""
    real_root = os.path.realpath(root)
    return [inspect_image(root, real_root, t) for t in tasks]


def inspect_image(root: str, real_root: str, task: ImageTask) -> ImageFacts:
    """Probe one record's file (size, and the pixel md5 if asked) and its context images."""
    from manifest_lint.kinds.cvat.sources import related_images_2d, related_images_3d
    from manifest_lint.media.images import probe_image

    path = media_path(root, task.full_name)
    where = locate(path, real_root)
    if where is not None:
        return ImageFacts(where)
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
                info = probe_image(path, checksum=task.checksum)
                facts.width, facts.height = info.width, info.height
                facts.orientation, facts.checksum = info.orientation, info.checksum
            facts.related_on_disk = tuple(related_images_2d([path], root)[path])
    except MediaError as exc:
        return ImageFacts("unreadable", exc.message)
    except Exception as exc:  # noqa: BLE001 - a decoder failure is a finding, not a crash
        return ImageFacts("unreadable", f"{type(exc).__name__}: {exc}")
    missing, outside = [], []
    for rel in task.related:
        state = locate(media_path(root, rel), real_root)
        if state == "missing":
            missing.append(rel)
        elif state == "outside":
            outside.append(rel)
    facts.related_missing, facts.related_outside = tuple(missing), tuple(outside)
    return facts


@dataclass(slots=True)
class ImageItem:
    """One image record on its way through the media check."""

    line: int
    body: bytes
    obj: dict[str, Any]
    diags: list[Diagnostic]  # structure diagnostics of the line, held for fixes
    task: ImageTask
    name_extension_problem: str | None = None  # CVAT207, reported only if the file is missing
    stat: os.stat_result | None = None  # of the image when it was looked up in the cache


class ImageMedia:
    """Checks image records against their files, in manifest order."""

    def __init__(self, display: str, root: str, *, deep: bool, jobs: int | None,
                 enabled: frozenset[str], cache: MediaCache | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        self.display = display
        self.cache = cache
        self.progress = progress
        self.root = os.path.abspath(root)
        self.real_root = os.path.realpath(self.root)
        self.deep = deep
        self.enabled = enabled
        self.workers = _worker_count(jobs) if deep else 1
        self.listed: set[str] = set()  # files the manifest accounts for
        self.waiting: list[ImageItem] = []
        self.batch: list[ImageItem] = []
        self.inflight: deque[tuple[list[ImageItem], Future[list[ImageFacts]]]] = deque()
        self.pool: ProcessPoolExecutor | None = None

    # -- feeding

    def add(self, item: ImageItem) -> Iterator[Diagnostic]:
        """Queue a record; yields diagnostics of records whose results are in."""
        self.listed.add(item.task.full_name)
        self.listed.update(item.task.related)
        if self._from_cache(item) or self.workers <= 1:
            yield from self._judge(item, inspect_image(self.root, self.real_root, item.task))
            return
        if self.pool is None:
            self.waiting.append(item)
            if len(self.waiting) < PARALLEL_MIN:
                return
            self.pool = _make_pool(self.workers)
            for queued in self.waiting:
                yield from self._batch(queued)
            self.waiting = []
            return
        yield from self._batch(item)

    # -- the cache of probe results (sizes, and checksums from --deep)

    def _from_cache(self, item: ImageItem) -> bool:
        """Fill ``item.task.probed`` from the cache; True on a hit (no decoding needed)."""
        if self.cache is None or not self.cache.enabled or item.task.point_cloud:
            return False
        try:
            item.stat = os.stat(media_path(self.root, item.task.full_name))
        except OSError:
            return False
        for what in (_CACHE_DEEP,) if item.task.checksum else (_CACHE_DEEP, _CACHE_SIZE):
            hit = self.cache.get(Path(self.root, item.task.full_name), item.stat, what)
            if isinstance(hit, list) and len(hit) == 4:
                item.task = replace(item.task, probed=(hit[0], hit[1], hit[2], hit[3]))
                return True
        return False

    def _remember(self, item: ImageItem, facts: ImageFacts) -> None:
        if (self.cache is None or item.stat is None or item.task.probed is not None
                or facts.status != "ok" or item.task.point_cloud):
            return
        what = _CACHE_DEEP if item.task.checksum else _CACHE_SIZE
        self.cache.put(Path(self.root, item.task.full_name), item.stat, what,
                       [facts.width, facts.height, facts.orientation, facts.checksum])

    def _batch(self, item: ImageItem) -> Iterator[Diagnostic]:
        self.batch.append(item)
        if len(self.batch) >= BATCH:
            yield from self._submit()

    def _submit(self) -> Iterator[Diagnostic]:
        assert self.pool is not None
        batch, self.batch = self.batch, []
        if batch:
            future = self.pool.submit(inspect_images, self.root, [i.task for i in batch])
            self.inflight.append((batch, future))
        while len(self.inflight) > self.workers * 4:
            yield from self._collect()

    def _collect(self) -> Iterator[Diagnostic]:
        batch, future = self.inflight.popleft()
        try:
            results = future.result()
        except BrokenExecutor:  # a worker died (e.g. killed for memory): go on in-process
            yield from self._serial_from(batch)
            return
        for item, facts in zip(batch, results, strict=True):
            yield from self._judge(item, facts)

    def _serial_from(self, batch: list[ImageItem]) -> Iterator[Diagnostic]:
        """Inspect ``batch`` and everything still queued in this process, without a pool."""
        items = [*batch, *(i for b, _ in self.inflight for i in b), *self.batch]
        self.inflight.clear()
        self.batch = []
        self.close()
        self.workers = 1
        for item in items:
            yield from self._judge(item, inspect_image(self.root, self.real_root, item.task))

    def finish(self) -> Iterator[Diagnostic]:
        """Results of the queued records, then the unlisted-files check."""
        try:
            for item in self.waiting:
                yield from self._judge(item, inspect_image(self.root, self.real_root, item.task))
            self.waiting = []
            if self.pool is not None:
                yield from self._submit()
                while self.inflight:
                    yield from self._collect()
        finally:
            self.close()
            if self.cache is not None:
                self.cache.save()
        if R.UNLISTED_MEDIA.code in self.enabled:
            yield from self._unlisted()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    # -- judging

    def _judge(self, item: ImageItem, facts: ImageFacts) -> Iterator[Diagnostic]:
        self._remember(item, facts)
        if self.progress is not None:
            self.progress(1)
        n, name = item.line, item.task.full_name
        if facts.status == "missing":
            yield R.MISSING_MEDIA.diag(
                self.display, n,
                f"image {name!r} not found in {self.root}; add the file, fix the name, or "
                "point --media-root at the dataset folder",
            )
            if item.name_extension_problem:
                yield R.NAME_EXTENSION.diag(self.display, n, item.name_extension_problem)
            yield from item.diags
            return
        if facts.status == "outside":
            yield R.OUTSIDE_ROOT.diag(
                self.display, n,
                f"{name!r} is a symbolic link to a file outside {self.root}; not opened. "
                "Copy the file into the dataset folder",
            )
            yield from item.diags
            return
        if facts.status == "unreadable":
            yield R.UNREADABLE_MEDIA.diag(
                self.display, n, f"image {name!r} cannot be read: {facts.message}; "
                "re-export the file",
            )
            yield from item.diags
            return
        found = self._media_diags(item, facts)
        yield from self._with_regen_fix(item, facts, [*item.diags, *found])

    def _media_diags(self, item: ImageItem, facts: ImageFacts) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        n, obj, name = item.line, item.obj, item.task.full_name
        width, height = obj.get("width"), obj.get("height")
        if (not item.task.point_cloud and is_int(width) and is_int(height)
                and (width, height) != (facts.width, facts.height)):
            swap = (f" (EXIF orientation {facts.orientation} swaps width and height)"
                    if facts.orientation > 4 else "")
            out.append(R.SIZE_MISMATCH.diag(
                self.display, n,
                f"width x height is {width}x{height} but {name!r} is "
                f"{facts.width}x{facts.height}{swap}; write the image's size",
            ))
        checksum = obj.get("checksum")
        if (self.deep and facts.checksum is not None and is_checksum(checksum)
                and checksum != facts.checksum):
            out.append(R.CHECKSUM_MISMATCH.diag(
                self.display, n,
                f"checksum {checksum} is not the md5 of the decoded pixels of {name!r} "
                f"({facts.checksum}): the file changed or the checksum was computed "
                "differently",
            ))
        for rel in facts.related_missing:
            out.append(R.MISSING_RELATED.diag(
                self.display, n, f"related image {rel!r} of {name!r} does not exist; add it "
                "or remove it from meta.related_images",
            ))
        for rel in facts.related_outside:
            out.append(R.OUTSIDE_ROOT.diag(
                self.display, n, f"related image {rel!r} is a symbolic link to a file "
                f"outside {self.root}; not opened",
            ))
        listed = set(item.task.related)
        for rel in facts.related_on_disk:
            self.listed.add(rel)
            if rel not in listed:
                out.append(R.UNLISTED_MEDIA.diag(
                    self.display, n, f"context image {rel!r} of {name!r} is not listed in "
                    "its meta.related_images",
                ))
        return out

    def _with_regen_fix(self, item: ImageItem, facts: ImageFacts,
                        diags: list[Diagnostic]) -> Iterator[Diagnostic]:
        """Attach the regenerated record as the fix of the problems it repairs."""
        # A decoded checksum (--deep, or `fix` filling a missing one) repairs those too.
        codes = IMAGE_REGEN_DEEP if facts.checksum is not None else IMAGE_REGEN
        fixable = [d for d in diags if d.code in codes]
        if fixable:
            line = dumps_line(self.expected_record(item, facts))
            if line.encode("ascii") != item.body:
                fix = Fix((Edit(item.line, item.line, line),))
                for d in fixable:
                    d.fix = fix
        yield from diags

    def expected_record(self, item: ImageItem, facts: ImageFacts) -> dict[str, Any]:
        """What ``create cvat`` writes for this record's files (extra keys kept)."""
        obj = item.obj
        meta_in = obj.get("meta")
        meta: dict[str, Any] = {"related_images": list(facts.related_on_disk)}
        if isinstance(meta_in, dict):
            meta.update((k, v) for k, v in meta_in.items() if k != "related_images")
        checksum = obj.get("checksum")
        if facts.checksum is not None and (self.deep or not is_checksum(checksum)):
            checksum = facts.checksum
        elif isinstance(checksum, str) and is_checksum(checksum.lower()):
            checksum = checksum.lower()
        if item.task.point_cloud:
            width = obj.get("width") if is_int(obj.get("width")) else None
            height = obj.get("height") if is_int(obj.get("height")) else None
            if width is None or height is None:
                width = height = None
        else:
            width, height = facts.width, facts.height
        name, extension = obj["name"], obj["extension"]
        record = image_record(name, extension, width, height, meta, checksum)
        record.update((k, v) for k, v in obj.items() if k not in IMAGE_KEYS)
        return record

    # -- unlisted files

    def _unlisted(self) -> Iterator[Diagnostic]:
        found = list(_unlisted_files(self.root, self.listed))
        for rel in found[:MAX_UNLISTED]:
            yield R.UNLISTED_MEDIA.diag(
                self.display, 1,
                f"{rel!r} in {self.root} is not listed in the manifest; add it (regenerate "
                "with `manifest-lint create cvat`) or move it out of the dataset folder",
            )
        if len(found) > MAX_UNLISTED:
            yield R.UNLISTED_MEDIA.diag(
                self.display, 1,
                f"... and {len(found) - MAX_UNLISTED} more unlisted images in {self.root}",
            )


def _unlisted_files(root: str, listed: set[str]) -> Iterator[str]:
    """Images and point clouds below ``root`` (as ``create cvat`` finds them) not in
    ``listed``, as ``/``-separated relative paths in sorted order. VCS folders,
    virtualenvs and caches are not dataset folders and are skipped."""
    from manifest_lint.discovery import SKIP_DIRS
    from manifest_lint.kinds.cvat.sources import is_image, is_point_cloud

    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS
                         and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg")))
        rel_folder = os.path.relpath(folder, root)
        prefix = "" if rel_folder == "." else rel_folder.replace(os.sep, "/") + "/"
        for f in sorted(files):
            rel = prefix + f
            if rel not in listed and (is_image(f) or is_point_cloud(f)):
                yield rel


def _worker_count(jobs: int | None) -> int:
    if jobs is not None:
        return max(1, jobs)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _make_pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


# --------------------------------------------------------------------------- video


@dataclass(slots=True)
class VideoRecord:
    line: int
    number: int
    pts: int
    checksum: object


@dataclass
class VideoHeader:
    """The parsed video header and where the records end."""

    properties: dict[str, Any] | None  # the properties object, if line 3 had one
    properties_line: int  # the physical line of the properties (0 if none)
    regenerable: bool  # header is lines 1-3 exactly, so lines 3..end can be rewritten
    last_line: int = 0
    records: list[VideoRecord] = field(default_factory=list)


def probe_video_header(path: str) -> tuple[int, int, int]:
    """Frame size (after CVAT's ``rotate``) and packet count, without decoding."""
    import av

    from manifest_lint.media.video import rotated_size

    try:
        with av.open(path, mode="r") as container:
            if not container.streams.video:
                raise MediaError(path, "no video stream")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            rotate = stream.metadata.get("rotate")
            if rotate:
                width, height = rotated_size(width, height, int(rotate))
            packets = sum(1 for p in container.demux(stream) if p.size)
    except MediaError:
        raise
    except Exception as exc:  # noqa: BLE001 - FFmpeg errors on corrupt input
        raise MediaError(path, f"cannot read video: {exc or type(exc).__name__}") from exc
    return width, height, packets


class VideoMedia:
    """Checks a video manifest's properties and key frames against the video."""

    def __init__(self, display: str, root: str, *, deep: bool) -> None:
        self.display = display
        self.root = os.path.abspath(root)
        self.deep = deep

    def check(self, header: VideoHeader, held: list[Diagnostic]) -> Iterator[Diagnostic]:
        """Media diagnostics, then the held structure diagnostics (with fixes attached)."""
        found = list(self._check(header, held))
        yield from found
        yield from held

    def _check(self, header: VideoHeader, held: list[Diagnostic]) -> Iterator[Diagnostic]:
        from manifest_lint.media.video import scan_video

        props = header.properties or {}
        line = header.properties_line or 1
        named = props.get("name")
        path, problem = self._locate(named if isinstance(named, str) else None)
        if problem is not None:
            yield problem.diag(self.display, line, self._where(named))
            return
        assert path is not None
        actual_name = os.path.basename(path)
        need_scan = self.deep or any(d.code in _NEEDS_VIDEO_SCAN for d in held)
        need_scan |= isinstance(named, str) and named != actual_name
        if not need_scan:
            try:
                width, height, packets = probe_video_header(path)
            except MediaError as exc:
                yield R.UNREADABLE_MEDIA.diag(self.display, line, self._unreadable(exc))
                return
            need_scan = (props.get("resolution") != [width, height]
                         or props.get("length") != packets)
        if not need_scan:
            return
        try:
            info = scan_video(path, force=True)
        except MediaError as exc:
            yield R.UNREADABLE_MEDIA.diag(self.display, line, self._unreadable(exc))
            return
        new = list(self._property_diags(props, line, info, named))
        if self.deep:
            new += self._record_diags(path, header, info)
        if not info.key_frames:
            new.append(R.UNREADABLE_MEDIA.diag(
                self.display, line,
                f"no key frame of {actual_name!r} seeks back to itself, so CVAT cannot use a "
                "manifest for it; re-encode the video with regular key frames",
            ))
        elif header.regenerable:
            self._attach_regen(header, info, [*new, *held])
        yield from new

    def _locate(self, named: str | None) -> tuple[str | None, Any]:
        from manifest_lint.kinds.cvat.sources import is_video

        real_root = os.path.realpath(self.root)
        if named and "/" not in named and "\\" not in named and named not in (".", ".."):
            path = os.path.join(self.root, named)
            state = locate(path, real_root)
            if state is None and os.path.isfile(path):
                return path, None
            if state == "outside":
                return None, R.OUTSIDE_ROOT
        candidates = self._videos(is_video)
        if len(candidates) == 1:
            path = os.path.join(self.root, candidates[0])
            if locate(path, real_root) == "outside":
                return None, R.OUTSIDE_ROOT
            return path, None
        return None, R.MISSING_MEDIA

    def _videos(self, is_video: Any) -> list[str]:
        try:
            entries = sorted(os.listdir(self.root))
        except OSError:
            return []
        return [e for e in entries
                if is_video(e) and os.path.isfile(os.path.join(self.root, e))]

    def _where(self, named: object) -> str:
        from manifest_lint.kinds.cvat.sources import is_video

        others = self._videos(is_video)
        listing = f" (videos there: {', '.join(others)})" if others else ""
        what = f"video {named!r}" if isinstance(named, str) else "the video"
        return (f"{what} not found in {self.root}{listing}; put the video next to the "
                "manifest or point --media-root at its folder")

    def _unreadable(self, exc: MediaError) -> str:
        return (f"video {os.path.basename(exc.path)!r} cannot be used: {exc.message}; "
                "re-encode it (e.g. ffmpeg -i in.mp4 -c:v libx264 out.mp4)")

    def _property_diags(self, props: dict[str, Any], line: int, info: Any,
                        named: object) -> Iterator[Diagnostic]:
        if isinstance(named, str) and named != info.name:
            yield R.VIDEO_NAME.diag(
                self.display, line,
                f"properties.name is {named!r} but the video is {info.name!r}; "
                "the manifest was made for another file",
            )
        resolution = props.get("resolution")
        if (isinstance(resolution, list) and len(resolution) == 2
                and all(is_int(v) for v in resolution)
                and resolution != [info.width, info.height]):
            yield R.VIDEO_RESOLUTION.diag(
                self.display, line,
                f"properties.resolution is {resolution} but {info.name!r} decodes to "
                f"[{info.width}, {info.height}]",
            )
        length = props.get("length")
        if is_int(length) and length != info.length:
            yield R.VIDEO_LENGTH.diag(
                self.display, line,
                f"properties.length is {length} but {info.name!r} decodes to "
                f"{info.length} frames",
            )

    def _record_diags(self, path: str, header: VideoHeader, info: Any) -> list[Diagnostic]:
        from manifest_lint.media.video import verify_video_records

        out: list[Diagnostic] = []
        usable = {k.number: k for k in info.key_frames}
        suspicious: list[VideoRecord] = []
        for r in header.records:
            k = usable.get(r.number)
            if k is None or k.pts != r.pts:
                suspicious.append(r)
            elif is_checksum(r.checksum) and r.checksum != k.checksum:
                out.append(R.CHECKSUM_MISMATCH.diag(
                    self.display, r.line,
                    f"checksum {r.checksum} is not the md5 of frame {r.number} "
                    f"({k.checksum}); the video changed or the checksum was computed "
                    "differently",
                ))
        if suspicious:
            try:
                problems = verify_video_records(path, [(r.number, r.pts) for r in suspicious])
            except MediaError as exc:
                out.append(R.UNREADABLE_MEDIA.diag(self.display, suspicious[0].line,
                                                   self._unreadable(exc)))
                problems = []
            for index, message in problems:
                out.append(R.BAD_KEY_FRAME.diag(
                    self.display, suspicious[index].line,
                    f"key frame record number={suspicious[index].number} "
                    f"pts={suspicious[index].pts}: {message}",
                ))
        listed = {r.number for r in header.records}
        missing = [k.number for k in info.key_frames if k.number not in listed]
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            where = header.records[-1].line if header.records else header.properties_line
            out.append(R.MISSING_KEY_FRAMES.diag(
                self.display, where,
                f"{len(missing)} usable key frame(s) of {info.name!r} are not listed "
                f"(frames {shown}); CVAT seeks more slowly without them",
            ))
        return out

    def _attach_regen(self, header: VideoHeader, info: Any,
                      diags: Iterable[Diagnostic]) -> None:
        props = video_properties(info.name, (info.width, info.height), info.length)
        old = header.properties or {}
        props.update((k, v) for k, v in old.items() if k not in props)
        lines = [dumps_line({"properties": props})]
        lines += [dumps_line(video_record(k.number, k.pts, k.checksum))
                  for k in info.key_frames]
        fix = Fix((Edit(header.properties_line, header.last_line, "\n".join(lines)),))
        for d in diags:
            if d.code in VIDEO_REGEN:
                d.fix = fix
