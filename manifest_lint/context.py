"""What a checker gets: the run's settings and the file it checks."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from manifest_lint.textio import Preflight, preflight

if TYPE_CHECKING:
    from manifest_lint.config import Config
    from manifest_lint.media.cache import MediaCache
    from manifest_lint.media.executor import Backend
    from manifest_lint.media.objclient import ClientOptions
    from manifest_lint.rules import Rule


@dataclass
class Settings:
    """Run-wide settings from the command line (merged with the config)."""

    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    strict: bool = False
    exit_zero: bool = False
    no_media: bool = False
    media_root: Path | str | None = None  # a folder, or an s3://bucket/prefix/ URL
    deep: bool = False
    jobs: int | None = None
    cache_dir: Path | None = None  # None: caching off
    progress: bool = False  # a progress bar for long media work (TTY, full format)
    fixing: bool = False  # `fix` is running: checkers may compute what fixes need
    scheduler: str | None = None  # a Dask scheduler for media work (--scheduler)
    dataset_stats: bool = False  # keep class balance and image sizes per file (--format html)
    remote: bool = False  # check s3:// media in the bucket (--remote)
    s3_endpoint: str | None = None  # else the AWS chain's (AWS_ENDPOINT_URL_S3, ...)
    s3_concurrency: int | None = None  # requests in flight

    def s3_options(self) -> ClientOptions:
        """How to reach S3 (endpoint, requests in flight); nothing is imported from boto3."""
        from manifest_lint.media.objclient import options_from_env

        return options_from_env(self.s3_endpoint, self.s3_concurrency)

    def media_cache(self, owner: Path, namespace: str) -> MediaCache:
        """The media result cache for the manifest ``owner`` (a no-op when disabled)."""
        from manifest_lint.media.cache import MediaCache  # imported only when media are

        return MediaCache(self.cache_dir, owner, namespace)

    def media_backend(self, *roots: str | os.PathLike[str]) -> Callable[[int], Backend]:
        """Where media work runs: the process pool, or the ``--scheduler`` cluster (whose
        workers must see the local folders ``roots``)."""
        from manifest_lint.media.executor import backend_for  # only when media are checked

        return backend_for(self.scheduler, roots)


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

    def media_root(self) -> Path | str | None:
        """``--media-root``, else the kind's ``media-root`` key (a folder relative to the config
        file, or an ``s3://``, ``gs://`` or Azure URL), else None (the file's own folder)."""
        if self.settings.media_root is not None:
            return self.settings.media_root
        configured = self.options.get("media-root") or ""
        if not configured:
            return None
        from manifest_lint.cloud import is_remote

        if is_remote(configured):
            return configured
        return self.config.root / configured

    @property
    def remote(self) -> bool:
        """True when ``s3://`` media are checked in the bucket (``--remote``, ``remote = true``,
        ``MANIFEST_LINT_REMOTE=1`` or an ``s3://`` media root)."""
        return self.settings.remote or isinstance(self.media_root(), str)

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
