"""`fix` on files kept as symbolic links (DVC, git-annex): the link's target is rewritten
atomically in the target's folder and the link stays."""

from __future__ import annotations

import os
from pathlib import Path

from manifest_lint.diagnostics import Edit, Fix
from manifest_lint.fixer import FixError, plan
from tests.conftest import FIXTURES, run_cli


def _linked(tmp_path: Path, name: str, data: bytes) -> tuple[Path, Path]:
    """``data`` stored in a cache folder, with a link ``work/name`` to it."""
    cache = tmp_path / "cache"
    cache.mkdir()
    real = cache / "blob"
    real.write_bytes(data)
    work = tmp_path / "work"
    work.mkdir()
    link = work / name
    link.symlink_to(os.path.relpath(real, work))
    return link, real


def _assert_written_through(link: Path, real: Path, expected: bytes) -> None:
    assert link.is_symlink()
    assert real.read_bytes() == expected
    assert link.read_bytes() == expected
    leftovers = [p.name for p in (*real.parent.iterdir(), *link.parent.iterdir())
                 if p.name.endswith(".tmp")]
    assert leftovers == []


def test_fix_writes_through_a_symlinked_csv(tmp_path: Path) -> None:
    link, real = _linked(tmp_path, "train.csv",
                         b"s3://bucket/a.jpg,normal\n\ns3://bucket/b.jpg,Anomaly\n")
    r = run_cli("fix", link, "--no-media")
    assert r.code == 0, r.stdout + r.stderr
    _assert_written_through(link, real, b"s3://bucket/a.jpg,normal\ns3://bucket/b.jpg,anomaly\n")


def test_fix_writes_through_a_symlinked_lfv_manifest(tmp_path: Path) -> None:
    good = (FIXTURES / "lfv" / "classification" / "good" / "train.manifest").read_bytes()
    lines = good.splitlines(keepends=True)
    link, real = _linked(tmp_path, "train.manifest", lines[0] + b"\n" + b"".join(lines[1:]))
    r = run_cli("fix", link, "--no-media")
    assert r.code == 0, r.stdout + r.stderr
    _assert_written_through(link, real, good)


def test_fix_writes_through_a_symlinked_cvat_manifest(tmp_path: Path) -> None:
    good = (FIXTURES / "cvat" / "golden" / "images_lexicographical.jsonl").read_bytes()
    link, real = _linked(tmp_path, "manifest.jsonl", good.replace(b"\n", b"\r\n"))
    r = run_cli("fix", link, "--no-media")
    assert r.code == 0, r.stdout + r.stderr
    _assert_written_through(link, real, good)
    assert run_cli("fix", link, "--no-media").code == 0
    assert real.read_bytes() == good


def test_fix_diff_of_a_symlink_leaves_both_alone(tmp_path: Path) -> None:
    data = b"s3://bucket/a.jpg,normal\n\n"
    link, real = _linked(tmp_path, "train.csv", data)
    r = run_cli("fix", "--diff", link, "--no-media")
    assert "-\n" in r.stdout or "@@" in r.stdout
    _assert_written_through(link, real, data)


def test_create_lfv_output_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    from manifest_lint.atomic import write_atomically

    link, real = _linked(tmp_path, "out.manifest", b"old\n")
    write_atomically(link, b"new\n")
    _assert_written_through(link, real, b"new\n")


# --------------------------------------------------------------------------- plans


def test_plan_defers_an_insert_inside_a_replaced_range() -> None:
    replace = Fix((Edit(2, 4, "x"),))
    insert = Fix((Edit(3, 2, "inserted"),))
    p = plan([replace, insert])
    assert (p.accepted, p.deferred) == (1, 1)
    assert p.inserts == {}
    p = plan([insert, replace])  # the other way round: the replace waits
    assert (p.accepted, p.deferred) == (1, 1)
    assert p.replaces == {}


def test_plan_rejects_a_fix_whose_insert_falls_inside_its_own_replace() -> None:
    import pytest

    crafted = Fix((Edit(2, 4, "x"), Edit(3, 2, "lost")))
    with pytest.raises(FixError, match="inside"):
        plan([crafted])


def test_plan_counts_every_problem_a_shared_fix_repairs() -> None:
    shared = Fix((Edit(1, 3, "all"),))
    p = plan([shared, shared, shared])
    assert (p.accepted, p.deferred) == (3, 0)
