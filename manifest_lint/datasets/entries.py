"""What the dataset pass keeps of one file: one compact entry per image, not the records.

A kind fills a :class:`FileEntries` from the facts its checker left behind (the map of
references to their first line it builds anyway for duplicates, label counts, the image
sizes and file digests of its media pass). CVAT manifests leave their own compact facts
(``kinds/cvat/dataset.py``), checked by ``datasets/cvat.py``. Nothing here knows a kind.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path


@dataclass
class FileEntries:
    """The compact facts of one member file of a dataset."""

    path: Path
    display: str
    kind: str
    read: bool = True  # False: the file could not be read (encoding, I/O); nothing below
    # image reference -> first line, packed as ``line * line_scale + label index`` (the
    # checker's own duplicate map, shared, not copied)
    refs: Mapping[str, int] = field(default_factory=dict)
    line_scale: int = 1
    normal: int = 0
    anomaly: int = 0
    role: str = ""  # the role the file's own checker judged it by ("" when none)
    # anomaly label (mask class) -> [first line, images with exactly this one label]
    labels: dict[str, list[int]] = field(default_factory=dict)
    masks: int = 0  # mask references (a segmentation dataset when > 0)
    sizes: Mapping[tuple[int, int], array[int]] = field(default_factory=dict)  # size -> lines
    # (md5 of the image file, line, reference, local file) for the images the media pass
    # reached
    digests: list[tuple[str, int, str, str]] = field(default_factory=list)

    def line(self, packed: int) -> int:
        """The physical line of a packed ``refs`` value."""
        return packed // self.line_scale if self.line_scale != 1 else packed

    def items(self) -> Iterator[tuple[str, int]]:
        """``(reference, line)`` in file order."""
        scale = self.line_scale
        if scale == 1:
            yield from self.refs.items()
        else:
            for ref, packed in self.refs.items():
                yield ref, packed // scale

    def nth_line(self, n: int) -> int:
        """The line of the ``n``-th (0-based) distinct image."""
        packed = next(islice(self.refs.values(), n, None))
        return self.line(packed)
