"""Checking a CSV label file.

Three passes, each more general than the one before, so that a clean file costs little:

1. the block pass: one regex over ~1 MiB of whole lines finds the clean rows (an allowed
   class, a clean ``s3://`` URI in the first bucket), which only update the duplicate map;
   the other lines go through the per-row checks;
2. the row reader, for files with a quoted field spanning lines or lone CRs: the csv module
   (strict quoting) over physical lines, with a per-row fast path for clean rows;
3. line-by-line decoding, for files that are not valid UTF-8.

Every row knows the physical lines it spans. The duplicate map is the only thing that grows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.common import decode_diagnostic, encoding_diagnostics
from manifest_lint.kinds.csv import rules as R
from manifest_lint.kinds.csv.filelevel import file_diagnostics
from manifest_lint.kinds.csv.rows import (
    CLASS_SLOTS,
    HEADER_WORDS,
    IMAGE_EXTENSIONS,
    Row,
    canonical_class,
    decoded_lines,
    format_row,
)
from manifest_lint.kinds.csv.state import State as _State
from manifest_lint.s3 import S3Uri, check_s3_uri, join_prefix
from manifest_lint.textio import LineDecoder, first_surrogate, shown

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext

_FAST_EXT = (".png", ".jpg", ".jpeg", ".PNG", ".JPG", ".JPEG")
_CLASS_SLOTS = CLASS_SLOTS  # the duplicate map packs (line, class index) into one int


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    pre = ctx.preflight()
    diags, readable = encoding_diagnostics(ctx, pre, R.ENCODING, R.BOM)
    yield from diags
    if not readable:
        return
    opts = ctx.options
    # Problems are collected, not yielded, while a pass may still be abandoned for a more
    # general one: the block pass for a multi-line quoted field or lone CRs, either of the
    # fast passes for bytes that are not UTF-8.
    try:
        try:
            st = _State(list(opts["classes"]), opts["s3-path"])
            with ctx.open() as f:
                if pre.bom:
                    f.read(3)
                found = list(_block_pass(ctx, f, st))  # type: ignore[arg-type]
        except _NeedsRowReader:
            st = _State(list(opts["classes"]), opts["s3-path"])
            with ctx.open() as f:
                if pre.bom:
                    f.read(3)
                text = io.TextIOWrapper(f, encoding="utf-8", errors="strict", newline="")
                found = list(_check_rows(ctx, csv.reader(text, strict=True), st))
        yield from found
    except UnicodeDecodeError:
        decoder = LineDecoder("surrogateescape")  # a non-UTF-8 image name: CSV208
        st = _State(list(opts["classes"]), opts["s3-path"])
        with ctx.open() as f:
            lines = decoded_lines(f, decoder, skip_bom=pre.bom)  # type: ignore[arg-type]
            yield from _check_rows(ctx, csv.reader(lines, strict=True), st)
        yield from decode_diagnostic(ctx, decoder.problem, R.ENCODING)
    yield from file_diagnostics(ctx, st)
    ctx.facts["rows"] = st.rows  # for the media pass the kind registry runs after this one
    ctx.facts["bare_names"] = st.bare_names
    # for reports (class balance), the dataset pass and the manifest sync
    # (kinds/lfv/csvsource.index_csv): image -> first line * CLASS_SLOTS + class index, in
    # file order; the class names
    ctx.facts.update(refs=st.seen, line_scale=_CLASS_SLOTS, class_names=st.class_names)
    if not st.seen_content and not st.rows:
        yield R.EMPTY_FILE.diag(ctx.display, 1, "label file has no rows; add `image,class` rows")


BLOCK_BYTES = 1 << 20


class _NeedsRowReader(Exception):
    """The file has a quoted field spanning lines, or lone CRs: read it row by row."""


def _block_regex(bucket_prefix: str, classes: list[str]) -> re.Pattern[str]:
    """Every line of a block, in order: ``(image, class, "")`` for a line the per-row fast
    path would accept (an image in the first bucket with a PNG/JPEG extension and no comma
    or control character, a comma, an allowed class; CRLF allowed), else ``("", "", line)``.
    """
    cls = "|".join(re.escape(c) for c in sorted(classes, key=len, reverse=True))
    clean = ("(" + re.escape(bucket_prefix) + r"[^,\x00-\x1f\x7f]*\.(?:png|jpe?g|PNG|JPE?G)),"
             "(" + cls + r")\r?$")
    return re.compile(f"^(?:{clean}|(.*))$", re.M)


LEAD_IN_LINES = 1000  # rows read one by one at most, until the first bucket is known


def _block_pass(ctx: CheckContext, f: io.BufferedIOBase, st: _State) -> Iterator[Diagnostic]:
    """Check the file a block (about 1 MiB of whole lines) at a time: one regex splits a
    block into clean rows, which only update the duplicate map, and other lines, which go
    through the per-row checks. The first rows are read one by one until the first bucket
    (which the regex needs) is known. Raises ``UnicodeDecodeError`` or
    :class:`_NeedsRowReader` when a more general pass is needed."""
    path = ctx.display
    line_no = 1  # number of the next line
    while st.bucket_prefix == "\0" and line_no <= LEAD_IN_LINES:
        raw = f.readline()
        if not raw:
            return
        line = raw.decode("utf-8")
        if line.count('"') % 2 or line.count("\r") != line.endswith("\r\n"):
            raise _NeedsRowReader
        yield from _check_rows(ctx, csv.reader([line], strict=True), st, first_line=line_no)
        line_no += 1
    rx = _block_regex(st.bucket_prefix, st.classes)
    allowed = {c: i for i, c in enumerate(st.classes)}
    seen_setdefault = st.seen.setdefault
    slots = _CLASS_SLOTS
    field_limit = csv.field_size_limit()  # longer fields are syntax errors for the reader
    tail = b""
    while True:
        chunk = f.read(BLOCK_BYTES)
        data = tail + chunk
        if chunk:
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                tail = data
                continue
            data, tail = data[:cut], data[cut:]
        elif not data:
            return
        text = data.decode("utf-8")
        if text.endswith("\n"):
            text = text[:-1]  # so that findall sees exactly one item per line
        if "\r" in text and text.count("\r") != text.count("\r\n") + text.endswith("\r"):
            raise _NeedsRowReader
        if '"' in text and any(ln.count('"') % 2 for ln in text.split("\n")):
            raise _NeedsRowReader
        n = line_no
        clean = 0
        for img, cls, other in rx.findall(text):
            if img and img.find("//", 5) < 0 and len(img) <= field_limit:
                clean += 1
                packed = n * slots + allowed[cls]
                first = seen_setdefault(img, packed)
                if first != packed:
                    yield from _duplicate(path, Row(n, n, [img, cls]), img, cls, first, st)
            else:
                line = other if not img else f"{img},{cls}"
                yield from _check_rows(ctx, csv.reader([line], strict=True), st,
                                       first_line=n)
            n += 1
        st.rows += clean
        line_no = n
        if not chunk:
            return


def _check_rows(ctx: CheckContext, reader: Any, st: _State, first_line: int = 1
                ) -> Iterator[Diagnostic]:
    """The per-row loop: a fast path for clean rows, the rule functions for the rest.

    A row takes the fast path when it has two fields, an allowed class and an image in
    the first bucket ending in a PNG/JPEG extension with no ``//`` in its key and only
    printable characters (so no surrounding spaces either: it starts with ``s3://`` and
    ends with a letter). Everything else goes through :func:`_slow_row`.
    """
    path = ctx.display
    seen_setdefault = st.seen.setdefault
    allowed = {c: i for i, c in enumerate(st.classes)}.get
    slots = _CLASS_SLOTS
    fast_ext = _FAST_EXT
    bucket_prefix = st.bucket_prefix
    prev = first_line - 1  # the reader's line_num counts from 0
    base = first_line - 1
    fast_rows = 0
    try:
        while True:
            try:
                for fields in reader:
                    end = base + reader.line_num
                    start = prev + 1
                    prev = end
                    if len(fields) == 2:
                        img, cls = fields
                        idx = allowed(cls)
                        if (
                            idx is not None
                            and img.startswith(bucket_prefix)
                            and img.endswith(fast_ext)
                            and img.find("//", 5) < 0
                            and img.isprintable()
                        ):
                            fast_rows += 1
                            packed = start * slots + idx
                            first = seen_setdefault(img, packed)
                            if first != packed:
                                yield from _duplicate(path, Row(start, end, fields), img, cls,
                                                      first, st)
                            continue
                    yield from _slow_row(ctx, Row(start, end, fields), st)
                    bucket_prefix = st.bucket_prefix
                return
            except csv.Error as exc:
                end = base + reader.line_num
                yield R.SYNTAX.diag(path, prev + 1, _syntax_message(str(exc)))
                st.seen_content = True
                prev = end
    finally:
        st.rows += fast_rows


def _syntax_message(msg: str) -> str:
    if msg.startswith("field larger than field limit"):
        return (f"row is not valid CSV: a field is longer than {csv.field_size_limit():,} "
                "characters, far too long for an image name or class; is a quote left open "
                "or is this a binary file?")
    hint = {
        "unexpected end of data": "a quoted field is never closed (unterminated quote)",
    }.get(msg, msg)
    return f"row is not valid CSV: {hint}; check the quotes on this row"


def _slow_row(ctx: CheckContext, row: Row, st: _State) -> Iterator[Diagnostic]:
    path = ctx.display
    fields = row.fields
    if not fields or all(not f.strip() for f in fields):
        yield R.BLANK.diag(path, row.start, "blank row; delete it",
                           fix=Fix((Edit(row.start, row.end, None),)))
        return
    first_row = not st.seen_content
    st.seen_content = True
    if first_row and _looks_like_header(fields, st):
        yield R.HEADER.diag(
            path, row.start,
            f"header row {format_row(fields)!r}: label files have no header; delete it",
            fix=Fix((Edit(row.start, row.end, None),)),
        )
        return
    if len(fields) < 2:
        yield R.TOO_FEW.diag(
            path, row.start,
            f"row has {len(fields)} field, expected 2 (image,class); add the class",
        )
        return
    if len(fields) > 2:
        yield R.TOO_MANY.diag(
            path, row.start,
            f"row has {len(fields)} fields, expected 2 (image,class); extra fields are "
            "dropped by the consumer. If the image name contains a comma, quote it",
        )
        return
    st.rows += 1
    img, cls = fields
    stripped = img.strip()
    if not stripped:
        yield R.EMPTY_IMAGE.diag(path, row.start, "image field is empty; add the image location")
        return
    if stripped != img:
        yield R.IMAGE_SPACES.diag(
            path, row.start,
            f"image location {img!r} has leading or trailing spaces; strip them",
            fix=Fix((Edit(row.start, row.end, format_row([stripped, cls])),)),
        )
    canon: str | None = cls if cls in st.class_set else None
    if canon is None:
        canon = canonical_class(cls, st.classes)
        if canon is not None:
            yield R.CLASS_CASE.diag(
                path, row.start,
                f"class {cls!r} should be written {canon!r}",
                column=len(img) + 2,
                fix=Fix((Edit(row.start, row.end, format_row([img, canon])),)),
            )
        else:
            swapped = canonical_class(img, st.classes) is not None
            hint = "; the columns look swapped (image first, then class)" if swapped else ""
            yield R.UNKNOWN_CLASS.diag(
                path, row.start,
                f"class {cls!r} is not one of {', '.join(st.classes)}: the image would be "
                f"imported unlabeled{hint}",
                column=len(img) + 2,
            )
    if (bad := first_surrogate(stripped)) is not None:
        yield R.NOT_UTF8.diag(
            path, row.start,
            f"image location '{shown(stripped)}' holds the byte 0x{ord(bad[1]) - 0xDC00:02X} "
            f"(character {bad[0] + 1}), which is not UTF-8: S3 object keys are UTF-8, so no "
            "object has this key; rename the image to UTF-8 and re-save the file as UTF-8",
        )
        return
    uri = join_prefix(st.prefix, stripped)
    parsed = check_s3_uri(uri)
    if isinstance(parsed, str):
        yield R.BAD_URI.diag(path, row.start, f"image location {stripped!r}: {parsed}")
    elif parsed is None:
        st.bare_names += 1
        if not st.unplaced:
            st.first_unplaced = (row.start, stripped)
        st.unplaced += 1  # reported once, at the end (see filelevel)
    else:
        st.bare_names += uri is not stripped  # a bare name placed by s3-path
        _note_bucket(parsed, row.start, st)
    if not uri.lower().endswith(IMAGE_EXTENSIONS):
        yield R.EXTENSION.diag(
            path, row.start,
            f"image {stripped!r} does not end in .png, .jpg or .jpeg; Lookout for Vision "
            "accepts only PNG and JPEG",
        )
    key_class = canon if canon is not None else cls
    packed = row.start * _CLASS_SLOTS + st.class_index(key_class)
    first = st.seen.setdefault(uri, packed)
    if first != packed:
        yield from _duplicate(path, row, uri, key_class, first, st)


def _note_bucket(parsed: S3Uri, line: int, st: _State) -> None:
    if st.first_bucket is None:
        st.first_bucket = parsed.bucket
        st.first_bucket_line = line
        st.bucket_prefix = f"s3://{parsed.bucket}/"
    elif parsed.bucket != st.first_bucket:
        entry = st.other_buckets.setdefault(parsed.bucket, [line, 0])
        entry[1] += 1


def _duplicate(
    path: str, row: Row, img: str, cls: str, first: int, st: _State
) -> Iterator[Diagnostic]:
    first_line, first_idx = divmod(first, _CLASS_SLOTS)
    first_cls = st.class_names[first_idx] if first_idx < len(st.class_names) else "?"
    if first_idx == st.class_table.get(cls, -1) and first_idx < _CLASS_SLOTS - 1:
        yield R.DUPLICATE.diag(
            path, row.start,
            f"image {img!r} is already listed on line {first_line} with the same class; "
            "delete this row",
            fix=Fix((Edit(row.start, row.end, None),)),
        )
    else:
        yield R.CONFLICT.diag(
            path, row.start,
            f"image {img!r} is {cls!r} here but {first_cls!r} on line {first_line}; "
            "keep the right label and delete the other row",
        )


def _looks_like_header(fields: list[str], st: _State) -> bool:
    if len(fields) < 2 or canonical_class(fields[1], st.classes) is not None:
        return False
    words = [f.strip().lower() for f in fields[:2]]
    return words[0] in HEADER_WORDS or words[1] in HEADER_WORDS
