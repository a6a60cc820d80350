"""Which files form a dataset: configured globs, or the obvious layouts.

Configured (``[tool.manifest-lint.datasets.<name>]``): ``train``/``test`` globs for Lookout
for Vision files (manifests and CSV label files), ``files`` for a group of CVAT manifests.
When the config names any dataset, nothing is inferred. Otherwise:

* LfV/CSV files in one folder whose names say ``train`` and ``test`` form one dataset;
* so do the LfV/CSV files directly inside sibling folders ``train/`` and ``test/``
  (``training``/``testing`` too);
* CVAT manifests in one folder tree form one group: the ones found by walking a folder, or
  every CVAT manifest below the common folder of the manifests given as files.

A CSV and its sibling manifest (``X.csv``, ``X.manifest``) fall into the same split. The
other members are found on disk, so a run over only the changed files (pre-commit) still
sees the whole dataset.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from manifest_lint import globs
from manifest_lint.kinds import sniff_kind
from manifest_lint.media.store import SKIP_DIRS
from manifest_lint.textio import preflight

if TYPE_CHECKING:
    from manifest_lint.config import Config
    from manifest_lint.discovery import Target

_ROLE = re.compile(r"(?<![a-z])(train|training|test|testing)(?![a-z])")
LFV_KINDS = ("csv", "lfv")
_WILD = re.compile(r"[*?\[]")
MANIFEST_SUFFIXES = (".csv", ".manifest", ".jsonl", ".ndjson")  # what kind_of sniffs


@dataclass
class Member:
    """One file of a dataset."""

    path: Path
    display: str
    kind: str
    split: str  # "train" or "test"; "" in a CVAT group
    target: bool  # among the files this run lints


@dataclass
class Dataset:
    """A dataset: its members in pass order (train before test) and how it was found."""

    name: str
    cvat: bool
    how: str
    members: list[Member] = field(default_factory=list)

    def split(self, name: str) -> list[Member]:
        return [m for m in self.members if m.split == name]


def role_of_name(name: str) -> str:
    """``train``/``test`` when the file or folder name says exactly one of them."""
    found = {"test" if m.group(1).startswith("test") else "train"
             for m in _ROLE.finditer(name.lower())}
    return found.pop() if len(found) == 1 else ""


def display_of(path: Path) -> str:
    """How reports name a file found on disk: relative to the working folder if below it."""
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def kind_of(path: Path, config: Config) -> str | None:
    """The kind of ``path`` as discovery decides it (``kinds`` from the config, else the
    name and first bytes); None for other files and excluded ones."""
    if not path.is_file():  # only regular files are opened (a FIFO would block)
        return None
    rel = config.relpath(path)
    if config.exclude and globs.match_any(config.exclude, rel):
        return None
    for glob, kind in config.kinds.items():
        if globs.match(glob, rel):
            return None if kind == "skip" else kind
    if path.suffix.lower() not in MANIFEST_SUFFIXES:
        return None
    try:
        head = preflight(path).head
    except OSError:
        return None
    return sniff_kind(path, head)


def plan(targets: list[Target], config: Config) -> list[Dataset]:
    """The datasets that have at least one member among ``targets``."""
    known = {t.path.resolve(): t for t in targets if t.kind is not None}
    if config.datasets:
        out = [_configured(name, config, known) for name in config.datasets]
    else:
        out = _inferred_lfv(known, config) + _inferred_cvat(known, config)
    return [d for d in out if any(m.target for m in d.members)]


def _member(path: Path, kind: str, split: str, known: dict[Path, Target]) -> Member:
    t = known.get(path.resolve())
    if t is not None:  # a sibling added only for its CSV sync counts as not given
        return Member(t.path, t.display, kind, split, t.only is None)
    return Member(path, display_of(path), kind, split, False)


# ------------------------------------------------------------------------ configured

def _configured(name: str, config: Config, known: dict[Path, Target]) -> Dataset:
    spec = config.datasets[name]
    where = config.path.name if config.path is not None else "the config"
    ds = Dataset(name, spec.is_cvat, f"configured in {where}")
    seen: set[Path] = set()
    wanted = ("cvat",) if spec.is_cvat else LFV_KINDS
    for split, patterns in (("", spec.files), ("train", spec.train), ("test", spec.test)):
        for path in _glob(config, patterns):
            key = path.resolve()
            kind = kind_of(path, config)
            if key in seen or kind is None or kind not in wanted:
                continue
            seen.add(key)
            ds.members.append(_member(path, kind, split, known))
    return ds


def _glob(config: Config, patterns: Iterable[str]) -> Iterator[Path]:
    """Files below the config folder matching any of ``patterns``, sorted; each pattern
    walks only the folder its fixed leading segments name."""
    root = config.root
    found: set[Path] = set()
    for pattern in patterns:
        fixed: list[str] = []
        if "/" in pattern.strip("/"):
            for part in pattern.strip("/").split("/")[:-1]:
                if _WILD.search(part):
                    break
                fixed.append(part)
        base = root.joinpath(*fixed)
        if base.is_file():
            found.add(base)
            continue
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for f in files:
                p = Path(folder) / f
                if globs.match(pattern, config.relpath(p)):
                    found.add(p)
    yield from sorted(found)


# ------------------------------------------------------------------------ inferred

def _lfv_files(folder: Path, config: Config) -> list[tuple[Path, str]]:
    """The LfV/CSV files directly in ``folder``, with their kinds, sorted."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    out = []
    for n in names:
        p = folder / n
        if p.is_file() and (kind := kind_of(p, config)) in LFV_KINDS:
            out.append((p, kind))
    return out


