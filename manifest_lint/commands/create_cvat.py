"""``manifest-lint create cvat``: write the ``manifest.jsonl`` CVAT's own tool would write."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from manifest_lint.cli import create_app
from manifest_lint.commands.scheduler import SchedulerOpt
from manifest_lint.wording import plural

if TYPE_CHECKING:
    from manifest_lint.commands.remote import RemoteSource
    from manifest_lint.kinds.cvat.create import CreateResult



class Sorting(str, Enum):
    lexicographical = "lexicographical"
    natural = "natural"
    predefined = "predefined"


class _UsageError(Exception):
    """A source or option that cannot work whatever the media (exit 2)."""


HELP = "\n\n".join((
    "Create a CVAT manifest.jsonl for a folder of images, a glob pattern or a video.",
    "The file is byte-identical to what CVAT's utils/dataset_manifest/create.py writes for "
    "the same input with the same Pillow and PyAV: the same image discovery (by MIME type; "
    "context images under related_images/<name>_<ext>/ go into meta.related_images), the same "
    "sorting, sizes after the EXIF-orientation swap, md5 of the decoded pixels, and for a "
    "video the same key-frame selection. Names are relative to the folder (or the pattern's "
    "root, or the video's folder): keep the manifest there (--output-dir), or lint it with "
    "--media-root; the command says so when the manifest goes elsewhere, and warns when it "
    "replaces an existing manifest.jsonl.",
    "Exit codes: 0 written; 1 the media cannot make a manifest (no images, unreadable files, "
    "too few key frames without --force); 2 bad arguments.",
    "Differences from CVAT's tool, on purpose: too few key frames fails with a message that "
    "names --force (CVAT's tool has such a hint, but it is dead code: it prints only \"The "
    "number of keyframes is not enough for smooth iteration over the video\"); a video none "
    "of whose key frames seeks back fails even with --force (CVAT's tool writes a header-only "
    "manifest and exits 0, and CVAT rejects that manifest); nothing is written when anything "
    "fails, and every unreadable image is listed (CVAT stops at the first); no index.json is "
    "written (CVAT rebuilds it and skips an uploaded one); random sorting is not offered "
    "(CVAT refuses a manifest with random sorting); .pcd point clouds are found by extension "
    "(the standalone tool depends on the host's MIME table, which rarely knows .pcd); a path "
    "is a context image when the part below the source folder contains related_images/ (CVAT "
    "tests the absolute path, so a dataset inside a folder named like "
    "/data/related_images/ has no images for it).",
))


@create_app.command("cvat", help=HELP)
def create_cvat(
    source: Annotated[str, typer.Argument(
        help="A folder of images (searched recursively), a quoted glob pattern with a common "
        "root folder (e.g. 'data/**/*.jpg'), or one video file.", show_default=False)],
    force: Annotated[bool, typer.Option(
        "--force", help="Write a video manifest even when the video has too few usable key "
        "frames for smooth seeking in CVAT.")] = False,
    sorting: Annotated[Sorting, typer.Option(
        "--sorting", help="Record order for images: lexicographical (CVAT's default), "
        "natural (natsort's os_sorted, locale dependent) or predefined (the order the "
        "folder is walked in).")] = Sorting.lexicographical,
    output_dir: Annotated[Path, typer.Option(
        "--output-dir", help="Folder to write manifest.jsonl into (created if missing).")]
    = Path("."),
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Processes that decode images (default: all cores).")]
    = None,
    s3_endpoint: Annotated[str | None, typer.Option(
        "--s3-endpoint", help="S3 endpoint URL for an s3:// source (default: the AWS "
        "chain's, e.g. AWS_ENDPOINT_URL_S3). gs:// and Azure sources use their own "
        "credentials (see README).", show_default=False)] = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Create a CVAT manifest.jsonl (see ``HELP``)."""
    from manifest_lint.cloud import is_remote

    if not is_remote(source):
        _create(source, output_dir, sorting, force, jobs, None, scheduler)
        return
    try:
        if _on_cluster(source, output_dir, sorting, force, s3_endpoint, scheduler):
            return
        _from_copy(source, output_dir, sorting, force, jobs, s3_endpoint, scheduler)
    finally:
        _s3_summary()


