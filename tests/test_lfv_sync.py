"""A manifest kept in sync with the CSV beside it: ``lint`` reports differences, ``fix``
regenerates only what changed. Expected manifests are written out by hand (the line AWS's
csv_to_manifest.py writes, with integer labels), never taken from ``create lfv``; results are
compared as bytes, for every line-ending variant of the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import fix_file, lint_file_codes, run_cli, with_ending

A = {"SOURCE_DATE_EPOCH": "1700000000"}
A_DATE = "2023-11-14T22:13:20.000000"
B = {"SOURCE_DATE_EPOCH": "1710000000"}
B_DATE = "2024-03-09T16:00:00.000000"
LABELS = {1: "anomaly", 2: "normal", 3: "anomaly", 4: "normal", 5: "anomaly"}
ROWS = [f"s3://b-1/train/img{i}.jpg,{cls}" for i, cls in LABELS.items()]


def line(image: str, cls: str, date: str = A_DATE) -> str:
    """One manifest line, spelled out (no newline)."""
    label = 1 if cls == "anomaly" else 0
    return ('{"source-ref": "s3://b-1/train/' + image + '", "anomaly-label": ' + str(label)
            + ', "anomaly-label-metadata": {"confidence": 1, "job-name": '
            '"labeling-job/anomaly-classification", "class-name": "' + cls + '", '
            '"human-annotated": "yes", "creation-date": "' + date + '", '
            '"type": "groundtruth/image-classification"}}')


IN_SYNC = [line(f"img{i}.jpg", cls) for i, cls in LABELS.items()]


def text(lines: list[str]) -> str:
    return "".join(ln + "\n" for ln in lines)


def setup(tmp_path: Path, manifest_lines: list[str] = IN_SYNC,
          ending: tuple[str, bool] = ("\n", True)) -> tuple[Path, Path]:
    """train.csv and the train.manifest in sync with it (written by hand)."""
    csv = tmp_path / "train.csv"
    csv.write_bytes(("\n".join(ROWS) + "\n").encode())
    manifest = tmp_path / "train.manifest"
    manifest.write_bytes(with_ending(text(manifest_lines), *ending))
    return csv, manifest


def lint(path: Path, *args: str) -> list[tuple[str, int, str]]:
    r = run_cli("lint", "-f", "json", "--select", "LFV5,LFV301", *args, path)
    return [(d["code"], d["line"], d["message"]) for d in json.loads(r.stdout)["diagnostics"]]


def edit_csv(csv: Path) -> None:
    """img2 relabelled, img3 removed, new1 after img4, new2 at the end."""
    rows = list(ROWS)
    rows[1] = "s3://b-1/train/img2.jpg,anomaly"
    del rows[2]
    rows.insert(3, "s3://b-1/train/new1.jpg,anomaly")
    rows.append("s3://b-1/train/new2.jpg,normal")
    csv.write_bytes(("\n".join(rows) + "\n").encode())


def test_create_lfv_writes_the_hand_written_lines(tmp_path: Path) -> None:
    csv, manifest = setup(tmp_path)
    manifest.unlink()
    assert run_cli("create", "lfv", csv, env=A).code == 0
    assert manifest.read_bytes() == text(IN_SYNC).encode()


def test_in_sync_is_clean(tmp_path: Path) -> None:
    _, manifest = setup(tmp_path)
    assert lint(manifest) == []


def test_in_sync_is_clean_with_every_line_ending(tmp_path: Path,
                                                 ending: tuple[str, bool]) -> None:
    _, manifest = setup(tmp_path, ending=ending)
    assert lint_file_codes(manifest, kind="lfv", no_media=True, select=["LFV5", "LFV301"]) == []


def test_lint_reports_each_difference_on_the_manifest_line(tmp_path: Path) -> None:
    csv, manifest = setup(tmp_path)
    edit_csv(csv)
    found = lint(manifest)
    assert [(c, n) for c, n, _ in found] == [
        ("LFV503", 2), ("LFV502", 3), ("LFV501", 5), ("LFV501", 5)]
    assert [m for _, _, m in found] == [
        f"image 's3://b-1/train/img2.jpg' is 'normal' here but 'anomaly' in {csv} line 2; "
        "the CSV is the source: regenerate the line",
        f"image 's3://b-1/train/img3.jpg' is not in {csv}: delete this line or add the image "
        "to the CSV",
        f"image 's3://b-1/train/new1.jpg' (anomaly, {csv} line 4) is not in the manifest; "
        "regenerate it from the CSV",
        f"image 's3://b-1/train/new2.jpg' (normal, {csv} line 6) is not in the manifest; "
        "regenerate it from the CSV",
    ]


# The edited CSV's manifest: kept lines as they were, regenerated ones with date B.
def _after_edit(first: str) -> list[str]:
    return [first, line("img2.jpg", "anomaly", B_DATE), IN_SYNC[3],
            line("new1.jpg", "anomaly", B_DATE), IN_SYNC[4], line("new2.jpg", "normal", B_DATE)]


# an unchanged line with an extra key and its own spacing must survive byte for byte
FIRST = IN_SYNC[0].replace('"anomaly-label":', '"worker":"alice",  "anomaly-label":')


def test_fix_regenerates_only_what_changed(tmp_path: Path) -> None:
    csv, manifest = setup(tmp_path, [FIRST, *IN_SYNC[1:]])
    edit_csv(csv)
    r = run_cli("fix", "-f", "concise", manifest, env=B)
    assert r.code == 0, r.stdout + r.stderr
    assert "fixed 4 problems" in r.stderr
    assert manifest.read_bytes() == text(_after_edit(FIRST)).encode()
    assert lint(manifest) == []
    again = run_cli("fix", "-f", "concise", manifest, env=B)
    assert again.code == 0
    assert "fixed" not in again.stderr
    assert manifest.read_bytes() == text(_after_edit(FIRST)).encode()


def test_sync_fix_keeps_the_line_ends(tmp_path: Path, ending: tuple[str, bool],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", B["SOURCE_DATE_EPOCH"])
    csv, manifest = setup(tmp_path, [FIRST, *IN_SYNC[1:]], ending)
    edit_csv(csv)
    assert fix_file(manifest, "lfv", no_media=True).fixed == 4
    assert manifest.read_bytes() == with_ending(text(_after_edit(FIRST)), *ending)
    assert fix_file(manifest, "lfv", no_media=True).fixed == 0


def test_fix_diff_shows_only_real_changes(tmp_path: Path) -> None:
    csv, manifest = setup(tmp_path)
    rows = list(ROWS)
    rows[3] = rows[3].replace("normal", "anomaly")
    csv.write_bytes(("\n".join(rows) + "\n").encode())
    r = run_cli("fix", "--diff", manifest, env=B)
    changed = [ln for ln in r.stdout.splitlines()
               if ln.startswith(("+", "-")) and not ln.startswith(("+++", "---"))]
    assert changed == ["-" + IN_SYNC[3], "+" + line("img4.jpg", "anomaly", B_DATE)]
    assert manifest.read_bytes() == text(IN_SYNC).encode()


def test_duplicate_lines_are_dropped_when_the_csv_is_clean(tmp_path: Path) -> None:
    _, manifest = setup(tmp_path, [*IN_SYNC[:2], IN_SYNC[1], *IN_SYNC[2:]])
    found = lint(manifest)
    assert [(c, n) for c, n, _ in found] == [("LFV301", 3)]
    assert run_cli("fix", manifest).code == 0
    assert manifest.read_bytes() == text(IN_SYNC).encode()


def test_duplicate_lines_are_dropped_with_every_line_ending(
        tmp_path: Path, ending: tuple[str, bool]) -> None:
    # the repeat is the last line: without a final newline the file still has none after
    _, manifest = setup(tmp_path, [*IN_SYNC, IN_SYNC[1]], ending)
    assert fix_file(manifest, "lfv", no_media=True).fixed == 1
    assert manifest.read_bytes() == with_ending(text(IN_SYNC), *ending)


def test_a_csv_with_problems_blocks_the_fix(tmp_path: Path) -> None:
    csv, manifest = setup(tmp_path)
    csv.write_bytes(("\n".join([*ROWS[:4], "s3://b-1/train/img9.jpg,defect"]) + "\n").encode())
    found = lint(manifest)
    assert [(c, n) for c, n, _ in found] == [("LFV502", 5)]
    assert found[0][2].endswith(
        f"; {csv} has 1 problem (line 5: CSV203 unknown-class): fix it first, then "
        "`manifest-lint fix` updates this manifest")
    run_cli("fix", manifest)
    assert manifest.read_bytes() == text(IN_SYNC).encode()


@pytest.mark.parametrize("content", [b"", b"\n", b"\r\n"], ids=["empty", "lf", "crlf"])
def test_empty_manifest_is_filled_from_the_csv(tmp_path: Path, content: bytes) -> None:
    _, manifest = setup(tmp_path)
    manifest.write_bytes(content)
    found = lint(manifest)
    assert [(c, n) for c, n, _ in found] == [("LFV501", 1)] * 5
    assert run_cli("fix", manifest, env=A).code == 0
    newline = "\r\n" if content == b"\r\n" else "\n"
    assert manifest.read_bytes() == with_ending(text(IN_SYNC), newline, True)


def test_sync_can_be_turned_off_and_needs_a_twin(tmp_path: Path) -> None:
    csv, manifest = setup(tmp_path)
    edit_csv(csv)
    (tmp_path / "manifest-lint.toml").write_text("[lfv]\nsync-csv = false\n")
    assert lint(manifest) == []
    (tmp_path / "manifest-lint.toml").unlink()
    other = tmp_path / "other.manifest"
    other.write_bytes(manifest.read_bytes())
    assert lint(other) == []


def test_an_unreadable_csv_is_not_compared(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from manifest_lint.config import load_config
    from manifest_lint.kinds.common import UNREADABLE
    from manifest_lint.kinds.lfv import csvsource
    from manifest_lint.kinds.lfv.sync import Sync

    _, manifest = setup(tmp_path)
    cfg = load_config(None, manifest)
    assert Sync.load(manifest, "train.manifest", cfg) is not None
    monkeypatch.setattr(csvsource, "lint_file", lambda *a, **k: [
        UNREADABLE.diag("train.csv", 1, "cannot read file: Permission denied")])
    assert Sync.load(manifest, "train.manifest", cfg) is None
