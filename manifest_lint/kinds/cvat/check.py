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
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.common import (
    decode_diagnostic,
    drive,
    encoding_diagnostics,
    first_newline,
    with_newline,
)
from manifest_lint.kinds.cvat import rules as R
from manifest_lint.kinds.cvat.dataset import REQUEST, Collector, block_checksums
from manifest_lint.kinds.cvat.header import HeaderChecks
from manifest_lint.kinds.cvat.media import ImageMedia
from manifest_lint.kinds.cvat.reading import Keys, Lines, Order, json_error, json_type, loads
from manifest_lint.kinds.cvat.records import RecordChecks
from manifest_lint.kinds.cvat.serialize import dumps_line
from manifest_lint.kinds.cvat.state import Diags
from manifest_lint.kinds.cvat.structure import (
    IMAGE_RECORD,
    IMAGE_RECORD_AFTER_NEWLINE,
    KEY_SEPARATOR,
    NAME_ENDS_WITH_EXTENSION,
    key_of_match,
    record_key,
)
from manifest_lint.kinds.cvat.surrogates import lone_surrogate
from manifest_lint.kinds.cvat.video import VideoHeader, VideoMedia, VideoRecord
from manifest_lint.media.progress import no_progress
from manifest_lint.textio import LineDecoder, LongLine, iter_raw_lines

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext

BLOCK_SIZE = 1 << 22  # bytes validated at once on the fast path


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    pre = ctx.preflight()
    diags, readable = encoding_diagnostics(ctx, pre, R.ENCODING, R.BOM)
    yield from diags
    if not readable:
        return
    checker = _Checker(ctx)
    # Fixes spanning lines are written with LF; unless CVAT007 makes every line end LF,
    # they take the file's own line ends.
    newline = "\n" if ctx.enabled(R.LINE_TERMINATOR) else first_newline(ctx)
    yield from with_newline(
        drive(ctx, pre, checker, show_progress=ctx.settings.progress and checker.media_on),
        newline)


