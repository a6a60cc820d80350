"""Turning the paths on the command line into (file, kind) pairs."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from manifest_lint import globs
from manifest_lint.config import Config
from manifest_lint.kinds import sniff_kind
from manifest_lint.media.store import SKIP_DIRS
from manifest_lint.textio import preflight, shown

SYNC_CODES = frozenset({"LFV501", "LFV502", "LFV503"})


@dataclass(frozen=True)
class Target:
    path: Path
    display: str
    kind: str | None  # None: not linted (``note`` says why, when it is worth saying)
    explicit: bool
    note: str = ""  # why the file is skipped, or how it is checked
    unreadable: str = ""  # not a regular file: reported as ML001, never opened
    only: frozenset[str] | None = None  # check only these codes (a sibling's sync)


class PathError(Exception):
    """A path on the command line that does not exist."""


def discover(paths: list[Path], config: Config) -> Iterator[Target]:
    """Files to lint, in a stable order. Explicit files are always considered (an excluded
    one is skipped with a note); folders are walked with the include globs and the
    ``kinds`` globs, skipping VCS folders, virtualenvs, caches and gitignored files.
    Only regular files are opened. Targets with kind None are not linted."""
    for p in paths:
        if not p.exists() and not p.is_symlink():
            raise PathError(f"{shown(str(p))}: no such file or folder")
    seen: set[Path] = set()
    for p in paths:
        if p.is_dir():
            for f in _walk(p, config):
                key = f.resolve()
                if key not in seen:
                    seen.add(key)
                    t = _target(f, config, explicit=False)
                    if t.kind is not None or t.note:
                        yield t
        else:
            key = p.resolve()
            if key in seen:
                continue
            seen.add(key)
            if _excluded(p, config):
                yield Target(p, _display(p), None, True, note=_excluded_note(p, config))
                continue
            yield _target(p, config, explicit=True)


def with_sync_siblings(targets: list[Target], config: Config) -> list[Target]:
    """``targets`` plus, after each CSV label file ``X.csv``, the manifest ``X.manifest``
    beside it (when it is not a target itself), checked only for its sync with the CSV: a
    changed CSV is how a manifest falls out of sync, and a pre-commit hook passes only the
    changed file."""
    if not config.options("lfv").get("sync-csv", True):
        return targets
    named = {t.path.resolve() for t in targets}
    out: list[Target] = []
    for t in targets:
        out.append(t)
        if t.kind != "csv" or t.unreadable:
            continue
        manifest = t.path.with_suffix(".manifest")
        key = manifest.resolve()
        if key in named or not _regular(manifest) or _excluded(manifest, config):
            continue
        if _kind(manifest, config) != "lfv":
            continue
        named.add(key)
        display = _display(Path(t.display).with_suffix(".manifest"))
        out.append(Target(
            manifest, display, "lfv", False, only=SYNC_CODES,
            note=f"checked only for its sync with {t.display} (LFV501-LFV503), since that "
            "file is linted; lint this manifest itself for everything else",
        ))
    return out


def _target(p: Path, config: Config, *, explicit: bool) -> Target:
    display = _display(p)
    what = _not_regular(p)
    if what:
        return Target(p, display, sniff_kind(p, b"") or "csv", explicit,
                      unreadable=f"{what}, not a regular file: only regular files are read")
    kind = _kind(p, config)
    if kind is None and explicit and _forced(p, config):
        return Target(p, display, None, explicit, note=(
            f"skipped: `kinds` in {config.path} maps it to \"skip\""))
    if kind == "csv" and not _forced(p, config) and not _looks_like_labels(p, config):
        return Target(p, display, None, explicit, note=(
            "does not look like a CSV label file (rows of image,class); skipped. To lint it "
            f"anyway set `kinds = {{ \"{config.relpath(p)}\" = \"csv\" }}`, or add it to "
            "`exclude` to silence this note"))
    if kind is None and explicit:
        return Target(p, display, None, explicit, note=(
            "not a CSV label file, LfV manifest or CVAT manifest; skipped (set `kinds` in "
            "the config to force a kind)"))
    return Target(p, display, kind, explicit)


def _display(p: Path) -> str:
    """How reports name ``p``: bytes of a name that is not UTF-8 are shown as ``\\xNN``."""
    s = shown(str(p))
    return s[2:] if s.startswith("./") else s


def _excluded(p: Path, config: Config) -> bool:
    return bool(config.exclude) and globs.match_any(config.exclude, config.relpath(p))


def _excluded_note(p: Path, config: Config) -> str:
    rel = config.relpath(p)
    pattern = next(g for g in config.exclude if globs.match(g, rel))
    where = config.path if config.path is not None else "the config"
    return (f"excluded by `exclude` pattern {pattern!r} in {where}; not linted (remove the "
            "pattern to lint it)")


def _not_regular(p: Path) -> str:
    """What ``p`` is when it is neither a regular file nor a folder ('' otherwise, and for
    a path that cannot be stat'ed: reading it reports why)."""
    try:
        mode = os.stat(p).st_mode
    except OSError:
        return ""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return ""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _regular(p: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(p).st_mode)
    except OSError:
        return False


def _forced(p: Path, config: Config) -> bool:
    rel = config.relpath(p)
    return any(globs.match(glob, rel) for glob in config.kinds)


def _kind(p: Path, config: Config) -> str | None:
    rel = config.relpath(p)
    for glob, kind in config.kinds.items():
        if globs.match(glob, rel):
            return None if kind == "skip" else kind
    try:
        head = preflight(p).head
    except OSError:
        head = b""
    return sniff_kind(p, head)


def _looks_like_labels(p: Path, config: Config) -> bool:
    from manifest_lint.kinds.csv.sniff import looks_like_label_file

    try:
        pre = preflight(p)
    except OSError:
        return True  # reading it reports why it cannot be read
    return looks_like_label_file(pre, list(config.options("csv")["classes"]))


def _walk(root: Path, config: Config) -> list[Path]:
    found: list[Path] = []
    # A `kinds` glob is an include: `"labels/*.txt" = "csv"` lints those files too.
    include = [*config.include, *(g for g, k in config.kinds.items() if k != "skip")]
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS
            and not (here / d / "pyvenv.cfg").exists()
            and not _excluded(here / d, config)
        )
        for name in sorted(filenames):
            f = here / name
            rel = config.relpath(f)
            if globs.match_any(include, rel) and not _excluded(f, config):
                found.append(f)
    return _drop_gitignored(root, found)


def _drop_gitignored(root: Path, files: list[Path]) -> list[Path]:
    if not files:
        return files
    import subprocess  # only when a folder is walked

    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "-z", "--stdin"],
            input=b"\0".join(os.fsencode(f.resolve()) for f in files),
            capture_output=True, timeout=60, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return files
    if proc.returncode not in (0, 1):  # 128: not a git repository
        return files
    ignored = {Path(os.fsdecode(x)) for x in proc.stdout.split(b"\0") if x}
    return [f for f in files if f.resolve() not in ignored]
