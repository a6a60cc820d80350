"""The checks of CVAT image and video records, field by field."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.cvat import rules as R
from manifest_lint.kinds.cvat.media import ImageItem, ImageTask
from manifest_lint.kinds.cvat.reading import loads
from manifest_lint.kinds.cvat.serialize import dumps_line
from manifest_lint.kinds.cvat.structure import (
    IMAGE_KEYS,
    VIDEO_KEYS,
    backslash_fix,
    canonical_record,
    extension_problem,
    is_checksum,
    is_int,
    is_point_cloud,
    path_problem,
    record_key,
)
from manifest_lint.kinds.cvat.surrogates import not_utf8
from manifest_lint.kinds.cvat.video import VideoRecord
from manifest_lint.textio import SURROGATE

if TYPE_CHECKING:
    pass

from manifest_lint.kinds.cvat.state import CheckerState


def _strings_of(obj: dict[str, Any]) -> list[str]:
    """The related-image strings of a record's meta (unchecked)."""
    meta = obj.get("meta")
    related = meta.get("related_images") if isinstance(meta, dict) else None
    return [x for x in related if isinstance(x, str)] if isinstance(related, list) else []


class RecordChecks(CheckerState):
    """Record checks of :class:`~manifest_lint.kinds.cvat.check.Checker`."""

    def _image(self, n: int, body: bytes, obj: dict[str, Any]) -> Iterator[Diagnostic]:
        diags: list[Diagnostic] = []
        name, ext = obj.get("name"), obj.get("extension")
        deferred: str | None = None
        if not isinstance(name, str) or not isinstance(ext, str):
            video = " (this is a video key-frame record, but line 2 says images)" if (
                "number" in obj or "pts" in obj) else ""
            yield R.IMAGE_NAME_REQUIRED.diag(
                self.path, n, f"record needs string name and extension{video}")
            return
        clean = self._name(n, obj, name, ext, diags)
        if self.collect is not None:
            self.collect.record(n, name + ext, obj.get("checksum"), clean)
        if SURROGATE.search(name + ext) or any(map(SURROGATE.search, _strings_of(obj))):
            warn = not_utf8(self.path, n, [("name", name + ext),
                                           *(("related image", r) for r in _strings_of(obj))])
            if warn is not None:
                diags.append(warn)
        problem = extension_problem(name, ext)
        if problem is not None:
            if self.images is not None and ext and name.endswith(ext):
                deferred = problem  # a real file "a.jpg.jpg" is fine
            else:
                diags.append(R.NAME_EXTENSION.diag(self.path, n, problem))
        point_cloud = is_point_cloud(name + ext)
        diags += self._sizes(n, obj, point_cloud)
        related = self._meta(n, obj, diags)
        diags += self._checksum(n, obj, point_cloud)
        d = self._canonical(n, body, obj, canonical_record(obj, "images"), IMAGE_KEYS)
        if d is not None:
            diags.append(d)
        if not clean:
            yield from diags
            return
        task = ImageTask(name + ext, point_cloud, related,
                         checksum=self._wants_checksum(obj) and not point_cloud)
        yield from self._image_followups(n, body, obj, diags, deferred, task)

    def _block_bodies(self, buf: bytes) -> list[bytes] | None:
        """The lines of a block of canonical image records, for the media check ([] when
        media are not checked); None sends the block line by line: a line as long as the
        integer digits Python converts (``sys.get_int_max_str_digits()``) could hold a
        width that ``loads`` refuses, which the slow path reports."""
        if self.images is None:
            return []
        bodies = buf.split(b"\n")
        bodies.pop()  # after the last newline
        limit = sys.get_int_max_str_digits() or len(buf) + 1
        return bodies if max(map(len, bodies)) < limit else None

    def _block_media(self, first: int, bodies: list[bytes]) -> Iterator[Diagnostic]:
        """The media check of the canonical records of a block (lines ``first``...)."""
        for n, body in enumerate(bodies, first):
            obj = loads(body)  # canonical and short enough (see _block_bodies): an object
            assert isinstance(obj, dict)
            yield from self._image_followups(n, body, obj, [], None)

    def _image_followups(self, n: int, body: bytes, obj: dict[str, Any],
                         diags: list[Diagnostic], deferred: str | None,
                         task: ImageTask | None = None) -> Iterable[Diagnostic]:
        """The order check and the media check of a record with a clean name."""
        if task is None:
            full_name = obj["name"] + obj["extension"]
            task = ImageTask(full_name, is_point_cloud(full_name),
                             tuple(obj["meta"]["related_images"]),
                             self.deep or self._wants_checksum(obj))
        if self.order is not None:
            self.order.add(n, task.full_name)
        if self.images is None:
            return diags
        return self.images.add(ImageItem(n, body, obj, diags, task, deferred))

    def _name(self, n: int, obj: dict[str, Any], name: str, ext: str,
              diags: list[Diagnostic]) -> bool:
        """Report an unclean name; True if the record's path is clean."""
        self.keys.add(record_key(name, ext), n)
        problem = path_problem(name) or (path_problem(name + ext) if ext else None)
        if problem is None:
            return True
        fixed = backslash_fix(name)
        fix = None
        if fixed is not None:
            fix = Fix((Edit(n, n, dumps_line(canonical_record({**obj, "name": fixed},
                                                              "images"))),))
        hint = f"; write {fixed!r}" if fixed else ""
        diags.append(R.UNSAFE_NAME.diag(self.path, n, f"name {name!r} {problem}{hint}; names "
                                        "are paths relative to the manifest's folder",
                                        fix=fix))
        return False

    def _sizes(self, n: int, obj: dict[str, Any], point_cloud: bool) -> list[Diagnostic]:
        has_w, has_h = "width" in obj, "height" in obj
        if point_cloud and not has_w and not has_h:
            return []
        if not has_w or not has_h:
            missing = " and ".join(k for k, h in (("width", has_w), ("height", has_h)) if not h)
            return [R.IMAGE_SIZE_FIELD.diag(
                self.path, n, f"record has no {missing}; CVAT needs both for 2D images "
                "(cloud storage tasks fail without them)")]
        w, h = obj["width"], obj["height"]
        if is_int(w) and is_int(h) and w > 0 and h > 0:
            return []
        return [R.IMAGE_SIZE_FIELD.diag(
            self.path, n, f"width and height must be positive integers, not "
                          f"{json.dumps(w)} and {json.dumps(h)}")]

    def _meta(self, n: int, obj: dict[str, Any], diags: list[Diagnostic]) -> tuple[str, ...]:
        """Check ``meta``; the clean related-image paths it lists."""
        if "meta" not in obj:
            return ()
        meta = obj["meta"]
        if not isinstance(meta, dict):
            diags.append(R.IMAGE_META.diag(self.path, n, f"meta must be an object, not "
                                           f"{json.dumps(meta)}"))
            return ()
        related = meta.get("related_images", [])
        if not isinstance(related, list):
            diags.append(R.IMAGE_META.diag(self.path, n, "meta.related_images must be a list "
                                           f"of paths, not {json.dumps(related)}"))
            return ()
        clean: list[str] = []
        for item in related:
            if not isinstance(item, str):
                diags.append(R.IMAGE_META.diag(self.path, n, "meta.related_images must hold "
                                               f"path strings, not {json.dumps(item)}"))
            elif (problem := path_problem(item)) is not None:
                diags.append(R.IMAGE_META.diag(self.path, n, f"related image {item!r} "
                                               f"{problem}; use a path relative to the "
                                               "manifest's folder"))
            else:
                clean.append(item)
        if len(clean) == len(related) and clean != sorted(set(clean)):
            fixed = {**obj, "meta": {**meta, "related_images": sorted(set(clean))}}
            repeats = " and lists a path twice" if len(set(clean)) < len(clean) else ""
            order = "is not sorted" if clean != sorted(clean) else ""
            why = f"{order}{repeats}".removeprefix(" and ")
            diags.append(R.RELATED_ORDER.diag(
                self.path, n, f"meta.related_images {why}; CVAT's tool writes a sorted list "
                "without repeats", fix=Fix((Edit(n, n, dumps_line(canonical_record(
                    fixed, "images"))),))))
        return tuple(clean)

    def _wants_checksum(self, obj: dict[str, Any]) -> bool:
        """Decode the image: always with --deep; while fixing, when the record's checksum
        is missing or malformed (so `fix` can fill it in)."""
        return self.deep or (self.fixing and not is_checksum(obj.get("checksum")))

    def _checksum(self, n: int, obj: dict[str, Any], point_cloud: bool) -> list[Diagnostic]:
        if "checksum" not in obj:
            if point_cloud:
                return []
            hint = (" (`manifest-lint fix` computes it from the media)" if self.media_on
                    else " (`manifest-lint fix` computes it when the media are reachable)")
            return [R.MISSING_CHECKSUM.diag(self.path, n, "record has no checksum: CVAT cannot "
                                            f"verify the data without it{hint}")]
        value = obj["checksum"]
        if is_checksum(value):
            return []
        fix = None
        if isinstance(value, str) and is_checksum(value.lower()):
            canon = canonical_record({**obj, "checksum": value.lower()}, self.kind)
            fix = Fix((Edit(n, n, dumps_line(canon)),))
        return [R.CHECKSUM_FORMAT.diag(self.path, n, f"checksum {json.dumps(value)} is not 32 "
                                       "lowercase hex digits (an md5 hexdigest)", fix=fix)]

    def _video_record(self, n: int, body: bytes, obj: dict[str, Any]) -> Iterator[Diagnostic]:
        number, pts = obj.get("number"), obj.get("pts")
        if not (is_int(number) and is_int(pts) and number >= 0):
            image = " (this is an image record, but line 2 says video)" if "name" in obj else ""
            yield R.KEY_FRAME_FIELDS.diag(
                self.path, n, f"record needs integer number (>= 0) and pts, not "
                f"{json.dumps(number)} and {json.dumps(pts)}{image}")
            return
        yield from self._key_frame_order(n, number, pts)
        if self.video is not None:
            self.video.records.append(VideoRecord(n, number, pts, obj.get("checksum")))
        yield from self._checksum(n, obj, point_cloud=False)
        d = self._canonical(n, body, obj, canonical_record(obj, "video"), VIDEO_KEYS)
        if d is not None:
            yield d

    def _key_frame_order(self, n: int, number: int, pts: int) -> Iterator[Diagnostic]:
        prev = self.prev_record
        if prev is not None and number <= prev.number:
            yield R.FRAME_ORDER.diag(self.path, n, f"number {number} is not greater than "
                                     f"{prev.number} on line {prev.line}; key frames must be "
                                     "in increasing frame order")
        if prev is not None and pts <= prev.pts:
            yield R.PTS_ORDER.diag(self.path, n, f"pts {pts} is not greater than {prev.pts} on "
                                   f"line {prev.line}; this record cannot point at a later frame")
        length = self.length
        if length is not None and number >= length:
            yield R.FRAME_RANGE.diag(self.path, n, f"number {number} is not below the video's "
                                     f"length {length} (frames are numbered from 0)")
        self.prev_record = VideoRecord(n, number, pts, None)
