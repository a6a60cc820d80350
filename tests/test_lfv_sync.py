"""A manifest kept in sync with the CSV beside it: ``lint`` reports differences, ``fix``
regenerates only what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

A = {"SOURCE_DATE_EPOCH": "1700000000"}  # 2023-11-14T22:13:20
B = {"SOURCE_DATE_EPOCH": "1710000000"}  # 2024-03-09T16:00:00
B_DATE = "2024-03-09T16:00:00.000000"
ROWS = [f"s3://b-1/train/img{i}.jpg,{'anomaly' if i % 2 else 'normal'}" for i in range(1, 6)]


def setup(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """train.csv and the train.manifest `create lfv` makes from it."""
    csv = tmp_path / "train.csv"
    csv.write_text("\n".join(ROWS) + "\n")
    assert run_cli("create", "lfv", csv, env=A).code == 0
    manifest = tmp_path / "train.manifest"
    return csv, manifest, manifest.read_text().splitlines(keepends=True)


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
    csv.write_text("\n".join(rows) + "\n")


def test_in_sync_is_clean(tmp_path: Path) -> None:
    _, manifest, _ = setup(tmp_path)
    assert lint(manifest) == []


def test_lint_reports_each_difference_on_the_manifest_line(tmp_path: Path) -> None:
    csv, manifest, _ = setup(tmp_path)
    edit_csv(csv)
    found = lint(manifest)
    assert [(c, n) for c, n, _ in found] == [
        ("LFV503", 2), ("LFV502", 3), ("LFV501", 5), ("LFV501", 5)]
    assert f"is 'normal' here but 'anomaly' in {csv} line 2" in found[0][2]
    assert f"img3.jpg' is not in {csv}" in found[1][2]
    assert f"new1.jpg' (anomaly, {csv} line 4)" in found[2][2]
    assert f"new2.jpg' (normal, {csv} line 6)" in found[3][2]


def test_fix_regenerates_only_what_changed(tmp_path: Path) -> None:
    csv, manifest, before = setup(tmp_path)
    # an unchanged line with an extra key and its own date must survive byte for byte
    before[0] = before[0].replace('"type"', '"worker": "alice", "type"')
    manifest.write_text("".join(before))
    edit_csv(csv)
    r = run_cli("fix", "-f", "concise", manifest, env=B)
    assert r.code == 0, r.stdout + r.stderr
    after = manifest.read_text().splitlines(keepends=True)
    refs = [json.loads(ln)["source-ref"].rsplit("/", 1)[1] for ln in after]
    assert refs == ["img1.jpg", "img2.jpg", "img4.jpg", "new1.jpg", "img5.jpg", "new2.jpg"]
    assert after[0] == before[0]  # unchanged: byte for byte
    assert after[2] == before[3]
    assert after[4] == before[4]
    for i in (1, 3, 5):  # regenerated: today's date (SOURCE_DATE_EPOCH)
        assert json.loads(after[i])["anomaly-label-metadata"]["creation-date"] == B_DATE
    assert json.loads(after[1])["anomaly-label-metadata"]["class-name"] == "anomaly"
    assert json.loads(after[1])["anomaly-label"] == 1
    assert lint(manifest) == []
    # a second fix changes nothing
    again = run_cli("fix", "-f", "concise", manifest, env=B)
    assert again.code == 0
    assert "fixed" not in again.stderr
    assert manifest.read_text().splitlines(keepends=True) == after


def test_fix_diff_shows_only_real_changes(tmp_path: Path) -> None:
    csv, manifest, _ = setup(tmp_path)
    rows = list(ROWS)
    rows[3] = rows[3].replace("normal", "anomaly")
    csv.write_text("\n".join(rows) + "\n")
    r = run_cli("fix", "--diff", manifest, env=B)
    changed = [ln for ln in r.stdout.splitlines()
               if ln.startswith(("+", "-")) and not ln.startswith(("+++", "---"))]
    assert len(changed) == 2 and all("img4.jpg" in ln for ln in changed)


def test_duplicate_lines_are_dropped_when_the_csv_is_clean(tmp_path: Path) -> None:
    _, manifest, before = setup(tmp_path)
    manifest.write_text("".join([*before, before[1]]))
    found = lint(manifest)
    assert [(c, n) for c, n, _ in found] == [("LFV301", 6)]
    assert run_cli("fix", manifest).code == 0
    assert manifest.read_text() == "".join(before)


def test_a_csv_with_problems_blocks_the_fix(tmp_path: Path) -> None:
    csv, manifest, before = setup(tmp_path)
    csv.write_text("\n".join([*ROWS[:4], "s3://b-1/train/img9.jpg,defect"]) + "\n")
    found = lint(manifest)
    assert [(c, n) for c, n, _ in found] == [("LFV502", 5)]
    assert f"{csv} has 1 problem (line 5: CSV203 unknown-class): fix it first" in \
        found[0][2]
    run_cli("fix", manifest)
    assert manifest.read_text() == "".join(before)


def test_empty_manifest_is_filled_from_the_csv(tmp_path: Path) -> None:
    csv, manifest, before = setup(tmp_path)
    manifest.write_text("")
    found = lint(manifest)
    assert [(c, n) for c, n, _ in found] == [("LFV501", 1)] * 5
    assert run_cli("fix", manifest, env=A).code == 0
    assert manifest.read_text() == "".join(before)


def test_sync_can_be_turned_off_and_needs_a_twin(tmp_path: Path) -> None:
    csv, manifest, _ = setup(tmp_path)
    edit_csv(csv)
    (tmp_path / "manifest-lint.toml").write_text("[lfv]\nsync-csv = false\n")
    assert lint(manifest) == []
    (tmp_path / "manifest-lint.toml").unlink()
    other = tmp_path / "other.manifest"
    other.write_text(manifest.read_text())
    assert lint(other) == []


def test_an_unreadable_csv_is_not_compared(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from manifest_lint.config import load_config
    from manifest_lint.kinds.common import UNREADABLE
    from manifest_lint.kinds.lfv import csvsource
    from manifest_lint.kinds.lfv.sync import Sync

    _, manifest, _ = setup(tmp_path)
    cfg = load_config(None, manifest)
    assert Sync.load(manifest, "train.manifest", cfg) is not None
    monkeypatch.setattr(csvsource, "lint_file", lambda *a, **k: [
        UNREADABLE.diag("train.csv", 1, "cannot read file: Permission denied")])
    assert Sync.load(manifest, "train.manifest", cfg) is None
