"""What a checker gets: the run's settings and the file it checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from manifest_lint.media.cache import MediaCache
from manifest_lint.textio import Preflight, preflight

if TYPE_CHECKING:
    from manifest_lint.config import Config
    from manifest_lint.rules import Rule


@dataclass
class Settings:
    """Run-wide settings from the command line (merged with the config)."""

    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    strict: bool = False
    exit_zero: bool = False
    no_media: bool = False
    media_root: Path | None = None
    deep: bool = False
    jobs: int | None = None
    cache_dir: Path | None = None  # None: caching off
    progress: bool = False  # a progress bar for long media work (TTY, full format)
    fixing: bool = False  # `fix` is running: checkers may compute what fixes need
    dataset_stats: bool = False  # keep class balance and image sizes per file (--format html)

    def media_cache(self, owner: Path, namespace: str) -> MediaCache:
        """The media result cache for the manifest ``owner`` (a no-op when disabled)."""
        return MediaCache(self.cache_dir, owner, namespace)


@dataclass
class CheckContext:
    """Everything a checker needs to know about the file it checks."""

    path: Path  # the file as the user named it (media and siblings resolve from here)
    display: str  # how reports name it
    kind: str
    config: Config
    settings: Settings
    enabled_codes: frozenset[str]
    read_path: Path | None = None  # where the bytes come from (a temp copy while fixing)
    notes: list[str] = field(default_factory=list)  # said once per file, not diagnostics
    facts: dict[str, Any] = field(default_factory=dict)  # handed from a pass to later ones

    @property
    def options(self) -> dict[str, Any]:
        return self.config.options(self.kind)

    @property
    def source(self) -> Path:
        return self.read_path or self.path

    def enabled(self, r: Rule) -> bool:
        return r.code in self.enabled_codes

    def note(self, message: str) -> None:
        """Tell the user something about this file that is not a problem in it, e.g. how
        many media references were not checked and why."""
        self.notes.append(message)

    def open(self) -> BinaryIO:
        return open(self.source, "rb")

    def preflight(self) -> Preflight:
        return preflight(self.source)
