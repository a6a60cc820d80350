"""Applying fixes: plan non-overlapping edits, stream the file through them into a temp
file in the same folder, and replace the original atomically."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from manifest_lint.atomic import fsync_dir, new_temp
from manifest_lint.diagnostics import Edit, Fix
from manifest_lint.textio import UTF8_BOM, iter_raw_lines


class FixError(Exception):
    """A fix that could not be written; the original file is untouched."""


@dataclass
class Plan:
    """Accepted edits by line, whole-file operations, and how many fixes went in."""

    replaces: dict[int, Edit] = field(default_factory=dict)  # by start line
    inserts: dict[int, list[str]] = field(default_factory=dict)  # before line
    strip_bom: bool = False
    newline: bytes | None = None
    final_newline: bool = False
    accepted: int = 0
    deferred: int = 0  # fixes that overlapped an accepted one; retried next pass

    @property
    def empty(self) -> bool:
        return not (self.replaces or self.inserts or self.strip_bom or self.newline
                    or self.final_newline)


def plan(fixes: Iterable[Fix]) -> Plan:
    """Accept fixes in order, deferring any whose edits touch lines already taken.

    An insert inside a replaced range (after its first line) would be lost, so such a pair
    is never accepted together; a fix whose own insert falls inside its own replaced range
    raises :class:`FixError`. A fix shared by several diagnostics (a regenerated record)
    counts once per diagnostic it repairs (equal fixes are one fix).
    """
    p = Plan()
    taken: set[int] = set()
    insert_at: set[int] = set()
    ranges: list[tuple[int, int]] = []  # replaced line ranges
    chosen: set[Fix] = set()  # accepted fixes
    for fix in fixes:
        if fix in chosen:
            p.accepted += 1
            continue
        _check_own_edits(fix)
        lines: list[int] = []
        ok = True
        for e in fix.edits:
            if e.is_insert:
                if e.start in insert_at or any(a < e.start <= b for a, b in ranges):
                    ok = False
                continue
            span = range(e.start, e.end + 1)
            if any(n in taken for n in span) or any(e.start < k <= e.end for k in insert_at):
                ok = False
                break
            lines.extend(span)
        if not ok:
            p.deferred += 1
            continue
        if fix.newline and p.newline and fix.newline.encode() != p.newline:
            p.deferred += 1
            continue
        taken.update(lines)
        for e in fix.edits:
            if e.is_insert:
                insert_at.add(e.start)
                p.inserts.setdefault(e.start, []).append(e.content or "")
            else:
                p.replaces[e.start] = e
                ranges.append((e.start, e.end))
        p.strip_bom |= fix.strip_bom
        if fix.newline:
            p.newline = fix.newline.encode()
        p.final_newline |= fix.final_newline
        p.accepted += 1
        chosen.add(fix)
    return p


def _check_own_edits(fix: Fix) -> None:
    """Raise :class:`FixError` if one of ``fix``'s inserts falls inside its own replaced
    range (it would be dropped while the fix counts as applied)."""
    ranges = [(e.start, e.end) for e in fix.edits if not e.is_insert]
    for e in fix.edits:
        if e.is_insert and any(start < e.start <= end for start, end in ranges):
            raise FixError(
                f"a fix inserts before line {e.start}, inside the lines it replaces; the "
                "fix was not applied (please report this)"
            )


def apply_plan(src: Path, p: Plan, dest_dir: Path) -> Path | None:
    """Write ``src`` with ``p`` applied to a new temp file in ``dest_dir``.

    Returns the temp file, or None when the bytes would not change. The temp file is
    flushed and fsynced; on any error it is removed and the error re-raised.
    """
    tmp, out = new_temp(dest_dir / src.name)
    try:
        with out, open(src, "rb") as f:
            changed = _stream(f, out, p)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not changed:
        tmp.unlink(missing_ok=True)
        return None
    return tmp


def _stream(f, out, p: Plan) -> bool:  # type: ignore[no-untyped-def]
    """Copy ``f`` to ``out`` through the plan; True if any byte changed.

    Each line's terminator is held back until something follows it, so that a file that
    does not end with a newline still does not after its last lines were deleted or lines
    were appended (unless the plan asks for a final newline)."""
    changed = False
    has_bom = f.read(len(UTF8_BOM)) == UTF8_BOM
    if not has_bom:
        f.seek(0)
    if has_bom:
        if p.strip_bom:
            changed = True
        else:
            out.write(UTF8_BOM)
    nl = p.newline
    default_nl = nl
    lines = iter_raw_lines(f, skip_bom=False, max_line=None)
    n = 0
    held = b""  # the terminator of the last line written, not yet written
    src_term = b"\n"  # the terminator of the source's last line
    wrote_any = False
    pending_end: int | None = None  # inside a replaced range
    pending_edit: Edit | None = None
    original_range: list[bytes] = []

    def emit(data: bytes, term: bytes) -> None:
        nonlocal held, wrote_any
        out.write(held + data)
        held = term
        wrote_any = True

    for body, term in lines:
        n += 1
        src_term = term
        if default_nl is None and term:
            default_nl = term
        if pending_end is None:
            for content in p.inserts.get(n, ()):
                emit(content.encode("utf-8"), default_nl or b"\n")
                changed = True
            edit = p.replaces.get(n)
            if edit is not None:
                pending_end, pending_edit, original_range = edit.end, edit, []
        if pending_end is not None:
            original_range.append(body + term)
            if n < pending_end:
                continue
            assert pending_edit is not None
            if pending_edit.content is None:
                changed = True
            else:
                t = (nl if nl and term else term)
                new = pending_edit.content.encode("utf-8")
                changed |= new + t != b"".join(original_range)
                emit(new, t)
            pending_end = pending_edit = None
            continue
        t = nl if (nl and term) else term
        if t != term:
            changed = True
        emit(body, t)
    trailing = p.inserts.get(n + 1, ())
    if trailing and wrote_any and not held:
        held = default_nl or b"\n"  # the unterminated last line needs one before them
    for content in trailing:
        emit(content.encode("utf-8"), default_nl or b"\n")
        changed = True
    if held and (src_term or p.final_newline):
        out.write(held)
    elif p.final_newline and wrote_any:
        out.write(default_nl or b"\n")
        changed = True
    return changed


def replace_atomically(tmp: Path, target: Path, before: os.stat_result) -> None:
    """Move ``tmp`` over ``target`` unless ``target`` changed since ``before``."""
    try:
        now = target.stat()
        if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise FixError(
                f"{target}: file changed on disk while it was being fixed; not overwritten "
                "(run fix again)"
            )
        os.chmod(tmp, before.st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def unified_diff(old: Path, new: Path, display: str) -> str:
    """A unified diff of two versions of a file (decoded leniently for display)."""
    a = old.read_bytes().decode("utf-8", "replace").splitlines(keepends=True)
    b = new.read_bytes().decode("utf-8", "replace").splitlines(keepends=True)
    import difflib  # only for --diff

    lines = difflib.unified_diff(a, b, fromfile=f"a/{display}", tofile=f"b/{display}")
    return "".join(ln if ln.endswith(("\n", "\r")) else ln + "\n\\ No newline at end of file\n"
                   for ln in lines)
