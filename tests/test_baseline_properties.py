"""Property tests for the baseline's row-movement rule: for every kind, inserting, deleting
and reordering *other* rows (rows with no problem, not involved in one) never makes a
baselined problem reappear, and no baseline entry goes stale."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_lint import baseline
from manifest_lint.config import load_config
from manifest_lint.discovery import Target
from manifest_lint.engine import FileResult, Selection, Settings
from manifest_lint.runner import run_lint
from tests.report_datasets import lfv_line

SETTINGS = Settings(no_media=True)

# Problem rows per kind: each is a list of lines that belong together (e.g. all rows of a
# duplicated image) and keep their relative order; ``{}`` is a per-group unique token.
CSV_PROBLEMS = [
    ["s3://bucket/dup{}.jpg,normal", "s3://bucket/dup{}.jpg,normal"],  # CSV301
    ["s3://bucket/conf{}.jpg,normal", "s3://bucket/conf{}.jpg,anomaly"],  # CSV302
    ["s3://bucket/tri{}.jpg,normal", "s3://bucket/tri{}.jpg,anomaly",
     "s3://bucket/tri{}.jpg,normal"],
    ["s3://bucket/cls{}.jpg,scratch"],  # CSV203
    ["s3://bucket/case{}.jpg,Normal"],  # CSV204
    ["s3://bucket/ext{}.tif,normal"],  # CSV207
    ["s3: //bucket/uri{}.jpg,normal"],  # CSV205
    [" s3://bucket/sp{}.jpg ,anomaly"],  # CSV202
    ["s3://bucket/f{}.jpg,normal,extra"],  # CSV102
    ["s3://bucket/few{}.jpg"],  # CSV101
    [""],  # CSV103
]
LFV_PROBLEMS = [
    [lfv_line("s3://bucket/dup{}.jpg"), lfv_line("s3://bucket/dup{}.jpg")],  # LFV301
    [lfv_line("s3://bucket/cls{}.jpg", "defect")],  # LFV105
    [lfv_line("s3://bucket/case{}.jpg", "Anomaly")],  # LFV106
    [lfv_line("s3://bucket/ext{}.gif")],  # LFV112
    [lfv_line("s3://bucket/lbl{}.jpg").replace('"anomaly-label": 0', '"anomaly-label": "0"')],
    ['{"source-ref": "s3://bucket/broken{}.jpg", "anomaly-label": '],  # LFV004
    [""],  # LFV003
]


def _cvat(name: str, **change: object) -> str:
    rec: dict[str, object] = {
        "name": name, "extension": ".jpg", "width": 4, "height": 3,
        "meta": {"related_images": []},
        "checksum": hashlib.md5(name.encode()).hexdigest(),
    }
    for k, v in change.items():
        if v is None:
            rec.pop(k)
        else:
            rec[k] = v
    return json.dumps(rec, separators=(",", ":"))


CVAT_PROBLEMS = [
    [_cvat("dup{}"), _cvat("dup{}")],  # CVAT206
    [_cvat("nosum{}", checksum=None)],  # CVAT205
    [_cvat("badsum{}", checksum="XYZ")],  # CVAT204
    [json.dumps(json.loads(_cvat("spaced{}")))],  # CVAT006
    [_cvat("size{}", width=0)],  # CVAT202
    [_cvat("w{}.jpg")],  # CVAT207
    ['{"name":"x{}","extension":'],  # CVAT003
]
CVAT_HEADER = ['{"version":"1.1"}', '{"type":"images"}']


def clean_row(kind: str, i: int) -> str:
    """A row with no problem, unique by ``i``."""
    if kind == "csv":
        return f"s3://bucket/clean{i}.jpg,{'normal' if i % 3 else 'anomaly'}"
    if kind == "lfv":
        return lfv_line(f"s3://bucket/clean{i}.jpg", "normal" if i % 3 else "anomaly")
    return _cvat(f"clean{i}")


KINDS: dict[str, tuple[str, list[list[str]], list[str]]] = {
    "csv": ("data.csv", CSV_PROBLEMS, []),
    "lfv": ("data.manifest", LFV_PROBLEMS, []),
    "cvat": ("manifest.jsonl", CVAT_PROBLEMS, CVAT_HEADER),
}


def interleave(draw: st.DrawFn, fixed: list[str], others: list[str]) -> list[str]:
    """``fixed`` in its order with ``others`` (in their order) placed anywhere between."""
    out: list[str] = []
    i = j = 0
    while i < len(fixed) or j < len(others):
        take_fixed = j == len(others) or (i < len(fixed) and draw(st.booleans()))
        if take_fixed:
            out.append(fixed[i])
            i += 1
        else:
            out.append(others[j])
            j += 1
    return out


@st.composite
def scenarios(draw: st.DrawFn, kind: str) -> tuple[list[str], list[str]]:
    """A file's lines before and after moving, inserting and deleting other rows."""
    _name, problems, header = KINDS[kind]
    groups = draw(st.lists(st.sampled_from(problems), min_size=1, max_size=6))
    problem_rows = [line.replace("{}", str(n)) for n, g in enumerate(groups) for line in g]
    clean = [clean_row(kind, i) for i in range(draw(st.integers(1, 8)))]
    before = interleave(draw, problem_rows, clean)
    kept = [row for row in clean if draw(st.booleans())]
    added = [clean_row(kind, 100 + i) for i in range(draw(st.integers(0, 4)))]
    others = draw(st.permutations(kept + added))
    if not others:
        others = [clean_row(kind, 99)]
    after = interleave(draw, problem_rows, others)
    return header + before, header + after


