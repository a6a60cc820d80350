"""The command line through the real entry point: exit codes, formats, options."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from manifest_lint import __version__
from tests.conftest import FIXTURES, lint_diagnostics, run_cli

GOOD = "s3://bucket/a.jpg,normal\ns3://bucket/b.jpg,anomaly\n"
WARN_ONLY = "s3://bucket/a.jpg,normal\n\ns3://bucket/b.jpg,anomaly\n"
ERRORS = "s3://bucket/a.jpg,normal\ns3://bucket/a.jpg,anomaly\ns3://bucket/c.jpg,Normal\n"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "good.csv").write_text(GOOD)
    (tmp_path / "warn.csv").write_text(WARN_ONLY)
    (tmp_path / "bad.csv").write_text(ERRORS)
    return tmp_path


def test_version() -> None:
    r = run_cli("--version")
    assert (r.code, r.stdout.strip()) == (0, f"manifest-lint {__version__}")


def test_exit_codes(files: Path) -> None:
    assert run_cli("lint", files / "good.csv").code == 0
    assert run_cli("lint", files / "warn.csv").code == 0
    assert run_cli("lint", "--strict", files / "warn.csv").code == 1
    assert run_cli("lint", files / "bad.csv").code == 1
    assert run_cli("lint", "--exit-zero", files / "bad.csv").code == 0


def test_strict_from_config(files: Path) -> None:
    (files / "manifest-lint.toml").write_text("strict = true\n")
    assert run_cli("lint", files / "warn.csv").code == 1


def test_json_format_is_exactly_one_object(files: Path) -> None:
    r = run_cli("lint", "--format", "json", files / "bad.csv")
    data = json.loads(r.stdout)
    assert list(data) == ["diagnostics", "summary", "notes"]  # keys are only ever added
    assert data["summary"] == {"files": 1, "errors": 1, "warnings": 1, "fixable": 1}
    first = data["diagnostics"][0]
    assert list(first) == ["path", "line", "column", "code", "name", "severity", "message",
                           "fixable"]
    assert [(d["code"], d["line"], d["severity"], d["fixable"]) for d in data["diagnostics"]] \
        == [("CSV302", 2, "error", False), ("CSV204", 3, "warning", True)]
    assert first["path"].endswith("bad.csv")


def test_concise_format(files: Path) -> None:
    r = run_cli("lint", "-f", "concise", "bad.csv", cwd=files)
    assert r.stdout.splitlines() == [
        "bad.csv:2:1: CSV302 [error] image 's3://bucket/a.jpg' is 'anomaly' here but "
        "'normal' on line 1; keep the right label and delete the other row",
        "bad.csv:3:19: CSV204 [warning] class 'Normal' should be written 'normal' [*]",
    ]


def test_github_format_and_auto_selection(files: Path) -> None:
    explicit = run_cli("lint", "-f", "github", "bad.csv", cwd=files)
    auto = run_cli("lint", "bad.csv", cwd=files, env={"GITHUB_ACTIONS": "true"})
    assert explicit.stdout == auto.stdout
    lines = auto.stdout.splitlines()
    assert lines[0].startswith("::error file=bad.csv,line=2,col=1,title=CSV302 "
                               "conflicting-class::image")
    assert lines[1].startswith("::warning file=bad.csv,line=3,col=19,title=CSV204")


def test_full_format_shows_source_line_and_summary(files: Path) -> None:
    r = run_cli("lint", "--color", "never", "bad.csv", cwd=files)
    assert "bad.csv:2:1: CSV302 conflicting-class error" in r.stdout
    assert "2 │ s3://bucket/a.jpg,anomaly" in r.stdout
    assert "files" in r.stdout and "errors" in r.stdout
    assert "\x1b[" not in r.stdout


def test_color_always_and_no_color(files: Path) -> None:
    assert "\x1b[" in run_cli("lint", "--color", "always", files / "bad.csv").stdout
    assert "\x1b[" not in run_cli("lint", files / "bad.csv", env={"NO_COLOR": "1"}).stdout
    forced = run_cli("lint", files / "bad.csv", env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    assert "\x1b[" not in run_cli("lint", "--color", "never", files / "bad.csv",
                                  env={"FORCE_COLOR": "1"}).stdout


def test_output_file(files: Path) -> None:
    out = files / "report.json"
    r = run_cli("lint", "-f", "json", "-o", out, files / "bad.csv")
    assert r.stdout == ""
    assert json.loads(out.read_text())["summary"]["errors"] == 1


def test_select_ignore_on_cli(files: Path) -> None:
    r = run_cli("lint", "-f", "json", "--select", "CSV2", files / "bad.csv")
    assert [d["code"] for d in json.loads(r.stdout)["diagnostics"]] == ["CSV204"]
    r = run_cli("lint", "-f", "json", "--ignore", "conflicting-class,CSV204", files / "bad.csv")
    assert json.loads(r.stdout)["diagnostics"] == [] and r.code == 0


def test_unknown_selector_is_usage_error(files: Path) -> None:
    r = run_cli("lint", "--select", "NOPE1", files / "bad.csv")
    assert r.code == 2 and "unknown rule selector 'NOPE1'" in r.stderr


def test_folder_walk_and_default_current_folder(files: Path) -> None:
    (files / "notes.txt").write_text("not linted")
    r = run_cli("lint", "-f", "json", cwd=files)
    data = json.loads(r.stdout)
    assert data["summary"]["files"] == 3
    assert {d["path"] for d in data["diagnostics"]} == {"warn.csv", "bad.csv"}


def test_folder_walk_skips_git_venv_and_gitignored(tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    for d in ("ignored", ".venv", "venv2", "data"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "x.csv").write_text(ERRORS)
    (tmp_path / "venv2" / "pyvenv.cfg").write_text("")
    r = run_cli("lint", "-f", "json", ".", cwd=tmp_path)
    paths = {d["path"] for d in json.loads(r.stdout)["diagnostics"]}
    assert paths == {"data/x.csv"}


def test_missing_path_is_usage_error(tmp_path: Path) -> None:
    r = run_cli("lint", tmp_path / "nope.csv")
    assert r.code == 2 and "no such file or folder" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_option_value_is_usage_error(files: Path) -> None:
    r = run_cli("lint", "--format", "xml", files / "good.csv")
    assert r.code == 2 and "Traceback" not in r.stderr


def test_unknown_kind_is_skipped_with_note(tmp_path: Path) -> None:
    p = tmp_path / "data.json"
    p.write_text("{}")
    r = run_cli("lint", p)
    assert r.code == 0 and "skipped" in r.stderr


def test_binary_file_is_a_diagnostic_not_a_crash(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_bytes(bytes(range(256)) * 10)
    r = run_cli("lint", "-f", "json", p)
    assert r.code == 1
    assert [d["code"] for d in json.loads(r.stdout)["diagnostics"]] == ["CSV001"]


def _without_root_read_override() -> None:
    """In the child, before the CLI starts: give up root's right to read any file
    (CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH leave the capability bounding set, so the
    exec'd CLI does not get them) so that file modes apply to it as to any user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@pytest.mark.skipif(not sys.platform.startswith("linux") and os.geteuid() == 0,
                    reason="root reads any file; dropping that right needs Linux")
