"""Files named by ``s3://`` URLs on the command line, and ``s3://`` media roots.

A manifest or label file in a bucket is streamed to a private temporary file and linted
there; reports name its URL and its media resolve from its folder in the bucket, as CVAT
resolves a cloud-storage task's manifest. ``fix`` never writes to a bucket.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from manifest_lint.config import Config
    from manifest_lint.discovery import Target
    from manifest_lint.engine import Settings


def as_url(path: Path | str) -> str | None:
    """The ``s3://`` URL a command-line path spells (``Path`` folds its ``//``), else None."""
    text = os.fspath(path)
    if not text.startswith("s3:/"):
        return None
    return "s3://" + text[4:].lstrip("/")


def media_root_value(path: Path | None) -> Path | str | None:
    """``--media-root``: a folder, or an ``s3://bucket/prefix/`` URL (with its ``/``)."""
    if path is None:
        return None
    url = as_url(path)
    if url is None:
        return path
    return url if url.endswith("/") else url + "/"


def split_paths(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Local paths and ``s3://`` URLs, each in command-line order."""
    local: list[Path] = []
    urls: list[str] = []
    for p in paths:
        url = as_url(p)
        if url is None:
            local.append(p)
        else:
            urls.append(url)
    return local, urls


class RemoteFiles:
    """Downloads the files named by URLs into one temporary folder (removed by close)."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.folder: str | None = None

    def targets(self, config: Config, settings: Settings) -> list[tuple[Target, Settings]]:
        """(target, settings) per URL; raises ``PathError`` for a missing object or bucket."""
        from manifest_lint.discovery import PathError, Target
        from manifest_lint.kinds import sniff_kind
        from manifest_lint.media.objects import ObjectStore, split_url
        from manifest_lint.media.s3client import BucketError, shared_client
        from manifest_lint.textio import preflight

        out: list[tuple[Target, Settings]] = []
        for url in self.urls:
            bucket, key = split_url(url)
            if not key or key.endswith("/"):
                raise PathError(f"{url}: name a file in the bucket (a manifest.jsonl, "
                                ".manifest or .csv), not a prefix")
            if self.folder is None:
                self.folder = tempfile.mkdtemp(prefix="manifest-lint-remote-")
            local = Path(self.folder) / str(len(out)) / key.rsplit("/", 1)[-1]
            local.parent.mkdir()
            store = ObjectStore(f"s3://{bucket}/", shared_client(settings.s3_options()))
            try:
                store.download(url, str(local))
            except FileNotFoundError:
                raise PathError(f"{url}: no such object") from None
            except BucketError as exc:
                raise PathError(f"{url}: {exc}") from None
            kind = None
            for glob, forced in config.kinds.items():
                from manifest_lint import globs

                if globs.match(glob, key):
                    kind = None if forced == "skip" else forced
                    break
            else:
                kind = sniff_kind(local, preflight(local).head)
            folder = url.rsplit("/", 1)[0] + "/"
            own = replace(settings, remote=True,
                          media_root=settings.media_root or folder, cache_dir=None)
            out.append((Target(local, url, kind, True), own))
        return out

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
