"""Property tests for CSV label files: no input crashes the checker, every diagnostic
points at an existing line, and `fix` converges, leaves nothing fixable and changes exactly
the rows a model of the fixes says, in order: blank rows and headers deleted, image
spaces stripped, classes written canonically, exact duplicates deleted, every other row kept
as it was. A file that cannot be read fully (not UTF-8, not valid CSV) gets no line edits."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from manifest_lint.config import load_config
from manifest_lint.discovery import Target
from manifest_lint.engine import Selection, Settings, lint_file
from manifest_lint.kinds.csv.rows import HEADER_WORDS
from manifest_lint.rules import find_rule
from manifest_lint.runner import fix_target
from tests.conftest import damage, physical_lines

IMAGES = st.sampled_from([
    "s3://bucket/a.jpg", "s3://bucket/b.png", "s3://bucket/c.jpeg", " s3://bucket/d.jpg",
    "s3://other/e.jpg", "s3: //bucket/f.jpg", "g.jpg", "", "s3://bucket/h,i.jpg",
    "s3://bucket/a\nb.jpg", 's3://bucket/q"t.jpg', "image", "s3://bucket/café.jpg",
    "s3://bucket/日本/猫.png", " s3://bucket/ü.JPG\t", "   ",
])
CLASSES = st.sampled_from(["normal", "anomaly", "Normal", " anomaly", "ANOMALY", "defect",
                           "", "label", "nörmal", "\tnormal"])
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])
BYTES_POOL = [0x22, 0x2C, 0x0A, 0x0D, 0xFF, 0x00, 0x20]
CLASS_NAMES = ("normal", "anomaly")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Valid-ish label files, then mutated: blank and whitespace-only lines, rows spanning
    lines (blank ones too), extra fields, non-ASCII text, byte flips."""
    rows = draw(st.lists(st.tuples(IMAGES, CLASSES), max_size=12))
    ending = draw(ENDINGS)
    lines = []
    for img, cls in rows:
        kind = draw(st.integers(0, 12))
        if kind == 0:
            lines.append("")
        elif kind == 1:
            lines.append(draw(st.sampled_from([" ", "\t", "  \t "])))
        elif kind == 2:
            lines.append(img)
        elif kind == 3:
            lines.append(f"{img},{cls},extra")
        elif kind == 4:  # a blank row spanning lines
            lines.append(draw(st.sampled_from([
                _quoted(ending) + ",", _quoted(" " + ending + " ") + ',""',
                _quoted(ending + ending) + "," + _quoted(ending)])))
        elif kind == 5:  # the class spans lines
            lines.append(f"{img}," + _quoted(cls + ending))
        else:
            quoted = _quoted(img) if draw(st.booleans()) else img
            lines.append(f"{quoted},{cls}")
    text = ending.join(lines) + (ending if draw(st.booleans()) else "")
    return damage(draw, text.encode(), BYTES_POOL)


def rows_of(data: bytes) -> list[list[str]]:
    """The records of a file that is UTF-8 and valid CSV (raises otherwise)."""
    text = data.decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


def _canonical(value: str) -> str | None:
    folded = value.strip().casefold()
    return next((c for c in CLASS_NAMES if c.casefold() == folded), None)


def _is_header(fields: list[str]) -> bool:
    if len(fields) < 2 or _canonical(fields[1]) is not None:
        return False
    return any(f.strip().lower() in HEADER_WORDS for f in fields[:2])


def _one_pass(rows: list[list[str]]) -> list[list[str]]:
    """What one pass of every fix does to the rows (fixes of one row never overlap in the
    end result, so applying them together equals applying them one pass at a time)."""
    out: list[list[str]] = []
    seen: dict[str, tuple[int, str]] = {}
    seen_content = False
    for i, fields in enumerate(rows):
        if all(not f.strip() for f in fields):
            continue  # CSV103: blank row deleted
        first, seen_content = not seen_content, True
        if first and _is_header(fields):
            continue  # CSV104: header deleted
        if len(fields) != 2 or not fields[0].strip():
            out.append(fields)
            continue
        img, cls = fields
        canon = _canonical(cls)
        key_class = canon or cls
        first_seen = seen.setdefault(img.strip(), (i, key_class))
        if first_seen[0] != i and first_seen[1] == key_class:
            continue  # CSV301: exact duplicate deleted
        out.append([img.strip(), canon or cls])  # CSV202, CSV204
    return out