def _inferred_lfv(known: dict[Path, Target], config: Config) -> list[Dataset]:
    out: dict[Path, Dataset] = {}
    folders = sorted({key.parent for key, t in known.items() if t.kind in LFV_KINDS})
    for folder in folders:  # each folder is listed once, however many targets it holds
        pair = _pair_in_folder(folder, config, known)
        if pair is not None:
            out.setdefault(folder, pair)
        elif (role_of_name(folder.name) and folder.parent not in out
              and (twin := _split_folders(folder.parent, config, known)) is not None):
            out[folder.parent] = twin
    return list(out.values())


def _pair_in_folder(folder: Path, config: Config, known: dict[Path, Target]
                    ) -> Dataset | None:
    files = [(p, k, role_of_name(p.stem)) for p, k in _lfv_files(folder, config)]
    roles = {r for _p, _k, r in files if r}
    if roles != {"train", "test"}:
        return None
    names = ", ".join([p.name for p, _k, r in files if r == "train"]
                      + [p.name for p, _k, r in files if r == "test"])
    ds = Dataset(folder.name or "dataset", False,
                 f"inferred from the names {names} in {display_of(folder) or '.'}")
    for split in ("train", "test"):
        ds.members += [_member(p, k, r, known) for p, k, r in files if r == split]
    return ds


def _split_folders(parent: Path, config: Config, known: dict[Path, Target]
                   ) -> Dataset | None:
    try:
        subs = sorted(d for d in os.listdir(parent) if (parent / d).is_dir())
    except OSError:
        return None
    by_role: dict[str, list[str]] = {}
    for d in subs:
        if role := role_of_name(d):
            by_role.setdefault(role, []).append(d)
    if set(by_role) != {"train", "test"}:
        return None
    folders = " and ".join(f"{d}/" for r in ("train", "test") for d in by_role[r])
    ds = Dataset(parent.name or "dataset", False,
                 f"inferred from the folders {folders} in {display_of(parent) or '.'}")
    for split in ("train", "test"):
        for d in by_role[split]:
            ds.members += [_member(p, k, split, known) for p, k in _lfv_files(parent / d, config)]
    return ds if ds.members else None


def _inferred_cvat(known: dict[Path, Target], config: Config) -> list[Dataset]:
    cvat = {k: t for k, t in known.items() if t.kind == "cvat"}
    if not cvat:
        return []
    walked = [k for k, t in cvat.items() if not t.explicit]
    given = [k for k, t in cvat.items() if t.explicit]
    paths = set(walked)
    root = Path(os.path.commonpath([str(p.parent) for p in cvat]))
    if given:
        for folder, dirs, files in os.walk(Path(os.path.commonpath([str(p.parent)
                                                                    for p in given]))):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for f in files:
                if not config.kinds and not f.lower().endswith(MANIFEST_SUFFIXES):
                    continue  # an image: kind_of would say None (no stat, no resolve)
                p = Path(folder) / f
                if kind_of(p, config) == "cvat":
                    paths.add(p.resolve())
    how = f"inferred: the CVAT manifests below {display_of(root) or '.'}"
    ds = Dataset(root.name or "cvat", True, how)
    ds.members = [_member(p, "cvat", "", known) for p in sorted(paths)]
    return [ds]
