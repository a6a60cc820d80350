"""Configuration discovery, validation and its effect on linting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from manifest_lint import globs
from manifest_lint.config import ConfigError, find_config, load_config
from tests.conftest import run_cli

BAD = "image,label\ns3://bucket/a.jpg,Normal\n"


def test_pyproject_section_found_walking_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.manifest-lint]\nignore = ["CSV104"]\n')
    sub = tmp_path / "data" / "train"
    sub.mkdir(parents=True)
    assert find_config(sub / "x.csv") == tmp_path / "pyproject.toml"
    assert load_config(None, sub).ignore == ["CSV104"]


def test_pyproject_without_section_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.manifest-lint]\nstrict = true\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config(sub) == tmp_path / "pyproject.toml"


def test_manifest_lint_toml_beats_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.manifest-lint]\nstrict = true\n')
    (tmp_path / "manifest-lint.toml").write_text("strict = false\n")
    assert find_config(tmp_path) == tmp_path / "manifest-lint.toml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1\n", "unknown key 'colour'"),
        ("[csv]\nclass = ['a']\n", "unknown key 'class'"),
        ("select = 'CSV'\n", "select must be a list of strings"),
        ("[csv]\nclasses = 'normal'\n", "classes must be a list of strings"),
        ("select = ['NOPE']\n", "unknown rule selector 'NOPE'"),
        ("[kinds]\n'*.txt' = 'yaml'\n", "is not a kind"),
        ("strict = \n", "invalid TOML"),
    ],
)
def test_bad_config_names_key_and_file(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "manifest-lint.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(None, tmp_path)
    assert message in str(exc.value) and str(cfg) in str(exc.value)
    (tmp_path / "x.csv").write_text("s3://bucket/a.jpg,normal\n")
    r = run_cli("lint", tmp_path / "x.csv")
    assert r.code == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text(
        '[per-file-ignores]\n"legacy/*.csv" = ["header-row", "CSV2"]\n'
    )
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "a.csv").write_text(BAD)
    (tmp_path / "b.csv").write_text(BAD)
    r = run_cli("lint", "-f", "json", ".", cwd=tmp_path)
    got = {(d["path"], d["code"]) for d in json.loads(r.stdout)["diagnostics"]}
    assert got == {("b.csv", "CSV104"), ("b.csv", "CSV204")}


def test_include_exclude_and_kinds(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text(
        'include = ["*.csv", "*.txt"]\nexclude = ["raw"]\n[kinds]\n"*.txt" = "csv"\n'
        '"skip-me.csv" = "skip"\n'
    )
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.csv").write_text(BAD)
    (tmp_path / "labels.txt").write_text(BAD)
    (tmp_path / "skip-me.csv").write_text(BAD)
    r = run_cli("lint", "-f", "json", ".", cwd=tmp_path)
    data = json.loads(r.stdout)
    assert {d["path"] for d in data["diagnostics"]} == {"labels.txt"}
    assert data["summary"]["files"] == 1


def test_explicit_config_option(tmp_path: Path) -> None:
    cfg = tmp_path / "other.toml"
    cfg.write_text('ignore = ["CSV104", "CSV204"]\n')
    (tmp_path / "x.csv").write_text(BAD)
    assert run_cli("lint", "--config", cfg, tmp_path / "x.csv").code == 0
    assert run_cli("lint", tmp_path / "x.csv").code == 1


def test_cli_select_overrides_config_select(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text('select = ["CSV104"]\n')
    (tmp_path / "x.csv").write_text(BAD)
    r = run_cli("lint", "-f", "json", "--select", "CSV204", "x.csv", cwd=tmp_path)
    assert [d["code"] for d in json.loads(r.stdout)["diagnostics"]] == ["CSV204"]


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.csv", "a.csv", True),
        ("*.csv", "deep/er/a.csv", True),
        ("data/*.csv", "data/a.csv", True),
        ("data/*.csv", "x/data/a.csv", False),
        ("data/**/*.csv", "data/a/b/c.csv", True),
        ("data/**/*.csv", "data/c.csv", True),
        ("raw", "raw/a.csv", True),
        ("raw", "x/raw/a.csv", True),
        ("a?.csv", "ab.csv", True),
        ("[!a]*.csv", "b.csv", True),
        ("[!a]*.csv", "a.csv", False),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert globs.match(pattern, path) is expected
