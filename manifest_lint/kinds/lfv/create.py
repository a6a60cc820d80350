"""``create lfv``: a Lookout for Vision classification manifest from a CSV label file.

This does the job of AWS's example script ("Creating a classification manifest file from a
CSV file") without its bugs:

* the CSV is checked with the CSV rules (quoting, header, blank rows, classes, URIs,
  duplicates, buckets), not with a second, differently configured CSV reader;
* problems go to ``<stem>_errors.csv`` as ``line,image,class,CODE`` rows with the physical
  line numbers of the CSV, and ``<stem>_deduplicated.csv`` holds the first occurrence of each
  image among the rows without errors; then no manifest is written;
* ``--s3-path`` is joined with exactly one ``/``, and a row that already holds an ``s3://``
  URI is not prefixed again; without ``--s3-path`` (or ``s3-path`` in the config), bare names
  are placed under the prefix the manifest beside the CSV was made with, as ``lint`` does;
  with no prefix at all nothing is written (exit 2) and the message asks for ``--s3-path``;
* lines are deterministic: integer labels (1 anomaly, 0 normal), lowercase class names, keys
  in the documented order, ``creation-date`` from ``SOURCE_DATE_EPOCH`` when set (one date
  for the whole run otherwise);
* files are written atomically, and stale ``_errors``/``_deduplicated`` files of an earlier
  failed run are removed when the CSV is clean.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from manifest_lint import atomic
from manifest_lint.config import Config
from manifest_lint.diagnostics import Diagnostic
from manifest_lint.kinds.lfv.csvsource import CsvProblem, load_csv
from manifest_lint.kinds.lfv.serialize import DateError, classification_line, creation_date
from manifest_lint.s3 import S3Uri, check_s3_uri, join_prefix


class CreateError(Exception):
    """Bad usage (a missing CSV, a bad prefix or SOURCE_DATE_EPOCH): nothing is written."""


@dataclass
class CreateResult:
    """What ``create lfv`` did."""

    csv: Path
    manifest: Path | None = None  # written when the CSV had no problems
    images: int = 0
    normal: int = 0
    anomaly: int = 0
    problems: list[CsvProblem] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    errors_file: Path | None = None
    deduplicated_file: Path | None = None
    deduplicated_rows: int = 0
    removed: list[Path] = field(default_factory=list)  # stale outputs of an earlier run
    inferred: str = ""  # the prefix taken from the manifest beside the CSV, if any


def output_paths(csv_path: Path) -> tuple[Path, Path, Path]:
    """``<stem>_errors.csv``, ``<stem>_deduplicated.csv`` and ``<stem>.manifest`` beside the
    CSV."""
    stem = csv_path.with_suffix("")
    return (stem.with_name(stem.name + "_errors.csv"),
            stem.with_name(stem.name + "_deduplicated.csv"),
            stem.with_name(stem.name + ".manifest"))


def check_prefix(s3_path: str) -> None:
    """Raise :class:`CreateError` unless ``s3_path`` is an ``s3://bucket[/prefix]``."""
    probe = check_s3_uri(join_prefix(s3_path, "image.jpg"))
    if not s3_path.startswith("s3://") or not isinstance(probe, S3Uri):
        why = probe if isinstance(probe, str) else "it must start with s3://"
        raise CreateError(f"--s3-path {s3_path!r} is not an S3 prefix like "
                          f"s3://bucket/folder/ ({why})")


def create_manifest_from_csv(
    csv_path: Path,
    *,
    s3_path: str | None = None,
    output: Path | None = None,
    config: Config,
    media: bool = True,
    env: dict[str, str] | None = None,
) -> CreateResult:
    """Check ``csv_path`` and write its manifest, or the errors files (see the module
    docstring). Raises :class:`CreateError` for bad usage and ``OSError`` when a file
    cannot be written."""
    if not csv_path.is_file():
        raise CreateError(f"{csv_path}: no such file")
    if s3_path:
        check_prefix(s3_path)
    errors_path, dedup_path, default_out = output_paths(csv_path)
    target = output or default_out
    if target.resolve() == csv_path.resolve():
        raise CreateError(f"--output {target} is the CSV itself; choose another file")
    try:
        date = creation_date(env)
    except DateError as exc:
        raise CreateError(str(exc)) from None
    try:
        src = load_csv(csv_path, config, s3_path=s3_path or None, media=media,
                       display=str(csv_path), infer_from=default_out)
    except OSError as exc:
        raise CreateError(f"{csv_path}: {exc}") from None
    if src.unplaced:
        line, name = src.first_unplaced
        rows = "1 row holds a bare image name" if src.unplaced == 1 else \
            f"{src.unplaced:,} rows hold bare image names"
        raise CreateError(
            f"{csv_path}: {rows} (line {line}: {name!r}) and no S3 prefix places them in a "
            "bucket (CSV206 missing-s3-prefix): pass --s3-path s3://bucket/folder/ or set "
            "s3-path under [tool.manifest-lint.csv]; nothing written")
    result = CreateResult(csv_path, problems=src.problems, warnings=src.warnings,
                          inferred=src.inferred)
    if src.problems:
        write_atomically(errors_path, _csv_text(
            [str(p.line), p.image, p.cls, p.code] for p in src.problems))
        write_atomically(dedup_path, _csv_text(src.clean_rows))
        result.errors_file, result.deduplicated_file = errors_path, dedup_path
        result.deduplicated_rows = len(src.clean_rows)
        return result
    text = "".join(classification_line(e.uri, e.cls, date) + "\n" for e in src.entries)
    write_atomically(target, text)
    result.manifest = target
    result.images = len(src.entries)
    result.anomaly = sum(1 for e in src.entries if e.cls == "anomaly")
    result.normal = result.images - result.anomaly
    for stale in (errors_path, dedup_path):
        if stale.is_file():
            stale.unlink()
            result.removed.append(stale)
    return result


def _csv_text(rows: Iterable[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def write_atomically(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` through a temp file in the same folder, creating
    missing folders. An error names ``path``, not the temp file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
