"""The full report written without Rich (output that is not a terminal) is character for
character what Rich writes; where it cannot be, Rich writes it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from manifest_lint.baseline import Outcome
from manifest_lint.config import load_config
from manifest_lint.engine import FileResult, Selection, Settings, Summary, lint_file
from manifest_lint.reporters import ReportOptions, full, plain
from tests.conftest import run_cli
from tests.report_datasets import clean_dataset, demo_dataset


def results_of(folder: Path) -> list[FileResult]:
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix in (".csv", ".manifest",
                                                                     ".jsonl")):
        kind = {".csv": "csv", ".manifest": "lfv", ".jsonl": "cvat"}[path.suffix]
        cfg = load_config(None, path)
        settings = Settings(no_media=True)
        notes: list[str] = []
        display = path.relative_to(folder).as_posix()
        diags = lint_file(path, display, kind, cfg, settings, Selection(cfg, settings),
                          notes=notes)
        out.append(FileResult(path, display, kind, diags, notes=notes))
    return out


def both(results: list[FileResult], options: ReportOptions, color: bool | None,
         monkeypatch: pytest.MonkeyPatch) -> tuple[str, str | None]:
    summary = Summary.of(results)
    rich_out = io.StringIO()
    with monkeypatch.context() as m:
        m.setattr(plain, "plain_report", lambda *a, **k: None)
        full.render(results, summary, rich_out, color, options)
    text = plain.plain_report(results, summary, io.StringIO(), color, options)
    return rich_out.getvalue(), text


@pytest.mark.parametrize("columns", ["80", "60", "132", None])
@pytest.mark.parametrize("color", [None, False])
def test_plain_is_what_rich_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   columns: str | None, color: bool | None) -> None:
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    demo = results_of(demo_dataset(tmp_path / "demo"))
    clean = results_of(clean_dataset(tmp_path / "clean"))
    demo[0].fixed = 3
    cases = [
        (demo, ReportOptions()),
        (clean, ReportOptions()),
        ([], ReportOptions()),
        (demo, ReportOptions(baseline=Outcome(tmp_path / "b.json", hidden=2, stale=1))),
        (clean, ReportOptions(baseline=Outcome(tmp_path / "b.json", hidden=4))),
    ]
    written = 0
    for results, options in cases:
        rich_text, text = both(results, options, color, monkeypatch)
        if text is not None:
            written += 1
            assert text == rich_text
    assert written >= 3  # the demo has non-ASCII lines; the others are plain


def test_rich_writes_what_plain_cannot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    results = results_of(clean_dataset(tmp_path / "clean"))
    options = ReportOptions()
    summary = Summary.of(results)
    assert plain.plain_report(results, summary, io.StringIO(), True, options) is None
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert plain.plain_report(results, summary, io.StringIO(), None, options) is None
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("COLUMNS", "20")
    assert plain.plain_report(results, summary, io.StringIO(), None, options) is None
    monkeypatch.setenv("COLUMNS", "80")
    results[0].notes.append("caf\u00e9 \t note")
    assert plain.plain_report(results, summary, io.StringIO(), None, options) is None


def test_line_100_is_not_an_emoji(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    rows = [f"s3://bkt/x/img{i}.jpg,normal" for i in range(99)] + ["s3://bkt/x/img1.jpg,normal"]
    csv.write_text("\n".join(rows) + "\n")
    for env in ({}, {"FORCE_COLOR": "1", "COLUMNS": "100"}):
        r = run_cli("lint", "--no-media", csv, cwd=tmp_path, env=env)
        assert "t.csv:100:1:" in r.stdout, r.stdout
