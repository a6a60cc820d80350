"""`fix` on CSV label files: atomic, byte-preserving (every result is compared as bytes, for
LF, CRLF and CR files with and without a final newline), idempotent, never loses rows; rows
spanning lines are edited and deleted whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from manifest_lint.diagnostics import Edit, Fix
from manifest_lint.fixer import apply_plan, plan
from tests.conftest import fix_file, run_cli, with_ending

BAD = (
    "image,label\n"
    "s3://bucket/a.jpg,normal\n"
    "\n"
    "s3://bucket/b.jpg,Anomaly\n"
    "s3://bucket/a.jpg,normal\n"
    "s3://bucket/a.jpg,anomaly\n"
    " s3://bucket/c.jpg ,NORMAL\n"
    "s3: //bucket/e.jpg,normal\n"
)
FIXED = (
    "s3://bucket/a.jpg,normal\n"
    "s3://bucket/b.jpg,anomaly\n"
    "s3://bucket/a.jpg,anomaly\n"
    "s3://bucket/c.jpg,normal\n"
    "s3: //bucket/e.jpg,normal\n"
)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_fix_applies_safe_fixes_and_reports_what_remains(tmp_path: Path, newline: str) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(with_ending(BAD, newline, True))
    r = run_cli("fix", p, "--format", "concise")
    assert p.read_bytes() == with_ending(FIXED, newline, True)
    assert r.code == 1  # the conflict and the bad URI remain
    assert "fixed 6 problems" in r.stderr
    assert [ln.split(": ")[1].split()[0] for ln in r.stdout.splitlines()] == [
        "CSV302", "CSV205"]
    again = run_cli("fix", p, "--format", "concise")
    assert p.read_bytes() == with_ending(FIXED, newline, True)
    assert "fixed" not in again.stderr


def test_fix_keeps_crlf_and_bom_unless_selected(tmp_path: Path) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(b"\xef\xbb\xbf" + BAD.replace("\n", "\r\n").encode())
    run_cli("fix", p, "--ignore", "CSV002")
    assert p.read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()
    run_cli("fix", p)
    assert p.read_bytes() == FIXED.replace("\n", "\r\n").encode()


def test_every_fix_keeps_the_line_ends_and_bom_unless_selected(
        tmp_path: Path, ending: tuple[str, bool]) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(b"\xef\xbb\xbf" + with_ending(BAD, *ending))
    assert fix_file(p, "csv", ignore=["CSV002"]).fixed == 6
    assert p.read_bytes() == b"\xef\xbb\xbf" + with_ending(FIXED, *ending)
    assert fix_file(p, "csv").fixed == 1
    assert p.read_bytes() == with_ending(FIXED, *ending)
    assert fix_file(p, "csv").fixed == 0
    assert p.read_bytes() == with_ending(FIXED, *ending)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_a_rewritten_last_line_keeps_its_missing_newline(tmp_path: Path, newline: str) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(f"s3://bucket/a.jpg,normal{newline}s3://bucket/b.jpg,Anomaly".encode())
    r = run_cli("fix", p)
    assert r.code == 0
    assert p.read_bytes() == f"s3://bucket/a.jpg,normal{newline}s3://bucket/b.jpg,anomaly".encode()


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_deleting_the_last_line_keeps_the_missing_newline(tmp_path: Path, newline: str) -> None:
    p = tmp_path / "train.csv"
    rows = ["s3://bucket/a.jpg,normal", "s3://bucket/b.jpg,normal", "s3://bucket/a.jpg,normal"]
    p.write_bytes(newline.join(rows).encode())
    assert run_cli("fix", p).code == 0
    assert p.read_bytes() == newline.join(rows[:2]).encode()
    p.write_bytes((newline.join(rows) + newline).encode())
    assert run_cli("fix", p).code == 0
    assert p.read_bytes() == (newline.join(rows[:2]) + newline).encode()


def test_apply_plan_deletes_and_appends_at_the_end_without_a_final_newline(
        tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_bytes(b"a\nb\nc")
    out = apply_plan(src, plan([Fix((Edit(3, 3, None),))]), tmp_path)
    assert out is not None and out.read_bytes() == b"a\nb"
    out = apply_plan(src, plan([Fix((Edit(2, 3, None),)), Fix((Edit(4, 3, "d\ne"),))]),
                     tmp_path)
    assert out is not None and out.read_bytes() == b"a\nd\ne"
    out = apply_plan(src, plan([Fix((Edit(3, 3, None),), final_newline=True)]), tmp_path)
    assert out is not None and out.read_bytes() == b"a\nb\n"
    out = apply_plan(src, plan([Fix((Edit(1, 3, None),))]), tmp_path)
    assert out is not None and out.read_bytes() == b""


def test_clean_file_is_not_rewritten(tmp_path: Path) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(b"s3://bucket/a.jpg,normal\n")
    os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    r = run_cli("fix", p)
    assert r.code == 0
    assert p.stat().st_mtime_ns == 1_000_000_000
    assert p.read_bytes() == b"s3://bucket/a.jpg,normal\n"


def test_diff_writes_nothing(tmp_path: Path) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(BAD.encode())
    r = run_cli("fix", "--diff", p)
    assert p.read_bytes() == BAD.encode()
    assert r.code == 1
    assert "-image,label\n" in r.stdout
    assert "+s3://bucket/b.jpg,anomaly\n" in r.stdout
    assert "would fix 6 problems" in r.stderr


def test_fix_keeps_mode_bits_and_leaves_no_temp_files(tmp_path: Path) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(BAD.encode())
    p.chmod(0o640)
    run_cli("fix", p)
    assert p.read_bytes() == FIXED.encode()
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    assert sorted(x.name for x in tmp_path.iterdir()) == ["train.csv"]


# --- rows spanning lines: every fix that edits a row -------------------------------------
# (name, file, fixed file, codes left) in LF form; each runs with every line-ending variant,
# newlines inside quoted fields included. The row after the multi-line one must survive.
MULTILINE = [
    ("blank", 's3://bucket/a.jpg,normal\n"\n",\ns3://bucket/b.jpg,normal\n',
     "s3://bucket/a.jpg,normal\ns3://bucket/b.jpg,normal\n", []),
    ("blank-spaces", 's3://bucket/a.jpg,normal\n" \n\n ","\n"\ns3://bucket/b.jpg,normal\n',
     "s3://bucket/a.jpg,normal\ns3://bucket/b.jpg,normal\n", []),
    ("header", '"image\n",label\ns3://bucket/a.jpg,normal\n', "s3://bucket/a.jpg,normal\n", []),
    ("image-spaces",
     's3://bucket/a.jpg,normal\n" s3://bucket/c.jpg\n",anomaly\ns3://bucket/b.jpg,normal\n',
     "s3://bucket/a.jpg,normal\ns3://bucket/c.jpg,anomaly\ns3://bucket/b.jpg,normal\n", []),
    ("class-case",
     's3://bucket/a.jpg,normal\ns3://bucket/c.jpg,"Anomaly\n"\ns3://bucket/b.jpg,normal\n',
     "s3://bucket/a.jpg,normal\ns3://bucket/c.jpg,anomaly\ns3://bucket/b.jpg,normal\n", []),
    ("class-case-multiline-name",
     's3://bucket/a.jpg,normal\n"s3://bucket/c\nd.jpg",Anomaly\ns3://bucket/b.jpg,normal\n',
     's3://bucket/a.jpg,normal\n"s3://bucket/c\nd.jpg",anomaly\ns3://bucket/b.jpg,normal\n',
     [("CSV205", 2)]),
    ("duplicate",
     '"s3://bucket/c\nd.jpg",normal\ns3://bucket/a.jpg,normal\n"s3://bucket/c\nd.jpg",normal\n'
     "s3://bucket/b.jpg,normal\n",
     '"s3://bucket/c\nd.jpg",normal\ns3://bucket/a.jpg,normal\ns3://bucket/b.jpg,normal\n',
     [("CSV205", 1)]),
    ("duplicate-and-class-case",
     's3://bucket/a.jpg,normal\ns3://bucket/a.jpg,"Normal\n\n"\ns3://bucket/b.jpg,normal\n',
     "s3://bucket/a.jpg,normal\ns3://bucket/b.jpg,normal\n", []),
]


@pytest.mark.parametrize(("data", "want", "left"), [m[1:] for m in MULTILINE],
                         ids=[m[0] for m in MULTILINE])
def test_fixes_edit_and_delete_rows_spanning_lines_whole(
        tmp_path: Path, ending: tuple[str, bool], data: str, want: str,
        left: list[tuple[str, int]]) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(with_ending(data, *ending))
    out = _fix_in_process(p)
    assert p.read_bytes() == with_ending(want, *ending)
    assert [(d.code, d.line) for d in out.result.diagnostics] == left
    assert _fix_in_process(p).result.fixed == 0
    assert p.read_bytes() == with_ending(want, *ending)


def test_fix_of_a_multiline_row_through_the_cli(tmp_path: Path) -> None:
    # Excel's style: CRLF between rows, a bare LF inside a quoted cell.
    p = tmp_path / "train.csv"
    p.write_bytes(b'"s3://bucket/a\nb.jpg",Normal\r\n"\n",\r\ns3://bucket/c.jpg,normal\r\n')
    r = run_cli("fix", p, "-f", "concise")
    assert p.read_bytes() == b'"s3://bucket/a\nb.jpg",normal\r\ns3://bucket/c.jpg,normal\r\n'
    assert r.code == 1 and "fixed 2 problems" in r.stderr
    assert [ln.split(": ")[0] for ln in r.stdout.splitlines()] == [f"{p}:1:1"]


def test_quoted_row_keeps_quotes_when_fixed(tmp_path: Path, ending: tuple[str, bool]) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(with_ending('"s3://bucket/a,b.jpg",Anomaly\ns3://bucket/c.jpg,normal\n',
                              *ending))
    fix_file(p, "csv")
    assert p.read_bytes() == with_ending(
        '"s3://bucket/a,b.jpg",anomaly\ns3://bucket/c.jpg,normal\n', *ending)


def test_no_rows_lost_except_exact_duplicates(tmp_path: Path) -> None:
    rows = [f"s3://bucket/{i % 7}.jpg,{'normal' if i % 3 else 'Normal'}" for i in range(40)]
    p = tmp_path / "train.csv"
    p.write_bytes(("\n".join(rows) + "\n").encode())
    run_cli("fix", p)
    # The first row of each image stays where it was, its class written canonically.
    firsts: dict[str, str] = {}
    for r in rows:
        firsts.setdefault(r.split(",")[0], r.lower())
    assert p.read_bytes() == ("\n".join(firsts.values()) + "\n").encode()


def _fix_in_process(p: Path):  # type: ignore[no-untyped-def]
    from manifest_lint.config import load_config
    from manifest_lint.discovery import Target
    from manifest_lint.engine import Selection, Settings
    from manifest_lint.runner import fix_target

    cfg, s = load_config(None, p), Settings()
    return fix_target(Target(p, p.name, "csv", True), cfg, s, Selection(cfg, s), diff=False)


def test_failed_replace_leaves_original_and_no_temp(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(BAD.encode())

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("manifest_lint.fixer.os.replace", refuse)
    out = _fix_in_process(p)
    assert "not fixed: Permission denied" in out.result.notes
    assert p.read_bytes() == BAD.encode()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["train.csv"]
    assert any(d.code == "CSV104" for d in out.result.diagnostics)


def test_file_changed_during_fix_is_not_overwritten(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import manifest_lint.fixer as fixer

    p = tmp_path / "train.csv"
    p.write_bytes(BAD.encode())
    real_apply = fixer.apply_plan

    def apply_then_touch(*args: object, **kw: object):  # type: ignore[no-untyped-def]
        out = real_apply(*args, **kw)  # type: ignore[arg-type]
        p.write_bytes(BAD.encode() + b"s3://bucket/z.jpg,normal\n")
        return out

    monkeypatch.setattr("manifest_lint.runner.apply_plan", apply_then_touch)
    out = _fix_in_process(p)
    assert any("changed on disk" in n for n in out.result.notes)
    assert p.read_bytes() == BAD.encode() + b"s3://bucket/z.jpg,normal\n"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["train.csv"]


def test_the_new_file_is_fsynced_before_it_replaces_the_old(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(BAD.encode())
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        where = Path(f"/proc/self/fd/{fd}")
        events.append(("fsync", os.readlink(where) if where.exists() else "?"))
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append(("replace", os.path.realpath(src)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    assert _fix_in_process(p).result.fixed == 6
    assert p.read_bytes() == FIXED.encode()
    replaced = [i for i, (what, _) in enumerate(events) if what == "replace"]
    assert len(replaced) == 1, events
    tmp = events[replaced[0]][1]
    synced = [path for what, path in events[:replaced[0]] if what == "fsync"]
    assert tmp in synced or synced == ["?"], events  # ("?": no /proc to name the fd)


def test_plan_defers_overlapping_edits() -> None:
    a = Fix((Edit(2, 2, "x"),))
    b = Fix((Edit(2, 3, None),))
    c = Fix((Edit(5, 4, "inserted"),))
    p = plan([a, b, c])
    assert (p.accepted, p.deferred) == (2, 1)
    assert set(p.replaces) == {2} and p.inserts == {5: ["inserted"]}


def test_apply_plan_inserts_appends_and_normalises(tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_bytes(b"a\r\nb\r\nc")
    p = plan([Fix((Edit(2, 1, "new"),)), Fix((Edit(4, 3, "end"),))])
    out = apply_plan(src, p, tmp_path)
    assert out is not None
    # appended after a last line without a newline: still no newline at the end
    assert out.read_bytes() == b"a\r\nnew\r\nb\r\nc\r\nend"
    p2 = plan([Fix(newline="\n", final_newline=True)])
    out2 = apply_plan(src, p2, tmp_path)
    assert out2 is not None and out2.read_bytes() == b"a\nb\nc\n"


def test_apply_plan_returns_none_when_nothing_changes(tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_bytes(b"a\nb\n")
    assert apply_plan(src, plan([Fix((Edit(1, 1, "a"),))]), tmp_path) is None
    assert [x.name for x in tmp_path.iterdir()] == ["f.txt"]


def test_fix_withholds_line_edits_in_a_file_it_could_not_read_fully(tmp_path: Path) -> None:
    p = tmp_path / "train.csv"
    data = 's3://bucket/a.jpg,Normal\n\n"s3://bucket/b.jpg,normal\ns3://bucket/c.jpg,anomaly\n'
    p.write_bytes(data.encode())
    r = run_cli("fix", p, "-f", "concise")
    assert p.read_bytes() == data.encode()
    assert r.code == 1
    assert "line fixes withheld: the file could not be read fully (CSV003" in r.stderr
    assert "[*]" not in r.stdout


def test_bom_is_still_fixed_in_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "train.csv"
    p.write_bytes(b"\xef\xbb\xbfs3://bucket/a.jpg,Normal\ns3://bucket/\xff.jpg,normal\n")
    run_cli("fix", p)
    assert p.read_bytes() == b"s3://bucket/a.jpg,Normal\ns3://bucket/\xff.jpg,normal\n"


def test_write_failing_midway_leaves_original_and_no_temp(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    import manifest_lint.fixer as fixer

    p = tmp_path / "train.csv"
    p.write_bytes(BAD.encode())
    real_stream = fixer._stream

    def half_then_fail(f, out, plan):  # type: ignore[no-untyped-def]
        out.write(b"s3://bucket/partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixer, "_stream", half_then_fail)
    out = _fix_in_process(p)
    assert "not fixed: No space left on device" in out.result.notes
    assert p.read_bytes() == BAD.encode()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["train.csv"]
    monkeypatch.setattr(fixer, "_stream", real_stream)
    assert _fix_in_process(p).result.fixed == 6