def expected_rows(rows: list[list[str]]) -> list[list[str]]:
    """The rows after `fix`: passes until nothing changes (deleting a header makes the next
    row the first one, which may look like a header too)."""
    while (after := _one_pass(rows)) != rows:
        rows = after
    return rows


def _fix(p: Path):  # type: ignore[no-untyped-def]
    cfg, s = load_config(None, p), Settings()
    return fix_target(Target(p, p.name, "csv", True), cfg, s, Selection(cfg, s), diff=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_lint_and_fix_never_crash_and_change_exactly_the_fixable_rows(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "labels.csv"
        p.write_bytes(data)
        cfg, s = load_config(None, p), Settings()
        diags = lint_file(p, "labels.csv", "csv", cfg, s, Selection(cfg, s))
        n = max(physical_lines(data), 1)
        assert all(d.code != "ML002" for d in diags), diags
        assert all(1 <= d.line <= n for d in diags), (diags, n)
        out = _fix(p)
        assert not any(d.fixable for d in out.result.diagnostics), out.result.diagnostics
        after = p.read_bytes()
        again = _fix(p)
        assert p.read_bytes() == after and again.result.fixed == 0
        blocked = [d.code for d in diags if (r := find_rule(d.code)) and r.blocks_fixes]
        if blocked:
            # Not read fully: only the BOM may go (line ends are not a CSV fix).
            event("not read fully: no line edits")
            assert after in (data, data.removeprefix(b"\xef\xbb\xbf")), blocked
            return
        event("fixed" if out.result.fixed else "nothing to fix")
        if out.result.fixed == 0:
            assert after == data
        # A file read fully is UTF-8 and valid CSV: parsing it must not fail.
        assert rows_of(after) == expected_rows(rows_of(data))


@st.composite
def mostly_clean_files(draw: st.DrawFn) -> bytes:
    """Mostly clean rows over few images (so duplicates and conflicts are common), now and
    then a row of any kind."""
    clean = st.tuples(st.sampled_from(["s3://bucket/a.jpg", "s3://bucket/b.png",
                                       "s3://bucket/d/e.JPEG", "s3://bucket/x//y.jpg",
                                       "s3://bucket/é.png"]),
                      st.sampled_from(["normal", "anomaly"])).map(",".join)
    any_row = st.tuples(IMAGES, CLASSES).map(",".join)
    rows = draw(st.lists(st.one_of(clean, clean, clean, any_row), min_size=1, max_size=30))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return (ending.join(rows) + (ending if draw(st.booleans()) else "")).encode()


def _diagnostics(p: Path) -> list[tuple[str, int, str, bool]]:
    cfg, s = load_config(None, p), Settings(no_media=True)
    return [(d.code, d.line, d.message, d.fixable)
            for d in lint_file(p, p.name, "csv", cfg, s, Selection(cfg, s))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(csv_files(), mostly_clean_files()), st.integers(8, 200))
def test_block_pass_agrees_with_the_row_reader(data: bytes, block: int) -> None:
    """Tiny blocks push every file through the block pass; its findings must be exactly
    those of reading row by row."""
    import manifest_lint.kinds.csv.check as check

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "labels.csv"
        p.write_bytes(data)
        saved = check.BLOCK_BYTES
        check.BLOCK_BYTES = block
        try:
            by_block = _diagnostics(p)
        finally:
            check.BLOCK_BYTES = saved
        real = check._block_pass

        def refuse(*args: object, **kw: object):  # type: ignore[no-untyped-def]
            raise check._NeedsRowReader
            yield  # pragma: no cover

        check._block_pass = refuse  # type: ignore[assignment]
        try:
            by_row = _diagnostics(p)
        finally:
            check._block_pass = real
        assert by_block == by_row
