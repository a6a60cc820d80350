"""What the parts of the CVAT checker share: the state of one manifest check.

:class:`~manifest_lint.kinds.cvat.check._Checker` is assembled from the header checks
(:mod:`.header`) and the record checks (:mod:`.records`); this base names the attributes
and helpers they use, so each part type-checks on its own.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

from manifest_lint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext
    from manifest_lint.kinds.cvat.dataset import Collector
    from manifest_lint.kinds.cvat.media import ImageMedia
    from manifest_lint.kinds.cvat.reading import Keys, Lines, Order
    from manifest_lint.kinds.cvat.video import VideoHeader, VideoRecord
    from manifest_lint.textio import LineDecoder

Line = tuple[int, bytes, bytes]  # (number, body, terminator)
Diags = Generator[Diagnostic, None, Any]


class CheckerState:
    """Attributes set by the checker's ``__init__`` and helpers it defines."""

    ctx: CheckContext
    path: str
    root: str
    media_on: bool
    deep: bool
    fixing: bool
    order: Order | None
    kind: str | None
    lines: Lines | None
    empty: bool
    records: int
    records_start: int
    header_end: int
    keys: Keys
    decoder: LineDecoder
    images: ImageMedia | None
    video: VideoHeader | None
    held: list[Diagnostic]
    prev_record: VideoRecord | None
    length: int | None
    collect: Collector | None  # the dataset pass's facts, when it asks

    def _parse(self, n: int, body: bytes) -> Diags:
        raise NotImplementedError

    def _content(self, lines: Lines) -> Diags:
        raise NotImplementedError

    def _blank(self, n: int, *, header: bool) -> Diagnostic:
        raise NotImplementedError

    def _canonical(self, n: int, body: bytes, obj: dict[str, Any],
                   canon: dict[str, Any], order: tuple[str, ...] = ()) -> Diagnostic | None:
        raise NotImplementedError

    def _line(self, n: int, body: bytes, term: bytes) -> Iterator[Diagnostic]:
        raise NotImplementedError
