"""A manifest against the CSV beside it (``X.csv`` for ``X.manifest``).

The CSV is the source of truth. Each manifest object is compared as it is read (an image
missing from the CSV, or a different class); after the pass, CSV images never seen are
reported where regenerating would insert them. Fixes are minimal edits, so every unchanged
line stays byte for byte: delete a line, replace a line with the regenerated one, insert the
missing lines (one edit per insertion point). Fixes are offered only when the CSV itself has
no problems.

Bare image names in the CSV are placed under ``s3-path``; without one, under the prefix the
manifest was made with (``create lfv --s3-path``), found by
:func:`manifest_lint.kinds.csv.prefix.infer_prefix`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from manifest_lint.config import Config
from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.lfv import rules as R
from manifest_lint.kinds.lfv.csvsource import CsvEntry, CsvSource, load_csv
from manifest_lint.kinds.lfv.serialize import classification_line, creation_date
from manifest_lint.wording import plural

SYNC_RULES = (R.SYNC_MISSING_IN_MANIFEST, R.SYNC_MISSING_IN_CSV, R.SYNC_CLASS)
def sibling_csv(manifest: Path) -> Path | None:
    """``X.csv`` beside ``X.manifest``, if it is a file."""
    if manifest.suffix.lower() != ".manifest":
        return None
    csv = manifest.with_suffix(".csv")
    return csv if csv.is_file() else None


class Sync:
    """Compares manifest objects with the entries of a CSV."""

    def __init__(self, display: str, src: CsvSource, csv_display: str) -> None:
        self.display = display
        self.src = src
        self.csv = csv_display
        # uri -> [entry, manifest line of its first object (0 = not seen yet)]
        self.slots: dict[str, list[CsvEntry | int]] = {e.uri: [e, 0] for e in src.entries}
        self._date: str | None = None
        self.fixable = src.ok and not src.unplaced

    @classmethod
    def load(cls, manifest: Path, display: str, config: Config) -> Sync | None:
        """A comparison with the CSV beside ``manifest``; None when there is none or it
        cannot be read."""
        csv = sibling_csv(manifest)
        if csv is None:
            return None
        csv_display = str(Path(display).with_suffix(".csv"))
        try:
            src = load_csv(csv, config, display=csv_display, infer_from=manifest)
        except OSError:
            return None
        return cls(display, src, csv_display)

    def _line_for(self, entry: CsvEntry) -> str:
        if self._date is None:
            self._date = creation_date()
        return classification_line(entry.uri, entry.cls, self._date)

    def _why_not(self) -> str:
        """Why there is no fix (the CSV's own problems), or ''."""
        if self.fixable:
            return ""
        if not self.src.problems:
            line, name = self.src.first_unplaced
            return (f"; {self.csv} holds {plural(self.src.unplaced, 'bare image name')} "
                    f"(line {line}: {name!r}) and no S3 prefix places them (CSV206 "
                    "missing-s3-prefix): set s3-path under [tool.manifest-lint.csv]")
        first = self.src.problems[0]
        n = len(self.src.problems)
        return (f"; {self.csv} has {plural(n, 'problem')} (line {first.line}: {first.rule}): "
                "fix it first, then `manifest-lint fix` updates this manifest")

    def check(self, sr: str, cls: str | None, shown_class: object, start: int, end: int
              ) -> Diagnostic | None:
        """Compare one manifest object with the CSV."""
        slot = self.slots.get(sr)
        if slot is None:
            fix = Fix((Edit(start, end, None),)) if self.fixable else None
            return R.SYNC_MISSING_IN_CSV.diag(
                self.display, start,
                f"image {sr!r} is not in {self.csv}: delete this line or add the image to "
                f"the CSV{self._why_not()}", fix=fix,
            )
        if slot[1]:
            return None  # a repeat: reported (and fixed) as a duplicate source-ref
        slot[1] = start
        entry = slot[0]
        assert isinstance(entry, CsvEntry)
        if cls == entry.cls:
            return None
        fix = Fix((Edit(start, end, self._line_for(entry)),)) if self.fixable else None
        here = repr(shown_class) if cls is None else repr(cls)
        return R.SYNC_CLASS.diag(
            self.display, start,
            f"image {sr!r} is {here} here but {entry.cls!r} in {self.csv} line {entry.line}; "
            f"the CSV is the source: regenerate the line{self._why_not()}", fix=fix,
        )

    def duplicate_fix(self, start: int, end: int) -> Fix | None:
        """Regenerating from a clean CSV drops a repeated object."""
        return Fix((Edit(start, end, None),)) if self.fixable else None

    def finish(self, last_line: int, newline: str) -> Iterator[Diagnostic]:
        """CSV images the manifest lacks, at the line before which they belong."""
        missing: list[tuple[CsvEntry, int]] = []
        before = last_line + 1
        for entry, seen in reversed(list(self.slots.values())):
            assert isinstance(entry, CsvEntry) and isinstance(seen, int)
            if seen:
                before = seen
            else:
                missing.append((entry, before))
        missing.reverse()
        groups: dict[int, list[CsvEntry]] = {}
        for entry, at in missing:
            groups.setdefault(at, []).append(entry)
        for at, entries in groups.items():
            fix = None
            if self.fixable:
                content = newline.join(self._line_for(e) for e in entries)
                fix = Fix((Edit(at, at - 1, content),))
            line = max(1, min(at, last_line))
            for e in entries:
                yield R.SYNC_MISSING_IN_MANIFEST.diag(
                    self.display, line,
                    f"image {e.uri!r} ({e.cls}, {self.csv} line {e.line}) is not in the "
                    f"manifest; regenerate it from the CSV{self._why_not()}", fix=fix,
                )
