"""Turning the paths on the command line into (file, kind) pairs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from manifest_lint import globs
from manifest_lint.config import Config
from manifest_lint.kinds import sniff_kind
from manifest_lint.media.store import SKIP_DIRS
from manifest_lint.textio import preflight


@dataclass(frozen=True)
class Target:
    path: Path
    display: str
    kind: str | None  # None: not a kind we know (explicit paths only)
    explicit: bool


class PathError(Exception):
    """A path on the command line that does not exist."""


def discover(paths: list[Path], config: Config) -> Iterator[Target]:
    """Files to lint, in a stable order. Explicit files are always considered (unless
    excluded); folders are walked with the include globs, skipping VCS folders,
    virtualenvs, caches and gitignored files."""
    for p in paths:
        if not p.exists() and not p.is_symlink():
            raise PathError(f"{p}: no such file or folder")
    seen: set[Path] = set()
    for p in paths:
        if p.is_dir():
            for f in _walk(p, config):
                key = f.resolve()
                if key not in seen:
                    seen.add(key)
                    kind = _kind(f, config)
                    if kind is not None:
                        yield Target(f, _display(f), kind, False)
        else:
            key = p.resolve()
            if key in seen or _excluded(p, config):
                continue
            seen.add(key)
            yield Target(p, _display(p), _kind(p, config), True)


def _display(p: Path) -> str:
    s = str(p)
    return s[2:] if s.startswith("./") else s


def _excluded(p: Path, config: Config) -> bool:
    return bool(config.exclude) and globs.match_any(config.exclude, config.relpath(p))


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


def _walk(root: Path, config: Config) -> list[Path]:
    found: list[Path] = []
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
            if globs.match_any(config.include, rel) and not _excluded(f, config):
                found.append(f)
    return _drop_gitignored(root, found)


def _drop_gitignored(root: Path, files: list[Path]) -> list[Path]:
    if not files:
        return files
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
