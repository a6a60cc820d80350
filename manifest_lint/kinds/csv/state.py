"""What the CSV checker remembers across rows (shared by its passes and file-level checks)."""

from __future__ import annotations

from manifest_lint.kinds.csv.rows import CLASS_SLOTS as _CLASS_SLOTS


class State:
    """What the checker remembers across rows."""

    def __init__(self, classes: list[str], prefix: str) -> None:
        self.seen_content = False
        self.classes = classes
        self.class_set = frozenset(classes)
        self.class_table: dict[str, int] = {c: i for i, c in enumerate(classes)}
        self.class_names: list[str] = list(classes)
        self.prefix = prefix
        self.seen: dict[str, int] = {}
        self.first_bucket: str | None = None
        self.first_bucket_line = 0
        self.bucket_prefix = "\0"  # "s3://bucket/" of the first bucket
        self.other_buckets: dict[str, list[int]] = {}  # bucket -> [first line, count]
        self.rows = 0
        self.bare_names = 0  # rows whose image is a name relative to the CSV's folder
        self.unplaced = 0  # bare names with no s3-path to place them in a bucket
        self.first_unplaced = (0, "")  # the line and name of the first

    def class_index(self, cls: str) -> int:
        idx = self.class_table.get(cls)
        if idx is None:
            idx = min(len(self.class_names), _CLASS_SLOTS - 1)
            if idx < _CLASS_SLOTS - 1:
                self.class_table[cls] = idx
                self.class_names.append(cls)
        return idx
