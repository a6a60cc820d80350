"""``[tool.manifest-lint.datasets.<name>]``: which files form a dataset.

A Lookout for Vision project names its training and test files (LfV / Ground Truth
manifests and CSV label files) with ``train`` and ``test`` globs; a group of CVAT manifests
names them with ``files``. Globs are relative to the config file's folder, as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KEYS = ("train", "test", "files")


@dataclass(frozen=True)
class DatasetSpec:
    """One configured dataset: its name and member globs."""

    name: str
    train: tuple[str, ...] = ()
    test: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def is_cvat(self) -> bool:
        return bool(self.files)


def parse_datasets(table: Any, where: str) -> dict[str, DatasetSpec]:
    """The datasets of a ``datasets`` table; ``ValueError`` naming the key when wrong."""
    if not isinstance(table, dict):
        raise ValueError(f"{where}: datasets must be a table of tables like "
                         '[tool.manifest-lint.datasets.circuitboard] train = ["data/train.csv"]')
    out: dict[str, DatasetSpec] = {}
    for name, spec in table.items():
        at = f"{where}: datasets.{name}"
        if not isinstance(spec, dict):
            raise ValueError(f"{at} must be a table with train/test globs or files globs, "
                             f"got {spec!r}")
        for key, value in spec.items():
            if key not in KEYS:
                raise ValueError(f"{at}: unknown key {key!r} (known keys: files, test, train)")
            if not (isinstance(value, list) and value
                    and all(isinstance(v, str) and v.strip() for v in value)):
                raise ValueError(f"{at}: {key} must be a non-empty list of globs, "
                                 f"got {value!r}")
        if "files" in spec and ("train" in spec or "test" in spec):
            raise ValueError(f"{at}: use train/test (Lookout for Vision files) or files "
                             "(a CVAT group), not both")
        if not spec:
            raise ValueError(f"{at} is empty: give train and test globs, or files globs")
        out[name] = DatasetSpec(name, tuple(spec.get("train", ())), tuple(spec.get("test", ())),
                                tuple(spec.get("files", ())))
    return out
