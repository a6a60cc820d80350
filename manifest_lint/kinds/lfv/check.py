"""Checking a Lookout for Vision / Ground Truth manifest, streaming.

The file is read in 64 KiB blocks cut at line ends. Once a clean line has taught the
checker its shape, a block is matched by one regular expression (:mod:`fast`): lines of
that shape are known clean without being parsed, and only update the map of seen
``source-ref`` values. Otherwise a block is parsed line by line with ``orjson`` in one
``map`` call; objects of the common canonical shape (``source-ref`` in the dataset's
bucket, one classification pair whose metadata matches that of an earlier clean line) are
checked with a few dict lookups and one dict comparison. Everything else (and every line of
a block that fails to parse) goes through the detailed checks in :mod:`record`, which never
run for a clean line. The map of seen ``source-ref`` values to their first line is the only
thing that grows.

A line that starts an object but does not parse is joined with the following lines (up to
1,000 lines / 1 MiB) to find an object spread over several lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.common import (
    decode_diagnostic,
    drive,
    encoding_diagnostics,
    first_newline,
)
from manifest_lint.kinds.lfv import rules as R
from manifest_lint.kinds.lfv.fast import FastPaths, Shape
from manifest_lint.kinds.lfv.reading import (
    blocks,
    describe,
    invalid_message,
    is_object,
    json_kind,
    lone_surrogate,
    minimum_counts,
    role_of,
    split_lines,
)
from manifest_lint.kinds.lfv.record import RecordChecker, RecordInfo
from manifest_lint.kinds.lfv.serialize import AWS_STYLE, Style, detect_style, dumps
from manifest_lint.media.progress import no_progress
from manifest_lint.textio import LineDecoder, LongLine

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext
    from manifest_lint.kinds.lfv.media import MediaChecker
    from manifest_lint.kinds.lfv.sync import Sync

MAX_OBJECT_LINES = 1000
MAX_OBJECT_BYTES = 1 << 20
MAX_MANIFEST_BYTES = 1 << 30
LIMITS = {"train": 16_000, "test": 4_000}
JSONDecodeError = orjson.JSONDecodeError


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Diagnostics for one manifest (see the module docstring)."""
    pre = ctx.preflight()
    if pre.size > MAX_MANIFEST_BYTES:
        yield R.TOO_LARGE.diag(
            ctx.display, 1,
            f"manifest is {pre.size / (1 << 30):.2f} GiB; Lookout for Vision imports at most "
            "1 GB: split the dataset",
        )
    diags, readable = encoding_diagnostics(ctx, pre, R.ENCODING, R.BOM)
    yield from diags
    if not readable:
        return
    scan = _Scan(ctx)
    show = ctx.settings.progress and scan.media is not None and bool(scan.media.roots)
    yield from drive(ctx, pre, scan, show_progress=show)


