"""Checking a CVAT manifest: header, records, then (unless ``--no-media``) its media.

The file is read once. Canonical 2D image records (what CVAT's tool writes) are recognised
by one regular expression without JSON parsing: with ``--no-media`` whole blocks of them are
validated by a single ``findall`` that also extracts their duplicate keys. Every other line
is parsed with orjson and goes through the per-field checks. The set of record keys (for
duplicates) is the only thing that grows; a second pass finds the first occurrence of a
duplicate only when there is one.
"""

from __future__ import annotations

import io
import json
import operator
import os
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.common import decode_diagnostic, encoding_diagnostics
from manifest_lint.kinds.cvat import rules as R
from manifest_lint.kinds.cvat.media import (
    ImageItem,
    ImageMedia,
    ImageTask,
    VideoHeader,
    VideoMedia,
    VideoRecord,
)
from manifest_lint.kinds.cvat.serialize import MANIFEST_VERSION, dumps_line
from manifest_lint.kinds.cvat.structure import (
    IMAGE_KEYS,
    IMAGE_RECORD,
    IMAGE_RECORD_AFTER_NEWLINE,
    KEY_SEPARATOR,
    NAME_ENDS_WITH_EXTENSION,
    PROPERTY_KEYS,
    TYPES,
    VERSIONS,
    VIDEO_KEYS,
    backslash_fix,
    canonical_properties_line,
    canonical_record,
    extension_problem,
    is_checksum,
    is_int,
    is_point_cloud,
    key_of_match,
    path_problem,
    record_key,
    version_fix,
)
from manifest_lint.progress import no_progress, progress
from manifest_lint.textio import LineDecoder, LongLine, count_lines, iter_raw_lines

if TYPE_CHECKING:
    from manifest_lint.engine import CheckContext

BLOCK_SIZE = 1 << 22  # bytes validated at once on the fast path
Line = tuple[int, bytes, bytes]  # (number, body, terminator)
Diags = Generator[Diagnostic, None, Any]


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    pre = ctx.preflight()
    diags, readable = encoding_diagnostics(ctx, pre, R.ENCODING, R.BOM)
    yield from diags
    if not readable:
        return
    checker = _Checker(ctx)
    show = ctx.settings.progress and checker.media_on
    with progress(_line_count(ctx) if show else 0, "checking media",
                  enabled=show) as advance:
        checker.advance = advance
        try:
            with ctx.open() as f:
                if pre.bom:
                    f.read(3)
                yield from checker.run(f)
            yield from checker.finish()
        finally:
            checker.close()


def _line_count(ctx: CheckContext) -> int:
    with ctx.open() as f:
        return count_lines(f)


class _Lines:
    """Physical lines with their numbers, one line of push-back, and whether every line so
    far ended with LF (then the file position is right after the last line read)."""

    def __init__(self, f: BinaryIO) -> None:
        self.it = iter_raw_lines(f, skip_bom=False)
        self.n = 0
        self.back: list[Line] = []
        self.lf_only = True
        self.bad_terminator: int | None = None  # first line not ending with LF

    def next(self) -> Line | None:
        if self.back:
            return self.back.pop()
        item = next(self.it, None)
        if item is None:
            return None
        self.n += 1
        body, term = item
        if term != b"\n":
            self.lf_only = False
            self.note_terminator(self.n)
        return self.n, body, term

    def push(self, item: Line) -> None:
        self.back.append(item)

    def note_terminator(self, n: int) -> None:
        if self.bad_terminator is None:
            self.bad_terminator = n


