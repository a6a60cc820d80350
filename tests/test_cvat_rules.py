"""CVAT manifest structure rules (no media): a bad and a good case per rule, with exact
codes and lines; the fast paths agree with the per-field checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from manifest_lint.kinds.cvat import check as check_module
from tests.conftest import FIXTURES, lint_diagnostics, lint_file_codes, run_cli, write_file

GOLDEN = FIXTURES / "cvat" / "golden"
SUM = "0123456789abcdef0123456789abcdef"
HEADER = '{"version":"1.1"}\n{"type":"images"}\n'
PROPS = '{"properties":{"name":"clip.mp4","resolution":[64,48],"length":40}}'
VIDEO_HEADER = '{"version":"1.1"}\n{"type":"video"}\n' + PROPS + "\n"


def rec(name: str = "a", ext: str = ".jpg", w: object = 8, h: object = 6,
        related: object = (), checksum: object = SUM, **extra: object) -> str:
    """A canonical image record line (without newline)."""
    obj: dict[str, object] = {"name": name, "extension": ext}
    if w is not None:
        obj["width"] = w
    if h is not None:
        obj["height"] = h
    obj["meta"] = {"related_images": list(related) if isinstance(related, tuple) else related}
    if checksum is not None:
        obj["checksum"] = checksum
    obj.update(extra)
    return json.dumps(obj, separators=(",", ":"))


def key(number: object, pts: object, checksum: object = SUM) -> str:
    obj = {"number": number, "pts": pts}
    if checksum is not None:
        obj["checksum"] = checksum
    return json.dumps(obj, separators=(",", ":"))


def images(*records: str) -> str:
    return HEADER + "".join(r + "\n" for r in records)


def video(*records: str) -> str:
    return VIDEO_HEADER + "".join(r + "\n" for r in records)


GOOD = images(rec("a"), rec("b"), rec("sub/c", ".png"))
GOOD_VIDEO = video(key(0, 0), key(10, 5120), key(20, 10240))


def write(tmp_path: Path, data: str | bytes, name: str = "manifest.jsonl") -> Path:
    return write_file(tmp_path, data, name)


def codes(tmp_path: Path, data: str | bytes, **kw: object) -> list[tuple[str, int]]:
    return lint_file_codes(write(tmp_path, data), kind="cvat", no_media=True, **kw)


def diags(tmp_path: Path, data: str | bytes, **kw: object):  # type: ignore[no-untyped-def]
    return lint_diagnostics(write(tmp_path, data), kind="cvat", no_media=True, **kw)


# --- good files --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["images_lexicographical.jsonl", "images_natural.jsonl",
                                  "video.jsonl"])
def test_golden_manifests_have_no_structure_problems(name: str) -> None:
    assert lint_file_codes(GOLDEN / name, no_media=True) == []


def test_good_images_and_video_manifests(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD) == []
    assert codes(tmp_path, GOOD_VIDEO) == []


def test_version_1_0_without_meta_and_extra_properties_are_fine(tmp_path: Path) -> None:
    old = ('{"version":"1.0"}\n{"type":"images"}\n'
           '{"name":"a","extension":".png","width":8,"height":6,"checksum":"' + SUM + '"}\n')
    assert codes(tmp_path, old) == []
    chapters = PROPS.replace('"length":40}', '"length":40,"chapters":[]}')
    assert codes(tmp_path, '{"version":"1.1"}\n{"type":"video"}\n' + chapters + "\n"
                 + key(0, 0) + "\n") == []


def test_point_cloud_records_need_no_size_or_checksum(tmp_path: Path) -> None:
    cloud = '{"name":"scene/1","extension":".pcd","meta":{"related_images":["scene/1.png"]}}'
    assert codes(tmp_path, images(cloud)) == []
    assert codes(tmp_path, images(cloud.replace(".pcd", ".png"))) == [
        ("CVAT202", 3), ("CVAT205", 3)]


# --- CVAT0xx file, JSON, serialisation -----------------------------------------------------

def test_invalid_utf8_is_reported_once_with_its_line(tmp_path: Path) -> None:
    data = (HEADER + rec("a") + "\n").encode() + b'{"name":"caf\xe9","extension":".jpg"}\n'
    got = diags(tmp_path, data)
    assert [(d.code, d.line, d.column) for d in got] == [("CVAT001", 4, 13)]


def test_utf16_manifest_is_an_encoding_error(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD.encode("utf-16")) == [("CVAT001", 1)]


def test_bom_is_a_fixable_error(tmp_path: Path) -> None:
    got = diags(tmp_path, "\ufeff" + GOOD)
    assert [(d.code, d.line, d.severity.value, d.fixable) for d in got] == [
        ("CVAT002", 1, "error", True)]


def test_invalid_json_and_non_objects(tmp_path: Path) -> None:
    data = images(rec("a"), '{"name":"b","extension":".jpg",}', '["c", ".jpg"]', '"d"', rec("e"))
    got = diags(tmp_path, data)
    assert [(d.code, d.line) for d in got] == [("CVAT003", 4), ("CVAT003", 5), ("CVAT003", 6)]
    assert "array" in got[1].message and "string" in got[2].message


def test_json_that_orjson_refuses_but_cvat_reads_is_parsed(tmp_path: Path) -> None:
    big = '{"name":"a","extension":".jpg","width":99999999999999999999999,"height":6,' \
          '"meta":{"related_images":[]},"checksum":"' + SUM + '"}'
    assert codes(tmp_path, images(big)) == []


def test_blank_line_between_records_is_a_warning(tmp_path: Path) -> None:
    got = diags(tmp_path, images(rec("a"), "", rec("b"), "  "))
    assert [(d.code, d.line, d.severity.value, d.fixable) for d in got] == [
        ("CVAT004", 4, "warning", True), ("CVAT004", 6, "warning", True)]


@pytest.mark.parametrize(("data", "expected"), [
    ("", [("CVAT005", 1)]),
    ("\n\n", [("CVAT005", 1), ("CVAT102", 1), ("CVAT102", 2)]),
    (" \n", [("CVAT005", 1), ("CVAT102", 1)]),
])
def test_empty_file(tmp_path: Path, data: str, expected: list[tuple[str, int]]) -> None:
    assert codes(tmp_path, data) == expected


def test_non_canonical_serialisation(tmp_path: Path) -> None:
    spaced = json.dumps(json.loads(rec("b")))
    reordered = '{"extension":".jpg","name":"c","width":8,"height":6,' \
                '"meta":{"related_images":[]},"checksum":"' + SUM + '"}'
    raw_utf8 = rec("d\u00e9").replace("\\u00e9", "\u00e9")
    got = diags(tmp_path, images(rec("a"), spaced, reordered, raw_utf8))
    assert [(d.code, d.line, d.fixable) for d in got] == [
        ("CVAT006", 4, True), ("CVAT006", 5, True), ("CVAT006", 6, True)]
    assert "compact" in got[0].message
    assert "order name, extension" in got[1].message
    assert "\\uXXXX" in got[2].message
    assert codes(tmp_path, images(rec("a"), rec("d\u00e9"))) == []


def test_non_canonical_header_lines(tmp_path: Path) -> None:
    data = '{"version": "1.1"}\n{ "type":"video"}\n' \
           '{"properties":{"length":40,"name":"clip.mp4","resolution":[64,48]}}\n' \
           '{"pts":0,"number":0,"checksum":"' + SUM + '"}\n'
    assert codes(tmp_path, data) == [
        ("CVAT006", 1), ("CVAT006", 2), ("CVAT006", 3), ("CVAT006", 4)]


def test_crlf_and_missing_final_newline(tmp_path: Path) -> None:
    got = diags(tmp_path, GOOD.replace("\n", "\r\n"))
    assert [(d.code, d.line, d.severity.value) for d in got] == [("CVAT007", 1, "warning")]
    assert got[0].fix is not None and got[0].fix.newline == "\n"
    assert codes(tmp_path, GOOD.rstrip("\n")) == [("CVAT007", 5)]
    assert codes(tmp_path, GOOD.replace("\n", "\r")) == [("CVAT007", 1)]


# --- CVAT1xx header ------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "fixable"), [
    ('{"version":1.1}', True), ('{"version":"v1.1"}', True), ('{"version":" 1.0"}', True),
    ('{"version":"2.0"}', False), ('{"version":null}', False),
])
def test_bad_version(tmp_path: Path, line: str, fixable: bool) -> None:
    got = diags(tmp_path, GOOD.replace('{"version":"1.1"}', line))
    assert [(d.code, d.line, d.fixable) for d in got] == [("CVAT101", 1, fixable)]


def test_version_and_type_on_one_line_is_split_by_the_fix(tmp_path: Path) -> None:
    data = '{"version":"1.1","type":"images"}\n' + rec("a") + "\n"
    got = diags(tmp_path, data)
    assert [(d.code, d.line) for d in got] == [("CVAT101", 1)]
    assert got[0].fix is not None
    assert got[0].fix.edits[0].content == '{"version":"1.1"}\n{"type":"images"}'


def test_missing_version_line_gets_inserted(tmp_path: Path) -> None:
    got = diags(tmp_path, GOOD.replace('{"version":"1.1"}\n', ""))
    assert [(d.code, d.line) for d in got] == [("CVAT101", 1)]
    assert got[0].fix is not None and got[0].fix.edits[0].is_insert


def test_no_header_at_all(tmp_path: Path) -> None:
    assert codes(tmp_path, rec("a") + "\n" + rec("b") + "\n") == [("CVAT101", 1), ("CVAT103", 1)]


def test_blank_lines_in_and_after_the_header_are_errors(tmp_path: Path) -> None:
    data = '\n{"version":"1.1"}\n\n{"type":"images"}\n\n' + rec("a") + "\n"
    got = diags(tmp_path, data)
    assert [(d.code, d.line, d.severity.value) for d in got] == [
        ("CVAT102", 1, "error"), ("CVAT102", 3, "error"), ("CVAT102", 5, "error")]
    assert codes(tmp_path, VIDEO_HEADER + "\n" + key(0, 0) + "\n") == [("CVAT102", 4)]


@pytest.mark.parametrize("line", ['{"type":"image"}', '{"type":"Video"}', '{"type":null}'])
def test_bad_type(tmp_path: Path, line: str) -> None:
    assert codes(tmp_path, GOOD.replace('{"type":"images"}', line)) == [("CVAT103", 2)]


def test_type_line_missing(tmp_path: Path) -> None:
    data = '{"version":"1.1"}\n' + rec("a") + "\n"
    assert codes(tmp_path, data) == [("CVAT103", 2)]


@pytest.mark.parametrize("props", [
    '{"properties":{"name":"clip.mp4","resolution":"64x48","length":40}}',
    '{"properties":{"name":"clip.mp4","resolution":[64,48],"length":0}}',
    '{"properties":{"name":"videos/clip.mp4","resolution":[64,48],"length":40}}',
    '{"properties":{"resolution":[64,48],"length":40}}',
    '{"properties":[]}',
])
def test_bad_video_properties(tmp_path: Path, props: str) -> None:
    data = GOOD_VIDEO.replace(PROPS, props)
    assert codes(tmp_path, data) == [("CVAT104", 3)]


def test_video_properties_line_missing(tmp_path: Path) -> None:
    data = '{"version":"1.1"}\n{"type":"video"}\n' + key(0, 0) + "\n"
    assert codes(tmp_path, data) == [("CVAT104", 3)]


def test_header_only_manifest(tmp_path: Path) -> None:
    assert codes(tmp_path, HEADER) == [("CVAT105", 2)]
    assert codes(tmp_path, VIDEO_HEADER) == [("CVAT105", 3)]


# --- CVAT2xx image records -----------------------------------------------------------------

def test_name_and_extension_are_required(tmp_path: Path) -> None:
    got = diags(tmp_path, images(rec("a"), '{"name":"b.jpg","width":8,"height":6}',
                                 key(0, 0)))
    assert [(d.code, d.line) for d in got] == [("CVAT201", 4), ("CVAT201", 5)]
    assert got[0].message == "record needs string name and extension"
    assert "video key-frame record" in got[1].message


@pytest.mark.parametrize(("w", "h"), [(None, 6), ("8", 6), (8, 0), (8.0, 6.0), (True, 6)])
def test_width_and_height_must_be_positive_integers(tmp_path: Path, w: object,
                                                    h: object) -> None:
    assert codes(tmp_path, images(rec("a", w=w, h=h))) == [("CVAT202", 3)]


@pytest.mark.parametrize("meta", ['"ctx.jpg"', '{"related_images":"ctx.jpg"}',
                                  '{"related_images":[1]}', '{"related_images":["../x.jpg"]}',
                                  '{"related_images":["/abs.jpg"]}'])
def test_meta_must_list_relative_paths(tmp_path: Path, meta: str) -> None:
    line = rec("a").replace('{"related_images":[]}', meta)
    assert codes(tmp_path, images(line)) == [("CVAT203", 3)]
    ok = rec("a", related=("related_images/a_jpg/ctx.jpg",))
    assert codes(tmp_path, images(ok)) == []


def test_related_images_must_be_sorted_without_repeats(tmp_path: Path) -> None:
    left, right = "related_images/a_jpg/l.jpg", "related_images/a_jpg/r.jpg"
    data = images(rec("a", related=(right, left)), rec("b", related=(left, left)),
                  rec("c", related=(right, left, right)), rec("d", related=(left, right)))
    got = diags(tmp_path, data)
    assert [(d.code, d.line, d.severity.value, d.fixable) for d in got] == [
        ("CVAT209", 3, "warning", True), ("CVAT209", 4, "warning", True),
        ("CVAT209", 5, "warning", True)]
    assert [d.message.split(";")[0] for d in got] == [
        "meta.related_images is not sorted", "meta.related_images lists a path twice",
        "meta.related_images is not sorted and lists a path twice"]
    manifest = write(tmp_path, data)
    assert run_cli("fix", "--no-media", manifest).code == 0
    assert manifest.read_bytes() == images(
        rec("a", related=(left, right)), rec("b", related=(left,)),
        rec("c", related=(left, right)), rec("d", related=(left, right))).encode()
    assert codes(tmp_path, images(rec("d", related=(left, right)))) == []


def test_checksum_format(tmp_path: Path) -> None:
    got = diags(tmp_path, images(rec("a", checksum="xyz"), rec("b", checksum=SUM.upper()),
                                 rec("c", checksum=123)))
    assert [(d.code, d.line, d.fixable) for d in got] == [
        ("CVAT204", 3, False), ("CVAT204", 4, True), ("CVAT204", 5, False)]


def test_missing_checksum_is_a_warning(tmp_path: Path) -> None:
    got = diags(tmp_path, images(rec("a", checksum=None)))
    assert [(d.code, d.line, d.severity.value, d.fixable) for d in got] == [
        ("CVAT205", 3, "warning", False)]
    assert "`manifest-lint fix` computes it" in got[0].message


def test_duplicates_name_the_first_line(tmp_path: Path) -> None:
    spaced = json.dumps(json.loads(rec("a")))  # same file, slow path
    got = diags(tmp_path, images(rec("a"), rec("b"), rec("a"), spaced, rec("a", ".png")))
    assert [(d.code, d.line) for d in got] == [("CVAT206", 5), ("CVAT006", 6), ("CVAT206", 6)]
    assert got[0].message == got[2].message == (
        "'a.jpg' is already listed on line 3; delete one of the records")


def test_duplicates_in_any_order_and_across_blocks(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_module, "BLOCK_SIZE", 300)  # a few records per block
    names = [f"img_{i:03d}" for i in range(40)]
    shuffled = names[20:] + names[:20] + ["img_005", "img_039"]
    got = codes(tmp_path, images(*(rec(n) for n in shuffled)))
    assert got == [("CVAT206", 43), ("CVAT206", 44)]
    assert codes(tmp_path, images(*(rec(n) for n in names))) == []


def test_a_bad_line_inside_a_block_keeps_line_numbers(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_module, "BLOCK_SIZE", 500)
    records = [rec(f"img_{i:03d}") for i in range(30)]
    records[17] = json.dumps(json.loads(records[17]))
    records.insert(25, "")
    assert codes(tmp_path, images(*records)) == [("CVAT006", 20), ("CVAT004", 28)]


def test_name_that_includes_its_extension(tmp_path: Path) -> None:
    got = diags(tmp_path, images(rec("a.jpg", ".jpg"), rec("b", "jpg"), rec("c.tar", ".gz")))
    assert [(d.code, d.line) for d in got] == [("CVAT207", 3), ("CVAT207", 4)]
    assert "'a.jpg.jpg'" in got[0].message and "'.jpg'" in got[1].message


@pytest.mark.parametrize(("name", "fixable"), [
    ("sub\\a", True), ("/abs/a", False), ("../a", False), ("a/../b", False), ("~/a", False),
    ("a//b", False), ("./a", False), ("a\nb", False), ("a\x00b", False), ("", False),
    ("C:\\data\\a", False),
])
def test_unsafe_names(tmp_path: Path, name: str, fixable: bool) -> None:
    got = diags(tmp_path, images(rec(name)))
    assert [(d.code, d.line, d.fixable) for d in got] == [("CVAT208", 3, fixable)]


def test_backslash_fix_writes_slashes(tmp_path: Path) -> None:
    got = diags(tmp_path, images(rec("sub\\a")))
    assert got[0].fix is not None and got[0].fix.edits[0].content == rec("sub/a")


@pytest.mark.parametrize("name", ["a..b", "..a", "a/.hidden", "dir.d/a", 'say "hi"', "~a/b"[1:]])
def test_names_that_look_odd_but_are_clean(tmp_path: Path, name: str) -> None:
    assert codes(tmp_path, images(rec(name))) == []


# --- CVAT3xx video records -----------------------------------------------------------------

@pytest.mark.parametrize("line", [key("10", 5120), key(10, 5120.0), key(-1, 0), key(None, 0),
                                  rec("a")])
def test_key_frame_fields(tmp_path: Path, line: str) -> None:
    assert codes(tmp_path, video(key(0, 0), line)) == [("CVAT301", 5)]


def test_frame_numbers_must_increase(tmp_path: Path) -> None:
    assert codes(tmp_path, video(key(0, 0), key(20, 5120), key(10, 10240))) == [("CVAT302", 6)]
    assert codes(tmp_path, video(key(0, 0), key(0, 5120))) == [("CVAT302", 5)]


def test_pts_must_increase(tmp_path: Path) -> None:
    assert codes(tmp_path, video(key(0, 0), key(10, 5120), key(20, 5120))) == [("CVAT303", 6)]


def test_frame_number_must_be_below_length(tmp_path: Path) -> None:
    assert codes(tmp_path, video(key(0, 0), key(40, 20480))) == [("CVAT304", 5)]
    assert codes(tmp_path, video(key(0, 0), key(39, 19968))) == []


def test_video_checksums(tmp_path: Path) -> None:
    assert codes(tmp_path, video(key(0, 0, None), key(10, 5120, "nope"))) == [
        ("CVAT205", 4), ("CVAT204", 5)]


# --- CVAT405 order (needs no media) --------------------------------------------------------

def _config(tmp_path: Path, sorting: str) -> Path:
    cfg = tmp_path / "manifest-lint.toml"
    cfg.write_text(f'[cvat]\nsorting = "{sorting}"\n')
    return cfg


@pytest.mark.parametrize(("sorting", "manifest", "expected"), [
    ("lexicographical", "images_lexicographical.jsonl", []),
    ("lexicographical", "images_natural.jsonl", [("CVAT405", 4)]),
    ("natural", "images_natural.jsonl", []),
    ("natural", "images_lexicographical.jsonl", [("CVAT405", 4)]),
    ("predefined", "images_natural.jsonl", []),
    ("", "images_natural.jsonl", []),
])
def test_sort_order(tmp_path: Path, sorting: str, manifest: str,
                    expected: list[tuple[str, int]]) -> None:
    p = write(tmp_path, (GOLDEN / manifest).read_bytes())
    got = lint_file_codes(p, kind="cvat", config=_config(tmp_path, sorting), no_media=True)
    assert got == expected


def test_sort_order_message_names_the_records(tmp_path: Path) -> None:
    p = write(tmp_path, (GOLDEN / "images_natural.jsonl").read_bytes())
    got = lint_diagnostics(p, kind="cvat", config=_config(tmp_path, "lexicographical"),
                           no_media=True)
    assert "'img_10.png' comes after 'img_2.jpg' (line 3)" in got[0].message
    assert got[0].severity.value == "warning"


def test_unknown_sorting_is_a_config_error(tmp_path: Path) -> None:
    from manifest_lint.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="sorting must be one of"):
        load_config(_config(tmp_path, "random"), tmp_path)


# --- the fast paths agree with the per-field checks ----------------------------------------
# Records are mostly canonical (what CVAT's tool writes), so that most of them take a fast
# path (a block validated by one regex, or one line matched by it); now and then a record has
# one targeted defect. The same file is checked again with the fast paths disabled, and the
# findings must be identical. A counter of the records that reach the per-field checks
# (`_Checker._image`) proves that the fast paths were taken, and that disabling them sends
# every record through the per-field checks.

_SEGMENT = st.text(alphabet=st.sampled_from(list("abcXYZ019_- .()'\"") + ["é", "中"]),
                   min_size=1, max_size=6).filter(lambda t: t not in (".", ".."))
_CLEAN_NAME = st.lists(_SEGMENT, min_size=1, max_size=3).map("/".join).filter(
    lambda t: not t.startswith("~"))
_EXTENSION = st.sampled_from([".jpg", ".png", ".jpeg", ".JPG", ".webp", ".tiff"])
_CHECKSUM = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
_CONTEXT = _CLEAN_NAME.map(lambda t: f"related_images/{t}.png")
_RELATED = st.lists(_CONTEXT, max_size=1)  # longer lists take the slow path (their order)
_DEFECTS = {
    "width": [0, -3, "8", 8.0, True, None], "height": [0, "6", 6.5, None],
    "name": ["a\\b", "/abs", "../up", "./a", "a//b", "~/a", "a\x7fb", "a\nb", "", "C:\\x"],
    "extension": ["jpg", "", ".a.b"],
    "related": [["../x.jpg"], ["/abs.jpg"], [1], "ctx.jpg", ["r/b.png", "r/a.png"],
                ["r/a.png", "r/a.png"], ["r/a.png", "r/b.png"]],
    "checksum": [SUM.upper(), "abc", 123, None],
    "style": ["spaces", "order", "raw-utf8", "extra-key", "no-meta"],
    "name-with-extension": [True],
}


@st.composite
def _record(draw: st.DrawFn, earlier: list[str]) -> str:
    """A canonical record line, or (about one in six) one with a single defect, or a
    duplicate of an earlier record. A defect is the largest value of its draw, not the
    smallest: hypothesis favours small values, and canonical records must stay the rule."""
    if earlier and draw(st.integers(0, 11)) == 11:
        return draw(st.sampled_from(earlier))
    obj: dict[str, object] = {
        "name": draw(_CLEAN_NAME), "extension": draw(_EXTENSION),
        "width": draw(st.integers(1, 5000)), "height": draw(st.integers(1, 5000)),
        "meta": {"related_images": draw(_RELATED)}, "checksum": draw(_CHECKSUM)}
    style = None
    if draw(st.integers(0, 5)) == 5:
        what = draw(st.sampled_from(sorted(_DEFECTS)))
        value = draw(st.sampled_from(_DEFECTS[what]))
        event(f"defect: {what}")
        if what == "style":
            style = value
        elif what == "name-with-extension":
            obj["name"] = f"{obj['name']}{obj['extension']}"
        elif what == "related":
            obj["meta"] = {"related_images": value}
        elif value is None:
            del obj[what]
        else:
            obj[what] = value
    if style == "order":
        obj = dict(reversed(list(obj.items())))
    elif style == "extra-key":
        obj["extra"] = 1
    elif style == "no-meta":
        del obj["meta"]
    if style == "spaces":
        return json.dumps(obj)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=style != "raw-utf8")


@st.composite
def _mostly_canonical_manifests(draw: st.DrawFn) -> tuple[str, int]:
    """An images manifest and how many record lines it has."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 30))):
        lines.append(draw(_record([ln for ln in lines if ln])))
        if draw(st.integers(0, 29)) == 29:
            lines.append("")  # a blank line
    newline = "\r\n" if draw(st.integers(0, 9)) == 9 else "\n"
    records = sum(1 for ln in lines if ln)
    return newline.join(['{"version":"1.1"}', '{"type":"images"}', *lines]) + newline, records


