"""The baseline: --write-baseline, --baseline, config `baseline`, record keys, and that
moving other rows never brings a baselined problem back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from manifest_lint.identity import BLANK_KEY, FILE_KEY, line_key, read_lines
from tests.conftest import run_cli
from tests.report_datasets import clean_dataset, demo_dataset

CSV = (
    "s3://bkt/a.jpg,normal\n"
    "s3://bkt/b.jpg,normal\n"
    "s3://bkt/a.jpg,normal\n"  # CSV301 (a)
    "s3://bkt/c.jpg,scratch\n"  # CSV203 (c)
    "\n"  # CSV103
    "s3://bkt/d.tif,normal\n"  # CSV207 (d)
)


def json_run(folder: Path, *args: str) -> dict:  # type: ignore[type-arg]
    r = run_cli("lint", "-f", "json", *args, cwd=folder)
    assert r.code in (0, 1), r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def reported(folder: Path, *args: str) -> list[tuple[str, int]]:
    return [(d["code"], d["line"]) for d in json_run(folder, *args)["diagnostics"]]


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    (tmp_path / "labels.csv").write_text(CSV)
    return tmp_path


def test_write_baseline_file_is_sorted_and_one_entry_per_line(labels: Path) -> None:
    r = run_cli("lint", "--write-baseline", "baseline.json", "-f", "concise", ".", cwd=labels)
    assert (r.code, r.stdout) == (0, "")
    assert "baseline baseline.json: wrote 4 problems" in r.stderr
    assert (labels / "baseline.json").read_bytes() == (
        b'{\n  "version": 1,\n  "entries": [\n'
        b'    {"path": "labels.csv", "code": "CSV103", "name": "blank-row", "key": "blank", '
        b'"count": 1},\n'
        b'    {"path": "labels.csv", "code": "CSV203", "name": "unknown-class", '
        b'"key": "image:s3://bkt/c.jpg", "count": 1},\n'
        b'    {"path": "labels.csv", "code": "CSV207", "name": "unsupported-extension", '
        b'"key": "image:s3://bkt/d.tif", "count": 1},\n'
        b'    {"path": "labels.csv", "code": "CSV301", "name": "duplicate-image", '
        b'"key": "image:s3://bkt/a.jpg", "count": 1}\n'
        b"  ]\n}\n"
    )
    first = (labels / "baseline.json").read_bytes()
    assert run_cli("lint", "--write-baseline", "baseline.json", ".", cwd=labels).code == 0
    assert (labels / "baseline.json").read_bytes() == first  # stable


def test_empty_baseline(tmp_path: Path) -> None:
    clean = clean_dataset(tmp_path / "clean")
    assert run_cli("lint", "--write-baseline", "b.json", ".", cwd=clean).code == 0
    assert (clean / "b.json").read_text() == '{\n  "version": 1,\n  "entries": []\n}\n'
    data = json_run(clean, "--baseline", "b.json", ".")
    assert data["summary"]["hidden_by_baseline"] == 0


def test_baseline_hides_recorded_problems_after_rows_move(labels: Path) -> None:
    run_cli("lint", "--write-baseline", "baseline.json", ".", cwd=labels)
    # Insert clean rows, reorder, delete an unrelated clean row.
    (labels / "labels.csv").write_text(
        "s3://bkt/new1.jpg,anomaly\n"
        "\n"
        "s3://bkt/d.tif,normal\n"
        "s3://bkt/a.jpg,normal\n"
        "s3://bkt/new2.jpg,normal\n"
        "s3://bkt/c.jpg,scratch\n"
        "s3://bkt/a.jpg,normal\n"
    )
    data = json_run(labels, "--baseline", "baseline.json", ".")
    assert data["diagnostics"] == []
    assert data["summary"] == {"files": 1, "errors": 0, "warnings": 0, "fixable": 0,
                               "hidden_by_baseline": 4, "stale_baseline_entries": 0}
    r = run_cli("lint", "--baseline", "baseline.json", ".", cwd=labels)
    assert r.code == 0


def test_a_new_duplicate_of_a_baselined_image_is_reported(labels: Path) -> None:
    run_cli("lint", "--write-baseline", "baseline.json", ".", cwd=labels)
    with open(labels / "labels.csv", "a") as f:
        f.write("s3://bkt/a.jpg,normal\ns3://bkt/c.jpg,scratch\n")
    assert reported(labels, "--baseline", "baseline.json", ".") == [
        ("CSV301", 7), ("CSV301", 8), ("CSV203", 8)]
    r = run_cli("lint", "--baseline", "baseline.json", "-f", "concise", ".", cwd=labels)
    assert r.code == 1
    assert r.stderr.endswith("baseline baseline.json: 4 known problems hidden\n")


def test_stale_entries_are_counted_and_named(labels: Path) -> None:
    run_cli("lint", "--write-baseline", "baseline.json", ".", cwd=labels)
    (labels / "labels.csv").write_text("s3://bkt/a.jpg,normal\ns3://bkt/c.jpg,scratch\n")
    data = json_run(labels, "--baseline", "baseline.json", ".")
    assert data["diagnostics"] == []
    assert data["summary"]["hidden_by_baseline"] == 1
    assert data["summary"]["stale_baseline_entries"] == 3
    r = run_cli("lint", "--baseline", "baseline.json", "--color", "never", ".", cwd=labels)
    assert ("baseline baseline.json: 1 known problem hidden; 3 recorded problems no longer "
            "occur (shrink the baseline with `manifest-lint lint --write-baseline "
            "baseline.json`)") in r.stdout.replace("\n", " ")
    assert "No new problems." in r.stdout


def test_entries_of_unchecked_files_and_unselected_rules_are_not_stale(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text(CSV)
    (tmp_path / "two.csv").write_text(CSV)
    run_cli("lint", "--write-baseline", "b.json", ".", cwd=tmp_path)
    data = json_run(tmp_path, "--baseline", "b.json", "one.csv")
    assert data["summary"]["stale_baseline_entries"] == 0
    assert data["summary"]["hidden_by_baseline"] == 4
    data = json_run(tmp_path, "--baseline", "b.json", "--select", "CSV3", ".")
    assert (data["summary"]["hidden_by_baseline"], data["summary"]["stale_baseline_entries"]) \
        == (2, 0)


def test_config_baseline_relative_to_the_config_file(labels: Path) -> None:
    (labels / "sub").mkdir()
    (labels / "manifest-lint.toml").write_text('baseline = "ci/baseline.json"\n')
    (labels / "ci").mkdir()
    assert run_cli("lint", "--write-baseline", "ci/baseline.json", ".", cwd=labels).code == 0
    assert run_cli("lint", labels, cwd=labels / "sub").code == 0
    assert reported(labels / "sub", "..") == []
    assert len(reported(labels / "sub", "--no-baseline", "..")) == 4
    r = run_cli("lint", "--baseline", "x.json", "--no-baseline", ".", cwd=labels)
    assert r.code == 2 and "--baseline and --no-baseline" in r.stderr


def test_paths_are_relative_to_the_baseline_file(labels: Path) -> None:
    run_cli("lint", "--write-baseline", "baseline.json", "labels.csv", cwd=labels)
    elsewhere = labels / "elsewhere"
    elsewhere.mkdir()
    data = json_run(elsewhere, "--baseline", "../baseline.json", "../labels.csv")
    assert (data["diagnostics"], data["summary"]["hidden_by_baseline"]) == ([], 4)


@pytest.mark.parametrize("content, why", [
    (None, "baseline file not found; create it with `manifest-lint lint --write-baseline"),
    ("{", "not a manifest-lint baseline (invalid JSON"),
    ("[]", 'not a manifest-lint baseline (expected an object with "version": 1)'),
    ('{"version": 1}', 'not a manifest-lint baseline (no "entries" list)'),
    ('{"version": 1, "entries": [{"path": "a", "code": "X", "key": "k", "count": 0}]}',
     "entry 1 needs string path, code and key and a positive integer count"),
])
def test_bad_baseline_is_a_usage_error(labels: Path, content: str | None, why: str) -> None:
    if content is not None:
        (labels / "b.json").write_text(content)
    for command in ("lint", "fix"):
        r = run_cli(command, "--baseline", "b.json", ".", cwd=labels)
        assert r.code == 2 and r.stdout == ""
        assert r.stderr.startswith("manifest-lint: error: b.json: ")
        assert why in r.stderr
    assert (labels / "labels.csv").read_text() == CSV  # fix wrote nothing


def test_fix_with_a_baseline_reports_only_new_remaining_problems(labels: Path) -> None:
    run_cli("lint", "--write-baseline", "baseline.json", ".", cwd=labels)
    with open(labels / "labels.csv", "a") as f:
        f.write("s3://bkt/e.jpg,dog\n")
    r = run_cli("fix", "--baseline", "baseline.json", "-f", "json", ".", cwd=labels)
    data = json.loads(r.stdout)
    assert r.code == 1
    assert [(d["code"], d["line"]) for d in data["diagnostics"]] == [("CSV203", 5)]
    # The blank row and the duplicate were fixed: their entries are stale now.
    assert (data["summary"]["hidden_by_baseline"], data["summary"]["stale_baseline_entries"]) \
        == (2, 2)


def test_all_kinds_of_the_demo_dataset(tmp_path: Path) -> None:
    demo = demo_dataset(tmp_path / "demo")
    before = reported(demo, ".")
    assert run_cli("lint", "--write-baseline", "b.json", ".", cwd=demo).code == 0
    entries = json.loads((demo / "b.json").read_text())["entries"]
    assert sum(e["count"] for e in entries) == len(before)
    keys = {(e["path"], e["code"]): e["key"] for e in entries}
    assert keys[("cvat/manifest.jsonl", "CVAT401")] == "name:sub/missing.jpg"
    assert keys[("labels.manifest", "LFV301")] == "source-ref:s3://lfv-demo/train/a1.jpg"
    assert keys[("train.csv", "CSV303")] == FILE_KEY
    assert keys[("train.csv", "CSV104")] == "image:image-location"
    assert reported(demo, "--baseline", "b.json", ".") == []
    # Reverse the records of the CVAT manifest (after its header): still nothing new.
    cvat = demo / "cvat" / "manifest.jsonl"
    lines = cvat.read_bytes().splitlines(keepends=True)
    cvat.write_bytes(b"".join(lines[:3] + lines[3:][::-1]))
    assert reported(demo, "--baseline", "b.json", ".") == []


# ------------------------------------------------------------------------ record keys


def test_line_keys_per_kind() -> None:
    assert line_key("csv", b'"s3://b/a,1.jpg",normal') == "image:s3://b/a,1.jpg"
    assert line_key("csv", b" s3://b/a.jpg ,normal") == "image:s3://b/a.jpg"
    assert line_key("csv", b"  \t") == BLANK_KEY
    assert line_key("csv", b",normal").startswith("text:")
    assert line_key("lfv", b'{"source-ref": "s3://b/x.png", "a": 1}') \
        == "source-ref:s3://b/x.png"
    assert line_key("lfv", b'{"source-ref": 3}').startswith("text:")
    assert line_key("cvat", b'{"name":"a/b","extension":".jpg","width":1}') \
        == "name:a/b.jpg"
    assert line_key("cvat", b'{"name":"a"}') == "name:a"
    assert line_key("cvat", b'{"number":12,"pts":3}') == "frame:12"
    assert line_key("cvat", b'{"number":true}').startswith("text:")
    assert line_key("cvat", b'{"version":"1.1"}') == line_key("cvat", b'{"version":"1.1"}')
    assert line_key("cvat", b"[" * 100_000).startswith("text:")  # too deep for a parser
    assert line_key("csv", None) == FILE_KEY


def test_read_lines_streams_only_what_it_needs(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_bytes(b"\xef\xbb\xbfone\r\ntwo\rthree\n\nfive")
    assert read_lines(p, {1, 3, 5, 9}) == {1: b"one", 3: b"three", 5: b"five"}
    assert read_lines(tmp_path / "missing.csv", {1}) == {}
    assert read_lines(p, set()) == {}


def test_file_scoped_codes_are_rules() -> None:
    from manifest_lint.identity import FILE_SCOPED
    from manifest_lint.rules import find_rule

    assert all(find_rule(code) is not None for code in FILE_SCOPED)


def test_write_baseline_failure_is_a_usage_error(labels: Path) -> None:
    r = run_cli("lint", "--write-baseline", "no/such/folder/b.json", ".", cwd=labels)
    assert r.code == 2
    assert r.stderr.startswith("manifest-lint: error: no/such/folder/b.json: cannot write "
                               "baseline: ")
