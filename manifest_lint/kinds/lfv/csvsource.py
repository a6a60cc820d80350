"""A CSV label file read as the source of a manifest (for ``create lfv`` and manifest sync).

The CSV is checked with the CSV rules (all of them, whatever ``select``/``ignore`` say, since
an ignored error would still produce a manifest the service rejects); error diagnostics
become problems with the AWS script's codes where it has one (``INVALID_CLASSIFICATION``,
``DUPLICATE``) and the rule name in upper case otherwise (``INVALID_S3_URI``), for the errors
file; messages name our rule (``CSV203 unknown-class``).

For the manifest sync, :func:`index_csv` keeps less: the CSV checker's duplicate map (image ->
first line * ``CLASS_SLOTS`` + class index, in file order) less the rows that have an error,
one int per image, with no second pass over the CSV and no object per row. It says the same
as ``load_csv`` would (entries, problems, bare names and the prefix they are placed under);
when the checker could not finish (an internal error) it is built from ``load_csv``.

Bare image names are placed under the S3 prefix: ``s3-path`` (``--s3-path``), else the
prefix the manifest beside the CSV was made with (when asked to infer it). Bare names with no
prefix at all are not row problems (the row is fine; the prefix is missing): they are counted
in ``unplaced``, and the caller decides (``create lfv`` stops, the manifest sync reports them).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import floordiv, not_
from pathlib import Path
from typing import Any

from manifest_lint.config import Config
from manifest_lint.diagnostics import Diagnostic, Severity
from manifest_lint.engine import Selection, Settings, lint_file
from manifest_lint.kinds.csv.rows import CLASS_SLOTS
from manifest_lint.kinds.lfv.serialize import CLASSES
from manifest_lint.s3 import check_s3_uri, join_prefix

_AWS_CODES = {"CSV203": "INVALID_CLASSIFICATION", "CSV301": "DUPLICATE", "CSV302": "DUPLICATE"}


@dataclass(frozen=True, slots=True)
class CsvEntry:
    """A usable CSV row: its physical line, image URI and lowercase class."""

    line: int
    uri: str
    cls: str


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """A row the manifest cannot be made from (one per problem; a row can have several)."""

    line: int
    image: str
    cls: str
    code: str  # INVALID_CLASSIFICATION, DUPLICATE or a rule name in upper case
    message: str
    rule: str = ""  # our rule, "CSV203 unknown-class"


@dataclass
class CsvSource:
    """What a CSV label file yields: entries in file order, problems, warnings, and the rows
    without errors (for ``<stem>_deduplicated.csv``)."""

    path: Path
    prefix: str
    entries: list[CsvEntry] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    clean_rows: list[list[str]] = field(default_factory=list)
    inferred: str = ""  # the prefix taken from the manifest beside the CSV, if any
    unplaced: int = 0  # bare image names with no prefix to place them under
    first_unplaced: tuple[int, str] = (0, "")  # its line and name

    @property
    def ok(self) -> bool:
        return not self.problems


def source_config(config: Config, s3_path: str | None) -> Config:
    """``config`` with every CSV rule selected, LfV's two classes, and ``s3_path`` (when
    given) as the CSV prefix."""
    csv_opts = dict(config.options("csv"))
    csv_opts["classes"] = list(CLASSES)
    if s3_path is not None:
        csv_opts["s3-path"] = s3_path
    return dataclasses.replace(
        config, select=None, ignore=[], per_file_ignores={},
        kind_options={**config.kind_options, "csv": csv_opts},
    )


def aws_code(d: Diagnostic) -> str:
    """The code for the errors file: the AWS script's where it has one, else the rule name."""
    return _AWS_CODES.get(d.code) or d.name.upper().replace("-", "_")