def test_fast_paths_match_the_field_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    import tempfile

    counts = {"records": 0, "field_checked": 0}
    real_image = check_module._Checker._image

    def counted(self, *args, **kw):  # type: ignore[no-untyped-def]
        counts["field_checked"] += 1
        return real_image(self, *args, **kw)

    monkeypatch.setattr(check_module._Checker, "_image", counted)
    never = re.compile(rb"(?!)")

    def findings(p: Path) -> list[tuple[object, ...]]:
        return [(d.code, d.line, d.column, d.message, d.fixable, d.fix)
                for d in lint_diagnostics(p, kind="cvat", no_media=True)]

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_mostly_canonical_manifests(), st.sampled_from([64, 700, 1 << 22]))
    def run(manifest: tuple[str, int], block: int) -> None:
        data, records = manifest
        with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp:
            p = write(Path(d), data)
            mp.setattr(check_module, "BLOCK_SIZE", block)
            before = counts["field_checked"]
            fast = findings(p)
            field_checked = counts["field_checked"] - before
            counts["records"] += records
            event("every record took a fast path" if field_checked == 0 else
                  "some records were field-checked")
            mp.setattr(check_module, "IMAGE_RECORD", never)
            mp.setattr(check_module, "IMAGE_RECORD_AFTER_NEWLINE", never)
            before = counts["field_checked"]
            slow = findings(p)
            assert counts["field_checked"] - before == records  # no fast path left
            counts["field_checked"] -= records  # count the fast run only
            assert fast == slow

    run()
    fast_share = 1 - counts["field_checked"] / counts["records"]
    assert fast_share > 0.7, counts  # about 0.85 as designed


def test_absurdly_deep_nesting_is_invalid_json_not_a_crash(tmp_path: Path) -> None:
    data = '{"version":"1.1"}\n{"type":"images"}\n' + "[" * 10000 + "\n"
    assert codes(tmp_path, data) == [("CVAT003", 3)]


def test_overlong_line_is_reported_not_read(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import manifest_lint.textio as textio

    # A 1,000-byte line limit stands in for the real 4 MiB one.
    monkeypatch.setattr(textio.iter_raw_lines, "__kwdefaults__", {"max_line": 1000})
    data = ('{"version":"1.1"}\n{"type":"images"}\n{"name":"' + "x" * 5000 + '"}\n'
            + rec("a") + "\n")
    got = diags(tmp_path, data)
    assert [(d.code, d.line) for d in got] == [("CVAT003", 3)]
    assert "5,011 bytes long and was not read" in got[0].message