@pytest.mark.parametrize("command", ["lint", "fix"])
def test_file_without_read_permission_is_ml001(tmp_path: Path, command: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "ok.csv").write_text(GOOD)
    locked = folder / "locked.csv"
    locked.write_bytes(b"s3://bucket/a.jpg,Normal\n")
    locked.chmod(0)
    preexec = _without_root_read_override if os.geteuid() == 0 else None
    try:
        r = run_cli(command, "-f", "json", folder, preexec=preexec)
    except Exception as exc:  # noqa: BLE001 - prctl refused: no way to lock root out here
        pytest.skip(f"cannot drop root's read override in a child process: {exc}")
    finally:
        locked.chmod(0o644)
    assert r.code == 1, r.stdout + r.stderr
    data = json.loads(r.stdout)
    assert [(Path(d["path"]).name, d["line"], d["code"], d["message"])
            for d in data["diagnostics"]] == [
        ("locked.csv", 1, "ML001", "cannot read file: Permission denied")]
    assert (data["summary"]["files"], data["summary"]["errors"]) == (2, 1)
    assert locked.read_bytes() == b"s3://bucket/a.jpg,Normal\n"  # fix did not touch it


@pytest.mark.parametrize(("name", "kind"), [
    ("train.csv", "csv"), ("train.manifest", "lfv"), ("manifest.jsonl", "cvat")])