def load_csv(path: Path, config: Config, *, s3_path: str | None = None,
             media: bool = False, display: str | None = None,
             infer_from: Path | None = None) -> CsvSource:
    """Check and read the CSV at ``path``. Without a prefix, bare names are placed under
    the one ``infer_from`` (a manifest) was made with, if it tells. Raises ``OSError``
    only if the CSV cannot be read."""
    from manifest_lint.kinds.csv.rows import Row, rows_of

    cfg = source_config(config, s3_path)
    settings = Settings(no_media=not media)
    shown = display or str(path)
    diags = lint_file(path, shown, "csv", cfg, settings, Selection(cfg, settings))
    prefix = cfg.options("csv")["s3-path"]
    src = CsvSource(path, prefix)
    errors: dict[int, list[Diagnostic]] = {}
    for d in diags:
        if d.severity is Severity.ERROR:
            errors.setdefault(d.line, []).append(d)
        else:
            src.warnings.append(d)
    unreadable = [d for ds in errors.values() for d in ds if d.code == "ML001"]
    if unreadable:
        raise OSError(unreadable[0].message)
    bare: list[tuple[int, list[str]]] = []  # rows to place once the prefix is known
    for row in rows_of(path):
        if not isinstance(row, Row):
            continue
        found = errors.pop(row.start, None)
        fields = row.fields
        if found:
            image = fields[0] if fields else ""
            cls = fields[1] if len(fields) > 1 else ""
            src.problems.extend(CsvProblem(row.start, image, cls, aws_code(d), d.message,
                                           f"{d.code} {d.name}") for d in found)
            continue
        if not fields or all(not f.strip() for f in fields):
            continue
        if not prefix and check_s3_uri(fields[0].strip()) is None:
            bare.append((row.start, fields))
            continue
        _add_entry(src, row.start, fields)
    if bare:
        _place(src, bare, infer_from)
    _unmatched(src, errors)
    src.problems.sort(key=lambda p: p.line)
    return src


def _place(src: CsvSource, bare: list[tuple[int, list[str]]], manifest: Path | None) -> None:
    """Bare names under the prefix ``manifest`` was made with, or counted as unplaced."""
    from manifest_lint.kinds.csv.prefix import infer_prefix

    names = {fields[0].strip().lstrip("/") for _, fields in bare}
    prefix = infer_prefix(manifest, names) if manifest is not None else ""
    if not prefix:
        src.unplaced = len(bare)
        line, fields = bare[0]
        src.first_unplaced = (line, fields[0].strip())
        return
    src.prefix = src.inferred = prefix
    for line, fields in bare:
        _add_entry(src, line, fields)
    # entries and clean rows in file order again (bare rows were placed last)
    order = sorted(range(len(src.entries)), key=lambda i: src.entries[i].line)
    src.entries = [src.entries[i] for i in order]
    src.clean_rows = [src.clean_rows[i] for i in order]


def _add_entry(src: CsvSource, line: int, fields: list[str]) -> None:
    image = fields[0].strip()
    cls = fields[1].strip().lower() if len(fields) > 1 else ""
    uri = join_prefix(src.prefix, image)
    if cls not in CLASSES:
        src.problems.append(CsvProblem(
            line, fields[0], fields[1] if len(fields) > 1 else "", "INVALID_CLASSIFICATION",
            f"class {cls!r} is not normal or anomaly", "CSV203 unknown-class",
        ))
        return
    if not uri.startswith("s3://"):  # the CSV rules report bad URIs; this is a backstop
        src.problems.append(CsvProblem(
            line, fields[0], fields[1], "INVALID_S3_URI",
            f"image {image!r} does not make an s3://bucket/key URI", "CSV205 invalid-s3-uri",
        ))
        return
    src.entries.append(CsvEntry(line, uri, cls))
    src.clean_rows.append(list(fields))


def _unmatched(src: CsvSource, errors: dict[int, list[Diagnostic]]) -> None:
    """Errors not at the start of a row (encoding, empty file) become problems too."""
    for line, found in sorted(errors.items()):
        src.problems.extend(CsvProblem(line, "", "", aws_code(d), d.message,
                                       f"{d.code} {d.name}") for d in found)


# --- the index the manifest sync keeps ----------------------------------------------------

_CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}


@dataclass
class CsvIndex:
    """The usable rows of a CSV and what keeps it from being a source."""

    # uri -> line * CLASS_SLOTS + index into CLASSES, rows in file order; the sync
    # replaces a value by -(manifest line) once the manifest has shown the image
    images: dict[str, int]
    problems: int = 0  # rows (and file-level errors) the manifest cannot be made from
    first_problem: tuple[int, str] = (0, "")  # its line and rule ("CSV203 unknown-class")
    unplaced: int = 0  # bare image names with no prefix to place them under
    first_unplaced: tuple[int, str] = (0, "")  # its line and name

    @property
    def ok(self) -> bool:
        return not self.problems


