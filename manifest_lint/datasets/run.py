"""The dataset pass as the runner sees it: which files to keep facts of while they are
linted, and, after the per-file lint, the checks of each dataset, their diagnostics put on
the files they sit in and a note per dataset."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manifest_lint.datasets.checks import Found, check_dataset, summary
from manifest_lint.datasets.cvat import Manifest, check_group
from manifest_lint.datasets.entries import FileEntries
from manifest_lint.datasets.grouping import Dataset, Member, plan
from manifest_lint.engine import FileResult, Selection, lint_file
from manifest_lint.kinds.csv import dataset as csv_dataset
from manifest_lint.kinds.cvat.dataset import REQUEST, CvatFacts, Resolver
from manifest_lint.kinds.lfv import dataset as lfv_dataset
from manifest_lint.rules import select_codes

if TYPE_CHECKING:
    from manifest_lint.config import Config
    from manifest_lint.context import Settings
    from manifest_lint.discovery import Target

PREFIX = "DS"


class DatasetPass:
    """Plans the datasets of a run, collects what the per-file lint leaves of their files,
    and checks them at the end."""

    def __init__(self, targets: list[Target], config: Config, settings: Settings,
                 selection: Selection) -> None:
        self.config = config
        self.settings = settings
        self.selection = selection
        codes = select_codes(selection.select, selection.ignore)
        active = any(c.startswith(PREFIX) for c in codes)
        self.datasets: list[Dataset] = plan(targets, config) if active else []
        self._wanted = {m.path.resolve() for d in self.datasets if not d.cvat
                        for m in d.members}
        self._entries: dict[Path, FileEntries] = {}
        # CVAT members: where their names resolve, and whether their files are hashed
        self._requests: dict[Path, tuple[Resolver, bool]] = {}
        root = self._cvat_media_root()
        for d in self.datasets:
            if d.cvat:
                self._requests |= _cvat_requests(d, root)
        self._wanted |= set(self._requests)
        self._cvat: dict[Path, CvatFacts | None] = {}

    def facts_for(self, path: Path) -> dict[str, Any] | None:
        """A dict to collect the checker's facts in when ``path`` is in a dataset (for a
        CVAT manifest it holds the request the CVAT checker answers)."""
        if not self.wants(path):
            return None
        request = self._requests.get(path.resolve())
        return {} if request is None else {REQUEST: request}

    def wants(self, path: Path) -> bool:
        """Whether the facts of ``path`` are needed (it is in a dataset)."""
        return path.resolve() in self._wanted

    def collect(self, path: Path, display: str, kind: str, facts: dict[str, Any]) -> None:
        """Keep the compact entries of a linted file (the rest of its facts is dropped)."""
        if kind == "cvat":
            got = facts.get(REQUEST)
            self._cvat[path.resolve()] = got if isinstance(got, CvatFacts) else None
            return
        self._entries[path.resolve()] = _entries(kind, path, display, facts)

    def finish(self, results: list[FileResult]) -> None:
        """Check every dataset; add the diagnostics (and result rows for files not among
        the targets) and one note per dataset (but a lone CVAT manifest) to ``results``.
        A duplicate between two files that are not among the targets is left out: it is
        not this run's business."""
        by_path = {r.path.resolve(): r for r in results}
        for ds in self.datasets:
            try:
                found, note = self._check(ds)
            except Exception as exc:  # noqa: BLE001 - reported as ML002, never a traceback
                found, note = self._internal(ds, exc), ""
            targets = {m.path.resolve() for m in ds.members if m.target}
            touched: set[Path] = set()
            for path, diag, other in found:
                key = path.resolve()
                if diag.code not in self.selection.codes_for(path):
                    continue
                if other is not None and key not in targets and other.resolve() not in targets:
                    continue  # between two files this run was not asked about
                result = by_path.get(key)
                if result is None:
                    member = next(m for m in ds.members if m.path.resolve() == key)
                    result = by_path[key] = FileResult(member.path, member.display,
                                                       member.kind, [])
                    results.append(result)
                result.diagnostics.append(diag)
                touched.add(key)
            for key in touched:
                by_path[key].diagnostics.sort(key=lambda d: d.sort_key())
            if note:
                first = next(m for m in ds.members if m.target)
                by_path[first.path.resolve()].notes.append(note)
        self._entries.clear()
        self._cvat.clear()

    @staticmethod
    def _internal(ds: Dataset, exc: Exception) -> list[Found]:
        from manifest_lint.kinds.common import INTERNAL

        first = next(m for m in ds.members if m.target)
        return [(first.path, INTERNAL.diag(
            first.display, 1,
            f"internal error in the dataset pass of dataset {ds.name!r}: "
            f"{type(exc).__name__}: {exc}; please report this"), None)]

    def _check(self, ds: Dataset) -> tuple[list[Found], str]:
        head = f"dataset {ds.name!r} ({ds.how})"
        if ds.cvat:
            counts: dict[str, int] = {}
            manifests = [Manifest(m.path, m.display, self._requests[m.path.resolve()][0],
                                  self._cvat_of(m)) for m in ds.members]
            found = list(check_group(manifests, counts))
            n = len(manifests)
            if n == 1:  # a manifest alone is checked for repeated checksums, without a note
                return found, ""
            text = (f"{head}: {n} CVAT manifests, "
                    f"{counts.get('records', 0):,} image records, "
                    f"{counts.get('checksums', 0):,} distinct checksums")
            return found, text + _also(ds)
        train = [self._of(m) for m in ds.split("train")]
        test = [self._of(m) for m in ds.split("test")]
        found = list(check_dataset(train, test))
        return found, f"{head}: {summary(train, test)}{_also(ds)}"

    def _cvat_media_root(self) -> Path | str | None:
        """Where CVAT names resolve: ``--media-root``, else the ``cvat`` table's
        ``media-root`` (as the CVAT checker decides it), else each manifest's folder."""
        if self.settings.media_root is not None:
            return self.settings.media_root
        configured = str(self.config.options("cvat").get("media-root") or "")
        if not configured:
            return None
        return configured if configured.startswith("s3://") else self.config.root / configured

    def _cvat_of(self, m: Member) -> CvatFacts | None:
        """The facts of a CVAT member; one this run did not lint is linted quietly, without
        its media, for them."""
        key = m.path.resolve()
        if key in self._cvat or m.target:
            return self._cvat.get(key)
        facts = self.facts_for(m.path) or {}
        settings = replace(self.settings, progress=False, fixing=False, no_media=True)
        lint_file(m.path, m.display, m.kind, self.config, settings, self.selection,
                  facts=facts)
        got = facts.get(REQUEST)
        return got if isinstance(got, CvatFacts) else None

    def _of(self, m: Member) -> FileEntries:
        """The entries of a member; a member this run did not lint is linted quietly (its
        own diagnostics are not reported) for them."""
        key = m.path.resolve()
        got = self._entries.get(key)
        if got is None and m.target:  # a target that was not linted (not a regular file)
            got = FileEntries(m.path, m.display, m.kind, read=False)
        if got is None:
            facts: dict[str, Any] = {}
            settings = replace(self.settings, progress=False, fixing=False)
            lint_file(m.path, m.display, m.kind, self.config, settings, self.selection,
                      facts=facts)
            got = self._entries[key] = _entries(m.kind, m.path, m.display, facts)
        return got


