"""The dataset pass (DS rules) through the real CLI: a bad and a good case per rule, with
the exact (file, line, code) of every dataset diagnostic; `fix` leaves them alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lfv_media_factory import jpeg, png

from tests.conftest import FIXTURES, run_cli

CLS = "groundtruth/image-classification"
SEG = "groundtruth/semantic-segmentation"


def lint_json(folder: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    res = run_cli("lint", "--format", "json", "--no-cache", *args, cwd=folder)
    assert res.code in (0, 1), res.stderr
    return res.code, json.loads(res.stdout), res.stderr


def ds_found(folder: Path, *args: str) -> list[tuple[str, int, str]]:
    """(path, line, code) of every DS diagnostic of `lint` in ``folder``."""
    _code, report, _err = lint_json(folder, *args)
    return [(d["path"], d["line"], d["code"]) for d in report["diagnostics"]
            if d["code"].startswith("DS")]


def csv_rows(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{img},{cls}\n" for img, cls in rows), encoding="utf-8")
    return path


def bucket_rows(prefix: str, normal: int, anomaly: int) -> list[tuple[str, str]]:
    return ([(f"s3://bucket/{prefix}n{i}.jpg", "normal") for i in range(normal)]
            + [(f"s3://bucket/{prefix}a{i}.jpg", "anomaly") for i in range(anomaly)])


def obj(ref: str, cls: str = "normal", labels: tuple[str, ...] = ()) -> dict[str, Any]:
    o: dict[str, Any] = {
        "source-ref": ref,
        "anomaly-label": 1 if cls == "anomaly" else 0,
        "anomaly-label-metadata": {"class-name": cls, "human-annotated": "yes", "type": CLS},
    }
    if labels:
        cmap = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0}}
        for i, name in enumerate(labels, 1):
            cmap[str(i)] = {"class-name": name, "hex-color": f"#{i:06x}", "confidence": 0.0}
        o["anomaly-mask-ref"] = ref.replace(".jpg", "_mask.png")
        o["anomaly-mask-ref-metadata"] = {"internal-color-map": cmap, "human-annotated": "yes",
                                          "type": SEG}
    return o


def manifest(path: Path, objs: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(o) + "\n" for o in objs), encoding="utf-8")
    return path


def project(folder: Path, train: list[tuple[str, str]], test: list[tuple[str, str]]) -> None:
    csv_rows(folder / "train.csv", train)
    csv_rows(folder / "test.csv", test)


TRAIN = bucket_rows("train/", 12, 10)
TEST = bucket_rows("test/", 10, 10)


# --- which files form a dataset -----------------------------------------------------------

def test_ds101_leakage_between_csv_files(tmp_path: Path) -> None:
    project(tmp_path, TRAIN, [*TEST, TRAIN[3]])
    code, report, err = lint_json(tmp_path)
    found = [(d["path"], d["line"], d["code"]) for d in report["diagnostics"]]
    assert found == [("test.csv", 21, "DS101")]
    d = report["diagnostics"][0]
    assert "also in train.csv:4" in d["message"] and d["severity"] == "error"
    assert d["fixable"] is False and code == 1
    assert "dataset 'ds101_leakage_between_csv_0' (inferred from the names train.csv, " \
           "test.csv" in err.replace(tmp_path.name, "ds101_leakage_between_csv_0")
    assert "train 22 images (12 normal, 10 anomaly)" in err
    assert "test 21 images (11 normal, 10 anomaly)" in err
    # The note is in the JSON report too.
    notes = [n["message"] for n in report["notes"] if n["path"] == "train.csv"]
    assert any(m.startswith("dataset '") and "test 21 images" in m for m in notes)


def test_ds101_good_splits_do_not_share_images(tmp_path: Path) -> None:
    project(tmp_path, TRAIN, TEST)
    code, report, _err = lint_json(tmp_path)
    assert report["diagnostics"] == [] and code == 0


def test_ds101_manifests_and_a_csv_with_its_manifest_are_one_split(tmp_path: Path) -> None:
    train = [obj(f"s3://bucket/train/{i}.jpg") for i in range(12)]
    manifest(tmp_path / "train.manifest", train)
    csv_rows(tmp_path / "train.csv", [(o["source-ref"], "normal") for o in train])
    test = [obj(f"s3://bucket/test/{i}.jpg", "anomaly" if i % 2 else "normal")
            for i in range(20)]
    manifest(tmp_path / "test.manifest", [*test[:5], train[7], *test[5:]])
    found = ds_found(tmp_path, "--select", "DS")
    # The CSV beside train.manifest is the same split: no leak between them, and the leak
    # into test names the first training file that lists it.
    assert found == [("test.manifest", 6, "DS101")]
    _c, report, err = lint_json(tmp_path, "--select", "DS")
    assert "also in train.csv:8" in report["diagnostics"][0]["message"]
    assert "train 12 images (12 normal, 0 anomaly) in train.csv + train.manifest" in err


def test_ds101_train_and_test_folders(tmp_path: Path) -> None:
    csv_rows(tmp_path / "data" / "train" / "labels.csv", TRAIN)
    csv_rows(tmp_path / "data" / "test" / "labels.csv", [TRAIN[0], *TEST])
    assert ds_found(tmp_path) == [("data/test/labels.csv", 1, "DS101")]
    _c, _r, err = lint_json(tmp_path)
    assert "inferred from the folders train/ and test/ in data" in err


def test_ds101_configured_dataset(tmp_path: Path) -> None:
    csv_rows(tmp_path / "labels" / "fit.csv", TRAIN)
    csv_rows(tmp_path / "labels" / "holdout.csv", [*TEST, TRAIN[0]])
    # Names that say nothing: no dataset without config.
    assert ds_found(tmp_path) == []
    (tmp_path / "pyproject.toml").write_text(
        '[tool.manifest-lint.datasets.boards]\ntrain = ["labels/fit.csv"]\n'
        'test = ["labels/*out.csv"]\n')
    assert ds_found(tmp_path) == [("labels/holdout.csv", 21, "DS101")]
    _c, _r, err = lint_json(tmp_path)
    assert "dataset 'boards' (configured in pyproject.toml)" in err


def test_ds101_precommit_run_reads_the_other_split(tmp_path: Path) -> None:
    project(tmp_path, TRAIN, [*TEST, TRAIN[5]])
    # Only the training file changed: the leak still shows, on the test file's line.
    code, report, err = lint_json(tmp_path, "train.csv")
    assert [(d["path"], d["line"], d["code"]) for d in report["diagnostics"]] == [
        ("test.csv", 21, "DS101")]
    assert "also read (not among the files given): test.csv" in err and code == 1
    assert ds_found(tmp_path, "test.csv") == [("test.csv", 21, "DS101")]


@pytest.mark.parametrize("bad", [
    '[tool.manifest-lint.datasets.x]\ntrain = "a.csv"\n',
    '[tool.manifest-lint.datasets.x]\nvalidation = ["a.csv"]\n',
    '[tool.manifest-lint.datasets.x]\ntrain = ["a.csv"]\nfiles = ["m.jsonl"]\n',
    '[tool.manifest-lint]\ndatasets = 3\n',
])
def test_dataset_config_errors_name_the_key(tmp_path: Path, bad: str) -> None:
    (tmp_path / "pyproject.toml").write_text(bad)
    csv_rows(tmp_path / "a.csv", TRAIN)
    res = run_cli("lint", "a.csv", cwd=tmp_path)
    assert res.code == 2 and "datasets" in res.stderr and "Traceback" not in res.stderr


# --- CVAT groups ---------------------------------------------------------------------------

def cvat_manifest(path: Path, records: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ['{"version":"1.1"}', '{"type":"images"}']
    for name, checksum in records:
        lines.append(json.dumps({"name": name, "extension": ".jpg", "width": 64, "height": 64,
                                 "meta": {"related_images": []}, "checksum": checksum},
                                separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n")
    return path


SUMS = [f"{i:032x}" for i in range(1, 6)]


def test_ds102_same_file_in_two_manifests_of_a_group(tmp_path: Path) -> None:
    cvat_manifest(tmp_path / "data" / "manifest.jsonl", [("a", SUMS[0]), ("sub/b", SUMS[1])])
    cvat_manifest(tmp_path / "data" / "sub" / "manifest.jsonl", [("c", SUMS[2]), ("b", SUMS[1])])
    found = ds_found(tmp_path, "--no-media")
    assert found == [("data/sub/manifest.jsonl", 4, "DS102")]
    _c, report, err = lint_json(tmp_path, "--no-media")
    msg = next(d["message"] for d in report["diagnostics"] if d["code"] == "DS102")
    assert "also in data/manifest.jsonl:4" in msg
    assert "2 CVAT manifests, 4 image records, 3 distinct checksums" in err


def test_ds102_good_same_names_in_other_folders_are_other_files(tmp_path: Path) -> None:
    cvat_manifest(tmp_path / "t1" / "manifest.jsonl", [("a", SUMS[0])])
    cvat_manifest(tmp_path / "t2" / "manifest.jsonl", [("a", SUMS[1])])
    assert ds_found(tmp_path, "--no-media") == []


def test_ds201_cvat_checksums_within_and_across_manifests(tmp_path: Path) -> None:
    cvat_manifest(tmp_path / "t1" / "manifest.jsonl",
                  [("a", SUMS[0]), ("b", SUMS[1]), ("copy_of_a", SUMS[0])])
    cvat_manifest(tmp_path / "t2" / "manifest.jsonl", [("x", SUMS[2]), ("y", SUMS[1])])
    assert ds_found(tmp_path, "--no-media") == [("t1/manifest.jsonl", 5, "DS201"),
                                                ("t2/manifest.jsonl", 4, "DS201")]
    _c, report, _e = lint_json(tmp_path, "--no-media")
    msgs = [d["message"] for d in report["diagnostics"] if d["code"] == "DS201"]
    assert "also in t1/manifest.jsonl:3" in msgs[0] and "also in t1/manifest.jsonl:4" in msgs[1]
    assert all(d["severity"] == "warning" for d in report["diagnostics"]
               if d["code"] == "DS201")


def test_ds201_good_distinct_checksums(tmp_path: Path) -> None:
    cvat_manifest(tmp_path / "manifest.jsonl", [("a", SUMS[0]), ("b", SUMS[1])])
    assert ds_found(tmp_path, "--no-media") == []


# --- content and sizes, from media the media pass reached -----------------------------------

def media_project(folder: Path, train: list[str], test: list[str]) -> None:
    """Bare image names relative to the CSVs (the media pass reads them), 10/10 per split."""
    csv_rows(folder / "train.csv", [(n, "normal") for n in train])
    csv_rows(folder / "test.csv", [(n, "normal") for n in test])


def test_ds201_ds202_same_bytes_under_other_names(tmp_path: Path) -> None:
    for name, color in (("a.jpg", (1, 2, 3)), ("b.jpg", (50, 60, 70)), ("c.jpg", (90, 9, 9))):
        jpeg(tmp_path / name, color=color)
    (tmp_path / "a_copy.jpg").write_bytes((tmp_path / "a.jpg").read_bytes())
    (tmp_path / "b_copy.jpg").write_bytes((tmp_path / "b.jpg").read_bytes())
    media_project(tmp_path, ["a.jpg", "b.jpg", "a_copy.jpg"], ["c.jpg", "b_copy.jpg"])
    found = [f for f in ds_found(tmp_path) if f[2] != "DS304"]
    assert found == [("test.csv", 2, "DS202"), ("train.csv", 3, "DS201")]
    # Selected alone, they still have the media looked at.
    assert ds_found(tmp_path, "--select", "DS201,DS202") == [("test.csv", 2, "DS202"),
                                                             ("train.csv", 3, "DS201")]


def test_ds201_ds202_good_distinct_images(tmp_path: Path) -> None:
    for name, color in (("a.jpg", (1, 2, 3)), ("b.jpg", (50, 60, 70)), ("c.jpg", (90, 9, 9))):
        jpeg(tmp_path / name, color=color)
    media_project(tmp_path, ["a.jpg", "b.jpg"], ["c.jpg"])
    assert [f for f in ds_found(tmp_path) if f[2] != "DS304"] == []


def test_ds301_test_images_of_another_size(tmp_path: Path) -> None:
    for i in range(3):
        jpeg(tmp_path / f"tr{i}.jpg", size=(64, 64), color=(i, 0, 0))
    for i in range(2):
        png(tmp_path / f"te{i}.png", size=(80, 64), color=(0, i, 0))
    media_project(tmp_path, [f"tr{i}.jpg" for i in range(3)], ["te0.png", "te1.png"])
    _c, report, _e = lint_json(tmp_path)
    found = [(d["path"], d["line"], d["code"]) for d in report["diagnostics"]
             if d["code"] in ("DS301", "LFV405")]
    assert found == [("test.csv", 1, "DS301"), ("test.csv", 2, "DS301")]
    msg = next(d["message"] for d in report["diagnostics"] if d["code"] == "DS301")
    assert "80x64" in msg and "are 64x64" in msg and "3 of 5" in msg


def test_ds301_good_one_size(tmp_path: Path) -> None:
    for i in range(3):
        jpeg(tmp_path / f"i{i}.jpg", color=(i, 0, 0))
    media_project(tmp_path, ["i0.jpg", "i1.jpg"], ["i2.jpg"])
    assert [f for f in ds_found(tmp_path) if f[2] == "DS301"] == []


# --- Lookout for Vision project rules ------------------------------------------------------

def seg_split(prefix: str, labels: dict[str, int], normal: int = 10) -> list[dict[str, Any]]:
    out = [obj(f"s3://bucket/{prefix}n{i}.jpg") for i in range(normal)]
    for label, n in labels.items():
        out += [obj(f"s3://bucket/{prefix}{label}{i}.jpg", "anomaly", (label,))
                for i in range(n)]
    return out


def test_ds302_more_than_100_anomaly_labels(tmp_path: Path) -> None:
    manifest(tmp_path / "train.manifest", seg_split("tr/", {f"l{i}": 1 for i in range(60)}))
    manifest(tmp_path / "test.manifest", seg_split("te/", {f"l{i}": 1 for i in range(50, 101)}))
    # labels l0..l59 in train, l60..l100 first appear in test: l100 is the 101st.
    assert ds_found(tmp_path, "--select", "DS302") == [("test.manifest", 61, "DS302")]


def test_ds302_good_100_labels(tmp_path: Path) -> None:
    manifest(tmp_path / "train.manifest", seg_split("tr/", {f"l{i}": 1 for i in range(60)}))
    manifest(tmp_path / "test.manifest", seg_split("te/", {f"l{i}": 1 for i in range(40, 100)}))
    assert ds_found(tmp_path, "--select", "DS302") == []


def test_ds303_too_few_single_label_images_in_a_split(tmp_path: Path) -> None:
    train = seg_split("tr/", {"scratch": 10, "dent": 10})
    test = seg_split("te/", {"scratch": 4, "dent": 10})
    # An image with two anomaly types does not count for either.
    test.append(obj("s3://bucket/te/both.jpg", "anomaly", ("scratch", "dent")))
    manifest(tmp_path / "train.manifest", train)
    manifest(tmp_path / "test.manifest", test)
    assert ds_found(tmp_path, "--select", "DS303") == [("test.manifest", 11, "DS303")]
    _c, report, _e = lint_json(tmp_path, "--select", "DS303")
    assert "'scratch' is the only anomaly type of 4 images in the test split" in \
        report["diagnostics"][0]["message"]


def test_ds303_good_ten_in_each_split(tmp_path: Path) -> None:
    manifest(tmp_path / "train.manifest", seg_split("tr/", {"scratch": 10}))
    manifest(tmp_path / "test.manifest", seg_split("te/", {"scratch": 10}))
    assert ds_found(tmp_path, "--select", "DS303") == []


def test_ds304_too_few_test_images(tmp_path: Path) -> None:
    project(tmp_path, TRAIN, bucket_rows("test/", 9, 10))
    assert ds_found(tmp_path) == [("test.csv", 1, "DS304")]
    _c, report, _e = lint_json(tmp_path)
    assert report["diagnostics"][0]["message"].startswith("9 normal (needs 10) labeled")


def test_ds304_good_and_left_to_lfv305_for_a_test_manifest(tmp_path: Path) -> None:
    project(tmp_path, TRAIN, TEST)
    assert ds_found(tmp_path) == []
    other = tmp_path / "m"
    manifest(other / "train.manifest", [obj(f"s3://bucket/tr/{i}.jpg") for i in range(12)])
    manifest(other / "test.manifest", [obj(f"s3://bucket/te/{i}.jpg") for i in range(5)])
    _c, report, _e = lint_json(other)
    assert [(d["path"], d["code"]) for d in report["diagnostics"]] == [
        ("test.manifest", "LFV305")]


def test_ds305_localization_cap(tmp_path: Path) -> None:
    manifest(tmp_path / "train.manifest", seg_split("tr/", {"scratch": 10}))
    manifest(tmp_path / "test.manifest", seg_split("te/", {"scratch": 791}, normal=10))
    assert ds_found(tmp_path, "--select", "DS305") == [("test.manifest", 801, "DS305")]


def test_ds305_good_at_the_cap(tmp_path: Path) -> None:
    manifest(tmp_path / "train.manifest", seg_split("tr/", {"scratch": 10}))
    manifest(tmp_path / "test.manifest", seg_split("te/", {"scratch": 790}, normal=10))
    assert ds_found(tmp_path, "--select", "DS305") == []


# --- fix, the demo ---------------------------------------------------------------------------

def test_fix_leaves_dataset_problems_alone(tmp_path: Path) -> None:
    project(tmp_path, TRAIN, [*TEST, TRAIN[3]])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    res = run_cli("fix", "--format", "json", "--no-cache", cwd=tmp_path)
    assert res.code == 1
    report = json.loads(res.stdout)
    assert [(d["path"], d["line"], d["code"], d["fixable"]) for d in report["diagnostics"]] \
        == [("test.csv", 21, "DS101", False)]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_demo_shows_one_leakage_error() -> None:
    res = run_cli("lint", "--format", "json", "--no-cache", FIXTURES / "demo")
    report = json.loads(res.stdout)
    ds = [(Path(d["path"]).name, d["line"], d["code"]) for d in report["diagnostics"]
          if d["code"].startswith("DS")]
    assert ds == [("test.csv", 22, "DS101")]


# --- Ground Truth keys (LFV113, a per-line rule of the LfV kind) ---------------------------

def test_lfv113_hidden_characters_in_keys(tmp_path: Path) -> None:
    seg = obj("s3://bucket/img/2.jpg", "anomaly", ("scratch",))
    seg["anomaly-mask-ref"] = "s3://bucket/masks/0_2022-09-09T17\uf03a25\uf03a31.png"
    objs = [obj("s3://bucket/img/1\uf03a.jpg"), obj("s3://bucket/img/zero\u200bwidth.jpg"),
            seg, obj("s3://bucket/img/cafe\u0301.jpg"), obj("s3://bucket/img/caf\u00e9.jpg")]
    p = tmp_path / "labels.manifest"
    # Raw UTF-8 on most lines; JSON escapes on the last (Ground Truth may write either).
    text = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs[:4])
    escaped = json.dumps(obj("s3://bucket/img/3\uf03a.jpg"))
    assert "\\uf03a" in escaped
    p.write_text(text + escaped + "\n" + json.dumps(objs[4]) + "\n", encoding="utf-8")
    _c, report, _e = lint_json(tmp_path, "--select", "LFV113")
    found = [(d["line"], d["code"], d["severity"]) for d in report["diagnostics"]]
    assert found == [(1, "LFV113", "warning"), (2, "LFV113", "warning"),
                     (3, "LFV113", "warning"), (4, "LFV113", "warning"),
                     (5, "LFV113", "warning")]
    msgs = [d["message"] for d in report["diagnostics"]]
    assert "U+F03A" in msgs[0] and "U+200B ZERO WIDTH SPACE" in msgs[1]
    assert "mask anomaly-mask-ref" in msgs[2] and "U+F03A" in msgs[2]
    assert "NFC" in msgs[3]
    res = run_cli("fix", "--no-cache", "--select", "LFV113", p, cwd=tmp_path)
    assert res.code == 0 and p.read_text(encoding="utf-8").startswith(text)


def test_lfv113_good_plain_and_composed_keys(tmp_path: Path) -> None:
    manifest(tmp_path / "labels.manifest",
             [obj("s3://bucket/img/1.jpg"), obj("s3://bucket/img/caf\u00e9.jpg")])
    _c, report, _e = lint_json(tmp_path, "--select", "LFV113")
    assert report["diagnostics"] == []


def test_cvat_group_of_one_given_file_reports_only_what_involves_it(tmp_path: Path) -> None:
    cvat_manifest(tmp_path / "data" / "manifest.jsonl", [("a", SUMS[0])])
    cvat_manifest(tmp_path / "data" / "x" / "manifest.jsonl", [("b", SUMS[1]), ("c", SUMS[1])])
    cvat_manifest(tmp_path / "data" / "y" / "manifest.jsonl", [("d", SUMS[0])])
    # data/x's own duplicate is none of this run's business; data/y repeats the given file.
    assert ds_found(tmp_path, "--no-media", "data/manifest.jsonl") == [
        ("data/y/manifest.jsonl", 3, "DS201")]


def test_ds202_ds301_manifests_through_media_map(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text(
        '[lfv]\nmedia-map = { "s3://bucket/" = "media" }\n')
    media = tmp_path / "media"
    for i in range(3):
        jpeg(media / "tr" / f"{i}.jpg", color=(i * 40, 0, 0))
    png(media / "te" / "big.png", size=(96, 64))
    (media / "te" / "renamed.jpg").write_bytes((media / "tr" / "1.jpg").read_bytes())
    manifest(tmp_path / "data" / "train.manifest",
             [obj(f"s3://bucket/tr/{i}.jpg") for i in range(3)] + [obj("s3://bucket/tr/0.jpg")])
    manifest(tmp_path / "data" / "test.manifest",
             [obj("s3://bucket/te/big.png"), obj("s3://bucket/te/renamed.jpg")])
    found = [f for f in ds_found(tmp_path) if f[2] != "DS304"]
    assert found == [("data/test.manifest", 1, "DS301"), ("data/test.manifest", 2, "DS202")]
    _c, report, _e = lint_json(tmp_path)
    note = next(n["message"] for n in report["notes"] if n["message"].startswith("dataset"))
    # the repeated line of train.manifest (LFV301) is one image, counted once
    assert "train 3 images (3 normal, 0 anomaly)" in note


def test_ds102_names_resolve_under_the_cvat_media_root(tmp_path: Path) -> None:
    # Two task manifests in their own folders whose media live in one shared folder.
    cvat_manifest(tmp_path / "tasks" / "t1" / "manifest.jsonl", [("img_1", SUMS[0])])
    cvat_manifest(tmp_path / "tasks" / "t2" / "manifest.jsonl", [("img_1", SUMS[0])])
    assert ds_found(tmp_path, "--no-media") == [("tasks/t2/manifest.jsonl", 3, "DS201")]
    (tmp_path / "manifest-lint.toml").write_text('[cvat]\nmedia-root = "media"\n')
    assert ds_found(tmp_path, "--no-media") == [("tasks/t2/manifest.jsonl", 3, "DS102")]
