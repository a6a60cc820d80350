"""A real `pre-commit run` against a snapshot of this repository's working tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com",
}
GOOD = "s3://bucket/a.jpg,normal\ns3://bucket/b.jpg,anomaly\n"
FIXABLE = "image,label\ns3://bucket/a.jpg,Normal\n\ns3://bucket/b.jpg,anomaly\n"
BAD = "s3://bucket/a.jpg,normal\ns3://bucket/a.jpg,anomaly\n"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def _project_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files of the working tree."""
    if (ROOT / ".git").exists():
        out = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
        return [f for f in out.split("\0") if f and (ROOT / f).is_file()]
    return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
            if p.is_file() and ".venv" not in p.parts and ".git" not in p.parts]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A committed copy of the working tree, so uncommitted changes are tested too."""
    snap = tmp_path_factory.mktemp("hook-repo")
    for rel in _project_files():
        if rel.startswith(("bench/data/", "fixtures/")) and not rel.endswith(".csv"):
            continue
        dest = snap / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    git("init", "-q", cwd=snap)
    git("add", "-A", cwd=snap)
    git("commit", "-q", "-m", "snapshot", cwd=snap)
    return snap, git("rev-parse", "HEAD", cwd=snap)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def make_user_repo(tmp_path: Path, hook_repo: tuple[Path, str], files: dict[str, str]) -> Path:
    repo_path, rev = hook_repo
    work = tmp_path / "user"
    work.mkdir()
    git("init", "-q", cwd=work)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo_path}\n  rev: {rev}\n  hooks:\n"
        "  - id: manifest-lint\n  - id: manifest-lint-fix\n"
    )
    for name, text in files.items():
        p = work / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    git("add", "-A", cwd=work)
    return work


def pre_commit(work: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", *args],
                          cwd=work, env=env, capture_output=True, text=True, timeout=900,
                          check=False)


def test_manifest_yaml_is_valid() -> None:
    r = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest",
                        str(ROOT / ".pre-commit-hooks.yaml")], capture_output=True, text=True,
                       check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_lint_hook_fails_on_bad_and_passes_on_good(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    work = make_user_repo(tmp_path, hook_repo, {"data/bad.csv": BAD, "data/good.csv": GOOD,
                                                "notes.txt": "not a label file"})
    bad = pre_commit(work, pre_commit_home, "manifest-lint", "--all-files")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "CSV302" in bad.stdout and "data/bad.csv" in bad.stdout
    good = pre_commit(work, pre_commit_home, "manifest-lint", "--files", "data/good.csv")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


def test_fix_hook_repairs_a_fixable_file(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    work = make_user_repo(tmp_path, hook_repo, {"train.csv": FIXABLE})
    first = pre_commit(work, pre_commit_home, "manifest-lint-fix", "--all-files")
    assert first.returncode == 1  # files were modified by this hook
    assert "files were modified by this hook" in first.stdout
    assert (work / "train.csv").read_bytes() == GOOD.encode()
    git("add", "-A", cwd=work)
    second = pre_commit(work, pre_commit_home, "--all-files")
    assert second.returncode == 0, second.stdout + second.stderr


def _readme_local_hook_config() -> str:
    """The `repo: local` snippet of the README's pre-commit section, as written there."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## pre-commit"):]
    start = section.index("```yaml\nrepos:\n  - repo: local")
    return section[start + len("```yaml\n"):section.index("```", start + 7)]


def test_readme_local_hook_sees_the_manifest_beside_a_changed_csv(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    work = tmp_path / "user"
    work.mkdir()
    git("init", "-q", cwd=work)
    (work / ".pre-commit-config.yaml").write_text(_readme_local_hook_config())
    (work / "train.csv").write_text(GOOD)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    subprocess.run([sys.executable, "-m", "manifest_lint", "create", "lfv", "train.csv"],
                   cwd=work, env=env, check=True, capture_output=True)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "in sync", cwd=work)
    # only the CSV changes (a class): the hook gets train.csv alone
    (work / "train.csv").write_text(GOOD.replace("b.jpg,anomaly", "b.jpg,normal"))
    git("add", "train.csv", cwd=work)
    bin_dir = str(Path(sys.executable).parent)  # `language: system` needs it on PATH
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run"], cwd=work, capture_output=True, text=True,
        env={**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home),
             "NO_COLOR": "1", "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")},
        timeout=900, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "train.manifest:2:1: LFV503" in run.stdout