def _entries(kind: str, path: Path, display: str, facts: dict[str, Any]) -> FileEntries:
    module = csv_dataset if kind == "csv" else lfv_dataset
    return module.entries(path, display, facts)


def _cvat_requests(ds: Dataset, root: Path | str | None
                   ) -> dict[Path, tuple[Resolver, bool]]:
    """Per member of a CVAT group, its resolver and whether its files must be hashed: only
    when another member's names resolve in the same folder, or in one inside or around
    it (otherwise its clean names cannot meet theirs)."""
    resolvers = {m.path.resolve(): Resolver(m.path, root) for m in ds.members}
    folders: dict[str, int] = {}
    for r in resolvers.values():
        folders[r.folder()] = folders.get(r.folder(), 0) + 1
    nested: set[str] = {f for f, k in folders.items() if k > 1}
    top: dict[str, str] = {f: f for f in folders}  # the outermost member folder around it
    for f in folders:
        cut = f.rstrip("/")
        while (cut := cut.rpartition("/")[0]):
            if cut + "/" in folders:
                nested |= {f, cut + "/"}
                top[f] = cut + "/"
        if "/" in folders and f != "/":
            nested |= {f, "/"}
            top[f] = "/"
    return {key: (Resolver(m, root, top[r.folder()]) if r.folder() in nested else r,
                  r.folder() in nested)
            for (key, r), m in zip(resolvers.items(), (m.path for m in ds.members),
                                   strict=True)}


def _also(ds: Dataset) -> str:
    others = [m.display for m in ds.members if not m.target]
    if not others:
        return ""
    return f"; also read (not among the files given): {', '.join(others)}"

