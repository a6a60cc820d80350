"""Files named by URLs on the command line (``s3://``, ``gs://``, ``az://`` and
``https://<account>.blob.core.windows.net/``), and media roots in object storage.

A manifest or label file in a bucket is streamed to a private temporary file and linted
there; reports name its URL and its media resolve from its folder in the bucket, as CVAT
resolves a cloud-storage task's manifest. ``fix`` never writes to a bucket.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from manifest_lint.config import Config
    from manifest_lint.discovery import Target
    from manifest_lint.engine import FileResult, Settings


RemoteOpt = Annotated[
    bool, typer.Option("--remote", envvar="MANIFEST_LINT_REMOTE",
                       help="Check media in object storage (s3://, and gs:// or Azure mirrors) "
                       "(read-only; config: remote = true). Without it nothing touches the "
                       "network.")
]
S3EndpointOpt = Annotated[
    str | None, typer.Option("--s3-endpoint", help="S3 endpoint URL (MinIO, Ceph, R2...; "
                             "default: the AWS chain's, e.g. AWS_ENDPOINT_URL_S3).",
                             show_default=False)
]


def as_url(path: Path | str) -> str | None:
    """The URL a command-line path spells (``Path`` folds its ``//``), else None."""
    from manifest_lint.cloud import from_path

    return from_path(path)


def media_root_value(path: Path | None) -> Path | str | None:
    """``--media-root``: a folder, or a ``s3://bucket/prefix/`` (``gs://``, ``az://``, Azure
    ``https://``) URL (with its ``/``)."""
    if path is None:
        return None
    url = as_url(path)
    if url is None:
        return path
    return url if url.endswith("/") else url + "/"


def split_paths(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Local paths and object URLs, each in command-line order."""
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
        self.files: list[Path] = []  # copies kept in the cache folder (removed by close)

    def targets(self, config: Config, settings: Settings) -> list[tuple[Target, Settings]]:
        """(target, settings) per URL; raises ``PathError`` for a missing object or bucket."""
        if not self.urls:
            return []
        from manifest_lint.cloud import describe, root_of
        from manifest_lint.discovery import PathError, Target
        from manifest_lint.kinds import sniff_kind
        from manifest_lint.media.clients import client_for
        from manifest_lint.media.objclient import BucketError
        from manifest_lint.media.objects import ObjectStore, split_url
        from manifest_lint.textio import preflight

        out: list[tuple[Target, Settings]] = []
        for url in self.urls:
            _bucket, key = split_url(url)
            if not key or key.endswith("/"):
                raise PathError(f"{url}: name a file in the {describe(url)} (a "
                                "manifest.jsonl, .manifest or .csv), not a prefix")
            local = self._place(url, key.rsplit("/", 1)[-1], settings.cache_dir)
            part = local.with_name(f"{local.name}.{os.getpid()}.part")
            store = ObjectStore(root_of(url), client_for(url, settings.s3_options()))
            try:
                store.download(url, str(part))
                os.replace(part, local)
            except FileNotFoundError:
                raise PathError(f"{url}: no such object") from None
            except BucketError as exc:
                raise PathError(f"{url}: {exc}") from None
            finally:
                part.unlink(missing_ok=True)
            kind = None
            for glob, forced in config.kinds.items():
                from manifest_lint import globs

                if globs.match(glob, key):
                    kind = None if forced == "skip" else forced
                    break
            else:
                kind = sniff_kind(local, preflight(local).head)
            folder = url.rsplit("/", 1)[0] + "/"
            own = replace(settings, remote=True, media_root=settings.media_root or folder)
            out.append((Target(local, url, kind, True), own))
        return out

    def run(self, run: Any, job: Callable[[list[Target], Settings], list[FileResult]]
            ) -> list[FileResult]:
        """``job`` on the local targets of ``run`` (the CLI's ``_Run``), then on each file
        named by a URL with its own settings; the copies are removed afterwards. What the
        run cost in object storage is said on stderr."""
        try:
            results = job(run.targets(), run.settings)
            for target, settings in self.targets(run.config, run.settings):
                run.linted.append(target)
                results += job([target], settings)
        finally:
            self.close()
        if cost := s3_summary():
            typer.echo(f"manifest-lint: {cost}", err=True)
        return results

    def _place(self, url: str, name: str, cache_dir: Path | None) -> Path:
        """Where the copy of ``url`` goes: a fixed place below the cache folder (so that the
        media cache, keyed by the manifest's path, finds its results again), else a private
        temporary folder."""
        if cache_dir is not None:
            import hashlib

            digest = hashlib.sha1(url.encode()).hexdigest()[:20]
            local = Path(cache_dir) / "remote" / digest / name
            local.parent.mkdir(parents=True, exist_ok=True)
            self.files.append(local)
            return local
        if self.folder is None:
            import tempfile

            self.folder = tempfile.mkdtemp(prefix="manifest-lint-remote-")
        local = Path(self.folder) / str(len(os.listdir(self.folder))) / name
        local.parent.mkdir()
        return local

    def close(self) -> None:
        for copy in self.files:
            copy.unlink(missing_ok=True)
        self.files = []
        if self.folder is not None:
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


class RemoteSource:
    """``create cvat s3://bucket/prefix/`` or ``s3://bucket/path/video.mp4`` (or ``gs://``,
    ``az://``, Azure ``https://``): the objects
    ``create`` reads, downloaded concurrently into a private folder with the same layout,
    so that the local code (CVAT's rules) runs on a true local copy."""

    def __init__(self, url: str, endpoint: str | None = None) -> None:
        self.url = url
        self.endpoint = endpoint
        self.folder: str | None = None
        self.local = ""

    def materialize(self) -> str:
        """The local path to hand to ``create``; raises ``ValueError`` saying what is wrong."""
        import tempfile
        from concurrent.futures import ThreadPoolExecutor

        from manifest_lint.cloud import root_of
        from manifest_lint.kinds.cvat.sources import is_image, is_point_cloud, is_video
        from manifest_lint.media.clients import client_for
        from manifest_lint.media.objclient import BucketError, options_from_env
        from manifest_lint.media.objects import ObjectStore, split_url

        options = options_from_env(self.endpoint)
        _bucket, key = split_url(self.url)
        self.folder = tempfile.mkdtemp(prefix="manifest-lint-create-")
        try:
            if key and not key.endswith("/") and is_video(key):
                store = ObjectStore(root_of(self.url), client_for(self.url, options))
                self.local = os.path.join(self.folder, key.rsplit("/", 1)[-1])
                store.download(self.url, self.local)
                return self.local
            root = self.url if self.url.endswith("/") else self.url + "/"
            store = ObjectStore(root, client_for(root, options))
            names = list(store.names(lambda n: is_image(n) or is_point_cloud(n)))
            if not names:
                raise ValueError(f"no images found in {root}; CVAT's tool takes objects whose "
                                 "name looks like an image (.jpg, .png, ...)")
            self.local = os.path.join(self.folder, "data")

            def get(name: str) -> None:
                target = os.path.join(self.local, *name.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                store.download(store.url(name), target)

            with ThreadPoolExecutor(options.concurrency) as pool:
                list(pool.map(get, names))
            return self.local
        except FileNotFoundError:
            raise ValueError(f"{self.url}: no such object") from None
        except BucketError as exc:
            raise ValueError(str(exc)) from None

    def show(self, text: str) -> str:
        """``text`` with the private folder's paths replaced by the object URLs."""
        if not self.local:
            return text
        if os.path.isfile(self.local):
            return text.replace(self.local, self.url)
        root = self.url if self.url.endswith("/") else self.url + "/"
        return text.replace(self.local + os.sep, root).replace(self.local, root.rstrip("/"))

    def close(self) -> None:
        if self.folder is not None:
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def s3_summary() -> str:
    """What the run cost in object storage, per provider ("" when it made no request): said
    on stderr."""
    import sys

    if not any(m in sys.modules for m in ("manifest_lint.media.s3client",
                                          "manifest_lint.media.gcsclient",
                                          "manifest_lint.media.azureclient")):
        return ""
    from manifest_lint.media.clients import summary

    return "; ".join(summary())