class _Order:
    """The configured sorting (lexicographical or natural) over the records' paths."""

    def __init__(self, sorting: str, root: str) -> None:
        self.sorting = sorting
        self.root = os.path.abspath(root)
        if sorting == "natural":
            from natsort import os_sort_keygen

            self.key: Any = os_sort_keygen()
        else:
            self.key = str
        self.prev: Any = None
        self.prev_name = ""
        self.prev_line = 0
        self.first: tuple[int, str, str, int] | None = None
        self.count = 0

    def add(self, n: int, full_name: str) -> None:
        key = self.key(os.path.join(self.root, *full_name.split("/")))
        if self.prev is not None and key < self.prev:
            self.count += 1
            if self.first is None:
                self.first = (n, full_name, self.prev_name, self.prev_line)
        self.prev, self.prev_name, self.prev_line = key, full_name, n

    def diagnostics(self, path: str) -> Iterator[Diagnostic]:
        if self.first is None:
            return
        n, name, prev, prev_line = self.first
        more = f"; {self.count} records are out of order" if self.count > 1 else ""
        yield R.SORT_ORDER.diag(
            path, n,
            f"{name!r} comes after {prev!r} (line {prev_line}) but {self.sorting} sorting "
            f"puts it first{more}. CVAT maps frame i to record i: regenerate with "
            f"`manifest-lint create cvat --sorting {self.sorting}`, or set `sorting` to the "
            "method your tasks use",
        )


class _Keys:
    """Duplicate detection over record keys. While keys arrive strictly increasing (as in a
    lexicographically sorted manifest) they are all distinct and no set is kept; the first
    step back builds the set from the lines read so far (``rebuild``). The set holds the
    keys' hashes, so a collision may be a false alarm: the second pass (exact keys) decides."""

    def __init__(self, rebuild: Callable[[int], Iterable[bytes]]) -> None:
        self.rebuild = rebuild
        self.last: bytes | None = None
        self.seen: set[int] | None = None  # hashes of the keys
        self.collisions = 0

    def add(self, key: bytes, line: int) -> None:
        seen = self.seen
        if seen is None:
            if self.last is None or key > self.last:
                self.last = key
                return
            seen = self.seen = set(map(hash, self.rebuild(line)))
        h = hash(key)
        if h in seen:
            self.collisions += 1
        else:
            seen.add(h)

    def add_block(self, keys: list[bytes], first_line: int) -> None:
        seen = self.seen
        if seen is None:
            if ((self.last is None or keys[0] > self.last)
                    and all(map(operator.lt, keys, islice(keys, 1, None)))):
                self.last = keys[-1]
                return
            seen = self.seen = set(map(hash, self.rebuild(first_line)))
        before = len(seen)
        seen.update(map(hash, keys))
        self.collisions += len(keys) - (len(seen) - before)