def lint(path: Path, kind: str) -> list[FileResult]:
    return run_lint([Target(path, path.name, kind, True)], load_config(None, path), SETTINGS)


def check_rows_can_move(kind: str, before: list[str], after: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / KINDS[kind][0]
        path.write_text("\n".join(before) + "\n", encoding="utf-8")
        results = lint(path, kind)
        problems = sum(len(r.diagnostics) for r in results)
        assert problems > 0
        recorded, _names = baseline.collect(results, Path(tmp))
        path.write_text("\n".join(after) + "\n", encoding="utf-8")
        again = lint(path, kind)
        cfg = load_config(None, path)
        outcome = baseline.apply(again, Path(tmp) / "b.json", recorded,
                                 Selection(cfg, SETTINGS).codes_for)
        new = [(d.line, d.code) for r in again for d in r.diagnostics]
        assert new == [], f"reappeared: {new}"
        assert (outcome.hidden, outcome.stale) == (problems, 0)


def _property(kind: str) -> Callable[[], None]:
    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios(kind))
    def prop(case: tuple[list[str], list[str]]) -> None:
        check_rows_can_move(kind, *case)

    return prop  # type: ignore[no-any-return]


test_csv_rows_can_move = _property("csv")
test_lfv_rows_can_move = _property("lfv")
test_cvat_rows_can_move = _property("cvat")


def test_a_new_duplicate_of_a_baselined_row_is_new_in_every_kind() -> None:
    """The other half of the rule: multiplicity counts."""
    for kind, (name, problems, header) in KINDS.items():
        dup = [line.replace("{}", "0") for line in problems[0]]
        before = header + [clean_row(kind, 1), *dup]
        after = header + [clean_row(kind, 1), *dup, dup[0]]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_text("\n".join(before) + "\n", encoding="utf-8")
            recorded, _ = baseline.collect(lint(path, kind), Path(tmp))
            path.write_text("\n".join(after) + "\n", encoding="utf-8")
            again = lint(path, kind)
            cfg = load_config(None, path)
            outcome = baseline.apply(again, Path(tmp) / "b.json", recorded,
                                     Selection(cfg, SETTINGS).codes_for)
            assert [d.line for r in again for d in r.diagnostics] == [len(after)], kind
            assert (outcome.hidden, outcome.stale) == (1, 0)
