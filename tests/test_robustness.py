"""Hostile and broken input through the real CLI, for every kind: exit 0, 1 or 2, never a
traceback, never an internal error, every diagnostic on a line that exists; `fix` on the
same files neither crashes nor breaks a second run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from manifest_lint.textio import iter_raw_lines
from tests.conftest import run_cli
from tests.media_factory import make_jpeg, make_png

CSV_ROW = b"s3://bucket/a.jpg,normal\n"
LFV_LINE = (b'{"source-ref":"s3://bucket/a.jpg","anomaly-label":0,"anomaly-label-metadata":'
            b'{"class-name":"normal","human-annotated":"yes",'
            b'"type":"groundtruth/image-classification"}}\n')
CVAT_HEAD = b'{"version":"1.1"}\n{"type":"images"}\n'
CVAT_LINE = b'{"name":"a","extension":".jpg","width":4,"height":3}\n'

COMMON = {
    "empty": b"",
    "blank-lines": b"\n\n\n",
    "binary": bytes(range(256)) * 8,
    "utf16": "s3://bucket/a.jpg,normal\n".encode("utf-16"),
    "nul-bytes": b"abc\x00def\n",
    "long-line": b"x" * (5 << 20) + b"\n",
}


def kind_inputs(first: bytes, line: bytes) -> dict[str, bytes]:
    """Broken variants of a small valid file whose lines are ``first`` then ``line``s."""
    good = first + line * 3
    return {
        **COMMON,
        "invalid-utf8-in-the-middle": first + line + b"\xff\xfe broken \xc3\x28\n" + line,
        "crlf": good.replace(b"\n", b"\r\n"),
        "cr-only": good.replace(b"\n", b"\r"),
        "mixed-endings": first + line.replace(b"\n", b"\r\n") + line.replace(b"\n", b"\r")
        + line,
        "utf8-bom": b"\xef\xbb\xbf" + good,
        "truncated": good[: len(good) // 2],
        "long-line-between": first + line + b"y" * (5 << 20) + b"\n" + line,
    }


JSON_EXTRAS = {
    "nan-infinity-1e400": b'{"source-ref":"s3://bucket/a.jpg","x":NaN,"y":Infinity,"z":1e400}\n',
    "duplicate-keys": b'{"source-ref":"s3://bucket/a.jpg","source-ref":"s3://bucket/b.jpg"}\n',
    "deep-nesting": b"[" * 10_000 + b"]" * 10_000 + b"\n",
    "deep-object": b'{"a":' * 10_000 + b"1" + b"}" * 10_000 + b"\n",
}
CSV_EXTRAS = {
    "unterminated-quote": b'"s3://bucket/a.jpg,normal\n' + CSV_ROW,
    "field-of-10mb": CSV_ROW + b"s3://bucket/" + b"a" * (10 << 20) + b".jpg,normal\n",
    "nul-in-field": b"s3://bucket/a\x00.jpg,normal\n" + CSV_ROW * 2000 + b"b\x00,normal\n",
}
KINDS = {
    "csv": (".csv", {**kind_inputs(b"", CSV_ROW), **CSV_EXTRAS}),
    "lfv": (".manifest", {**kind_inputs(b"", LFV_LINE), **JSON_EXTRAS}),
    "cvat": (".jsonl", {**kind_inputs(CVAT_HEAD, CVAT_LINE),
                        **{k: CVAT_HEAD + v for k, v in JSON_EXTRAS.items()}}),
}


def line_count(path: Path) -> int:
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    return max(1, sum(1 for _ in iter_raw_lines(io.BytesIO(data), skip_bom=bom,
                                                    max_line=None)))


def check_run(folder: Path, *args: str) -> dict[str, object]:
    r = run_cli(*args, "-f", "json", "--no-cache", folder)
    assert r.code in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    data = json.loads(r.stdout)
    counts: dict[str, int] = {}
    for d in data["diagnostics"]:
        assert d["code"] != "ML002", d
        if d["path"] not in counts:
            counts[d["path"]] = line_count(Path(d["path"]))
        assert 1 <= d["line"] <= counts[d["path"]], d
    return data  # type: ignore[no-any-return]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_hostile_files_are_diagnostics(tmp_path: Path, kind: str) -> None:
    suffix, inputs = KINDS[kind]
    folder = tmp_path / kind
    folder.mkdir()
    for name, data in inputs.items():
        (folder / f"{name}{suffix}").write_bytes(data)
    if kind == "cvat":  # kinds are found from the content; force it for headerless files
        (tmp_path / "manifest-lint.toml").write_text('[kinds]\n"*.jsonl" = "cvat"\n')
    linted = check_run(folder, "lint", "--no-media")
    assert linted["summary"]["files"] == len(inputs)  # type: ignore[index]
    check_run(folder, "fix", "--no-media")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    check_run(folder, "fix", "--no-media")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_million_lines_each_kind(tmp_path: Path) -> None:
    (tmp_path / "labels.csv").write_bytes(
        b"".join(b"s3://bucket/%07d.jpg,normal\n" % i for i in range(1_000_000)))
    (tmp_path / "data.manifest").write_bytes(b"".join(
        LFV_LINE.replace(b"a.jpg", b"%07d.jpg" % i) for i in range(1_000_000)))
    (tmp_path / "manifest.jsonl").write_bytes(
        CVAT_HEAD + b"".join(b'{"name":"%07d","extension":".jpg","width":4,"height":3}\n' % i
                             for i in range(1_000_000)))
    data = check_run(tmp_path, "lint", "--no-media", "--ignore", "CVAT205")
    assert data["diagnostics"] == []
    assert data["summary"]["files"] == 3  # type: ignore[index]


def test_broken_media_are_diagnostics(tmp_path: Path) -> None:
    root = tmp_path / "data"
    make_jpeg(root / "ok.jpg", size=(8, 6))
    make_png(root / "png-named-jpg.jpg", size=(8, 6))
    (root / "text.jpg").write_text("not an image")
    good = (root / "ok.jpg").read_bytes()
    (root / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (root / "zero.mp4").write_bytes(b"")
    names = ["ok.jpg", "png-named-jpg.jpg", "text.jpg", "truncated.jpg"]
    lines = [json.dumps({"name": n[:-4], "extension": ".jpg", "width": 8, "height": 6},
                        separators=(",", ":")) for n in names]
    (root / "manifest.jsonl").write_text('{"version":"1.1"}\n{"type":"images"}\n'
                                         + "\n".join(lines) + "\n")
    video = tmp_path / "video"
    video.mkdir()
    (video / "clip.mp4").write_bytes(b"")
    (video / "manifest.jsonl").write_text(
        '{"version":"1.1"}\n{"type":"video"}\n'
        '{"properties":{"name":"clip.mp4","resolution":[4,4],"length":1}}\n'
        '{"number":0,"pts":0}\n')
    for folder in (root, video):
        r = run_cli("lint", "--deep", "-f", "json", "--no-cache", folder / "manifest.jsonl")
        assert r.code == 1 and "Traceback" not in r.stderr, r.stderr
        got = json.loads(r.stdout)["diagnostics"]
        assert "ML002" not in {d["code"] for d in got}
        assert "CVAT409" in {d["code"] for d in got}
