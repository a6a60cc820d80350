"""The lint and fix jobs over a list of targets."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from manifest_lint.atomic import write_target
from manifest_lint.config import Config
from manifest_lint.datasets.run import DatasetPass
from manifest_lint.datastats import split_stats
from manifest_lint.diagnostics import Diagnostic
from manifest_lint.discovery import Target
from manifest_lint.engine import FileResult, Selection, Settings, lint_file
from manifest_lint.fixer import FixError, apply_plan, plan, replace_atomically, unified_diff

MAX_PASSES = 10


class Narrowed(Selection):
    """A selection narrowed to some codes for some files (a sibling manifest checked only
    for its sync with the CSV that is linted)."""

    def __init__(self, base: Selection, only: dict[Path, frozenset[str]]) -> None:
        self.base = base
        self.only = only
        self.config, self.settings = base.config, base.settings

    def codes_for(self, path: Path) -> frozenset[str]:
        codes = self.base.codes_for(path)
        only = self.only.get(path)
        return codes if only is None else codes & only


def narrowed(selection: Selection, targets: Iterable[Target]) -> Selection:
    """``selection`` with the code restrictions of ``targets`` applied."""
    only = {t.path: t.only for t in targets if t.only is not None}
    return Narrowed(selection, only) if only else selection


def _selection_for(t: Target, selection: Selection) -> Selection:
    return narrowed(selection, [t])


def _unreadable(t: Target) -> FileResult | None:
    """ML001 for a target that is not a regular file (it is never opened: a FIFO would
    block), else None."""
    if not t.unreadable:
        return None
    from manifest_lint.kinds.common import UNREADABLE

    assert t.kind is not None
    diag = UNREADABLE.diag(t.display, 1, f"cannot read file: it is {t.unreadable}")
    return FileResult(t.path, t.display, t.kind, [diag])


def run_lint(targets: Iterable[Target], config: Config, settings: Settings) -> list[FileResult]:
    selection = Selection(config, settings)
    targets = list(targets)
    datasets = DatasetPass(targets, config, settings, selection)
    results = []
    for t in targets:
        assert t.kind is not None
        if (bad := _unreadable(t)) is not None:
            results.append(bad)
            continue
        notes: list[str] = [t.note] if t.note else []
        facts: dict[str, Any] = datasets.facts_for(t.path) or {}
        diags = lint_file(t.path, t.display, t.kind, config, settings,
                          _selection_for(t, selection), notes=notes, facts=facts)
        results.append(FileResult(t.path, t.display, t.kind, diags, notes=notes,
                                  stats=split_stats(facts) if settings.dataset_stats else None))
        if datasets.wants(t.path):
            datasets.collect(t.path, t.display, t.kind, facts)
    datasets.finish(results)
    return results


@dataclass
class FixOutput:
    result: FileResult
    diff: str = ""


def fix_target(
    t: Target, config: Config, settings: Settings, selection: Selection, *, diff: bool,
    facts: dict[str, Any] | None = None,
) -> FixOutput:
    """Fix one file: lint, apply the non-overlapping safe fixes, re-lint, repeat until
    nothing fixable is left; then replace the file atomically (or return a diff).
    ``facts`` gets what the last lint's checker left for later passes."""
    kind = t.kind
    assert kind is not None
    if (bad := _unreadable(t)) is not None:
        return FixOutput(bad)
    selection = _selection_for(t, selection)
    notes: list[str] = []
    facts = {} if facts is None else facts
    request = dict(facts)  # what the dataset pass asks the checker for, asked every lint

    def lint(read_path: Path | None) -> list[Diagnostic]:
        notes[:] = [t.note] if t.note else []
        facts.clear()
        facts.update(request)
        return lint_file(t.path, t.display, kind, config, settings, selection, read_path,
                         notes, facts)

    def result(diags: list[Diagnostic], fixed: int = 0, why_not: str = "") -> FileResult:
        extra = [f"not fixed: {why_not}"] if why_not else []
        stats = split_stats(facts) if settings.dataset_stats else None
        return FileResult(t.path, t.display, kind, diags, fixed, notes=[*notes, *extra],
                          stats=stats)

    target = write_target(t.path)  # a symbolic link is written through; the link stays
    try:
        before = target.stat()
    except OSError as exc:
        return FixOutput(result(lint(None), why_not=str(exc.strerror or exc)))
    diags = lint(None)
    current: Path | None = None
    fixed = 0
    try:
        for _ in range(MAX_PASSES):
            fixes = [d.fix for d in diags if d.fix is not None]
            if not fixes:
                break
            p = plan(fixes)
            new = apply_plan(current or t.path, p, target.parent)
            if new is None:
                break
            if current is not None:
                current.unlink(missing_ok=True)
            current = new
            fixed += p.accepted
            diags = lint(current)
        else:
            if any(d.fix for d in diags):
                raise FixError(
                    f"{t.display}: fixes did not converge after {MAX_PASSES} passes; "
                    "nothing was written (please report this)"
                )
        if current is None:
            return FixOutput(result(diags))
        if diff:
            text = unified_diff(t.path, current, t.display)
            current.unlink(missing_ok=True)
            return FixOutput(result(diags, fixed), text)
        replace_atomically(current, target, before)
        current = None
        return FixOutput(result(diags, fixed))
    except (FixError, OSError) as exc:
        if current is not None:
            current.unlink(missing_ok=True)
        msg = str(exc) if isinstance(exc, FixError) else f"{exc.strerror or exc}"
        return FixOutput(result(lint(None), why_not=msg))
    except BaseException:  # e.g. the cluster went away: the file stays as it was
        if current is not None:
            current.unlink(missing_ok=True)
        raise


def run_fix(
    targets: Iterable[Target],
    config: Config,
    settings: Settings,
    *,
    diff: bool,
    on_diff: Callable[[str], None],
) -> list[FileResult]:
    settings = replace(settings, fixing=True)
    selection = Selection(config, settings)
    targets = list(targets)
    datasets = DatasetPass(targets, config, settings, selection)
    results = []
    for t in targets:
        facts = datasets.facts_for(t.path)
        out = fix_target(t, config, settings, selection, diff=diff, facts=facts)
        if out.diff:
            on_diff(out.diff)
        results.append(out.result)
        if facts is not None:
            assert t.kind is not None
            datasets.collect(t.path, t.display, t.kind, facts)
    datasets.finish(results)
    return results
