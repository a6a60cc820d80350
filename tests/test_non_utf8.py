"""File names that are not UTF-8 and lone surrogates, in every kind: CVAT210 (a CVAT name
carrying Python's escapes for non-UTF-8 bytes), CVAT008, LFV007 and CSV208 (lone
surrogates and non-UTF-8 image locations), the create cvat -> lint -> fix round trip of a
folder holding a Latin-1 file name, and label files whose own name is not UTF-8."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import lint_diagnostics, run_cli, write_file
from tests.media_factory import make_png

SUM = "0123456789abcdef0123456789abcdef"
HEADER = '{"version":"1.1"}\n{"type":"images"}\n'
LFV = ('{"source-ref":"s3://bucket-x/NAME","anomaly-label":0,"anomaly-label-metadata":'
       '{"class-name":"normal","human-annotated":"yes",'
       '"type":"groundtruth/image-classification"}}\n')
LATIN1 = b"caf\xe9"  # "café" in Latin-1: not UTF-8

pytestmark = pytest.mark.skipif(os.name != "posix" or os.fsencode("\udce9") != b"\xe9",
                                reason="needs a POSIX file system with byte file names")


def rec(name: str, ext: str = ".png", **extra: object) -> str:
    """A canonical image record as CVAT writes it (``json.dumps`` escapes surrogates)."""
    obj: dict[str, object] = {"name": name, "extension": ext, "width": 8, "height": 6,
                              "meta": {"related_images": []}, "checksum": SUM, **extra}
    return json.dumps(obj, separators=(",", ":"))


def found(path: Path, **settings: object) -> list[tuple[int, str]]:
    """(line, code) of every diagnostic for ``path``."""
    return [(d.line, d.code) for d in lint_diagnostics(path, **settings)]


# ------------------------------------------------------------------ CVAT210, CVAT008


def test_cvat_name_not_utf8_bad(tmp_path: Path) -> None:
    p = write_file(tmp_path, HEADER + rec("caf\udce9") + "\n", "manifest.jsonl")
    assert '"caf\\udce9"' in p.read_text()
    assert found(p, no_media=True) == [(3, "CVAT210")]


def test_cvat_name_not_utf8_good(tmp_path: Path) -> None:
    p = write_file(tmp_path, HEADER + rec("caf\u00e9") + "\n" + rec("img_\U0001f600") + "\n",
                   "manifest.jsonl")
    assert found(p, no_media=True) == []


def test_cvat_related_image_not_utf8(tmp_path: Path) -> None:
    line = rec("a").replace('"related_images":[]',
                            '"related_images":["related_images/a_png/x\\udcff.png"]')
    p = write_file(tmp_path, HEADER + line + "\n", "manifest.jsonl")
    assert found(p, no_media=True) == [(3, "CVAT210")]


@pytest.mark.parametrize("line", [
    rec("dir\ud800img_3"),                      # a lone high surrogate in the name
    rec("img_\ude00\ud83d"),                    # a reversed pair
    rec("a", checksum="\udce9" * 32),           # a surrogate escape outside a name
    rec("a", extra="\udfff"),                   # in another field
    rec("a").replace('{"name"', '{"k\\ud800":1,"name"'),  # in a key
])
def test_cvat_lone_surrogate_bad(tmp_path: Path, line: str) -> None:
    p = write_file(tmp_path, HEADER + rec("b") + "\n" + line + "\n", "manifest.jsonl")
    assert found(p, no_media=True) == [(4, "CVAT008")]
    assert found(p) == [(3, "CVAT401"), (4, "CVAT008")]  # media on: b.png is missing


def test_cvat_lone_surrogate_in_header(tmp_path: Path) -> None:
    p = write_file(tmp_path, '{"version":"1.1\\ud800"}\n{"type":"images"}\n' + rec("a") + "\n",
                   "manifest.jsonl")
    # as after a header line that is not JSON (CVAT003), line 2 is read as a record
    assert found(p, no_media=True) == [(1, "CVAT008"), (2, "CVAT201")]


def test_cvat_lone_surrogate_good(tmp_path: Path) -> None:
    p = write_file(tmp_path, HEADER + rec("img_\U0001f600") + "\n" + rec("dir/\u00e9") + "\n",
                   "manifest.jsonl")
    assert "\\ud83d\\ude00" in p.read_text()
    assert found(p, no_media=True) == []


def test_cvat_lone_surrogate_with_media_is_no_internal_error(tmp_path: Path) -> None:
    make_png(tmp_path / "ok.png", (8, 6))
    p = write_file(tmp_path, HEADER + rec("dir\ud800img_3") + "\n" + rec("ok") + "\n",
                   "manifest.jsonl")
    assert found(p) == [(3, "CVAT008")]


def test_fix_leaves_lone_surrogate_lines_alone_and_fixes_the_rest(tmp_path: Path) -> None:
    bad = rec("dir\ud800img_3", checksum="e" * 32)
    other = "f" * 32  # checksums differ: two records of one picture would be DS201
    data = (HEADER + bad + "\n" + rec("b").replace(",", ", ", 1) + "\n\n"
            + rec("c", checksum=other.upper()) + "\n")
    p = write_file(tmp_path, data, "manifest.jsonl")
    r = run_cli("fix", "--no-media", "-f", "json", p)
    assert r.code == 1, r.stderr
    assert [(d["line"], d["code"]) for d in json.loads(r.stdout)["diagnostics"]] == [
        (3, "CVAT008")]
    assert p.read_bytes() == (HEADER + bad + "\n" + rec("b") + "\n"
                              + rec("c", checksum=other) + "\n").encode()


# ------------------------------------------------------------------ LFV007


def test_lfv_lone_surrogate_bad(tmp_path: Path) -> None:
    data = (LFV.replace("NAME", "a.jpg") + LFV.replace("NAME", "caf\\udce9.jpg")
            + LFV.replace("NAME", "b.jpg").replace('"normal"', '"nor\\ud800mal"'))
    p = write_file(tmp_path, data, "train.manifest")
    # LFV305: a train manifest of one image is too small
    assert found(p, no_media=True) == [(1, "LFV305"), (2, "LFV007"), (3, "LFV007")]


def test_lfv_lone_surrogate_exact(tmp_path: Path) -> None:
    data = LFV.replace("NAME", "a.jpg") + LFV.replace("NAME", "caf\\udce9.jpg")
    p = write_file(tmp_path, data, "x.manifest")
    assert found(p, no_media=True) == [(2, "LFV007")]


def test_lfv_lone_surrogate_good(tmp_path: Path) -> None:
    data = LFV.replace("NAME", "a.jpg") + LFV.replace("NAME", "caf\\u00e9\\ud83d\\ude00.jpg")
    p = write_file(tmp_path, data, "x.manifest")
    assert found(p, no_media=True) == []


def test_lfv_fix_leaves_lone_surrogate_line_alone(tmp_path: Path) -> None:
    bad = LFV.replace("NAME", "caf\\udce9.jpg")
    p = write_file(tmp_path, LFV.replace("NAME", "a.jpg") + "\n" + bad, "x.manifest")
    r = run_cli("fix", "--no-media", "-f", "json", p)
    assert r.code == 1, r.stderr
    assert [(d["line"], d["code"]) for d in json.loads(r.stdout)["diagnostics"]] == [
        (2, "LFV007")]
    assert p.read_bytes() == (LFV.replace("NAME", "a.jpg") + bad).encode()


# ------------------------------------------------------------------ CSV208


def test_csv_image_not_utf8_bad(tmp_path: Path) -> None:
    p = write_file(tmp_path, b"s3://bucket-x/a.jpg,normal\ns3://bucket-x/" + LATIN1
                   + b".jpg,normal\n", "labels.csv")
    assert found(p, no_media=True) == [(2, "CSV208"), (2, "CSV001")]


def test_csv_image_not_utf8_good(tmp_path: Path) -> None:
    p = write_file(tmp_path, "s3://bucket-x/a.jpg,normal\ns3://bucket-x/caf\u00e9.jpg,normal\n",
                   "labels.csv")
    assert found(p, no_media=True) == []


def test_csv_image_not_utf8_message_shows_the_byte(tmp_path: Path) -> None:
    p = write_file(tmp_path, b"s3://bucket-x/" + LATIN1 + b".jpg,normal\n", "labels.csv")
    r = run_cli("lint", "--no-media", "-f", "json", p)
    assert r.code == 1
    (d,) = [d for d in json.loads(r.stdout)["diagnostics"] if d["code"] == "CSV208"]
    assert "caf\\xe9.jpg" in d["message"] and "0xE9" in d["message"]


# ------------------------------------------------------------------ round trip


def latin1_dataset(folder: Path) -> Path:
    folder.mkdir()
    make_png(folder / "ok.png", (8, 6))
    make_png(folder / "x.png", (5, 4))
    os.rename(os.fsencode(folder / "x.png"), os.fsencode(folder) + b"/" + LATIN1 + b".png")
    return folder


@pytest.mark.parametrize("deep", [False, True])
def test_create_lint_fix_round_trip_with_a_latin1_file_name(tmp_path: Path, deep: bool) -> None:
    ds = latin1_dataset(tmp_path / "ds")
    r = run_cli("create", "cvat", ds, cwd=ds)
    assert r.code == 0, r.stderr
    manifest = ds / "manifest.jsonl"
    written = manifest.read_bytes()
    assert b'{"name":"caf\\udce9","extension":".png","width":5,"height":4,' in written
    extra = ["--deep"] if deep else []
    for args in (["lint", *extra], ["lint", "--no-media"], ["fix", *extra]):
        r = run_cli(*args, "-f", "json", manifest)
        assert r.code == 0, (args, r.stdout, r.stderr)
        assert [(d["line"], d["code"]) for d in json.loads(r.stdout)["diagnostics"]] == [
            (3, "CVAT210")], args
        assert manifest.read_bytes() == written
    # the media check goes through the file's bytes: a wrong size is found
    manifest.write_bytes(written.replace(b'"width":5,"height":4', b'"width":9,"height":4'))
    r = run_cli("lint", "-f", "json", manifest)
    assert [(d["line"], d["code"]) for d in json.loads(r.stdout)["diagnostics"]] == [
        (3, "CVAT210"), (3, "CVAT403")]
    r = run_cli("fix", "-f", "json", manifest)
    assert r.code == 0, r.stdout + r.stderr
    assert manifest.read_bytes() == written


def test_missing_latin1_file_is_reported_not_crashed(tmp_path: Path) -> None:
    ds = latin1_dataset(tmp_path / "ds")
    assert run_cli("create", "cvat", ds, cwd=ds).code == 0
    os.remove(os.fsencode(ds) + b"/" + LATIN1 + b".png")
    r = run_cli("lint", "-f", "json", ds / "manifest.jsonl")
    assert r.code == 1
    assert [(d["line"], d["code"]) for d in json.loads(r.stdout)["diagnostics"]] == [
        (3, "CVAT210"), (3, "CVAT401")]


# ------------------------------------------------------------------ label file names


@pytest.mark.parametrize("fmt", ["json", "concise", "github", "full"])
def test_label_files_whose_names_are_not_utf8(tmp_path: Path, fmt: str) -> None:
    folder = os.fsencode(tmp_path)
    for suffix, data in ((b".csv", b"s3://bucket-x/a.jpg,normal\ns3://bucket-x/a.jpg,normal\n"),
                         (b".manifest", (LFV.replace("NAME", "a.jpg") * 2).encode()),
                         (b".jsonl", (HEADER + rec("a") + "\n" + rec("a") + "\n").encode())):
        with open(folder + b"/" + LATIN1 + suffix, "wb") as f:
            f.write(data)
    r = run_cli("lint", "--no-media", "-f", fmt, ".", cwd=tmp_path)
    assert r.code == 1, r.stdout + r.stderr
    assert "internal error" not in r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    if fmt == "json":
        diags = json.loads(r.stdout)["diagnostics"]
        assert {(d["path"], d["line"], d["code"]) for d in diags} == {
            ("caf\\xe9.csv", 2, "CSV301"), ("caf\\xe9.manifest", 2, "LFV301"),
            ("caf\\xe9.jsonl", 4, "CVAT206")}
    else:
        assert "caf\\xe9.csv" in r.stdout and "caf\\xe9.jsonl" in r.stdout
    r = run_cli("fix", "--no-media", "-f", "json", ".", cwd=tmp_path)
    assert r.code == 1, r.stdout + r.stderr
    with open(folder + b"/" + LATIN1 + b".csv", "rb") as f:
        assert f.read() == b"s3://bucket-x/a.jpg,normal\n"


def test_create_lint_fix_round_trip_of_a_video_with_a_latin1_name(tmp_path: Path) -> None:
    from tests.media_factory import make_video

    make_video(tmp_path / "x.mp4", frames=30)
    os.rename(os.fsencode(tmp_path / "x.mp4"), os.fsencode(tmp_path) + b"/" + LATIN1 + b".mp4")
    r = run_cli("create", "cvat", os.fsdecode(LATIN1 + b".mp4"), cwd=tmp_path)
    assert r.code == 0, r.stderr
    manifest = tmp_path / "manifest.jsonl"
    written = manifest.read_bytes()
    assert b'{"properties":{"name":"caf\\udce9.mp4",' in written
    for args in (["lint", "--deep"], ["fix", "--deep"]):
        r = run_cli(*args, "-f", "json", manifest)
        assert r.code == 0, (args, r.stdout, r.stderr)
        assert [(d["line"], d["code"]) for d in json.loads(r.stdout)["diagnostics"]] == [
            (3, "CVAT210")]
        assert manifest.read_bytes() == written


def test_shown_escapes_every_lone_surrogate() -> None:
    from manifest_lint.textio import shown

    assert shown("caf\udce9.csv") == "caf\\xe9.csv"
    assert shown("a\ud800b\U0001f600") == "a\\ud800b\U0001f600"
    assert shown("plain") == "plain"
