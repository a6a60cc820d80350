"""Checking a CVAT video manifest's properties and key frames against the video.

The video is found through the media layer's store (the name in ``properties``, or the
only video in the folder) and read with :mod:`manifest_lint.media.video`; differences
become diagnostics with the regenerated header and key frames as their fix.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.cvat import rules as R
from manifest_lint.kinds.cvat.serialize import dumps_line, video_properties, video_record
from manifest_lint.kinds.cvat.structure import is_checksum, is_int
from manifest_lint.media import MediaError
from manifest_lint.media.store import LocalStore
from manifest_lint.s3 import is_remote

if TYPE_CHECKING:
    from manifest_lint.media.executor import Backend
    from manifest_lint.media.objclient import ClientOptions
    from manifest_lint.media.objects import ObjectStore

# Diagnostics the regenerated video properties and key frames repair.
VIDEO_REGEN = frozenset({"CVAT006", "CVAT104", "CVAT204", "CVAT205", "CVAT301", "CVAT302",
                         "CVAT303", "CVAT304", "CVAT406", "CVAT407", "CVAT408", "CVAT501",
                         "CVAT502", "CVAT503"})
# Structure problems that only a scan of the video can repair (so they trigger one).
_NEEDS_VIDEO_SCAN = frozenset({"CVAT104", "CVAT301", "CVAT302", "CVAT303", "CVAT304"})



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


class VideoMedia:
    """Checks a video manifest's properties and key frames against the video."""

    def __init__(self, display: str, root: str, *, deep: bool,
                 follow_links: bool = True, s3: ClientOptions | None = None,
                 backend: Callable[[int], Backend] | None = None) -> None:
        self.display = display
        self.s3 = s3
        self.backend = backend  # the --scheduler cluster reads a video in a bucket
        self.remote = is_remote(root)
        self.store: LocalStore | ObjectStore
        if self.remote:
            from manifest_lint.media.clients import client_for
            from manifest_lint.media.objects import ObjectStore

            self.store = ObjectStore(root, client_for(root, s3))
        else:
            self.store = LocalStore(root, follow_links)
        self.root = self.store.root
        self.deep = deep
        self.failure = ""  # why the video in a bucket was not checked

    def note(self) -> str:
        return f"the video was not checked: {self.failure}" if self.failure else ""

    def check(self, header: VideoHeader, held: list[Diagnostic]) -> Iterator[Diagnostic]:
        """Media diagnostics, then the held structure diagnostics (with fixes attached)."""
        try:
            found = list(self._check(header, held))
        except OSError as exc:  # a bucket that refused (local files never raise here)
            if not self.remote:
                raise
            self.failure, found = str(exc), []
        finally:
            if self.remote:
                from manifest_lint.media.objects import clean_spool

                clean_spool()
        yield from found
        yield from held

    def _check(self, header: VideoHeader, held: list[Diagnostic]) -> Iterator[Diagnostic]:
        props = header.properties or {}
        line = header.properties_line or 1
        named = props.get("name")
        path, problem = self._locate(named if isinstance(named, str) else None)
        if problem is not None:
            yield problem.diag(self.display, line, self._where(named))
            return
        assert path is not None
        if self.remote and getattr(self.backend, "remote", False):
            yield from self._on_cluster(path, header, held, named)
            return
        if self.remote:  # a video is read whole: into a spool file under its own name
            from manifest_lint.media.objects import ObjectStore, spool_file

            url, path = path, spool_file(path, keep_name=True)
            assert isinstance(self.store, ObjectStore)
            self.store.download(url, path)
        yield from self.check_file(path, header, held, named)

    def _on_cluster(self, url: str, header: VideoHeader, held: list[Diagnostic],
                    named: object) -> Iterator[Diagnostic]:
        """The video read and checked by a worker of the ``--scheduler`` cluster; the held
        diagnostics come back with their fixes attached."""
        from functools import partial

        from manifest_lint.media.executor import run_ordered
        from manifest_lint.media.worker_reads import ObjectRef

        assert self.backend is not None
        found = self.store.stat(url)
        ref = ObjectRef(url, found.size, whole=True, keep_name=True)
        work = partial(check_video_object, self.s3.endpoint if self.s3 else None, self.display,
                       self.deep, header, held, named)
        for _ref, (new, attached, failure) in run_ordered(work, [ref], workers=1,
                                                          backend=self.backend):
            if failure:
                raise OSError(failure)  # the bucket refused the worker: a note
            held[:] = attached
            yield from new

    def check_file(self, path: str, header: VideoHeader, held: list[Diagnostic],
                   named: object) -> Iterator[Diagnostic]:
        """Media diagnostics of the video file ``path`` (fixes attached to ``held``)."""
        from manifest_lint.media.video import probe_video_header, scan_video

        props = header.properties or {}
        line = header.properties_line or 1
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

        if named and "/" not in named and "\\" not in named and named not in (".", ".."):
            path, state = self.store.locate(named)
            if state == "ok" and (self.remote or os.path.isfile(path)):
                return path, None
            if state == "outside":
                return None, R.OUTSIDE_ROOT
        candidates = self._videos(is_video)
        if len(candidates) == 1:
            path, state = self.store.locate(candidates[0])
            if state == "outside":
                return None, R.OUTSIDE_ROOT
            return path, None
        return None, R.MISSING_MEDIA

    def _videos(self, is_video: Any) -> list[str]:
        return [e for e in self.store.entries()
                if is_video(e) and (self.remote or os.path.isfile(self.store.path(e)))]

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
                f"({'frame' if len(missing) == 1 else 'frames'} {shown}); CVAT seeks more slowly",
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


def check_video_object(endpoint: str | None, display: str, deep: bool, header: VideoHeader,
                       held: list[Diagnostic], named: object, refs: Sequence[Any]
                       ) -> list[tuple[list[Diagnostic], list[Diagnostic], str]]:
    """On a cluster worker: read the video in a bucket whole (under its own name) with this
    worker's own client and check it; per reference the media diagnostics, ``held`` with
    fixes attached, and why the bucket refused the worker ("" when it did not)."""
    from manifest_lint.media.worker_reads import Reader, drop

    reader = Reader(endpoint)
    out: list[tuple[list[Diagnostic], list[Diagnostic], str]] = []
    for ref in refs:
        read = reader.read(ref)
        if read.status != "ok" or read.spool is None:  # refused, or deleted since listed
            out.append(([], held, read.message or f"{ref.url}: no such object"))
            continue
        try:
            media = VideoMedia(display, os.path.dirname(read.spool), deep=deep)
            out.append((list(media.check_file(read.spool, header, held, named)), held, ""))
        finally:
            drop(read)
    return out