class _Checker:
    """State of one manifest check."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.path = ctx.display
        settings = ctx.settings
        self.root = str(settings.media_root or ctx.path.parent)
        self.advance: Callable[[int], None] = no_progress
        self.media_on = not settings.no_media and any(
            c.startswith(("CVAT4", "CVAT5")) for c in ctx.enabled_codes
        )
        self.deep = settings.deep
        self.fixing = settings.fixing
        sorting = ctx.options.get("sorting", "")
        self.order = (_Order(sorting, self.root)
                      if sorting in ("lexicographical", "natural") and ctx.enabled(R.SORT_ORDER)
                      else None)
        self.kind: str | None = None
        self.lines: _Lines | None = None
        self.empty = True
        self.records = 0
        self.records_start = 1
        self.header_end = 0  # last header line
        self.keys = _Keys(self._keys_before)
        self.decoder = LineDecoder()
        self.images: ImageMedia | None = None
        self.video: VideoHeader | None = None
        self.held: list[Diagnostic] = []  # video diagnostics waiting for a regenerating fix
        self.prev_record: VideoRecord | None = None
        self.length: int | None = None  # video length from the properties, when valid

    # ------------------------------------------------------------------ driving

    def run(self, f: BinaryIO) -> Iterator[Diagnostic]:
        lines = self.lines = _Lines(f)
        yield from self._header(lines)
        if self.kind == "images" and self.media_on:
            self.images = ImageMedia(self.path, self.root, deep=self.deep,
                                     jobs=self.ctx.settings.jobs,
                                     enabled=self.ctx.enabled_codes,
                                     cache=self.ctx.settings.media_cache(self.ctx.path, "cvat"),
                                     progress=self.advance)
        if self.kind == "video" and self.video is None:
            self.video = VideoHeader(None, 0, regenerable=False)
        if self.kind == "images" and not self.images and not self.order and lines.lf_only:
            while lines.back:
                item = lines.back.pop()
                yield from self._line(*item)
            yield from self._blocks(f, lines)
            return
        while (line := lines.next()) is not None:
            yield from self._line(*line)

    def _blocks(self, f: BinaryIO, lines: _Lines) -> Iterator[Diagnostic]:
        """The fast path: validate blocks of canonical image records at once."""
        keys_seen = self.keys
        while True:
            buf = f.read(BLOCK_SIZE)
            if not buf:
                return
            if buf[-1:] != b"\n":
                buf += f.readline()
            keys = IMAGE_RECORD_AFTER_NEWLINE.findall(b"\n" + buf)
            count = buf.count(b"\n")
            if (keys and len(keys) == count and buf[-1:] == b"\n"
                    and NAME_ENDS_WITH_EXTENSION.search(buf) is None):
                keys_seen.add_block(keys, lines.n + 1)
                self.records += count
                lines.n += count
                self.empty = False
                continue
            for body, term in iter_raw_lines(io.BytesIO(buf), skip_bom=False):
                lines.n += 1
                if term != b"\n":
                    lines.note_terminator(lines.n)
                yield from self._line(lines.n, body, term)

    def finish(self) -> Iterator[Diagnostic]:
        lines = self.lines
        assert lines is not None
        if self.empty:
            yield R.EMPTY_FILE.diag(self.path, 1, "manifest is empty: it needs the header "
                                    '({"version":"1.1"} and {"type":...}) and records')
            return
        if self.records == 0:
            yield R.NO_RECORDS.diag(
                self.path, max(self.header_end, 1),
                "manifest has a header but no records; CVAT rejects a header-only manifest "
                "(regenerate it with `manifest-lint create cvat`)",
            )
        if lines.bad_terminator is not None:
            yield R.LINE_TERMINATOR.diag(
                self.path, lines.bad_terminator,
                "line does not end with LF (CRLF, CR, or no newline at the end of the file); "
                "CVAT writes LF and a final newline",
                fix=Fix(newline="\n", final_newline=True),
            )
        yield from decode_diagnostic(self.ctx, self.decoder.problem, R.ENCODING)
        if self.keys.collisions:
            yield from self._duplicates()
        if self.images is not None:
            yield from self.images.finish()
        if self.media_on and self.kind == "video" and self.video is not None:
            self.video.last_line = lines.n
            media = VideoMedia(self.path, self.root, deep=self.deep)
            yield from media.check(self.video, self.held)
        else:
            yield from self.held
        self.held = []
        if self.order is not None:
            yield from self.order.diagnostics(self.path)

    def close(self) -> None:
        if self.images is not None:
            self.images.close()

    # ------------------------------------------------------------------ reading

    def _parse(self, n: int, body: bytes) -> Diags:
        """The line's JSON object, or None after reporting why there is none."""
        if isinstance(body, LongLine):
            yield R.INVALID_JSON.diag(
                self.path, n, f"line is {body.size:,} bytes long and was not read; a manifest "
                "line holds one small JSON object (is this a binary file?)",
            )
            return None
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            try:  # what orjson refuses but Python's json (CVAT's reader) accepts
                obj = json.loads(body)
            except UnicodeDecodeError:
                self.decoder.decode(body, n)
                return None
            except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
                yield R.INVALID_JSON.diag(
                    self.path, n, f"line is not valid JSON ({_json_error(exc)}); every line "
                    "must be one JSON object",
                )
                return None
        if not isinstance(obj, dict):
            yield R.INVALID_JSON.diag(
                self.path, n, f"line is a JSON {_json_type(obj)}, not an object; every line "
                "must be one JSON object",
            )
            return None
        return obj

    def _content(self, lines: _Lines) -> Diags:
        """The next non-blank line of the header, reporting blank ones."""
        while (item := lines.next()) is not None:
            n, body, _ = item
            if body.strip():
                self.empty = False
                return item
            yield self._blank(n, header=True)
        return None

    def _blank(self, n: int, *, header: bool) -> Diagnostic:
        fix = Fix((Edit(n, n, None),))
        if header:
            return R.HEADER_BLANK.diag(
                self.path, n, "blank line in or directly after the header: CVAT reads the "
                "header and the first record by position; delete it", fix=fix,
            )
        return R.BLANK_LINE.diag(self.path, n, "blank line between records; delete it",
                                 fix=fix)

    def _canonical(self, n: int, body: bytes, obj: dict[str, Any],
                   canon: dict[str, Any], order: tuple[str, ...] = ()) -> Diagnostic | None:
        """CVAT006 unless ``body`` is ``canon`` written as CVAT writes it."""
        text = dumps_line(canon)
        if text.encode("ascii") == body:
            return None
        if not body.isascii():
            why = "non-ASCII characters must be written as \\uXXXX escapes"
        elif order and json.dumps(obj, separators=(",", ":")).encode() == body:
            why = f"keys must be in the order {', '.join(order)}"
        else:
            why = "CVAT writes compact JSON without spaces: json.dumps(obj, separators=(',', ':'))"
        return R.NON_CANONICAL.diag(self.path, n, f"line is not written the way CVAT writes "
                                    f"it: {why}", fix=Fix((Edit(n, n, text),)))

    # ------------------------------------------------------------------ header

    def _header(self, lines: _Lines) -> Iterator[Diagnostic]:
        item = yield from self._content(lines)
        if item is None:
            return
        n, body, _ = item
        self.records_start = self.header_end = n
        obj = yield from self._parse(n, body)
        if obj is None:
            self.records_start = n + 1
            return
        if "version" in obj:
            yield from self._version(n, body, obj)
            if "type" in obj:
                yield from self._type(n, obj)
                if self.kind == "video":
                    yield from self._properties(lines, n)
                return
            item = yield from self._content(lines)
            if item is None:
                yield R.TYPE.diag(self.path, n, 'no type line: line 2 must be {"type":"images"} '
                                  'or {"type":"video"}')
                self.records_start = n + 1
                return
            n, body, _ = item
            self.header_end = n
            obj = yield from self._parse(n, body)
            if obj is None:
                self.records_start = n + 1
                return
            if "type" not in obj:
                yield R.TYPE.diag(self.path, n, 'line 2 must be {"type":"images"} or '
                                  '{"type":"video"}; this line is a record')
                lines.push(item)
                self.records_start = n
                return
        elif "type" in obj:
            yield R.VERSION.diag(
                self.path, n, f'no version line: line 1 must be {{"version":"{MANIFEST_VERSION}"}}',
                fix=Fix((Edit(n, n - 1, dumps_line({"version": MANIFEST_VERSION})),)),
            )
        else:
            yield R.VERSION.diag(self.path, n, "no header: line 1 must be "
                                 f'{{"version":"{MANIFEST_VERSION}"}}')
            yield R.TYPE.diag(self.path, n, 'no header: line 2 must be {"type":"images"} or '
                              '{"type":"video"}')
            lines.push(item)
            self.header_end = n - 1
            return
        if (d := self._canonical(n, body, obj, obj)) is not None:
            yield d
        yield from self._type(n, obj)
        if self.kind == "video":
            yield from self._properties(lines, n)

    def _version(self, n: int, body: bytes, obj: dict[str, Any]) -> Iterator[Diagnostic]:
        value = obj["version"]
        if isinstance(value, str) and value in VERSIONS:
            if "type" not in obj and (d := self._canonical(n, body, obj, obj)) is not None:
                yield d
            return
        fixed = version_fix(value)
        fix = None
        if fixed is not None and "type" not in obj:
            fix = Fix((Edit(n, n, dumps_line({**obj, "version": fixed})),))
        hint = f'; write "{fixed}"' if fixed else ""
        yield R.VERSION.diag(self.path, n, f"version is {json.dumps(value)}; CVAT accepts only "
                             f'the strings "1.0" and "1.1"{hint}', fix=fix)

    def _type(self, n: int, obj: dict[str, Any]) -> Iterator[Diagnostic]:
        value = obj["type"]
        self.records_start = n + 1
        self.header_end = n
        if "version" in obj:
            version = obj["version"]
            version = version if version in VERSIONS else version_fix(version)
            fix = None
            if version is not None and value in TYPES:
                rest = {k: v for k, v in obj.items() if k != "type"}
                rest["version"] = version
                text = dumps_line(rest) + "\n" + dumps_line({"type": value})
                fix = Fix((Edit(n, n, text),))
            yield R.VERSION.diag(self.path, n, "version and type are on one line; CVAT reads "
                                 "the version from line 1 and the type from line 2", fix=fix)
        if value in TYPES:
            self.kind = value
            return
        yield R.TYPE.diag(self.path, n, f"type is {json.dumps(value)}; CVAT knows only "
                          '"images" (images and point clouds) and "video"')

    def _properties(self, lines: _Lines, type_line: int) -> Iterator[Diagnostic]:
        held = self.held if self.media_on else None
        item = yield from self._content(lines)
        if item is None:
            yield R.VIDEO_PROPERTIES.diag(self.path, type_line, "no properties line: line 3 of "
                                          'a video manifest must be {"properties":{...}}')
            return
        n, body, _ = item
        self.records_start = n + 1
        obj = yield from self._parse(n, body)
        if obj is None:
            return
        if "properties" not in obj:
            yield R.VIDEO_PROPERTIES.diag(self.path, n, 'line 3 of a video manifest must be '
                                          '{"properties":{"name":...,"resolution":[w,h],'
                                          '"length":n}}; this line is a record')
            lines.push(item)
            self.records_start = n
            return
        self.header_end = n
        props = obj["properties"]
        self.video = VideoHeader(props if isinstance(props, dict) else None, n,
                                 regenerable=(n == 3 and lines.n == 3))
        found = list(self._property_problems(n, props))
        if (d := self._canonical(n, body, obj, canonical_properties_line(obj),
                                 PROPERTY_KEYS)) is not None:
            found.append(d)
        if held is not None:
            held.extend(found)
        else:
            yield from found

    def _property_problems(self, n: int, props: object) -> Iterator[Diagnostic]:
        def problem(text: str) -> Diagnostic:
            return R.VIDEO_PROPERTIES.diag(self.path, n, f"properties: {text}")

        if not isinstance(props, dict):
            yield problem(f"must be an object, not {json.dumps(props)}")
            return
        name = props.get("name")
        if not isinstance(name, str) or not name:
            yield problem("name must be the video's file name (a non-empty string)")
        elif "/" in name or "\\" in name or path_problem(name):
            yield problem(f"name {name!r} must be the video's base name, without folders")
        res = props.get("resolution")
        if not (isinstance(res, list) and len(res) == 2
                and all(is_int(v) and v > 0 for v in res)):
            yield problem(f"resolution must be [width, height] with positive integers, not "
                          f"{json.dumps(res)}")
        length = props.get("length")
        if is_int(length) and length > 0:
            self.length = length
        else:
            yield problem(f"length must be the number of frames (an integer > 0), not "
                          f"{json.dumps(length)}")

    # ------------------------------------------------------------------ records

    def _line(self, n: int, body: bytes, term: bytes) -> Iterator[Diagnostic]:
        if self.kind == "images":
            m = IMAGE_RECORD.fullmatch(body)
            if m is not None and NAME_ENDS_WITH_EXTENSION.search(body) is None:
                self.records += 1
                self.empty = False
                self.keys.add(key_of_match(m), n)
                if self.images is not None or self.order is not None:
                    yield from self._image_followups(n, body, orjson.loads(body), [], None)
                return
        if not body.strip():
            yield self._blank(n, header=self.records == 0)
            return
        self.empty = False
        self.records += 1
        obj = yield from self._parse(n, body)
        if obj is None:
            return
        if self.kind is None:
            self.kind = "video" if "number" in obj and "name" not in obj else "images"
        if self.kind == "images":
            yield from self._image(n, body, obj)
        else:
            found = list(self._video_record(n, body, obj))
            if self.media_on:
                self.held.extend(found)
            else:
                yield from found

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
        problem = extension_problem(name, ext)
        if problem is not None:
            if self.images is not None and ext and name.endswith(ext):
                deferred = problem  # a real file "a.jpg.jpg" is fine
            else:
                diags.append(R.NAME_EXTENSION.diag(self.path, n, problem))
        point_cloud = is_point_cloud(ext)
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

    def _image_followups(self, n: int, body: bytes, obj: dict[str, Any],
                         diags: list[Diagnostic], deferred: str | None,
                         task: ImageTask | None = None) -> Iterator[Diagnostic]:
        """The order check and the media check of a record with a clean name."""
        if task is None:
            related = obj["meta"]["related_images"]
            task = ImageTask(obj["name"] + obj["extension"], is_point_cloud(obj["extension"]),
                             tuple(related), checksum=self._wants_checksum(obj))
        if self.order is not None:
            self.order.add(n, task.full_name)
        if self.images is None:
            yield from diags
            return
        yield from self.images.add(ImageItem(n, body, obj, diags, task, deferred))

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

    # ------------------------------------------------------------------ duplicates

    def _record_lines(self, upto: int) -> Iterator[tuple[int, bytes, str]]:
        """Record lines before line ``upto`` (0: all) with their key and file name."""
        pre = self.ctx.preflight()
        with self.ctx.open() as f:
            for n, (body, _) in enumerate(iter_raw_lines(f, skip_bom=pre.bom), 1):
                if n == upto:
                    return
                if n < self.records_start:
                    continue
                m = IMAGE_RECORD.fullmatch(body)
                if m is not None:
                    key = key_of_match(m)
                    escaped_name, _, escaped_ext = key.partition(KEY_SEPARATOR)
                    shown = json.loads(b'"' + escaped_name + escaped_ext + b'"')
                    yield n, key, repr(shown)
                    continue
                obj = _loads(body)
                if isinstance(obj, dict):
                    name, ext = obj.get("name"), obj.get("extension")
                    if isinstance(name, str) and isinstance(ext, str):
                        yield n, record_key(name, ext), repr(name + ext)

    def _keys_before(self, upto: int) -> Iterator[bytes]:
        return (key for _, key, _ in self._record_lines(upto))

    def _duplicates(self) -> Iterator[Diagnostic]:
        """Second pass, only when keys collided: report each repeat with its first line."""
        first: dict[bytes, int] = {}
        for n, key, shown in self._record_lines(0):
            where = first.setdefault(key, n)
            if where != n:
                yield R.DUPLICATE.diag(self.path, n, f"{shown} is already listed on line "
                                       f"{where}; delete one of the records")


def _loads(body: bytes) -> object:
    """The JSON value of a line, or None if it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            return None


def _json_error(exc: ValueError) -> str:
    text = str(exc)
    return text.split(": line ")[0] if ": line " in text else text


def _json_type(obj: object) -> str:
    if isinstance(obj, list):
        return "array"
    if isinstance(obj, str):
        return "string"
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "boolean"
    return "number"
