"""Property tests for CSV label files: no input crashes the checker, every diagnostic
points at an existing line, and `fix` converges, keeps every row that is not an exact
duplicate, and leaves nothing fixable."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_lint.config import load_config
from manifest_lint.discovery import Target
from manifest_lint.engine import Selection, Settings, lint_file
from manifest_lint.runner import fix_target
from tests.conftest import damage, physical_lines

IMAGES = st.sampled_from([
    "s3://bucket/a.jpg", "s3://bucket/b.png", "s3://bucket/c.jpeg", " s3://bucket/d.jpg",
    "s3://other/e.jpg", "s3: //bucket/f.jpg", "g.jpg", "", "s3://bucket/h,i.jpg",
    "s3://bucket/a\nb.jpg", 's3://bucket/q"t.jpg', "image",
])
CLASSES = st.sampled_from(["normal", "anomaly", "Normal", " anomaly", "ANOMALY", "defect",
                           "", "label"])
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Valid-ish label files, then mutated: blank lines, extra fields, byte flips."""
    rows = draw(st.lists(st.tuples(IMAGES, CLASSES), max_size=12))
    ending = draw(ENDINGS)
    lines = []
    for img, cls in rows:
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append("")
        elif kind == 1:
            lines.append(img)
        elif kind == 2:
            lines.append(f"{img},{cls},extra")
        else:
            quoted = '"' + img.replace('"', '""') + '"' if draw(st.booleans()) else img
            lines.append(f"{quoted},{cls}")
    text = ending.join(lines) + (ending if draw(st.booleans()) else "")
    return damage(draw, text.encode(), [0x22, 0x2C, 0x0A, 0x0D, 0xFF, 0x00, 0x20])


def records(data: bytes) -> Counter[tuple[str, ...]]:
    import csv
    import io

    text = data.decode("utf-8").lstrip("\ufeff")
    return Counter(tuple(r) for r in csv.reader(io.StringIO(text, newline="")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_lint_and_fix_never_crash_or_lose_rows(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "labels.csv"
        p.write_bytes(data)
        cfg, s = load_config(None, p), Settings()
        sel = Selection(cfg, s)
        diags = lint_file(p, "labels.csv", "csv", cfg, s, sel)
        n = max(physical_lines(data), 1)
        assert all(d.code != "ML002" for d in diags), diags
        assert all(1 <= d.line <= n for d in diags), (diags, n)
        out = fix_target(Target(p, "labels.csv", "csv", True), cfg, s, sel, diff=False)
        assert not any(d.fixable for d in out.result.diagnostics)
        after = p.read_bytes()
        again = fix_target(Target(p, "labels.csv", "csv", True), cfg, s, sel, diff=False)
        assert p.read_bytes() == after and again.result.fixed == 0
        try:
            before_rows = records(data)
        except (UnicodeDecodeError, Exception):  # noqa: BLE001 - not valid CSV/UTF-8
            return
        if out.result.fixed == 0:
            assert after == data
            return
        after_rows = records(after)
        # Every record survives, possibly normalised; only repeats may go.
        norm = lambda r: tuple(f.strip().lower() for f in r)  # noqa: E731
        kept = {norm(r) for r in after_rows if any(f.strip() for f in r)}
        for r in before_rows:
            if any(f.strip() for f in r) and not _is_header(r):
                assert norm(r) in kept, (r, after_rows)


def _is_header(row: tuple[str, ...]) -> bool:
    from manifest_lint.kinds.csv.rows import HEADER_WORDS

    return bool(row) and any(f.strip().lower() in HEADER_WORDS for f in row[:2])


def _diagnostics(p: Path) -> list[tuple[str, int, str, bool]]:
    cfg, s = load_config(None, p), Settings(no_media=True)
    return [(d.code, d.line, d.message, d.fixable)
            for d in lint_file(p, p.name, "csv", cfg, s, Selection(cfg, s))]


@st.composite
def mostly_clean_files(draw: st.DrawFn) -> bytes:
    """Mostly clean rows over few images (so duplicates and conflicts are common), now and
    then a row of any kind."""
    clean = st.tuples(st.sampled_from(["s3://bucket/a.jpg", "s3://bucket/b.png",
                                       "s3://bucket/d/e.JPEG", "s3://bucket/x//y.jpg"]),
                      st.sampled_from(["normal", "anomaly"])).map(",".join)
    any_row = st.tuples(IMAGES, CLASSES).map(",".join)
    rows = draw(st.lists(st.one_of(clean, clean, clean, any_row), min_size=1, max_size=30))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return (ending.join(rows) + (ending if draw(st.booleans()) else "")).encode()


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
