"""Physical lines, terminators and the encoding preflight."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from manifest_lint.textio import LineDecoder, iter_raw_lines, preflight


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a\nb\r\nc", [(b"a", b"\n"), (b"b", b"\r\n"), (b"c", b"")]),
        (b"a\rb\rc\r", [(b"a", b"\r"), (b"b", b"\r"), (b"c", b"\r")]),
        (b"a\r\nb\rc\n", [(b"a", b"\r\n"), (b"b", b"\r"), (b"c", b"\n")]),
        (b"", []),
        (b"\n\n", [(b"", b"\n"), (b"", b"\n")]),
        (b"x\r\r\n", [(b"x", b"\r"), (b"", b"\r\n")]),
    ],
)
def test_iter_raw_lines(data: bytes, expected: list[tuple[bytes, bytes]]) -> None:
    assert list(iter_raw_lines(io.BytesIO(data), skip_bom=False)) == expected


def test_lines_roundtrip_bytes() -> None:
    data = b"a,b\r\nc\rd\n\ne"
    assert b"".join(b + t for b, t in iter_raw_lines(io.BytesIO(data), skip_bom=False)) == data


def test_preflight(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"\xef\xbb\xbfhello\n")
    pre = preflight(p)
    assert (pre.bom, pre.foreign_encoding, pre.nul_line, pre.head) == (True, None, None,
                                                                      b"hello\n")
    p.write_bytes("hi".encode("utf-16"))
    assert preflight(p).foreign_encoding == "UTF-16-LE"
    p.write_bytes(b"a\nb\nc\x00")
    assert preflight(p).nul_line == 3


def test_decoder_remembers_first_problem() -> None:
    dec = LineDecoder()
    assert dec.decode(b"ok", 1) == "ok"
    assert dec.decode(b"ab\xffc", 2) == "ab\ufffdc"
    dec.decode(b"\xfe", 5)
    assert dec.problem is not None
    assert (dec.problem.line, dec.problem.column, dec.problem.count) == (2, 3, 2)


def test_overlong_line_is_bounded_and_reading_goes_on() -> None:
    from manifest_lint.textio import LongLine

    data = b"short\n" + b"x" * 5000 + b"\r\nafter\n" + b"y" * 3000
    lines = list(iter_raw_lines(io.BytesIO(data), skip_bom=False, max_line=1000))
    assert lines[0] == (b"short", b"\n")
    body, term = lines[1]
    assert isinstance(body, LongLine) and body.size == 5000 and len(body) == 256
    assert term == b"\r\n"
    assert lines[2] == (b"after", b"\n")
    assert isinstance(lines[3][0], LongLine) and lines[3][0].size == 3000 and lines[3][1] == b""
    unbounded = list(iter_raw_lines(io.BytesIO(data), skip_bom=False, max_line=None))
    assert b"".join(b + t for b, t in unbounded) == data