def _from_copy(source: str, output_dir: Path, sorting: Sorting, force: bool, jobs: int | None,
               s3_endpoint: str | None, scheduler: str | None) -> None:
    """``create cvat`` of objects in a bucket from a local copy of them."""
    from manifest_lint.commands.remote import RemoteSource

    remote = RemoteSource(source, s3_endpoint)
    try:
        if output_dir.exists() and not output_dir.is_dir():
            typer.echo(f"manifest-lint: error: --output-dir {output_dir} is a file, not a "
                       "folder", err=True)
            raise typer.Exit(2)
        try:
            local = remote.materialize()
        except ValueError as exc:
            typer.echo(f"manifest-lint: error: {exc}", err=True)
            raise typer.Exit(1) from None
        _create(local, output_dir, sorting, force, jobs, remote, scheduler)
    finally:
        remote.close()


def _create(source: str, output_dir: Path, sorting: Sorting, force: bool, jobs: int | None,
            remote: RemoteSource | None, scheduler: str | None) -> None:
    from manifest_lint.kinds.cvat.create import CreateError, create_manifest
    from manifest_lint.media import ClusterError

    def show(text: str) -> str:
        return remote.show(text) if remote is not None else text

    try:
        kind = _check_usage(source, output_dir)
        cluster = _scheduler(source, scheduler)
        target = output_dir / "manifest.jsonl"
        if target.is_file():
            typer.echo(f"manifest-lint: warning: {_shown(target)} exists and will be replaced",
                       err=True)
        with _progress(source, kind) as progress:
            result = create_manifest(source, output_dir, sorting=sorting.value, force=force,
                                     jobs=jobs, progress=progress, scheduler=cluster)
    except (_UsageError, ClusterError) as exc:
        typer.echo(f"manifest-lint: error: {show(str(exc))}", err=True)
        raise typer.Exit(2) from None
    except CreateError as exc:
        typer.echo(f"manifest-lint: error: {show(_explain(exc))}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        where = exc.filename or output_dir
        typer.echo(f"manifest-lint: error: cannot write the manifest to {where}: "
                   f"{exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(_summary(result))
    if remote is not None:  # the names are relative to the bucket's prefix, not to our copy
        prefix = remote.url if kind != "video" else remote.url.rsplit("/", 1)[0]
        prefix = prefix.rstrip("/") + "/"
        typer.echo(f"names in it are relative to {prefix}: lint it with `manifest-lint lint "
                   f"--media-root {prefix} {_shown(result.path)}`")
        return
    root = _media_root(source, kind)
    if os.path.realpath(output_dir) != os.path.realpath(root):
        typer.echo(
            f"names in it are relative to {_shown(root)}/, not to {_shown(output_dir)}/: "
            f"lint it with `manifest-lint lint --media-root {_shown(root)} "
            f"{_shown(result.path)}`, or create it beside the media with `--output-dir "
            f"{_shown(root)}`")


def _on_cluster(source: str, output_dir: Path, sorting: Sorting, force: bool,
                endpoint: str | None, given: str | None) -> bool:
    """``create cvat`` of objects in a bucket with ``--scheduler``: the cluster's workers
    read them. False when there is no scheduler."""
    from manifest_lint.kinds.cvat.bucket_create import create_from_bucket
    from manifest_lint.kinds.cvat.create import CreateError
    from manifest_lint.media import ClusterError

    try:
        cluster = _scheduler(".", given)
        if cluster is None:
            return False
        if output_dir.exists() and not output_dir.is_dir():
            raise _UsageError(f"--output-dir {output_dir} is a file, not a folder")
        with _progress(source, "bucket") as progress:
            result = create_from_bucket(source, output_dir, sorting=sorting.value, force=force,
                                        endpoint=endpoint, scheduler=cluster,
                                        progress=progress)
    except (_UsageError, ClusterError) as exc:
        typer.echo(f"manifest-lint: error: {exc}", err=True)
        raise typer.Exit(2) from None
    except (CreateError, ValueError) as exc:
        typer.echo(f"manifest-lint: error: {_explain(exc)}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"manifest-lint: error: cannot write the manifest to "
                   f"{exc.filename or output_dir}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(_summary(result))
    return True


def _s3_summary() -> None:
    """What the command cost in object storage, on stderr."""
    from manifest_lint.commands.remote import s3_summary

    if cost := s3_summary():
        typer.echo(f"manifest-lint: {cost}", err=True)


def _shown(path: str | Path) -> str:
    """``path`` relative to the current folder when below it, else absolute."""
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute)
    return absolute if rel.startswith("..") else rel


def _media_root(source: str, kind: str) -> str:
    """The folder the manifest's names are relative to."""
    path = os.path.abspath(os.path.expanduser(source))
    if kind == "video":
        return os.path.dirname(path)
    if kind == "folder":
        return path
    from manifest_lint.kinds.cvat.sources import pattern_root

    return pattern_root(path)


def _check_usage(source: str, output_dir: Path) -> str:
    """``"video"``, ``"folder"`` or ``"pattern"``; raises :class:`_UsageError`."""
    from manifest_lint.kinds.cvat.sources import CreateError, is_video, pattern_root

    if output_dir.exists() and not output_dir.is_dir():
        raise _UsageError(f"--output-dir {output_dir} is a file, not a folder")
    path = os.path.abspath(os.path.expanduser(source))
    if os.path.isfile(path):
        if not is_video(path):
            raise _UsageError(
                f"{source} is a file but not a video (judged by its name, as CVAT does); "
                "give a video file, a folder of images or a glob pattern")
        return "video"
    if os.path.isdir(path):
        return "folder"
    try:
        pattern_root(path)
    except CreateError as exc:
        raise _UsageError(str(exc)) from None
    return "pattern"


def _scheduler(source: str, given: str | None) -> str | None:
    """``--scheduler`` (or MANIFEST_LINT_SCHEDULER), else ``scheduler`` from the config
    file found from the source's folder; raises :class:`_UsageError`."""
    from manifest_lint.config import ConfigError, load_config
    from manifest_lint.media.executor import check_scheduler

    try:
        if given:
            return check_scheduler(given)
        start = Path(os.path.abspath(os.path.expanduser(source)))
        while not start.exists() and start != start.parent:
            start = start.parent  # a glob pattern: from its literal root
        return load_config(None, start).scheduler
    except ValueError as exc:
        raise _UsageError(f"--scheduler: {exc}") from None
    except ConfigError as exc:
        raise _UsageError(str(exc)) from None


def _explain(exc: Exception) -> str:
    text = str(exc)
    if text.startswith("no images found"):
        return (f"{text}; CVAT's tool takes files whose name looks like an image (.jpg, .png, "
                "...) and skips related_images/ folders")
    return text


def _summary(result: CreateResult) -> str:
    if result.kind == "video":
        text = (f"wrote {result.path}: video of {plural(result.length or 0, 'frame')}, "
                f"{plural(result.records, 'key frame')}")
        if result.rejected_key_frames:
            skipped = len(result.rejected_key_frames)
            text += (f" ({plural(skipped, 'key frame')} skipped: "
                     f"{'it does' if skipped == 1 else 'they do'} not seek back to "
                     f"{'itself' if skipped == 1 else 'themselves'})")
        return text
    return f"wrote {result.path}: {plural(result.records, 'image record')}"


@contextmanager
def _progress(source: str, kind: str) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr when it is a terminal; None otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    total = _count_images(source) if kind in ("folder", "pattern") else None
    label = "decoding frames" if kind == "video" else "hashing images"
    columns = [SpinnerColumn(), TextColumn(label), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn()]
    with Progress(*columns, console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def _count_images(source: str) -> int | None:
    from manifest_lint.kinds.cvat.sources import CreateError, find_images

    try:
        return len(find_images(source).paths)
    except CreateError:
        return None  # create_manifest reports it
