"""The diagnostic type every rule produces, and the edits a fix is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    """How bad a problem is: ``error`` fails the run, ``warning`` only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace physical lines ``start``..``end`` (1-based, inclusive) with ``content``.

    ``content`` is the new text without the final line terminator (it may span several
    lines, joined with ``\\n``); ``None`` deletes the lines with their terminators.
    ``end == start - 1`` inserts ``content`` before line ``start`` (``start`` may be one
    past the last line to append).
    """

    start: int
    end: int
    content: str | None

    @property
    def is_insert(self) -> bool:
        return self.end < self.start


@dataclass(frozen=True, slots=True)
class Fix:
    """A safe fix: line edits plus optional whole-file operations."""

    edits: tuple[Edit, ...] = ()
    strip_bom: bool = False
    newline: str | None = None  # normalise every line terminator to this
    final_newline: bool = False  # make sure the file ends with a terminator


@dataclass(slots=True)
class Diagnostic:
    """One problem at one place in one file."""

    path: str
    line: int
    column: int
    code: str
    name: str
    severity: Severity
    message: str
    fix: Fix | None = field(default=None, compare=False)
    # `fix` can repair it from the media (e.g. compute a missing checksum), although this
    # run did not compute the edit: fixability must not depend on what a cache held.
    fix_from_media: bool = field(default=False, compare=False)

    @property
    def fixable(self) -> bool:
        return self.fix is not None or self.fix_from_media

    def sort_key(self) -> tuple[int, int, str]:
        return (self.line, self.column, self.code)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "fixable": self.fixable,
        }
