"""Inputs that bench/fuzz.py found crashing (an internal error), one test per input class,
each asserting the exact (line, code) list the file gets now."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import lint_diagnostics, write_file

META = ('"anomaly-label-metadata":{"class-name":"anomaly","human-annotated":"yes",'
        '"type":TYPE}')
LFV = '{"source-ref":"s3://bucket-x/a.jpg","anomaly-label":1,' + META + "}\n"


def found(path: Path, **settings: object) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_diagnostics(path, **settings)]


def test_lfv_metadata_type_of_an_unhashable_type(tmp_path: Path) -> None:
    """`"type": [1, 2]` (a list, or an object) was looked up in a set: TypeError."""
    p = write_file(tmp_path, LFV.replace("TYPE", "[1,2]")
                   + LFV.replace("TYPE", '{"a":1}').replace("a.jpg", "b.jpg"), "x.manifest")
    assert found(p, no_media=True) == [(1, "LFV104"), (2, "LFV104")]


def test_lfv_mask_metadata_type_of_an_unhashable_type(tmp_path: Path) -> None:
    line = ('{"source-ref":"s3://bucket-x/a.jpg","anomaly-mask-ref":"s3://bucket-x/m.png",'
            '"anomaly-mask-ref-metadata":{"type":[1]}}\n')
    p = write_file(tmp_path, line, "x.manifest")
    assert found(p, no_media=True) == [(1, "LFV103"), (1, "LFV107"), (1, "LFV202"),
                                       (1, "LFV204")]


def cvat_record(height: str) -> str:
    return ('{"version":"1.1"}\n{"type":"images"}\n{"name":"a","extension":".png","width":8,'
            f'"height":{height},"meta":{{"related_images":[]}},'
            '"checksum":"0123456789abcdef0123456789abcdef"}\n')


def test_cvat_canonical_record_with_an_integer_beyond_64_bits(tmp_path: Path) -> None:
    """The fast path's regex accepts any positive integer; orjson refuses one beyond 64
    bits ("number is infinity"), so the media check of such a record crashed."""
    from tests.media_factory import make_png

    make_png(tmp_path / "a.png", (8, 6))
    p = write_file(tmp_path, cvat_record("1" * 400), "manifest.jsonl")
    assert found(p) == [(3, "CVAT403")]
    assert found(p, no_media=True) == []
    p.write_text(cvat_record("1" * 5000))  # more digits than Python's json converts
    assert found(p) == [(1, "CVAT402"), (3, "CVAT003")]  # a.png is then not listed
