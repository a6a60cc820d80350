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
from itertools import compress, repeat
from operator import ge
from pathlib import Path
from typing import TYPE_CHECKING

from manifest_lint.config import Config
from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.csv.rows import CLASS_SLOTS
from manifest_lint.kinds.lfv import rules as R
from manifest_lint.kinds.lfv.csvsource import CsvIndex, index_csv
from manifest_lint.kinds.lfv.serialize import CLASSES, classification_line, creation_date
from manifest_lint.wording import plural

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext

SYNC_RULES = (R.SYNC_MISSING_IN_MANIFEST, R.SYNC_MISSING_IN_CSV, R.SYNC_CLASS)


def sibling_csv(manifest: Path) -> Path | None:
    """``X.csv`` beside ``X.manifest``, if it is a file."""
    if manifest.suffix.lower() != ".manifest":
        return None
    csv = manifest.with_suffix(".csv")
    return csv if csv.is_file() else None


def for_context(ctx: CheckContext) -> Sync | None:
    """The comparison of the manifest of ``ctx`` with its CSV, when it is wanted (the
    sync rules selected, ``sync-csv`` on) and there is a CSV beside it."""
    if not ctx.options.get("sync-csv", True) or not any(ctx.enabled(r) for r in SYNC_RULES):
        return None
    return Sync.load(ctx.path, ctx.display, ctx.config)


class Sync:
    """Compares manifest objects with the rows of a CSV.

    ``images`` maps each CSV image to its row (line * ``CLASS_SLOTS`` + index into
    ``CLASSES``) until the manifest shows it, then to minus the manifest line of its first
    object: one int per image, in CSV order.
    """

    def __init__(self, display: str, index: CsvIndex, csv_display: str) -> None:
        self.display = display
        self.index = index
        self.images = index.images
        self.csv = csv_display
        self._date: str | None = None
        self.fixable = index.ok and not index.unplaced

    @classmethod
    def load(cls, manifest: Path, display: str, config: Config) -> Sync | None:
        """A comparison with the CSV beside ``manifest``; None when there is none or it
        cannot be read."""
        csv = sibling_csv(manifest)
        if csv is None:
            return None
        csv_display = str(Path(display).with_suffix(".csv"))
        try:
            index = index_csv(csv, config, display=csv_display, infer_from=manifest)
        except OSError:
            return None
        return cls(display, index, csv_display)

    def _line_for(self, uri: str, cls: str) -> str:
        if self._date is None:
            self._date = creation_date()
        return classification_line(uri, cls, self._date)

    def _why_not(self) -> str:
        """Why there is no fix (the CSV's own problems), or ''."""
        if self.fixable:
            return ""
        index = self.index
        if not index.problems:
            line, name = index.first_unplaced
            return (f"; {self.csv} holds {plural(index.unplaced, 'bare image name')} "
                    f"(line {line}: {name!r}) and no S3 prefix places them (CSV206 "
                    "missing-s3-prefix): set s3-path under [tool.manifest-lint.csv]")
        line, rule = index.first_problem
        return (f"; {self.csv} has {plural(index.problems, 'problem')} (line {line}: "
                f"{rule}): fix it first, then `manifest-lint fix` updates this manifest")

    def check(self, sr: str, cls: str | None, shown_class: object, start: int, end: int
              ) -> Diagnostic | None:
        """Compare one manifest object with the CSV."""
        packed = self.images.get(sr)
        if packed is None:
            fix = Fix((Edit(start, end, None),)) if self.fixable else None
            return R.SYNC_MISSING_IN_CSV.diag(
                self.display, start,
                f"image {sr!r} is not in {self.csv}: delete this line or add the image to "
                f"the CSV{self._why_not()}", fix=fix,
            )
        if packed < 0:
            return None  # a repeat: reported (and fixed) as a duplicate source-ref
        self.images[sr] = -start
        line, idx = divmod(packed, CLASS_SLOTS)
        want = CLASSES[idx]
        if cls == want:
            return None
        fix = Fix((Edit(start, end, self._line_for(sr, want)),)) if self.fixable else None
        here = repr(shown_class) if cls is None else repr(cls)
        return R.SYNC_CLASS.diag(
            self.display, start,
            f"image {sr!r} is {here} here but {want!r} in {self.csv} line {line}; "
            f"the CSV is the source: regenerate the line{self._why_not()}", fix=fix,
        )

    def duplicate_fix(self, start: int, end: int) -> Fix | None:
        """Regenerating from a clean CSV drops a repeated object."""
        return Fix((Edit(start, end, None),)) if self.fixable else None

    def finish(self, last_line: int, newline: str) -> Iterator[Diagnostic]:
        """CSV images the manifest lacks, at the line before which they belong."""
        missing: list[tuple[str, int, int]] = []  # (uri, packed row, insert before)
        values = list(self.images.values())
        # the images never shown (found in C); each is inserted before the manifest line
        # of the next CSV image that was shown, or at the end
        unseen = list(compress(range(len(values)), map(ge, values, repeat(0))))
        uris = list(self.images) if unseen else []
        end, before = len(values), last_line + 1
        for i in reversed(unseen):
            for j in range(i + 1, end):  # stops at the first shown image, or at i's successor
                if values[j] < 0:
                    before = -values[j]
                    break
            missing.append((uris[i], values[i], before))
            end = i
        missing.reverse()
        groups: dict[int, list[tuple[str, str, int]]] = {}
        for uri, packed, at in missing:
            line, idx = divmod(packed, CLASS_SLOTS)
            groups.setdefault(at, []).append((uri, CLASSES[idx], line))
        for at, rows in groups.items():
            fix = None
            if self.fixable:
                content = newline.join(self._line_for(uri, cls) for uri, cls, _ in rows)
                fix = Fix((Edit(at, at - 1, content),))
            where = max(1, min(at, last_line))
            for uri, cls, line in rows:
                yield R.SYNC_MISSING_IN_MANIFEST.diag(
                    self.display, where,
                    f"image {uri!r} ({cls}, {self.csv} line {line}) is not in the "
                    f"manifest; regenerate it from the CSV{self._why_not()}", fix=fix,
                )
