"""Lookout for Vision manifest rules: a bad and a good case per rule, with exact codes and
lines, and the fixes of the fixable ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from manifest_lint.config import load_config
from manifest_lint.discovery import Target
from manifest_lint.engine import Selection, Settings
from manifest_lint.kinds.lfv import check as lfv_check
from manifest_lint.kinds.lfv import reading as lfv_reading
from manifest_lint.runner import fix_target
from tests.conftest import lint_diagnostics, with_ending, write_file

CLS = "groundtruth/image-classification"
SEG = "groundtruth/semantic-segmentation"
NO_MEDIA = {"no_media": True}


def obj(img: str = "img1.jpg", cls: str = "anomaly", *, bucket: str = "bucket",
        **meta: Any) -> dict[str, Any]:
    """A canonical classification object; ``meta`` overrides metadata keys (None deletes)."""
    md: dict[str, Any] = {
        "confidence": 1, "job-name": "labeling-job/anomaly-classification",
        "class-name": cls, "human-annotated": "yes",
        "creation-date": "2024-05-01T12:00:00.000000", "type": CLS,
    }
    for k, v in meta.items():
        k = k.replace("_", "-")
        if v is None:
            md.pop(k, None)
        else:
            md[k] = v
    return {"source-ref": f"s3://{bucket}/train/{img}",
            "anomaly-label": 1 if cls == "anomaly" else 0,
            "anomaly-label-metadata": md}


def seg(img: str = "img1.jpg", *, cmap: Any = None, **mask_meta: Any) -> dict[str, Any]:
    """An anomaly line with a segmentation mask pair."""
    o = obj(img)
    md: dict[str, Any] = {
        "internal-color-map": cmap if cmap is not None else {
            "0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
            "1": {"class-name": "scratch", "hex-color": "#2ca02c", "confidence": 0.0},
        },
        "human-annotated": "yes", "creation-date": "2024-05-01T12:00:00.000000", "type": SEG,
    }
    md.update({k.replace("_", "-"): v for k, v in mask_meta.items()})
    o["anomaly-mask-ref"] = f"s3://bucket/masks/{Path(img).stem}.png"
    o["anomaly-mask-ref-metadata"] = md
    return o


def dumps(*objs: Any) -> str:
    return "".join(json.dumps(o) + "\n" for o in objs)


def write(tmp_path: Path, data: str | bytes, name: str = "data.manifest") -> Path:
    return write_file(tmp_path, data, name)


def codes(tmp_path: Path, data: str | bytes, name: str = "data.manifest",
          **kw: Any) -> list[tuple[str, int]]:
    settings = {**NO_MEDIA, **kw}
    return [(d.code, d.line) for d in lint_diagnostics(write(tmp_path, data, name),
                                                       kind="lfv", **settings)]


def diags(tmp_path: Path, data: str | bytes, name: str = "data.manifest") -> list[Any]:
    return lint_diagnostics(write(tmp_path, data, name), kind="lfv", no_media=True)


def fixed(tmp_path: Path, data: str | bytes, select: list[str] | None = None,
          name: str = "data.manifest") -> bytes:
    """The bytes of the file after `fix` (in process), with only ``select`` rules if given
    (text is written as UTF-8 with its newlines kept)."""
    p = write(tmp_path, data, name)
    cfg = load_config(None, p)
    settings = Settings(select=select, no_media=True)
    out = fix_target(Target(p, p.name, "lfv", True), cfg, settings, Selection(cfg, settings),
                     diff=False)
    assert not [n for n in out.result.notes if n.startswith("not fixed")]
    return p.read_bytes()


GOOD = dumps(obj("a.jpg"), obj("b.png", "normal"), obj("c.jpeg", "normal"))


def test_good_manifest_is_clean(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD) == []


def test_crlf_and_compact_separators_are_clean(tmp_path: Path) -> None:
    compact = "".join(json.dumps(o, separators=(",", ":")) + "\r\n"
                      for o in (obj("a.jpg"), obj("b.jpg", "normal")))
    assert codes(tmp_path, compact) == []


def test_unknown_extra_keys_are_fine(tmp_path: Path) -> None:
    o = obj()
    o["my-extra"] = {"anything": [1, 2]}
    o["anomaly-label-metadata"]["worker"] = "x"
    v = obj("b.jpg")
    v["verify-ref"] = "s3://bucket/v.json"
    v["verify-ref-metadata"] = {"type": "groundtruth/label-verification"}
    assert codes(tmp_path, dumps(o, v)) == []


# --- LFV0xx: encoding and JSON ---------------------------------------------------------

def test_lfv001_invalid_utf8(tmp_path: Path) -> None:
    bad = json.dumps(obj("caf\u00e9.jpg"), ensure_ascii=False).encode().replace(
        b"\xc3\xa9", b"\xe9")
    data = GOOD.encode() + bad + b"\n"
    found = diags(tmp_path, data)
    assert [(d.code, d.line) for d in found] == [("LFV001", 4)]
    assert "byte 0xe9" in found[0].message


def test_lfv001_utf16_and_good_utf8(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD.encode("utf-16")) == [("LFV001", 1)]
    good = json.dumps(obj("café.jpg"), ensure_ascii=False) + "\n"
    assert codes(tmp_path, good) == []


def test_lfv002_bom_is_fixable(tmp_path: Path) -> None:
    found = diags(tmp_path, "\ufeff" + GOOD)
    assert [(d.code, d.line, d.fixable) for d in found] == [("LFV002", 1, True)]
    assert fixed(tmp_path, "\ufeff" + GOOD) == GOOD.encode()
    assert codes(tmp_path, GOOD) == []


def test_lfv003_blank_line_deleted_by_fix(tmp_path: Path) -> None:
    lines = GOOD.splitlines(keepends=True)
    data = lines[0] + "\n" + lines[1] + "   \n" + lines[2]
    assert codes(tmp_path, data) == [("LFV003", 2), ("LFV003", 4)]
    assert fixed(tmp_path, data) == GOOD.encode()


def test_lfv004_not_a_json_object(tmp_path: Path) -> None:
    one = json.dumps(obj("a.jpg"))
    data = (one[:-1] + "\n"  # truncated object, then valid lines
            + json.dumps(obj("b.jpg")) + "\n"
            + "[1, 2]\n"
            + json.dumps(obj("c.jpg")) + " trailing\n"
            + '"just a string"\n'
            + json.dumps(obj("d.jpg")) + "\n")
    found = diags(tmp_path, data)
    assert [(d.code, d.line) for d in found] == [
        ("LFV004", 1), ("LFV004", 3), ("LFV004", 4), ("LFV004", 5)]
    assert "unexpected end of data" in found[0].message
    assert "a JSON array" in found[1].message
    assert found[2].column == len(json.dumps(obj("c.jpg"))) + 2
    assert codes(tmp_path, GOOD) == []


def test_lfv004_over_long_line_is_not_held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setattr(lfv_reading, "MAX_LINE_BYTES", 100_000)
    monkeypatch.setattr(lfv_reading, "BLOCK_BYTES", 4096)
    data = GOOD + '{"source-ref": "' + "x" * 300_000 + '"}\n' + dumps(obj("z.jpg"))
    found = diags(tmp_path, data)
    assert [(d.code, d.line) for d in found] == [("LFV004", 4)]
    assert "300,018 bytes long" in found[0].message


def test_lfv005_pretty_printed_object_is_joined(tmp_path: Path) -> None:
    pretty = json.dumps(obj("b.jpg"), indent=2)
    n = pretty.count("\n") + 1
    data = dumps(obj("a.jpg")) + pretty + "\n" + dumps(obj("c.jpg"))
    found = diags(tmp_path, data)
    assert [(d.code, d.line) for d in found] == [("LFV005", 2)]
    assert f"spans lines 2-{n + 1}" in found[0].message
    assert fixed(tmp_path, data) == dumps(obj("a.jpg"), obj("b.jpg"), obj("c.jpg")).encode()
    assert codes(tmp_path, dumps(obj("a.jpg"), obj("b.jpg"))) == []


def test_lfv005_uses_the_style_of_the_file(tmp_path: Path) -> None:
    first = json.dumps(obj("a.jpg"), separators=(",", ":"))
    data = first + "\n" + json.dumps(obj("b.jpg"), indent=4) + "\n"
    assert fixed(tmp_path, data) == (first + "\n" + json.dumps(
        obj("b.jpg"), separators=(",", ":")) + "\n").encode()


def test_lfv006_empty_manifest(tmp_path: Path) -> None:
    assert codes(tmp_path, "") == [("LFV006", 1)]
    assert codes(tmp_path, "\n\n") == [("LFV003", 1), ("LFV006", 1), ("LFV003", 2)]
    assert codes(tmp_path, dumps(obj())) == []


# --- LFV1xx: source-ref and the label pair ---------------------------------------------

def test_lfv101_missing_source_ref(tmp_path: Path) -> None:
    a = obj("a.jpg")
    a["source_ref"] = a.pop("source-ref")
    b = obj("b.jpg")
    b["source-ref"] = 17
    found = diags(tmp_path, dumps(a, b, obj("c.jpg")))
    assert [(d.code, d.line) for d in found] == [("LFV101", 1), ("LFV101", 2)]
    assert "'source_ref'" in found[0].message
    assert "a number" in found[1].message


@pytest.mark.parametrize("uri", [
    "s3: //bucket/a.jpg", "S3://bucket/a.jpg", "train/a.jpg",
    "https://bucket.s3.amazonaws.com/a.jpg", "s3://bucket/x//a.jpg", "s3://s3://bucket/a.jpg",
])
def test_lfv102_invalid_source_ref(tmp_path: Path, uri: str) -> None:
    a = obj()
    a["source-ref"] = uri
    assert codes(tmp_path, dumps(obj("z.jpg"), a)) == [("LFV102", 2)]


def test_lfv102_good_uri(tmp_path: Path) -> None:
    assert codes(tmp_path, dumps(obj("sub dir/ä b.jpg"))) == []


def test_lfv103_missing_label_pair(tmp_path: Path) -> None:
    no_meta = obj("a.jpg")
    no_meta["anomaly-metadata"] = no_meta.pop("anomaly-label-metadata")  # wrong name
    no_attr = obj("b.jpg")
    del no_attr["anomaly-label"]
    not_object = obj("c.jpg")
    not_object["anomaly-label-metadata"] = "anomaly"
    bare = {"source-ref": "s3://bucket/train/d.jpg"}
    found = diags(tmp_path, dumps(no_meta, no_attr, not_object, bare, obj("e.jpg")))
    assert [(d.code, d.line) for d in found] == [
        ("LFV103", 1), ("LFV103", 2), ("LFV103", 3), ("LFV103", 4)]
    assert "has no label attribute 'anomaly'" in found[0].message
    assert "has no label attribute 'anomaly-label'" in found[1].message
    assert "a string" in found[2].message


def test_lfv104_wrong_label_type(tmp_path: Path) -> None:
    data = dumps(obj("a.jpg", type="groundtruth/classification"), obj("b.jpg", type=None),
                 obj("c.jpg", type=CLS))
    assert codes(tmp_path, data) == [("LFV104", 1), ("LFV104", 2)]


def test_lfv105_unknown_class(tmp_path: Path) -> None:
    data = dumps(obj("a.jpg", class_name="defect"), obj("b.jpg", class_name=None),
                 obj("c.jpg", class_name=1), obj("d.jpg", class_name="anomaly"))
    found = diags(tmp_path, data)
    assert [(d.code, d.line) for d in found] == [("LFV105", 1), ("LFV105", 2), ("LFV105", 3)]
    assert "imports the image as unlabeled" in found[0].message
    assert found[0].column == json.dumps(obj("a.jpg")).index('"class-name"') + 1


def test_lfv106_class_case_is_fixed_in_the_line_style(tmp_path: Path) -> None:
    bad = obj("a.jpg", class_name="Anomaly ")
    line = json.dumps(bad, separators=(",", ":"))
    data = line + "\n"
    found = diags(tmp_path, data)
    assert [(d.code, d.line, d.severity.value) for d in found] == [("LFV106", 1, "warning")]
    assert fixed(tmp_path, data) == (json.dumps(obj("a.jpg"), separators=(",", ":"))
                                     + "\n").encode()
    assert codes(tmp_path, dumps(obj("a.jpg", class_name="anomaly"))) == []


@pytest.mark.parametrize("value", [None, True, "Yes", "y", 1])
def test_lfv107_human_annotated(tmp_path: Path, value: Any) -> None:
    a = obj("a.jpg", human_annotated=value)
    assert codes(tmp_path, dumps(obj("b.jpg"), a)) == [("LFV107", 2)]


def test_lfv107_good_values(tmp_path: Path) -> None:
    data = dumps(obj("a.jpg", human_annotated="yes"), obj("b.jpg", human_annotated="no"))
    assert codes(tmp_path, data) == []


def test_lfv108_label_value(tmp_path: Path) -> None:
    string = obj("a.jpg")
    string["anomaly-label"] = "1"
    wrong = obj("b.jpg", "normal")
    wrong["anomaly-label"] = 1
    boolean = obj("c.jpg")
    boolean["anomaly-label"] = True
    data = dumps(string, wrong, boolean)
    found = diags(tmp_path, data)
    assert [(d.code, d.line, d.fixable) for d in found] == [
        ("LFV108", 1, True), ("LFV108", 2, True), ("LFV108", 3, True)]
    assert "the string '1'" in found[0].message
    assert "but class-name is 'normal'" in found[1].message
    assert fixed(tmp_path, data) == dumps(obj("a.jpg"), obj("b.jpg", "normal"),
                                          obj("c.jpg")).encode()


def test_lfv108_fix_keeps_everything_else(tmp_path: Path) -> None:
    line = ('{"anomaly-label":"0", "source-ref":"s3://bucket/x/é.jpg", "extra": 1.50, '
            '"anomaly-label-metadata":{"class-name":"normal","human-annotated":"no",'
            '"type":"groundtruth/image-classification"}}\n')
    want = ('{"anomaly-label":0, "source-ref":"s3://bucket/x/é.jpg", "extra":1.5, '
            '"anomaly-label-metadata":{"class-name":"normal", "human-annotated":"no", '
            '"type":"groundtruth/image-classification"}}\n')
    # separators are detected per line (", " and ":" here); key order and text are kept
    assert fixed(tmp_path, line) == want.encode()


def _every_fix() -> tuple[str, str]:
    """A manifest with one problem of each fixable kind (LFV003, LFV005, LFV106, LFV108)
    and what `fix` makes of it, in LF form; the last line is clean."""
    string_label = obj("d.jpg")
    string_label["anomaly-label"] = "1"
    bad = (dumps(obj("a.jpg")) + "\n" + json.dumps(obj("b.jpg"), indent=2) + "\n"
           + dumps(obj("c.jpg", class_name="Anomaly "), string_label, obj("e.jpg", "normal")))
    good = dumps(obj("a.jpg"), obj("b.jpg"), obj("c.jpg"), obj("d.jpg"), obj("e.jpg", "normal"))
    return bad, good


def test_every_fix_keeps_the_line_ends(tmp_path: Path, ending: tuple[str, bool]) -> None:
    bad, good = _every_fix()
    assert [c for c, _ in codes(tmp_path, with_ending(bad, *ending))] == [
        "LFV003", "LFV005", "LFV106", "LFV108"]
    assert fixed(tmp_path, with_ending(bad, *ending)) == with_ending(good, *ending)
    assert fixed(tmp_path, b"\xef\xbb\xbf" + with_ending(bad, *ending)) == with_ending(
        good, *ending)
    assert codes(tmp_path, with_ending(good, *ending)) == []


def test_a_fix_rewrites_only_its_own_lines(tmp_path: Path) -> None:
    # Lines nobody fixes keep their bytes: odd spacing, key order, a CRLF among LFs.
    odd = '{ "source-ref":"s3://bucket/train/z.jpg" , "anomaly-label":0,' \
          '"anomaly-label-metadata":{"class-name":"normal","human-annotated":"no",' \
          '"type":"groundtruth/image-classification"}}'
    wrong = json.dumps(obj("c.jpg", class_name="ANOMALY"))
    data = f"{odd}\r\n{wrong}\n{odd}\n".encode()
    assert fixed(tmp_path, data) == f"{odd}\r\n{json.dumps(obj('c.jpg'))}\n{odd}\n".encode()


@pytest.mark.parametrize("value", ["high", 95, True, -0.1, None])
def test_lfv109_confidence(tmp_path: Path, value: Any) -> None:
    a = obj("a.jpg", confidence=value if value is not None else "x")
    if value is None:
        a["anomaly-label-metadata"]["confidence"] = None
    assert codes(tmp_path, dumps(a, obj("b.jpg"))) == [("LFV109", 1)]


def test_lfv109_good_confidence(tmp_path: Path) -> None:
    data = dumps(obj("a.jpg", confidence=0.95), obj("b.jpg", confidence=0),
                 obj("c.jpg", confidence=None))
    assert codes(tmp_path, data) == []


@pytest.mark.parametrize("value", ["05/01/2024", "yesterday", 1714564800, "2024-02-30T10:00:00",
                                   ""])
def test_lfv110_creation_date(tmp_path: Path, value: Any) -> None:
    assert codes(tmp_path, dumps(obj("b.jpg"), obj("a.jpg", creation_date=value))) == [
        ("LFV110", 2)]


@pytest.mark.parametrize("value", [
    "2020-04-15T20:17:23.433061", "2020-11-10T03:37:09.600", "2022-02-04T22:47:07",
    "2022-08-22T20:52:51.851Z", "2020-05-15T08:01:16+0000",
    "Mon Aug 22 2022 13:52:52 GMT-0700 (Pacific Daylight Time)",
])
def test_lfv110_dates_aws_writes(tmp_path: Path, value: str) -> None:
    assert codes(tmp_path, dumps(obj("a.jpg", creation_date=value), obj("b.jpg"))) == []


def test_lfv111_two_classification_pairs(tmp_path: Path) -> None:
    a = obj("a.jpg")
    a["old-label"] = 1
    a["old-label-metadata"] = copy.deepcopy(a["anomaly-label-metadata"])
    assert codes(tmp_path, dumps(a, obj("b.jpg"))) == [("LFV111", 1)]


def test_lfv112_extension(tmp_path: Path) -> None:
    data = dumps(obj("a.tif"), obj("b.JPG"), obj("c.png"), obj("d"))
    assert codes(tmp_path, data) == [("LFV112", 1), ("LFV112", 4)]


# --- LFV2xx: segmentation ----------------------------------------------------------------

def test_segmentation_good(tmp_path: Path) -> None:
    assert codes(tmp_path, dumps(obj("n.jpg", "normal"), seg("a.jpg"))) == []


def test_lfv201_mask_pair(tmp_path: Path) -> None:
    no_meta = seg("a.jpg")
    del no_meta["anomaly-mask-ref-metadata"]
    no_ref = seg("b.jpg")
    del no_ref["anomaly-mask-ref"]
    not_ref = seg("c.jpg")
    not_ref["anomaly-mask"] = not_ref.pop("anomaly-mask-ref")
    not_ref["anomaly-mask-metadata"] = not_ref.pop("anomaly-mask-ref-metadata")
    found = diags(tmp_path, dumps(no_meta, no_ref, not_ref, seg("d.jpg")))
    assert [(d.code, d.line) for d in found] == [("LFV201", 1), ("LFV201", 2), ("LFV201", 3)]
    assert "must end in -ref" in found[2].message


def test_lfv202_mask_type(tmp_path: Path) -> None:
    data = dumps(seg("a.jpg", type="groundtruth/segmentation"), seg("b.jpg"))
    assert codes(tmp_path, data) == [("LFV202", 1)]


def test_lfv203_mask_ref(tmp_path: Path) -> None:
    relative = seg("a.jpg")
    relative["anomaly-mask-ref"] = "masks/a.png"
    number = seg("b.jpg")
    number["anomaly-mask-ref"] = 3
    assert codes(tmp_path, dumps(relative, number, seg("c.jpg"))) == [
        ("LFV203", 1), ("LFV203", 2)]


@pytest.mark.parametrize(("cmap", "text", "also"), [
    (None, "is missing", []),
    ([], "an array", []),
    ({"a": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0}},
     "'a' is not an integer string", [("LFV207", 1)]),  # and so no entry "0"
    ({"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
      "1": {"hex-color": "#2ca02c", "confidence": 0.0}}, "entry '1' has no class-name", []),
    ({"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
      "1": {"class-name": "scratch", "hex-color": "green", "confidence": 0.0}},
     "'green' is not #rrggbb", []),
])
def test_lfv204_color_map(tmp_path: Path, cmap: Any, text: str,
                          also: list[tuple[str, int]]) -> None:
    bad = seg("a.jpg")
    md = bad["anomaly-mask-ref-metadata"]
    if cmap is None:
        del md["internal-color-map"]
    else:
        md["internal-color-map"] = cmap
    found = diags(tmp_path, dumps(bad, seg("b.jpg")))
    assert [(d.code, d.line) for d in found] == [("LFV204", 1), *also]
    assert text in found[0].message


def test_lfv205_shared_color(tmp_path: Path) -> None:
    cmap = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
            "1": {"class-name": "scratch", "hex-color": "#2CA02C", "confidence": 0.0},
            "2": {"class-name": "dent", "hex-color": "#2ca02c", "confidence": 0.0}}
    found = diags(tmp_path, dumps(seg("a.jpg", cmap=cmap), seg("b.jpg")))
    assert [(d.code, d.line) for d in found] == [("LFV205", 1)]
    assert "'1' and '2'" in found[0].message


def _classes(n: int) -> dict[str, Any]:
    cmap: dict[str, Any] = {
        "0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0}}
    for i in range(1, n + 1):
        cmap[str(i)] = {"class-name": f"c{i}", "hex-color": f"#0000{i:02x}", "confidence": 0.0}
    return cmap


def test_lfv206_too_many_mask_classes(tmp_path: Path) -> None:
    assert codes(tmp_path, dumps(seg("a.jpg", cmap=_classes(21)))) == [("LFV206", 1)]
    assert codes(tmp_path, dumps(seg("a.jpg", cmap=_classes(20)))) == []


def test_lfv207_background_entry(tmp_path: Path) -> None:
    aws_sample = {"0": {"class-name": "cracked", "hex-color": "#23A436"}}
    wrong_white = {"0": {"class-name": "BACKGROUND", "hex-color": "#000000",
                         "confidence": 0.0}}
    found = diags(tmp_path, dumps(seg("a.jpg", cmap=aws_sample), seg("b.jpg", cmap=wrong_white),
                                  seg("c.jpg")))
    assert [(d.code, d.line, d.severity.value) for d in found] == [
        ("LFV207", 1, "warning"), ("LFV208", 1, "warning"), ("LFV207", 2, "warning")]


def test_lfv208_color_confidence(tmp_path: Path) -> None:
    cmap = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
            "1": {"class-name": "scratch", "hex-color": "#2ca02c", "confidence": "0"}}
    found = diags(tmp_path, dumps(seg("a.jpg", cmap=cmap), seg("b.jpg")))
    assert [(d.code, d.line, d.severity.value) for d in found] == [("LFV208", 1, "warning")]
    assert "entry 1 has" in found[0].message


def test_lfv209_mask_extension(tmp_path: Path) -> None:
    bad = seg("a.jpg")
    bad["anomaly-mask-ref"] = "s3://bucket/masks/a.jpg"
    assert codes(tmp_path, dumps(bad, seg("b.jpg"))) == [("LFV209", 1)]


def test_mask_metadata_fields_use_the_label_rules(tmp_path: Path) -> None:
    data = dumps(seg("a.jpg", human_annotated="maybe"), seg("b.jpg", confidence="x"),
                 seg("c.jpg", creation_date="soon"))
    assert codes(tmp_path, data) == [("LFV107", 1), ("LFV109", 2), ("LFV110", 3)]


# --- LFV3xx: file level ------------------------------------------------------------------

def test_lfv301_duplicate_names_the_first_line(tmp_path: Path) -> None:
    data = dumps(obj("a.jpg"), obj("b.jpg"), obj("a.jpg", "normal"), obj("a.jpg"))
    found = diags(tmp_path, data)
    assert [(d.code, d.line) for d in found] == [("LFV301", 3), ("LFV301", 4)]
    assert [d.message for d in found] == [
        "source-ref 's3://bucket/train/a.jpg' is already on line 1; every image must be "
        "listed once: delete one of the lines"] * 2
    assert not any(d.fixable for d in found)  # no CSV beside it: which line is right?


def test_lfv301_duplicate_in_slow_and_fast_paths(tmp_path: Path) -> None:
    slow = obj("a.jpg")
    slow["anomaly-label"] = "1"
    lines = [obj(f"{i}.jpg") for i in range(400)] + [slow, obj("7.jpg")]
    found = [(d.code, d.line) for d in diags(tmp_path, dumps(*lines))]
    assert found == [("LFV108", 401), ("LFV301", 402)]
    assert codes(tmp_path, dumps(*lines[:400])) == []


def test_lfv302_multiple_buckets(tmp_path: Path) -> None:
    mask_elsewhere = seg("d.jpg")
    mask_elsewhere["anomaly-mask-ref"] = "s3://masks-bucket/d.png"
    data = dumps(obj("a.jpg"), obj("b.jpg", bucket="other"), obj("c.jpg", bucket="other"),
                 mask_elsewhere)
    found = diags(tmp_path, data)
    assert [(d.code, d.line) for d in found] == [("LFV302", 2), ("LFV302", 4)]
    assert "(2 references from here on)" in found[0].message
    assert found[1].message.startswith("mask in bucket 'masks-bucket'")


def test_lfv303_too_many_images_by_name_and_role(tmp_path: Path) -> None:
    many = dumps(*(obj(f"{i}.jpg", "normal" if i % 2 else "anomaly") for i in range(4001)))
    assert codes(tmp_path, many, name="test.manifest") == [("LFV303", 4001)]
    assert codes(tmp_path, many, name="train.manifest") == []
    assert codes(tmp_path, many, name="data.manifest") == []
    cfg = tmp_path / "manifest-lint.toml"
    cfg.write_text('[lfv]\nrole = "test"\n')
    found = lint_diagnostics(write(tmp_path, many), kind="lfv", config=cfg, no_media=True)
    assert [(d.code, d.line) for d in found] == [("LFV303", 4001)]
    fewer = dumps(*(obj(f"{i}.jpg", "normal" if i % 2 else "anomaly") for i in range(4000)))
    assert codes(tmp_path, fewer, name="test.manifest") == []


def test_lfv304_manifest_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lfv_check, "MAX_MANIFEST_BYTES", len(GOOD) - 1)
    assert codes(tmp_path, GOOD) == [("LFV304", 1)]
    monkeypatch.setattr(lfv_check, "MAX_MANIFEST_BYTES", len(GOOD))
    assert codes(tmp_path, GOOD) == []


def _counts(normal: int, anomaly: int) -> str:
    return dumps(*[obj(f"n{i}.jpg", "normal") for i in range(normal)],
                 *[obj(f"a{i}.jpg", "anomaly") for i in range(anomaly)])


def test_lfv305_single_project_minimums(tmp_path: Path) -> None:
    found = diags(tmp_path, _counts(19, 9), name="train.manifest")
    assert [(d.code, d.line, d.severity.value) for d in found] == [("LFV305", 1, "warning")]
    assert "19 normal (needs 20) and 9 anomaly (needs 10)" in found[0].message
    assert codes(tmp_path, _counts(20, 10), name="train.manifest") == []


def test_lfv305_separate_project_from_twin_file(tmp_path: Path) -> None:
    (tmp_path / "test.manifest").write_text(_counts(10, 10))
    assert codes(tmp_path, _counts(10, 0), name="train.manifest") == []
    assert codes(tmp_path, _counts(9, 0), name="train.manifest") == [("LFV305", 1)]
    assert codes(tmp_path, _counts(10, 9), name="test.manifest") == [("LFV305", 1)]


def test_lfv305_project_option(tmp_path: Path) -> None:
    cfg = tmp_path / "manifest-lint.toml"
    cfg.write_text('[lfv]\nproject = "single"\n')
    p = write(tmp_path, _counts(5, 5), name="dataset.manifest")
    found = lint_diagnostics(p, kind="lfv", config=cfg, no_media=True)
    assert [(d.code, d.line) for d in found] == [("LFV305", 1)]
    cfg.write_text('[lfv]\nproject = "separate"\nrole = "train"\n')
    assert lint_diagnostics(write(tmp_path, _counts(10, 0), name="dataset.manifest"),
                            kind="lfv", config=cfg, no_media=True) == []
    cfg.unlink()
    assert codes(tmp_path, _counts(5, 5), name="dataset.manifest") == []  # no role, no rule


def test_unlabeled_images_do_not_count(tmp_path: Path) -> None:
    data = _counts(20, 9) + dumps(obj("x.jpg", class_name="defect"))
    assert codes(tmp_path, data, name="train.manifest") == [("LFV305", 1), ("LFV105", 30)]


# --- reading -----------------------------------------------------------------------------

def test_lone_cr_line_endings_count_as_lines(tmp_path: Path) -> None:
    data = json.dumps(obj("a.jpg")) + "\r\r" + json.dumps(obj("a.jpg"))
    assert codes(tmp_path, data) == [("LFV003", 2), ("LFV301", 3)]


def test_no_final_newline(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD.rstrip("\n")) == []


def test_many_blocks_keep_line_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    monkeypatch.setattr(lfv_reading, "BLOCK_BYTES", 1000)
    lines = [obj(f"{i}.jpg") for i in range(200)]
    bad = obj("x.jpg", class_name="defect")
    data = dumps(*lines[:150]) + "\n" + dumps(bad, *lines[150:], lines[3])
    assert codes(tmp_path, data) == [("LFV003", 151), ("LFV105", 152), ("LFV301", 203)]


def test_learned_label_names_take_the_fast_path(tmp_path: Path) -> None:
    def renamed(o: dict[str, Any]) -> dict[str, Any]:
        return {"source-ref": o["source-ref"], "auto-label": o["anomaly-label"],
                "auto-label-metadata": o["anomaly-label-metadata"]}
    lines = [renamed(obj(f"{i}.jpg")) for i in range(300)]
    lines.append(renamed(obj("1.jpg")))
    assert codes(tmp_path, dumps(*lines)) == [("LFV301", 301)]


# --- recognising the kind ----------------------------------------------------------------

def test_jsonl_with_source_ref_and_forced_kinds_are_linted_as_lfv(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    bad = dumps(obj("a.jpg", class_name="defect"))
    (tmp_path / "gt.jsonl").write_text(bad)
    (tmp_path / "cvat.jsonl").write_text('{"version":"1.1"}\n{"type":"images"}\n')
    (tmp_path / "labels.json").write_text(bad)
    r = run_cli("lint", "-f", "concise", "--no-media", tmp_path / "gt.jsonl",
                tmp_path / "labels.json", cwd=tmp_path)
    assert "gt.jsonl:1:" in r.stdout and "LFV105" in r.stdout
    assert "labels.json:1:" not in r.stdout  # not a kind we know by name
    (tmp_path / "manifest-lint.toml").write_text('kinds = { "*.json" = "lfv" }\n')
    r = run_cli("lint", "-f", "concise", "--no-media", tmp_path / "labels.json", cwd=tmp_path)
    assert "labels.json:1:" in r.stdout and "LFV105" in r.stdout


# --- properties --------------------------------------------------------------------------

def _variants() -> list[str]:
    string_label = obj("s.jpg")
    string_label["anomaly-label"] = "1"
    masked = seg("m.jpg", cmap={"0": {"class-name": "x", "hex-color": "#FFF"}})
    return [
        json.dumps(obj("a.jpg")), json.dumps(obj("a.jpg")), json.dumps(string_label),
        json.dumps(obj("c.jpg", class_name=" Normal")), json.dumps(obj("d.jpg", bucket="o")),
        json.dumps(obj("e.jpg"), separators=(",", ":")), json.dumps(obj("f.jpg"), indent=1),
        json.dumps(masked), json.dumps(obj("g.jpg"))[:-2], "", "   ", "[]",
        json.dumps(obj("h.jpg", class_name="defect", human_annotated=True)),
        json.dumps(obj("ü.jpg"), ensure_ascii=False), json.dumps(obj("é.jpg")),
    ]


def _source_refs(data: bytes) -> list[str]:
    """source-refs of the lines that parse on their own."""
    refs = []
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    for piece in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        try:
            o = json.loads(piece)
        except ValueError:
            continue
        if isinstance(o, dict) and isinstance(o.get("source-ref"), str):
            refs.append(o["source-ref"])
    return refs


def test_lint_and_fix_never_crash_or_lose_objects() -> None:
    import tempfile

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    variants = _variants()

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(variants), max_size=10),
           st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(), st.booleans(),
           st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(
               [0x22, 0x7B, 0x0A, 0x0D, 0xFF, 0x20, 0x5C])), max_size=2))
    def run(lines: list[str], ending: str, bom: bool, final: bool,
            flips: list[tuple[int, int]]) -> None:
        data = bytearray((ending.join(lines) + (ending if final else "")).encode())
        for i, b in flips:
            if data:
                data[i % len(data)] = b
        if bom:
            data[:0] = b"\xef\xbb\xbf"
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "train.manifest"
            p.write_bytes(bytes(data))
            cfg, s = load_config(None, p), Settings(no_media=True)
            sel = Selection(cfg, s)
            found = lint_diagnostics(p, kind="lfv", no_media=True)
            n = max(1, len(bytes(data).lstrip(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
                           .replace(b"\r", b"\n").split(b"\n")))
            assert all(x.code != "ML002" for x in found), found
            assert all(1 <= x.line <= n for x in found), (found, n)
            out = fix_target(Target(p, p.name, "lfv", True), cfg, s, sel, diff=False)
            assert not any(x.fixable for x in out.result.diagnostics), out.result.diagnostics
            after = p.read_bytes()
            again = fix_target(Target(p, p.name, "lfv", True), cfg, s, sel, diff=False)
            assert p.read_bytes() == after and again.result.fixed == 0
            if b"\xff" not in data:
                before_refs = _source_refs(bytes(data))
                after_refs = _source_refs(after)
                assert all(after_refs.count(r) >= before_refs.count(r) for r in before_refs)

    run()


def test_fast_and_slow_paths_agree_on_null_values(tmp_path: Path) -> None:
    lines = [obj(f"{i}.jpg") for i in range(300)]
    lines.append(obj("x.jpg", creation_date="2024-05-01T12:00:00.000000"))
    lines[-1]["anomaly-label-metadata"]["creation-date"] = None
    lines.append(obj("y.jpg"))
    lines[-1]["anomaly-label-metadata"]["confidence"] = None
    lines.append(obj("z.jpg", confidence=True))
    assert codes(tmp_path, dumps(*lines)) == [("LFV110", 301), ("LFV109", 302),
                                              ("LFV109", 303)]