class _Scan(FastPaths):
    """The state of one pass over a manifest."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.path = ctx.display
        self.checker = RecordChecker(ctx.display)
        self.decoder = LineDecoder()
        self.n = 0  # physical lines read
        self.objects = 0
        self.normal = 0
        self.anomaly = 0
        self.content = False  # any non-blank line
        self.seen: dict[str, int] = {}  # source-ref -> line of its first object
        self.label_key = "anomaly-label"
        self.meta_key = "anomaly-label-metadata"
        # metadata (without creation-date and confidence) of a clean line, per class
        self.templates: tuple[dict[str, Any] | None, dict[str, Any] | None] = (None, None)
        self.last_date: str | None = None  # the last creation-date that parsed
        self.shape: Shape | None = None  # the regex fast path's line shape (fast.py)
        self.learns = 0
        self.bucket: str | None = None
        self.bucket_line = 0
        self.bucket_prefix = "\0"  # "s3://bucket/" once known; matches nothing before
        self.other_buckets: dict[str, list[Any]] = {}  # bucket -> [line, count, what]
        self.style: Style | None = None
        self.role = role_of(ctx)
        self.limit = LIMITS.get(self.role, 0)
        self.over_line = 0
        self.acc: list[bytes] | None = None  # lines of an object being joined
        self.acc_start = 0
        self.acc_size = 0
        self.acc_error = ""
        self.acc_column = 1
        self.masks = 0  # mask references (for the note when media are not checked)
        self.labels: dict[str, list[int]] = {}  # anomaly label -> [first line, single-label]
        self.media_off = ""  # why media are not checked, when they are not
        self.media = self._media()
        self.advance: Callable[[int], None] = no_progress  # set by check()
        self.sync = _sync_for(ctx)

    def _media(self) -> MediaChecker | None:
        """A media checker when media are checked (else ``media_off`` says why)."""
        if not R.media_wanted(self.ctx.enabled_codes):
            return None
        if self.ctx.settings.no_media:
            self.media_off = "--no-media"
            return None
        from manifest_lint.kinds.lfv.media import MediaChecker  # only when media are checked

        return MediaChecker.for_context(self.ctx)

    def close(self) -> None:
        if self.media is not None:
            self.media.close()

    # ------------------------------------------------------------------- the pass

    def run(self, f: BinaryIO) -> Iterator[Diagnostic]:
        loads = orjson.loads
        for data in blocks(f):
            if isinstance(data, LongLine):
                yield from self._lines([data])
                continue
            if (self.shape is not None and self.acc is None and self.media is None
                    and data.find(b"\r") < 0 and (shaped := self.shaped(data)) is not None):
                yield from shaped
                continue
            lines, escapes = split_lines(data)
            objs: list[Any] | None = None
            if self.acc is None and lines:
                try:
                    objs = list(map(loads, lines))
                except JSONDecodeError:
                    objs = None
            if objs is None:
                yield from self._lines(lines)
            else:
                yield from self._fast(objs, lines, escapes)
        yield from self._drain()

    # ------------------------------------------------------------ line by line

    def _lines(self, lines: Iterable[bytes]) -> Iterator[Diagnostic]:
        """Physical lines one at a time (blank, invalid, multi-line objects)."""
        for body in lines:
            self.n += 1
            if isinstance(body, LongLine):
                yield from self._long(body, self.n)
                continue
            yield from self._line(body.removesuffix(b"\r"), self.n)

    def _long(self, body: LongLine, n: int) -> Iterator[Diagnostic]:
        yield from self._drain()
        self.content = True
        yield R.INVALID_JSON.diag(
            self.path, n,
            f"line is {body.size:,} bytes long and was not read; a manifest line holds one "
            "image's JSON object (Ground Truth allows at most 100,000 characters)",
        )

    def _line(self, body: bytes, n: int) -> Iterator[Diagnostic]:
        if self.acc is not None:
            yield from self._join(body, n)
            return
        try:
            obj = orjson.loads(body)
        except JSONDecodeError as exc:
            yield from self._bad_line(body, n, exc)
            return
        self.content = True
        yield from self._object(obj, n, n, body)

    def _bad_line(self, body: bytes, n: int, exc: JSONDecodeError) -> Iterator[Diagnostic]:
        if not body.strip():
            yield R.BLANK.diag(self.path, n, "blank line; delete it",
                               fix=Fix((Edit(n, n, None),)))
            return
        self.content = True
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            text = self.decoder.decode(body, n)  # remembered for one LFV001 at the end
            body = text.encode("utf-8")
            try:
                obj = orjson.loads(body)
            except JSONDecodeError as again:
                exc = again
            else:
                yield from self._object(obj, n, n, body)
                return
        if b"\\u" in body and (lone := lone_surrogate(self.path, n, body)) is not None:
            yield lone  # only Python's json reads this line: leave it alone
            return
        if body.lstrip().startswith(b"{"):
            self.acc, self.acc_start, self.acc_size = [body], n, len(body)
            self.acc_error = describe(exc)
            self.acc_column = exc.colno if exc.lineno == 1 else 1
            return
        yield R.INVALID_JSON.diag(self.path, n, invalid_message(describe(exc)),
                                  column=exc.colno if exc.lineno == 1 else 1)

    def _join(self, body: bytes, n: int) -> Iterator[Diagnostic]:
        """One more line of an object that started on ``acc_start``."""
        assert self.acc is not None
        stripped = body.strip()
        if stripped.startswith(b"{") and stripped.endswith(b"}") and is_object(body):
            yield from self._abandon()  # the open object never closed: this line is new
            yield from self._line(body, n)
            return
        self.acc.append(body)
        self.acc_size += len(body)
        if stripped.endswith(b"}"):
            try:
                obj = orjson.loads(b"\n".join(self.acc))
            except JSONDecodeError:
                pass
            else:
                if isinstance(obj, dict):
                    yield from self._multiline(obj, self.acc_start, n)
                    return
        if len(self.acc) >= MAX_OBJECT_LINES or self.acc_size >= MAX_OBJECT_BYTES:
            yield from self._abandon()

    def _multiline(self, obj: dict[str, Any], start: int, end: int) -> Iterator[Diagnostic]:
        assert self.acc is not None
        joined = b"\n".join(self.acc)
        self.acc = None
        yield R.MULTILINE.diag(
            self.path, start,
            f"JSON object spans lines {start}-{end}; a manifest needs one object per line: "
            "join it onto one line",
            fix=Fix((Edit(start, end, dumps(obj, self.style or AWS_STYLE)),)),
        )
        yield from self._object(obj, start, end, joined)

    def _abandon(self) -> Iterator[Diagnostic]:
        """The joined lines never made an object: report the first, re-read the others."""
        assert self.acc is not None
        rest, start, error = self.acc[1:], self.acc_start, self.acc_error
        self.acc = None
        yield R.INVALID_JSON.diag(self.path, start, invalid_message(error),
                                  column=self.acc_column)
        for i, body in enumerate(rest, start + 1):
            yield from self._line(body, i)

    def _drain(self) -> Iterator[Diagnostic]:
        while self.acc is not None:
            yield from self._abandon()

    # ------------------------------------------------------------------ objects

    def _object(self, obj: Any, start: int, end: int, body: bytes) -> Iterator[Diagnostic]:
        """The detailed checks of one parsed value, and its file-level bookkeeping."""
        if not isinstance(obj, dict):
            yield R.INVALID_JSON.diag(
                self.path, start,
                invalid_message(f"the line is {json_kind(obj)}, not an object"))
            return
        self.objects += 1
        if self.limit and self.objects == self.limit + 1:
            self.over_line = start
        if start == end and self.style is None:
            self.style = detect_style(body)
        diags, info = self.checker.check(obj, body, start, end)
        yield from diags
        self._learn(info, start)
        if not diags and info.keys is not None:
            self._template(obj[info.keys[1]])
            if start == end:
                self.learn_shape(obj, body, info.keys, self.bucket_prefix)
        self.masks += len(info.masks)
        sr = info.source_ref
        if sr is not None and (first := self.seen.setdefault(sr, start)) != start:
            yield self._repeat(sr, first, start, end)  # counted once, as on the fast path
            return
        if info.label == "anomaly":
            self.anomaly += 1
        elif info.label == "normal":
            self.normal += 1
        if sr is None:
            return
        for label in info.anomaly_types:  # for the dataset pass
            entry = self.labels.setdefault(label, [start, 0])
            entry[1] += info.label == "anomaly" and len(info.anomaly_types) == 1
        yield from self._extras(sr, info.label, info, start, end)

    def _repeat(self, sr: str, first: int, start: int, end: int) -> Diagnostic:
        fix = self.sync.duplicate_fix(start, end) if self.sync is not None else None
        return R.DUPLICATE.diag(
            self.path, start,
            f"source-ref {sr!r} is already on line {first}; every image must be listed "
            "once: delete one of the lines", fix=fix,
        )

    def _template(self, meta: dict[str, Any]) -> None:
        """Learn the fast path's metadata templates from a clean line's metadata."""
        base = {k: v for k, v in meta.items() if k not in ("creation-date", "confidence")}
        self.templates = ({**base, "class-name": "anomaly"}, {**base, "class-name": "normal"})

    def _learn(self, info: RecordInfo, line: int) -> None:
        """Remember the bucket and the key names of the fast path."""
        if info.keys is not None:
            self.label_key, self.meta_key = info.keys
        refs = [(info.uri, "image")] + [(m.uri, "mask") for m in info.masks]
        for uri, what in refs:
            if uri is None:
                continue
            if self.bucket is None:
                self.bucket, self.bucket_line = uri.bucket, line
                self.bucket_prefix = f"s3://{uri.bucket}/"
            elif uri.bucket != self.bucket:
                entry = self.other_buckets.setdefault(uri.bucket, [line, 0, what])
                entry[1] += 1

    def _extras(self, sr: str, cls: str | None, info: RecordInfo | None, start: int,
                end: int) -> Iterator[Diagnostic]:
        """Media and CSV checks for the first object of an image."""
        if self.media is not None:
            masks = [(m.ref, m.colors) for m in info.masks] if info is not None else []
            for _task, diags in self.media.check(start, sr, masks):
                self.advance(1)
                yield from diags
        if self.sync is not None:
            shown = info.class_name if info is not None else cls
            d = self.sync.check(sr, cls, shown, start, end)
            if d is not None:
                yield d

    # ------------------------------------------------------------- file level

    def finish(self) -> Iterator[Diagnostic]:
        # for reports and the dataset pass
        self.ctx.facts.update(refs=self.seen, normal=self.normal, anomaly=self.anomaly,
                              role=self.role, labels=self.labels, masks=self.masks)
        yield from decode_diagnostic(self.ctx, self.decoder.problem, R.ENCODING)
        if not self.content:
            yield R.EMPTY.diag(self.path, 1, "manifest has no JSON objects; add one line per "
                                             "image")
            yield from self._sync_finish()
            return
        for bucket, (line, count, what) in self.other_buckets.items():
            yield R.BUCKETS.diag(
                self.path, line,
                f"{what} in bucket {bucket!r} ({count} reference{'s' if count != 1 else ''} "
                f"from here on) but the first image (line {self.bucket_line}) is in "
                f"{self.bucket!r}: a dataset's images and masks must all be in one bucket",
            )
        if self.over_line:
            yield R.TOO_MANY.diag(
                self.path, self.over_line,
                f"{self.objects:,} images; a {self.role} dataset holds at most "
                f"{self.limit:,} (this line is number {self.limit + 1:,}): split the dataset",
            )
        yield from minimum_counts(self.ctx, self.path, self.role, self.normal, self.anomaly)
        if self.media is not None:
            for _task, diags in self.media.finish():
                self.advance(1)
                yield from diags
            yield from self.media.size_diagnostics()
            self.ctx.facts.update(sizes=self.media.sizes, digests=self.media.digests)
            if note := self.media.note():
                self.ctx.note(note)
        elif self.media_off:
            refs = len(self.seen) + self.masks
            self.ctx.note(f"{refs} media reference{'s' if refs != 1 else ''} not checked: "
                          f"{self.media_off}")
        yield from self._sync_finish()

    def _sync_finish(self) -> Iterator[Diagnostic]:
        if self.sync is not None:
            yield from self.sync.finish(self.n, first_newline(self.ctx))


def _sync_for(ctx: CheckContext) -> Sync | None:
    from manifest_lint.kinds.lfv.sync import for_context

    return for_context(ctx)
