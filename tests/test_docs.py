"""README and CI stay true: the rule table, the two set-up commands, every rule documented."""

from __future__ import annotations

import re

from manifest_lint.docs import readme_with_rules
from manifest_lint.rules import all_rules
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rule_table_is_current() -> None:
    assert readme_with_rules(README) == README, (
        "README rule table is stale: run `python -m manifest_lint.docs README.md`"
    )


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```bash\n(.+?)\n```", README)
    assert len(commands) == 2
    install_and_run, test_command = commands
    assert "manifest-lint lint fixtures/" in install_and_run
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()


def test_every_rule_is_documented() -> None:
    rules = all_rules()
    assert rules
    for r in rules:
        assert re.fullmatch(r"[A-Z]{2,4}\d{3}", r.code), r.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.name
        assert r.summary and r.why and r.bad and r.good, r.code
        assert r.bad != r.good, r.code


def test_readme_lists_every_hook() -> None:
    hooks = re.findall(r"^- id: (\S+)", (ROOT / ".pre-commit-hooks.yaml").read_text(), re.M)
    assert hooks == ["manifest-lint", "manifest-lint-fix"]
    for h in hooks:
        assert f"id: {h}" in README
