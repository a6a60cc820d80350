"""ruff and mypy are part of the test extras, so the test run checks the code with them.

Both are looked for beside the interpreter running the tests (the venv's ``bin``), then on
PATH. A missing tool is a failure when the test extras are installed (a broken venv must not
pass quietly) and a skip only when they are not.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _test_extras_installed() -> bool:
    """Whether every requirement of manifest-lint's ``test`` extra is installed."""
    try:
        requires = importlib.metadata.requires("manifest-lint") or []
    except importlib.metadata.PackageNotFoundError:
        return False
    names = [m.group(0) for r in requires
             if re.search(r"""extra\s*==\s*["']test["']""", r)
             and (m := re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r))]
    if not names:
        return False
    for name in names:
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return False
    return True


def _tool(name: str) -> list[str]:
    """The command that runs ``name``: the script beside ``sys.executable``, the module run
    by ``sys.executable``, or the script on PATH."""
    beside = shutil.which(name, path=str(Path(sys.executable).parent))
    if beside:
        return [beside]
    if importlib.util.find_spec(name) is not None:
        return [sys.executable, "-m", name]
    on_path = shutil.which(name)
    if on_path:
        return [on_path]
    if _test_extras_installed():
        pytest.fail(f"{name} is in the test extras but neither beside {sys.executable} nor "
                    "importable nor on PATH; reinstall with `pip install -e '.[test]'`")
    pytest.skip(f"{name} is not installed (install the test extras: pip install -e '.[test]')")


def test_a_missing_tool_fails_with_the_extras_and_skips_without(
        monkeypatch: pytest.MonkeyPatch) -> None:
    me = sys.modules[__name__]
    monkeypatch.setattr(me.shutil, "which", lambda *a, **k: None)
    monkeypatch.setattr(me.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(me, "_test_extras_installed", lambda: True)
    with pytest.raises(pytest.fail.Exception, match="ruff is in the test extras"):
        _tool("ruff")
    monkeypatch.setattr(me, "_test_extras_installed", lambda: False)
    with pytest.raises(pytest.skip.Exception, match="ruff is not installed"):
        _tool("ruff")


def test_the_test_extras_are_read_from_the_package_metadata() -> None:
    requires = importlib.metadata.requires("manifest-lint") or []
    assert any(r.startswith("ruff") and "extra == \"test\"" in r for r in requires), requires
    assert _test_extras_installed() == all(
        importlib.util.find_spec(m) is not None for m in ("ruff", "mypy", "hypothesis"))


def test_ruff_is_clean() -> None:
    r = subprocess.run([*_tool("ruff"), "check", "manifest_lint", "tests", "bench"], cwd=ROOT,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_is_clean() -> None:
    r = subprocess.run([*_tool("mypy"), "manifest_lint"], cwd=ROOT,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