def test_permission_error_from_the_engines_open_is_ml001(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, kind: str) -> None:
    # Wherever the tests run (as root, too), a PermissionError from the open the engine
    # reads files with becomes ML001, not a traceback or an internal error.
    p = tmp_path / name
    p.write_text(GOOD)

    def refuse(path: object, *args: object, **kw: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("manifest_lint.engine.open", refuse, raising=False)
    monkeypatch.setattr("manifest_lint.textio.open", refuse, raising=False)
    assert [(d.code, d.line, d.message) for d in lint_diagnostics(p, kind=kind)] == [
        ("ML001", 1, "cannot read file: Permission denied")]


def test_rules_and_explain() -> None:
    r = run_cli("rules", "--format", "json")
    rules = json.loads(r.stdout)
    codes = [x["code"] for x in rules]
    assert "CSV301" in codes and len(codes) == len(set(codes))
    assert run_cli("rules").code == 0
    e = run_cli("explain", "duplicate-image")
    assert e.code == 0
    assert e.stdout.startswith("CSV301 duplicate-image (csv)")
    assert "Bad" in e.stdout and "Good" in e.stdout
    assert run_cli("explain", "csv301").stdout == e.stdout
    bad = run_cli("explain", "XYZ999")
    assert bad.code == 2 and "unknown rule" in bad.stderr


def test_rules_piped_is_complete() -> None:
    """Piped (not a terminal), `rules` prints every rule's whole name and summary on one
    line, whatever the terminal width would be."""
    from manifest_lint.rules import all_rules

    r = run_cli("rules", env={"COLUMNS": "40"})
    assert r.code == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["code", "name", "kind", "severity", "fix", "summary"]
    by_code = {line.split()[0]: line for line in lines[1:]}
    for rule in all_rules():
        line = by_code[rule.code]
        assert rule.name in line.split() and line.endswith(rule.summary)
    assert len(lines) == len(all_rules()) + 1


def test_media_root_must_exist(files: Path) -> None:
    r = run_cli("lint", "--media-root", files / "nope", files / "good.csv")
    assert r.code == 2 and "not a folder" in r.stderr


def test_media_options_take_effect(tmp_path: Path) -> None:
    # CVAT's golden images, and its manifest elsewhere with a wrong checksum on line 4.
    images = tmp_path / "images"
    shutil.copytree(FIXTURES / "cvat" / "golden" / "images", images)
    golden = (FIXTURES / "cvat" / "golden" / "images_lexicographical.jsonl").read_bytes()
    lines = golden.splitlines(keepends=True)
    wrong = lines[3].replace(b"f01314b6423bd45128dbb336aa25d3b3", b"f" * 32)
    assert wrong != lines[3]
    manifest = tmp_path / "elsewhere" / "manifest.jsonl"
    manifest.parent.mkdir()
    manifest.write_bytes(b"".join([*lines[:3], wrong, *lines[4:]]))

    def found(*opts: str | Path) -> tuple[int, list[tuple[str, int]]]:
        r = run_cli("lint", "-f", "json", *opts, manifest)
        return r.code, [(d["code"], d["line"]) for d in json.loads(r.stdout)["diagnostics"]]

    # media are looked for beside the manifest: none there
    assert found() == (1, [("CVAT401", n) for n in range(3, 10)])
    assert found("--no-media") == (0, [])
    assert found("--media-root", images) == (0, [])  # sizes match; checksums need --deep
    assert found("--media-root", images, "--deep") == (1, [("CVAT501", 4)])
    assert found("--media-root", images, "--deep", "--jobs", "2") == (1, [("CVAT501", 4)])
    assert found("--no-media", "--deep", "--media-root", images) == (0, [])


def test_checker_notes_reach_the_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from manifest_lint.config import load_config
    from manifest_lint.discovery import Target
    from manifest_lint.engine import CheckContext, Settings
    from manifest_lint.kinds import KINDS
    from manifest_lint.reporters.full import render
    from manifest_lint.runner import run_lint

    p = tmp_path / "x.csv"
    p.write_text(GOOD)
    real = KINDS["csv"].load_checkers()[0]

    def noting(ctx: CheckContext):  # type: ignore[no-untyped-def]
        ctx.note("3 images not checked: no media-map entry for s3://bucket/")
        yield from real(ctx)

    monkeypatch.setattr(type(KINDS["csv"]), "load_checkers", lambda self: [noting])
    cfg = load_config(None, p)
    results = run_lint([Target(p, "x.csv", "csv", True)], cfg, Settings())
    assert "3 images not checked: no media-map entry for s3://bucket/" in results[0].notes
    import io

    from manifest_lint.engine import Summary

    buf = io.StringIO()
    render(results, Summary.of(results), buf, False)
    assert "note: 3 images not checked" in buf.getvalue()
