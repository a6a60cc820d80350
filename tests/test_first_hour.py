"""What a new user hits in the first hour (issue 12), through the real CLI: config errors,
`create lfv --s3-path` output that lints clean, sibling sync, which CSV files are label
files, `kinds` globs, `fix --diff -o/--format json`, special files, `create cvat` output,
config values, long values, one CSV206 per file, notes in machine formats, `create lfv -o`
folders, excluded files, the README and wording."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from manifest_lint import __version__
from tests.conftest import FIXTURES, ROOT, run_cli

EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}
LABELS = "s3://bucket/a.jpg,normal\ns3://bucket/b.jpg,anomaly\n"


def lint_json(*args: str | os.PathLike[str], cwd: Path | None = None,
              env: dict[str, str] | None = None) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    r = run_cli("lint", "-f", "json", *args, cwd=cwd, env=env)
    assert "Traceback" not in r.stderr, r.stderr
    return r.code, json.loads(r.stdout), r.stderr


def found(data: dict) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return [(d["path"], d["code"], d["line"]) for d in data["diagnostics"]]


# --- 1: a broken or misspelt config is an error, never skipped -----------------------------

def test_broken_pyproject_is_exit_2_naming_the_file_and_the_toml_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.manifest-lint]\nstrict = true\n')
    sub = tmp_path / "data"
    sub.mkdir()
    broken = sub / "pyproject.toml"
    broken.write_text('[tool.manifest-lint]\nignore = ["CSV207"\n')
    (sub / "x.csv").write_text(LABELS)
    r = run_cli("lint", sub / "x.csv")
    assert r.code == 2, r.stdout
    assert f"{broken.resolve()}: invalid TOML: " in r.stderr
    assert "Unclosed array" in r.stderr and "Traceback" not in r.stderr


def test_underscore_tool_table_is_pointed_out(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.manifest_lint]\nignore = ["CSV207"]\n')
    (tmp_path / "x.csv").write_text(LABELS)
    r = run_cli("lint", tmp_path / "x.csv")
    assert r.code == 2
    assert "[tool.manifest_lint] is not read: the table is spelt [tool.manifest-lint]" \
        in r.stderr
    r = run_cli("lint", "--config", tmp_path / "pyproject.toml", tmp_path / "x.csv")
    assert r.code == 2 and "[tool.manifest-lint]" in r.stderr


# --- 2: create lfv --s3-path output lints clean; one CSV206 policy -------------------------

def test_create_lfv_with_s3_path_lints_clean_with_its_csv(tmp_path: Path) -> None:
    csv = tmp_path / "ok.csv"
    csv.write_text("a.jpg,normal\nb.jpg,anomaly\nsub/c.jpg,normal\n")
    r = run_cli("create", "lfv", "ok.csv", "--s3-path", "s3://bkt/pre", cwd=tmp_path,
                env=EPOCH)
    assert r.code == 0, r.stderr
    code, data, stderr = lint_json("ok.csv", "ok.manifest", cwd=tmp_path)
    assert (code, data["diagnostics"]) == (0, [])
    notes = [n["message"] for n in data["notes"] if n["path"] == "ok.csv"]
    assert notes[0].startswith("bare image names are taken to be under s3://bkt/pre/, the "
                               "prefix ok.manifest was made with")
    assert "MISSING_S3_PREFIX" not in stderr + json.dumps(data)


def test_sync_applies_the_prefix_the_manifest_was_made_with(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    csv.write_text("a.jpg,normal\nb.jpg,anomaly\n")
    assert run_cli("create", "lfv", csv, "--s3-path", "s3://bkt/pre/", env=EPOCH).code == 0
    csv.write_text("a.jpg,anomaly\nb.jpg,anomaly\nc.jpg,normal\n")
    code, data, _ = lint_json(tmp_path / "train.manifest", "--select", "LFV5")
    assert [(c, n) for _, c, n in found(data)] == [("LFV503", 1), ("LFV501", 2)]
    assert "'s3://bkt/pre/c.jpg'" in data["diagnostics"][1]["message"]
    assert run_cli("fix", tmp_path / "train.manifest", env=EPOCH).code == 0
    refs = [json.loads(ln)["source-ref"] for ln in
            (tmp_path / "train.manifest").read_text().splitlines()]
    assert refs == ["s3://bkt/pre/a.jpg", "s3://bkt/pre/b.jpg", "s3://bkt/pre/c.jpg"]
    assert lint_json(tmp_path)[0] == 0
    # create lfv again without --s3-path: the same prefix, and it says so
    r = run_cli("create", "lfv", csv, env=EPOCH)
    assert r.code == 0, r.stderr
    assert "placed bare image names under s3://bkt/pre/" in r.stderr
    assert [json.loads(ln)["source-ref"] for ln in
            (tmp_path / "train.manifest").read_text().splitlines()] == refs


def test_bare_names_without_any_prefix_one_policy(tmp_path: Path) -> None:
    csv = tmp_path / "ok.csv"
    csv.write_text("a.jpg,normal\nb.jpg,anomaly\n")
    # lint: the rows are fine, the prefix is missing: one warning, exit 0
    code, data, _ = lint_json(csv)
    assert (code, [(c, n) for _, c, n in found(data)]) == (0, [("CSV206", 1)])
    # create lfv: the same finding stops it before anything is written (usage, exit 2)
    r = run_cli("create", "lfv", csv)
    assert r.code == 2
    assert "CSV206 missing-s3-prefix" in r.stderr and "--s3-path" in r.stderr
    assert "MISSING_S3_PREFIX" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.csv"]
    # a manifest made from other names tells nothing: sync says why it cannot compare
    (tmp_path / "ok.manifest").write_text(
        '{"source-ref": "s3://bkt/x/zzz.jpg", "anomaly-label": 0, "anomaly-label-metadata": '
        '{"class-name": "normal", "human-annotated": "yes", '
        '"type": "groundtruth/image-classification"}}\n')
    code, data, _ = lint_json(tmp_path / "ok.manifest", "--select", "LFV5")
    assert [c for _, c, _n in found(data)] == ["LFV502"]
    message = data["diagnostics"][0]["message"]
    assert "(CSV206 missing-s3-prefix): set s3-path" in message
    assert "MISSING_S3_PREFIX" not in message


def test_infer_prefix_needs_half_of_the_manifest(tmp_path: Path) -> None:
    from manifest_lint.kinds.csv.prefix import infer_prefix

    line = '{{"source-ref": "{}"}}\n'
    m = tmp_path / "x.manifest"
    m.write_text("\ufeff" + "".join(line.format(f"s3://b-1/p/q/{n}") for n in "abc")
                 + line.format("s3://b-1/other/z.jpg"))
    assert infer_prefix(m, {"a", "b", "q/c"}) == "s3://b-1/p/q/"
    assert infer_prefix(m, {"a"}) == ""  # 1 of 4: not the manifest's prefix
    assert infer_prefix(tmp_path / "missing.manifest", {"a"}) == ""


# --- 3: a CSV's sibling manifest is checked for sync too -----------------------------------

def test_linting_a_csv_checks_its_sibling_manifest_sync(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    csv.write_text(LABELS)
    assert run_cli("create", "lfv", csv, env=EPOCH).code == 0
    csv.write_text("s3://bucket/a.jpg,anomaly\n")
    code, data, _ = lint_json("train.csv", cwd=tmp_path)
    assert code == 1
    assert found(data) == [("train.manifest", "LFV503", 1), ("train.manifest", "LFV502", 2)]
    assert data["summary"]["files"] == 2
    assert any(n["path"] == "train.manifest" and n["message"].startswith(
        "checked only for its sync with train.csv") for n in data["notes"])
    # the reverse: the manifest alone is compared with the CSV
    _, data, _ = lint_json("train.manifest", "--select", "LFV5", cwd=tmp_path)
    assert [c for _, c, _n in found(data)] == ["LFV503", "LFV502"]
    # fix on the CSV alone brings the manifest back in sync
    r = run_cli("fix", "-f", "json", "train.csv", cwd=tmp_path, env=EPOCH)
    assert r.code == 0, r.stdout
    assert json.loads(r.stdout)["fixed"] == 2
    assert [json.loads(ln)["anomaly-label"] for ln in
            (tmp_path / "train.manifest").read_text().splitlines()] == [1]


def test_sibling_is_not_added_when_named_excluded_or_sync_is_off(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    csv.write_text(LABELS)
    assert run_cli("create", "lfv", csv, env=EPOCH).code == 0
    csv.write_text("s3://bucket/a.jpg,anomaly\n")
    _, data, _ = lint_json("train.csv", "train.manifest", cwd=tmp_path)
    assert data["summary"]["files"] == 2  # named once, checked in full
    (tmp_path / "manifest-lint.toml").write_text('exclude = ["*.manifest"]\n')
    assert lint_json("train.csv", cwd=tmp_path)[1]["summary"]["files"] == 1
    (tmp_path / "manifest-lint.toml").write_text("[lfv]\nsync-csv = false\n")
    assert lint_json("train.csv", cwd=tmp_path)[1]["summary"]["files"] == 1


# --- 4: only CSV files that look like label files are claimed ------------------------------

METRICS = "epoch,loss,acc\n1,0.52,0.71\n2,0.41,0.80\n"
DETECTION = "filename,width,height,class,xmin,ymin,xmax,ymax\na.jpg,640,480,cat,1,2,3,4\n"


def test_a_csv_that_is_not_a_label_file_is_skipped_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "metrics.csv").write_text(METRICS)
    (tmp_path / "boxes.csv").write_text(DETECTION)
    (tmp_path / "train.csv").write_text(LABELS)
    code, data, stderr = lint_json(".", cwd=tmp_path)
    assert (code, data["summary"]["files"], data["diagnostics"]) == (0, 1, [])
    skipped = {n["path"]: n["message"] for n in data["notes"]}
    assert set(skipped) >= {"results/metrics.csv", "boxes.csv"}
    assert "`kinds = { \"results/metrics.csv\" = \"csv\" }`" in skipped["results/metrics.csv"]
    assert "`exclude`" in skipped["boxes.csv"]
    assert "manifest-lint: note: results/metrics.csv: does not look like" in stderr
    # named on the command line (as pre-commit does): skipped too, exit 0
    r = run_cli("lint", "results/metrics.csv", cwd=tmp_path)
    assert r.code == 0 and "does not look like a CSV label file" in r.stderr
    # config says it is one: linted
    (tmp_path / "manifest-lint.toml").write_text('[kinds]\n"results/*.csv" = "csv"\n')
    code, data, _ = lint_json("results/metrics.csv", cwd=tmp_path)
    assert code == 1 and {c for _, c, _n in found(data)} >= {"CSV102"}


@pytest.mark.parametrize("text", [
    LABELS,
    "image,class\n" + LABELS,                                       # a header
    "s3://bucket/a.jpg,normal,extra\ns3://bucket/b.jpg\ns3://bucket/c.jpg,defect\n",  # all bad
    "a.jpg,normal\nb.png,Anomaly\n",                                # bare names
    "normal,s3://bucket/a.jpg\nanomaly,s3://bucket/b.jpg\n",        # swapped columns
    "s3://bucket/a.txt,normal\ns3://bucket/b,anomaly\n",            # odd extensions
    "image,label\n",                                                # a label header only
    "",                                                             # empty
    "\n\n",                                                         # blank
    "s3://bucket/a.jpg,normal\n" + "x,y,z\n" * 5 + "s3://bucket/a.jpg,normal\n" * 5,
])
def test_label_files_with_bad_rows_are_still_claimed(tmp_path: Path, text: str) -> None:
    (tmp_path / "x.csv").write_text(text)
    code, data, stderr = lint_json("x.csv", cwd=tmp_path)
    assert data["summary"]["files"] == 1, stderr


def test_every_csv_fixture_is_a_label_file() -> None:
    from manifest_lint.config import load_config
    from manifest_lint.discovery import discover

    paths = sorted(FIXTURES.rglob("*.csv"))
    assert paths
    cfg = load_config(None, FIXTURES)
    assert [t.kind for t in discover(paths, cfg)] == ["csv"] * len(paths)


# --- 5: a kinds glob is an include ----------------------------------------------------------

def test_kinds_glob_is_an_include(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text('[kinds]\n"labels/*.txt" = "csv"\n')
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "a.txt").write_text("s3://bucket/a.jpg,Normal\n")
    (tmp_path / "notes.txt").write_text("not linted")
    code, data, _ = lint_json(".", cwd=tmp_path)
    assert found(data) == [("labels/a.txt", "CSV204", 1)]
    assert data["summary"]["files"] == 1


# --- 8: fix --diff honours -o and --format json ---------------------------------------------

def test_fix_diff_honours_output_file_and_json(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("s3://bucket/a.jpg,Normal\n\ns3://bucket/b.jpg,anomaly\n")
    before = p.read_bytes()
    out = tmp_path / "x.diff"
    r = run_cli("fix", "--diff", "-o", out, "x.csv", cwd=tmp_path)
    assert r.code == 1 and r.stdout == ""
    diff = out.read_text()
    assert diff == ("--- a/x.csv\n+++ b/x.csv\n@@ -1,3 +1,2 @@\n-s3://bucket/a.jpg,Normal\n"
                    "-\n+s3://bucket/a.jpg,normal\n s3://bucket/b.jpg,anomaly\n")
    assert "would fix 2 problems in 1 file" in r.stderr
    r = run_cli("fix", "--diff", "-f", "json", "x.csv", cwd=tmp_path)
    data = json.loads(r.stdout)
    assert list(data) == ["diagnostics", "summary", "notes", "fixed", "diff"]
    assert (data["fixed"], data["diff"], data["diagnostics"]) == (2, diff, [])
    r = run_cli("fix", "--diff", "-f", "json", "-o", out, "x.csv", cwd=tmp_path)
    assert r.stdout == "" and json.loads(out.read_text())["diff"] == diff
    assert p.read_bytes() == before


# --- 9: only regular files are read ---------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_a_diagnostic_never_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.csv")
    os.mkfifo(tmp_path / "y.jsonl")
    (tmp_path / "ok.csv").write_text(LABELS)
    code, data, _ = lint_json("x.csv", cwd=tmp_path)
    assert code == 1 and found(data) == [("x.csv", "ML001", 1)]
    assert "named pipe (FIFO), not a regular file" in data["diagnostics"][0]["message"]
    code, data, _ = lint_json(".", cwd=tmp_path)  # a folder walk does not open them either
    assert found(data) == [("x.csv", "ML001", 1), ("y.jsonl", "ML001", 1)]
    r = run_cli("fix", "-f", "json", "x.csv", "y.jsonl", cwd=tmp_path)
    assert r.code == 1 and [d["code"] for d in json.loads(r.stdout)["diagnostics"]] == \
        ["ML001", "ML001"]


# --- 10: create cvat says where the manifest went -------------------------------------------

def test_create_cvat_says_where_names_point_and_warns_before_replacing(tmp_path: Path
                                                                       ) -> None:
    from tests.media_factory import make_png

    make_png(tmp_path / "imgs" / "a.png", size=(8, 6))
    r = run_cli("create", "cvat", "imgs", cwd=tmp_path)
    assert r.code == 0 and r.stderr == ""
    assert r.stdout.splitlines() == [
        "wrote manifest.jsonl: 1 image record",
        "names in it are relative to imgs/, not to ./: lint it with `manifest-lint lint "
        "--media-root imgs manifest.jsonl`, or create it beside the media with "
        "`--output-dir imgs`",
    ]
    assert run_cli("lint", "--media-root", "imgs", "manifest.jsonl", cwd=tmp_path).code == 0
    again = run_cli("create", "cvat", "imgs", cwd=tmp_path)
    assert again.stderr == ("manifest-lint: warning: manifest.jsonl exists and will be "
                            "replaced\n")
    beside = run_cli("create", "cvat", "--output-dir", "imgs", "imgs", cwd=tmp_path)
    assert beside.stdout == "wrote imgs/manifest.jsonl: 1 image record\n"


# --- 11: config values are validated, and named well ----------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("[csv]\nclasses = []\n", "[csv]: classes must list at least one class"),
    ('[csv]\nclasses = ["ok", "OK"]\n', "classes lists 'OK' twice"),
    ('[csv]\ns3-path = "http://x"\n', "[csv]: s3-path must be an S3 prefix like"),
    ('[lfv]\nmedia-map = { "http://x/" = "data" }\n',
     "[lfv]: media-map keys must be S3 prefixes"),
    ('[lfv]\nrole = "val"\n', "[lfv]: role must be one of 'train', 'test' or empty, got 'val'"),
])
def test_config_values_are_validated(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "manifest-lint.toml").write_text(text)
    (tmp_path / "x.csv").write_text(LABELS)
    r = run_cli("lint", "x.csv", cwd=tmp_path)
    assert r.code == 2 and message in r.stderr, r.stderr


def test_pyproject_sub_tables_are_named_as_written(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.manifest-lint.lfv]\nrole = "val"\n')
    (tmp_path / "x.csv").write_text(LABELS)
    r = run_cli("lint", "x.csv", cwd=tmp_path)
    assert r.code == 2 and "pyproject.toml [tool.manifest-lint.lfv]: role" in r.stderr


# --- 12: huge values are cut in messages ----------------------------------------------------

def test_a_huge_value_is_cut_in_the_message(tmp_path: Path) -> None:
    ref = "s3:/" + "x" * (3 << 20)
    line = json.dumps({"source-ref": ref, "anomaly-label": 0, "anomaly-label-metadata": {
        "class-name": "normal", "human-annotated": "yes",
        "type": "groundtruth/image-classification"}})
    (tmp_path / "big.manifest").write_text(line + "\n")
    r = run_cli("lint", "-f", "json", "--select", "LFV102", "big.manifest", cwd=tmp_path)
    [d] = json.loads(r.stdout)["diagnostics"]
    assert d["code"] == "LFV102" and len(d["message"]) < 400
    assert "'s3:/" + "x" * 155 + "…'" in d["message"]
    assert len(r.stdout) < 2000


# --- 13: one CSV206 per file -------------------------------------------------------------------

def test_bare_names_are_one_warning_per_file_with_the_count(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("".join(f"img{i}.jpg,normal\n" for i in range(3000)))
    code, data, _ = lint_json("x.csv", "--no-media", cwd=tmp_path)
    assert (code, found(data)) == (0, [("x.csv", "CSV206", 1)])
    assert data["diagnostics"][0]["message"].startswith(
        "3,000 bare image names (the first is 'img0.jpg', here) have no S3 prefix")


# --- 15: notes in machine formats, fix counts, --no-media notes for CSV ----------------------

def test_machine_formats_carry_the_notes(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text(LABELS)
    _, data, _ = lint_json("x.csv", cwd=tmp_path)
    assert data["notes"] == [{"path": "x.csv", "message": (
        "2 media references not checked: no media-map entry maps their bucket to a local "
        "folder ([tool.manifest-lint.lfv] media-map; --remote checks them in the bucket)")}]
    _, data, _ = lint_json("x.csv", "--no-media", cwd=tmp_path)
    assert data["notes"] == [{"path": "x.csv",
                              "message": "2 media references not checked: --no-media"}]
    gh = run_cli("lint", "-f", "github", "--no-media", "x.csv", cwd=tmp_path)
    assert gh.stdout == ("::notice file=x.csv,title=manifest-lint note::2 media references "
                         "not checked: --no-media\n")


def test_sarif_carries_the_notes_on_skipped_files(tmp_path: Path) -> None:
    (tmp_path / "metrics.csv").write_text(METRICS)
    r = run_cli("lint", "-f", "sarif", "metrics.csv", cwd=tmp_path)
    [note] = json.loads(r.stdout)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("does not look like a CSV label file")


def test_no_media_note_is_the_same_for_csv_and_manifest(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text(LABELS)
    assert run_cli("create", "lfv", "x.csv", "-o", "y.manifest", cwd=tmp_path).code == 0
    _, data, _ = lint_json("x.csv", "y.manifest", "--no-media", "--ignore", "LFV305",
                           cwd=tmp_path)
    assert data["notes"] == [
        {"path": "x.csv", "message": "2 media references not checked: --no-media"},
        {"path": "y.manifest", "message": "2 media references not checked: --no-media"}]


def test_fix_json_has_the_fixed_count(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("s3://bucket/a.jpg,Normal\n\n")
    r = run_cli("fix", "-f", "json", "--no-media", "x.csv", cwd=tmp_path)
    data = json.loads(r.stdout)
    assert (r.code, data["fixed"], data["diagnostics"]) == (0, 2, [])
    assert r.stderr.splitlines()[0] == "fixed 2 problems in x.csv"


def test_fixed_counts_every_problem_of_a_shared_fix(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    csv.write_text(LABELS)
    assert run_cli("create", "lfv", csv, env=EPOCH).code == 0
    csv.write_text(LABELS + "s3://bucket/c.jpg,normal\ns3://bucket/d.jpg,normal\n")
    _, data, _ = lint_json("train.manifest", "--select", "LFV5", cwd=tmp_path)
    assert data["summary"]["fixable"] == 2  # two LFV501 sharing one insertion
    r = run_cli("fix", "-f", "json", "--select", "LFV5", "train.manifest", cwd=tmp_path,
                env=EPOCH)
    assert json.loads(r.stdout)["fixed"] == 2


# --- 16: create lfv -o makes missing folders; errors name the file --------------------------

def test_create_lfv_output_folder_is_created(tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text(LABELS)
    r = run_cli("create", "lfv", "ok.csv", "-o", "out/deeper/x.manifest", cwd=tmp_path)
    assert r.code == 0, r.stderr
    assert r.stdout == "wrote out/deeper/x.manifest: 2 images (1 normal, 1 anomaly)\n"
    (tmp_path / "file").write_text("")
    r = run_cli("create", "lfv", "ok.csv", "-o", "file/x.manifest", cwd=tmp_path)
    assert r.code == 2
    assert "cannot write file/x.manifest:" in r.stderr and ".tmp" not in r.stderr


# --- 17: a named file excluded by config is not silently dropped ----------------------------

def test_an_excluded_file_named_on_the_command_line_is_noted(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text('exclude = ["raw"]\n')
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "x.csv").write_text("s3://bucket/a.jpg,Normal\n")
    r = run_cli("lint", "--color", "never", "raw/x.csv", cwd=tmp_path)
    assert r.code == 0
    assert "manifest-lint: note: raw/x.csv: excluded by `exclude` pattern 'raw' in " in r.stderr
    assert "No files were checked." in r.stdout and "All checks passed" not in r.stdout
    _, data, _ = lint_json("raw/x.csv", cwd=tmp_path)
    assert data["notes"][0]["path"] == "raw/x.csv"


# --- 18: README: pre-commit snippets and the sample report ----------------------------------

def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_pre_commit_snippets_are_real() -> None:
    text = _readme()
    section = text[text.index("## pre-commit"):text.index("## Development")]
    assert "<your-org>" not in section and "example.com" not in section
    assert "repo: local" in section and "entry: manifest-lint lint" in section
    revs = re.findall(r"rev: (\S+)", section)
    assert revs == [f"v{__version__}"] and __version__ == "0.2.0"
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    for hook_id in re.findall(r"- id: (manifest-lint\S*)", section):
        assert f"- id: {hook_id}\n" in hooks


def test_readme_sample_report_is_real_output() -> None:
    text = _readme()
    block = text[text.index("```text\n$ manifest-lint lint") + 8:]
    block = block[: block.index("```")]
    command, *sample = block.splitlines()
    args = command.split()[2:]
    r = run_cli(*args, cwd=ROOT, env={"COLUMNS": "80", "MANIFEST_LINT_NO_CACHE": "1"})
    real = r.stdout.splitlines()
    chunks: list[list[str]] = [[]]
    for ln in sample:
        if ln == "...":
            chunks.append([])
        else:
            chunks[-1].append(ln)
    at = 0
    for chunk in chunks:  # each chunk is a run of real lines, in order
        starts = [i for i in range(at, len(real)) if real[i:i + len(chunk)] == chunk]
        assert starts, "not in the real output:\n" + "\n".join(chunk)
        at = starts[0] + len(chunk)


# --- 19: plurals and --help -------------------------------------------------------------------

def test_plurals(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("s3://bucket/a.jpg,Normal\n")
    r = run_cli("lint", "--color", "never", "--no-media", "x.csv", cwd=tmp_path)
    assert "1 problem is fixable with `manifest-lint fix`" in r.stdout
    d = run_cli("fix", "--diff", "--no-media", "x.csv", cwd=tmp_path)
    assert "would fix 1 problem in 1 file\n" in d.stderr
    r = run_cli("fix", "-f", "concise", "--no-media", "x.csv", cwd=tmp_path)
    assert r.stderr.splitlines()[0] == "fixed 1 problem in x.csv"
    r = run_cli("fix", "--color", "never", "--no-media", "x.csv", cwd=tmp_path)
    assert "fixed" not in r.stdout  # nothing left to fix
    (tmp_path / "y.csv").write_bytes(b"s3://bucket/a\xff.jpg,normal\ns3://bucket/b\xff.jpg,normal\n")
    _, data, _ = lint_json("y.csv", "--no-media", cwd=tmp_path)
    [message] = [d["message"] for d in data["diagnostics"] if d["code"] == "CSV001"]
    assert message.startswith("invalid UTF-8 (byte 0xff) (1 more line has invalid bytes)")


def test_plural_helper() -> None:
    from manifest_lint.wording import plural

    assert [plural(1, "key frame"), plural(2, "key frame"), plural(3, "entry"),
            plural(1_000, "file")] == ["1 key frame", "2 key frames", "3 entries",
                                       "1,000 files"]


@pytest.mark.parametrize("command", ["lint", "fix"])
def test_help_env_vars_are_not_cut_at_80_columns(command: str) -> None:
    r = run_cli(command, "--help", env={"COLUMNS": "80"})
    assert r.code == 0
    assert "…" not in r.stdout
    flat = re.sub(r"[│\s]+", " ", r.stdout)
    for var in ("MANIFEST_LINT_OUTPUT_FORMAT", "MANIFEST_LINT_NO_CACHE",
                "MANIFEST_LINT_CACHE_DIR"):
        assert f"env var: {var}]" in flat
    assert all(len(ln) <= 80 for ln in r.stdout.splitlines())


def test_create_cvat_summary_plurals() -> None:
    from manifest_lint.commands.create_cvat import _summary
    from manifest_lint.kinds.cvat.create import CreateResult

    one = CreateResult(Path("m.jsonl"), "video", 1, length=1, rejected_key_frames=(3,))
    assert _summary(one) == ("wrote m.jsonl: video of 1 frame, 1 key frame (1 key frame "
                             "skipped: it does not seek back to itself)")
    two = CreateResult(Path("m.jsonl"), "video", 2, length=40, rejected_key_frames=(3, 5))
    assert _summary(two) == ("wrote m.jsonl: video of 40 frames, 2 key frames (2 key "
                             "frames skipped: they do not seek back to themselves)")
    assert _summary(CreateResult(Path("m.jsonl"), "images", 1)) == \
        "wrote m.jsonl: 1 image record"
