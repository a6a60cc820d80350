"""The GitHub Action (action.yml): its composite steps run as written, with bash as GitHub
runs them, on a fixture dataset. Only the installation is stubbed: the runner's Python is
replaced by one whose ``-m venv`` makes a virtualenv that logs ``pip install`` and links the
manifest-lint under test (the tests have no network)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT
from tests.report_datasets import clean_dataset, demo_dataset

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@dataclass
class ActionRun:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    pip_log: str = ""


def fake_python(folder: Path) -> Path:
    """A stand-in for the runner's ``python3`` (see the module docstring)."""
    real_python = sys.executable
    exe = shutil.which("manifest-lint", path=str(Path(sys.executable).parent))
    assert exe is not None
    log = folder / "pip.log"
    script = folder / "python3"
    script.write_text(f"""#!/usr/bin/env bash
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  printf '%s\\n' '#!/usr/bin/env bash' \\
    'if [ "$1 $2" = "-m pip" ]; then echo "$@" >> "{log}"; exit 0; fi' \\
    'exec "{real_python}" "$@"' > "$3/bin/python"
  chmod +x "$3/bin/python"
  ln -s "{exe}" "$3/bin/manifest-lint"
  exit 0
fi
exec "{real_python}" "$@"
""")
    script.chmod(0o755)
    return script


def run_action(workspace: Path, tmp: Path, **inputs: str) -> ActionRun:
    """Run the action's steps in order, as a composite action runs them."""
    tmp.mkdir(parents=True, exist_ok=True)
    values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    values["python"] = str(fake_python(tmp))
    values.update({k.replace("_", "-"): v for k, v in inputs.items()})
    outputs: dict[str, dict[str, str]] = {}

    def evaluate(expr: str) -> str:
        parts = expr.split(".")
        if parts[0] == "inputs":
            return values[parts[1]]
        if parts[0] == "steps" and parts[2] == "outputs":
            return outputs.get(parts[1], {}).get(parts[3], "")
        return {"github.action_path": str(ROOT), "runner.temp": str(tmp / "runner")}[expr]

    stdout = stderr = ""
    code = 0
    for step in ACTION["runs"]["steps"]:
        out_file = tmp / f"output-{step['id']}"
        out_file.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        env.update({name: EXPRESSION.sub(lambda m: evaluate(m.group(1)), str(value))
                    for name, value in step.get("env", {}).items()})
        env["GITHUB_OUTPUT"] = str(out_file)
        env["GITHUB_ACTIONS"] = "true"
        script = tmp / f"step-{step['id']}.sh"
        script.write_text(step["run"])
        # The command line GitHub uses for `shell: bash`.
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace, env=env, capture_output=True, text=True,
                              encoding="utf-8", timeout=300, check=False)
        stdout += proc.stdout
        stderr += proc.stderr
        outputs[step["id"]] = dict(line.split("=", 1)
                                   for line in out_file.read_text().splitlines() if line)
        code = proc.returncode
        if code:
            break
    log = tmp / "pip.log"
    return ActionRun(code, stdout, stderr, outputs, log.read_text() if log.exists() else "")


def annotations(text: str) -> list[str]:
    """The problem annotations (notes come as ``::notice`` lines, not counted here)."""
    return [line for line in text.splitlines() if line.startswith(("::error", "::warning"))]


def test_action_is_a_composite_action_fed_through_the_environment() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"paths", "args", "sarif-file", "python"}
    assert set(ACTION["outputs"]) == {"exit-code", "sarif-file"}
    for step in ACTION["runs"]["steps"]:
        assert step["shell"] == "bash"
        # Inputs never pasted into a script (no injection): only into `env`.
        assert "${{" not in step["run"], step["name"]


def test_action_annotates_and_writes_sarif(tmp_path: Path) -> None:
    demo = demo_dataset(tmp_path / "repo")
    r = run_action(demo, tmp_path / "t", sarif_file="reports/manifest-lint.sarif")
    assert r.code == 1, r.stderr
    assert r.pip_log.split() == ["-m", "pip", "install", "--quiet",
                                 "--disable-pip-version-check", str(ROOT)]
    assert "manifest-lint " in r.stdout.splitlines()[0]  # --version after installing
    found = annotations(r.stdout)
    assert "::error file=train.csv,line=1,col=1,title=CSV104 header-row::header row " \
           "'image-location,class': label files have no header; delete it" in found
    assert any(a.startswith("::warning file=cvat/manifest.jsonl,") for a in found)
    assert any(a.startswith("::error file=labels.manifest,") for a in found)
    assert r.outputs["lint"] == {"sarif-file": "reports/manifest-lint.sarif", "exit-code": "1"}
    log = json.loads((demo / "reports" / "manifest-lint.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert len(log["runs"][0]["results"]) == len(found)
    assert r.stderr.count("labels.manifest: note: 8 media references") == 1


def test_action_on_a_clean_dataset_with_defaults(tmp_path: Path) -> None:
    clean = clean_dataset(tmp_path / "repo")
    r = run_action(clean, tmp_path / "t")
    assert r.code == 0, r.stderr
    assert annotations(r.stdout) == []
    assert r.outputs["lint"] == {"exit-code": "0"}
    assert not list(clean.rglob("*.sarif"))


def test_action_paths_and_args_split_like_a_shell(tmp_path: Path) -> None:
    demo = demo_dataset(tmp_path / "repo")
    (demo / "my data").mkdir()
    shutil.move(demo / "train.csv", demo / "my data" / "train.csv")
    r = run_action(demo, tmp_path / "t", paths="'my data/train.csv'\n  labels.manifest",
                   args="--select 'CSV3,LFV3' --exit-zero")
    assert r.code == 0, r.stderr
    assert [a.split(",title=")[1].split(" ")[0] for a in annotations(r.stdout)] == [
        "CSV301", "CSV302", "CSV303", "LFV301", "LFV302"]
    assert "file=my data/train.csv," in r.stdout


def test_action_with_a_baseline(tmp_path: Path) -> None:
    demo = demo_dataset(tmp_path / "repo")
    from tests.conftest import run_cli

    assert run_cli("lint", "--write-baseline", ".manifest-lint-baseline.json", ".",
                   cwd=demo).code == 0
    with open(demo / "train.csv", "a") as f:
        f.write("s3://example-bucket/circuitboard/train/normal/train-normal_1.jpg,normal\n")
    r = run_action(demo, tmp_path / "t", args="--baseline .manifest-lint-baseline.json",
                   sarif_file="out.sarif")
    assert r.code == 1
    assert [a.split("::")[1] for a in annotations(r.stdout)] == [
        "error file=train.csv,line=16,col=1,title=CSV301 duplicate-image"]
    assert len(json.loads((demo / "out.sarif").read_text())["runs"][0]["results"]) == 1


@pytest.mark.parametrize("inputs, message", [
    ({"args": "--select NOPE"}, "unknown rule selector 'NOPE'"),
    ({"paths": "'unbalanced"}, "cannot split input paths: No closing quotation"),
])
def test_action_usage_errors_exit_2(tmp_path: Path, inputs: dict[str, Any],
                                    message: str) -> None:
    demo = demo_dataset(tmp_path / "repo")
    r = run_action(demo, tmp_path / "t", sarif_file="out.sarif", **inputs)
    assert r.code == 2
    assert message in r.stderr
    assert not (demo / "out.sarif").exists()