def index_csv(path: Path, config: Config, *, display: str, infer_from: Path) -> CsvIndex:
    """Lint the CSV at ``path`` and index its usable rows. Bare names are placed under
    ``s3-path``, else under the prefix the manifest ``infer_from`` was made with, if it
    tells. Raises ``OSError`` only if the CSV cannot be read."""
    cfg = source_config(config, None)
    settings = Settings(no_media=True)
    facts: dict[str, Any] = {}
    diags = lint_file(path, display, "csv", cfg, settings, Selection(cfg, settings),
                      facts=facts)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    for d in errors:
        if d.code == "ML001":
            raise OSError(d.message)
    seen: dict[str, int] | None = facts.get("refs")
    if seen is None or list(facts.get("class_names", ()))[:2] != list(CLASSES) or any(
            d.code == "ML002" for d in errors):
        return _from_source(path, config, display, infer_from)
    index = CsvIndex(seen, problems=len(errors))
    if errors:
        index.first_problem = (errors[0].line, f"{errors[0].code} {errors[0].name}")
    bare_names = int(facts.get("bare_names", 0))
    # a repeated image's row is never the first of its image, so never in the map
    bad_lines = {d.line for d in errors if d.code not in ("CSV301", "CSV302")}
    if not bad_lines and not bare_names:
        return index  # every image in the map is a clean row with a full URI
    prefix: str = cfg.options("csv")["s3-path"]
    slots = CLASS_SLOTS
    bare: list[str] = []
    backstop: list[int] = []  # lines of rows whose image makes no s3:// URI
    # the map is walked in C; only the images to drop or place are looked at one by one
    drop = set(compress(seen, map(bad_lines.__contains__,
                                  map(floordiv, seen.values(), repeat(slots)))))
    for uri in compress(seen, map(not_, map(str.startswith, seen, repeat("s3://")))):
        if uri in drop:
            continue
        if not prefix and check_s3_uri(uri) is None:
            bare.append(uri)
        else:
            drop.add(uri)
            backstop.append(seen[uri] // slots)
    for uri in drop:
        del seen[uri]
    if backstop:
        _backstop(index, backstop)
    if bare:
        _place_index(index, bare, infer_from)
    return index


def _backstop(index: CsvIndex, lines: list[int]) -> None:
    """Rows the CSV rules let through whose image still makes no ``s3://`` URI."""
    first = min(lines)
    index.problems += len(lines)
    if not index.first_problem[0] or first < index.first_problem[0]:
        index.first_problem = (first, "CSV205 invalid-s3-uri")


def _place_index(index: CsvIndex, bare: list[str], manifest: Path) -> None:
    """Bare names under the prefix ``manifest`` was made with, or counted as unplaced."""
    from manifest_lint.kinds.csv.prefix import infer_prefix

    images = index.images
    prefix = infer_prefix(manifest, {name.lstrip("/") for name in bare})
    if not prefix:
        index.unplaced = len(bare)
        index.first_unplaced = (images[bare[0]] // CLASS_SLOTS, bare[0])
        for name in bare:  # not rows of the manifest until a prefix places them
            del images[name]
        return
    names = set(bare)
    index.images = {join_prefix(prefix, uri) if uri in names else uri: packed
                    for uri, packed in images.items()}


def _from_source(path: Path, config: Config, display: str, manifest: Path) -> CsvIndex:
    """The index from ``load_csv`` (the CSV rows read again, one object per row)."""
    src = load_csv(path, config, display=display, infer_from=manifest)
    index = CsvIndex({e.uri: e.line * CLASS_SLOTS + _CLASS_INDEX[e.cls] for e in src.entries},
                     problems=len(src.problems), unplaced=src.unplaced,
                     first_unplaced=src.first_unplaced)
    if src.problems:
        first = src.problems[0]
        index.first_problem = (first.line, first.rule)
    return index