class _Checker(HeaderChecks, RecordChecks):
    """State of one manifest check."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.path = ctx.display
        settings = ctx.settings
        self.root = str(ctx.media_root() or ctx.path.parent)
        self.advance: Callable[[int], None] = no_progress
        self.media_on = not settings.no_media and any(
            c.startswith(("CVAT4", "CVAT5")) for c in ctx.enabled_codes
        )
        self.deep = settings.deep
        self.follow_links = ctx.options.get("links", "follow") != "inside"
        self.fixing = settings.fixing
        sorting = ctx.options.get("sorting", "")
        self.order = (Order(sorting, self.root)
                      if sorting in ("lexicographical", "natural") and ctx.enabled(R.SORT_ORDER)
                      else None)
        self.kind: str | None = None
        self.lines: Lines | None = None
        self.empty = True
        self.records = 0
        self.records_start = 1
        self.header_end = 0  # last header line
        self.keys = Keys(self._keys_before)
        self.decoder = LineDecoder()
        self.images: ImageMedia | None = None
        self.video: VideoHeader | None = None
        self.held: list[Diagnostic] = []  # video diagnostics waiting for a regenerating fix
        self.prev_record: VideoRecord | None = None
        self.length: int | None = None  # video length from the properties, when valid
        request = ctx.facts.get(REQUEST)  # (Resolver, files?) when the dataset pass asks
        self.collect = Collector(*request) if isinstance(request, tuple) else None

    # ------------------------------------------------------------------ driving

    def run(self, f: BinaryIO) -> Iterator[Diagnostic]:
        lines = self.lines = Lines(f)
        yield from self._header(lines)
        if self.kind == "images" and self.media_on:
            self.images = ImageMedia(self.path, self.root, deep=self.deep,
                                     jobs=self.ctx.settings.jobs,
                                     enabled=self.ctx.enabled_codes,
                                     cache=self.ctx.settings.media_cache(self.ctx.path, "cvat"),
                                     progress=self.advance,
                                     follow_links=self.follow_links,
                                     s3=self.ctx.settings.s3_options() if self.ctx.remote
                                     else None,
                                     backend=self.ctx.settings.media_backend(self.root))
        if self.kind == "video" and self.video is None:
            self.video = VideoHeader(None, 0, regenerable=False)
        if self.kind == "images" and not self.order and lines.lf_only:
            while lines.back:
                item = lines.back.pop()
                yield from self._line(*item)
            yield from self._blocks(f, lines)
            return
        while (line := lines.next()) is not None:
            yield from self._line(*line)

    def _blocks(self, f: BinaryIO, lines: Lines) -> Iterator[Diagnostic]:
        """The fast path: validate blocks of canonical image records at once."""
        keys_seen = self.keys
        collect = self.collect
        while True:
            offset = _tell(f) if collect is not None else -1
            buf = f.read(BLOCK_SIZE)
            if not buf:
                return
            if buf[-1:] != b"\n":
                buf += f.readline()
            keys = IMAGE_RECORD_AFTER_NEWLINE.findall(b"\n" + buf)
            count = buf.count(b"\n")
            if (keys and len(keys) == count and buf[-1:] == b"\n"
                    and NAME_ENDS_WITH_EXTENSION.search(buf) is None
                    and (bodies := self._block_bodies(buf)) is not None):
                first = lines.n + 1
                keys_seen.add_block(keys, first)
                if collect is not None:
                    collect.block(first, keys, block_checksums(buf, count), offset)
                self.records += count
                lines.n += count
                self.empty = False
                if bodies:  # the media check, record by record
                    yield from self._block_media(first, bodies)
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
        if self.collect is not None and self.kind == "images":
            self.collect.facts.regular &= not self.keys.collisions
            self.ctx.facts[REQUEST] = self.collect.facts
        if self.images is not None:
            yield from self.images.finish()
            self.ctx.facts["sizes"] = self.images.sizes  # for reports
            if note := self.images.note():
                self.ctx.note(note)
        if self.media_on and self.kind == "video" and self.video is not None:
            self.video.last_line = lines.n
            media = VideoMedia(self.path, self.root, deep=self.deep,
                               follow_links=self.follow_links,
                               s3=self.ctx.settings.s3_options() if self.ctx.remote else None,
                               backend=self.ctx.settings.media_backend(self.root))
            yield from media.check(self.video, self.held)
            if note := media.note():
                self.ctx.note(note)
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
                    self.path, n, f"line is not valid JSON ({json_error(exc)}); every line "
                    "must be one JSON object",
                )
                return None
            if isinstance(obj, dict) and (lone := lone_surrogate(self.path, n, obj)):
                yield lone  # only Python's json reads such a line: leave it alone
                return None
        if not isinstance(obj, dict):
            yield R.INVALID_JSON.diag(
                self.path, n, f"line is a JSON {json_type(obj)}, not an object; every line "
                "must be one JSON object",
            )
            return None
        return obj

    def _content(self, lines: Lines) -> Diags:
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


    # ------------------------------------------------------------------ records

    def _line(self, n: int, body: bytes, term: bytes) -> Iterator[Diagnostic]:
        if self.kind == "images":
            m = IMAGE_RECORD.fullmatch(body)
            if m is not None and NAME_ENDS_WITH_EXTENSION.search(body) is None:
                follow = self.images is not None or self.order is not None
                # orjson refuses integers beyond 64 bits, Python's json those of > 4300
                # digits (then the slow path says so)
                obj = loads(body) if follow else None
                if not follow or isinstance(obj, dict):
                    self.records += 1
                    self.empty = False
                    self.keys.add(key_of_match(m), n)
                    if self.collect is not None:
                        self.collect.canonical(n, key_of_match(m), body)
                    if isinstance(obj, dict):
                        yield from self._image_followups(n, body, obj, [], None)
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
                obj = loads(body)
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


def _tell(f: BinaryIO) -> int:
    """The position in ``f``, or -1 when it has none."""
    try:
        return f.tell()
    except (OSError, ValueError):
        return -1
