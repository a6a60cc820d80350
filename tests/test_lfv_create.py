"""``create lfv`` (CSV -> manifest) through the real CLI, and the golden files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from manifest_lint.config import load_config
from manifest_lint.kinds.lfv.create import CreateError, create_manifest_from_csv
from tests.conftest import FIXTURES, run_cli

GOLDEN = FIXTURES / "lfv" / "golden"
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}
EPOCH_DATE = "2023-11-14T22:13:20.000000"


def manifest_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines()]


def test_golden_manifest_lints_without_errors() -> None:
    r = run_cli("lint", "-f", "json", GOLDEN)
    assert r.code == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["summary"]["errors"] == 0
    codes = {(d["code"], d["severity"]) for d in out["diagnostics"]}
    # the script writes "1"/"0" strings, and four images are too few to train
    assert codes == {("LFV108", "warning"), ("LFV305", "warning")}


def test_create_matches_the_aws_script_except_its_bugs(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    shutil.copy(GOLDEN / "train.csv", csv)
    r = run_cli("create", "lfv", csv, env=EPOCH)
    assert r.code == 0, r.stderr
    assert r.stdout.strip() == f"wrote {tmp_path / 'train.manifest'}: 4 images (2 normal, " \
                               "2 anomaly)"
    ours = manifest_lines(tmp_path / "train.manifest")
    theirs = manifest_lines(GOLDEN / "train.manifest")
    for o, t in zip(ours, theirs, strict=True):
        assert list(o) == list(t)  # same keys, same order
        assert list(o["anomaly-label-metadata"]) == list(t["anomaly-label-metadata"])
        assert o["anomaly-label"] == int(t["anomaly-label"])
        t["anomaly-label"] = o["anomaly-label"]
        t["anomaly-label-metadata"]["creation-date"] = EPOCH_DATE
        assert o == t
    # json.dumps default separators, like the script
    first = (tmp_path / "train.manifest").read_text().splitlines()[0]
    assert first.startswith('{"source-ref": "s3://example-bucket/circuitboard/train/anomaly/'
                            'train-anomaly_1.jpg", "anomaly-label": 1, "anomaly-label-metadata'
                            '": {"confidence": 1, ')
    lint = run_cli("lint", "-f", "json", tmp_path / "train.manifest")
    assert {d["code"] for d in json.loads(lint.stdout)["diagnostics"]} == {"LFV305"}


def test_duplicate_after_blank_line_has_the_physical_line(tmp_path: Path) -> None:
    csv = tmp_path / "labels.csv"
    csv.write_text("s3://b-1/a.jpg,normal\n\ns3://b-1/b.jpg,anomaly\ns3://b-1/a.jpg,normal\n")
    r = run_cli("create", "lfv", csv, env=EPOCH)
    assert r.code == 1
    assert (tmp_path / "labels_errors.csv").read_bytes() == b"4,s3://b-1/a.jpg,normal,DUPLICATE\n"
    assert (tmp_path / "labels_deduplicated.csv").read_bytes() == (
        b"s3://b-1/a.jpg,normal\ns3://b-1/b.jpg,anomaly\n")
    assert not (tmp_path / "labels.manifest").exists()
    assert f"{csv}:4: DUPLICATE:" in r.stderr
    assert "no manifest written" in r.stderr


def test_errors_file_codes_and_deduplicated_rows(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text(
        "image,label\n"                        # 1 header
        "s3://b-1/a.jpg,defect\n"              # 2 invalid class
        "s3: //b-1/c.jpg,normal\n"             # 3 bad URI
        "s3://b-1/d.jpg\n"                     # 4 too few fields
        "s3://b-1/e.jpg,Anomaly\n"             # 5 warning only: kept
        "s3://b-1/f.jpg,normal\n"              # 6 ok
        "s3://b-1/f.jpg,anomaly\n"             # 7 conflicting duplicate
    )
    r = run_cli("create", "lfv", csv)
    assert r.code == 1
    assert (tmp_path / "t_errors.csv").read_bytes() == (
        b"1,image,label,HEADER_ROW\n"
        b"2,s3://b-1/a.jpg,defect,INVALID_CLASSIFICATION\n"
        b"3,s3: //b-1/c.jpg,normal,INVALID_S3_URI\n"
        b"4,s3://b-1/d.jpg,,TOO_FEW_FIELDS\n"
        b"7,s3://b-1/f.jpg,anomaly,DUPLICATE\n"
    )
    assert (tmp_path / "t_deduplicated.csv").read_bytes() == (
        b"s3://b-1/e.jpg,Anomaly\ns3://b-1/f.jpg,normal\n")


@pytest.mark.parametrize("option", ["--s3-path", "--s3_path"])
@pytest.mark.parametrize("prefix", ["s3://b-1/train", "s3://b-1/train/"])
def test_prefix_joined_once_and_never_doubled(tmp_path: Path, option: str, prefix: str
                                              ) -> None:
    csv = tmp_path / "train.csv"
    csv.write_text("a.jpg,normal\n/b.jpg,Anomaly\ns3://b-1/other/c.jpg,normal\n")
    r = run_cli("create", "lfv", csv, option, prefix, env=EPOCH)
    assert r.code == 0, r.stderr
    assert "CSV204" in r.stderr  # the class-case warning is shown
    lines = manifest_lines(tmp_path / "train.manifest")
    assert [ln["source-ref"] for ln in lines] == [
        "s3://b-1/train/a.jpg", "s3://b-1/train/b.jpg", "s3://b-1/other/c.jpg"]
    assert [ln["anomaly-label-metadata"]["class-name"] for ln in lines] == [
        "normal", "anomaly", "normal"]
    assert [ln["anomaly-label"] for ln in lines] == [0, 1, 0]


def test_prefix_from_config(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text('[csv]\ns3-path = "s3://cfg-bucket/x/"\n')
    csv = tmp_path / "train.csv"
    csv.write_text("a.jpg,normal\n")
    assert run_cli("create", "lfv", csv, cwd=tmp_path).code == 0
    assert manifest_lines(tmp_path / "train.manifest")[0]["source-ref"] == \
        "s3://cfg-bucket/x/a.jpg"
    r = run_cli("create", "lfv", csv, "--s3-path", "s3://cli-bucket", cwd=tmp_path)
    assert r.code == 0
    assert manifest_lines(tmp_path / "train.manifest")[0]["source-ref"] == \
        "s3://cli-bucket/a.jpg"


def test_source_date_epoch_makes_output_deterministic(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    shutil.copy(GOLDEN / "train.csv", csv)
    out = tmp_path / "train.manifest"
    run_cli("create", "lfv", csv, env=EPOCH)
    first = out.read_bytes()
    run_cli("create", "lfv", csv, env=EPOCH)
    assert out.read_bytes() == first
    dates = {ln["anomaly-label-metadata"]["creation-date"]
             for ln in manifest_lines(out)}
    assert dates == {EPOCH_DATE}
    run_cli("create", "lfv", csv)
    now = {ln["anomaly-label-metadata"]["creation-date"]
           for ln in manifest_lines(out)}
    assert len(now) == 1 and now != dates  # one date per run


def test_output_option_and_stale_errors_files(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    csv.write_text("s3://b-1/a.jpg,normal\ns3://b-1/a.jpg,normal\n")
    assert run_cli("create", "lfv", csv).code == 1
    assert (tmp_path / "train_errors.csv").exists()
    csv.write_text("s3://b-1/a.jpg,normal\n")
    target = tmp_path / "out" / "x.manifest"
    target.parent.mkdir()
    r = run_cli("create", "lfv", csv, "-o", target)
    assert r.code == 0
    assert target.exists() and not (tmp_path / "train.manifest").exists()
    assert not (tmp_path / "train_errors.csv").exists()
    assert not (tmp_path / "train_deduplicated.csv").exists()
    assert "removed" in r.stderr


@pytest.mark.parametrize(("args", "env", "message"), [
    (["missing.csv"], {}, "missing.csv: no such file"),
    (["train.csv", "--s3-path", "bucket/x"], {}, "is not an S3 prefix"),
    (["train.csv", "--s3-path", "s3://"], {}, "is not an S3 prefix"),
    (["train.csv"], {"SOURCE_DATE_EPOCH": "yesterday"}, "SOURCE_DATE_EPOCH='yesterday'"),
    (["train.csv", "-o", "train.csv"], {}, "is the CSV itself"),
    (["train.csv", "-o", "train.csv/x.manifest"], {}, "cannot write train.csv/x.manifest:"),
    (["train.csv", "--config", "nope.toml"], {}, "config file not found"),
])
def test_usage_errors_exit_2_and_write_nothing(tmp_path: Path, args: list[str],
                                               env: dict[str, str], message: str) -> None:
    (tmp_path / "train.csv").write_text("s3://b-1/a.jpg,normal\n")
    r = run_cli("create", "lfv", *args, cwd=tmp_path, env=env)
    assert r.code == 2, r.stderr
    assert message in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.csv"]


def test_library_call(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    csv.write_text("s3://b-1/a.jpg,anomaly\ns3://b-1/b.jpg,normal\n")
    result = create_manifest_from_csv(csv, config=load_config(None, csv), env=EPOCH)
    assert (result.images, result.normal, result.anomaly) == (2, 1, 1)
    assert result.manifest == tmp_path / "train.manifest"
    with pytest.raises(CreateError):
        create_manifest_from_csv(tmp_path / "nope.csv", config=load_config(None, csv))


def test_unreadable_csv_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "train.csv").mkdir()  # a folder where the CSV should be
    r = run_cli("create", "lfv", tmp_path / "train.csv")
    assert r.code == 2
    assert "no such file" in r.stderr
