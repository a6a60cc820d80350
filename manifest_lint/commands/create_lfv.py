"""``manifest-lint create lfv``: a Lookout for Vision manifest from a CSV label file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from manifest_lint.cli import create_app
from manifest_lint.wording import plural

if TYPE_CHECKING:
    from manifest_lint.kinds.lfv.create import CreateResult

HELP = "\n\n".join((
    "Create a Lookout for Vision classification manifest from a CSV label file "
    "(image,class rows with normal or anomaly, no header), as AWS's example script does, "
    "without its bugs.",
    "The CSV is checked with the CSV rules first. If anything is wrong, <stem>_errors.csv "
    "(line,image,class,CODE with the CSV's physical line numbers; CODE is "
    "INVALID_CLASSIFICATION, DUPLICATE or a rule name such as INVALID_S3_URI, see "
    "`manifest-lint explain invalid-s3-uri`) and <stem>_deduplicated.csv (the first "
    "occurrence of each image among the rows without errors) are written beside the CSV and "
    "no manifest is written.",
    "Bare image names are placed under --s3-path (or s3-path in the config), else under "
    "the prefix the <stem>.manifest beside the CSV was made with, as `lint` does; with no "
    "prefix at all nothing is written.",
    "Otherwise <stem>.manifest (or --output, whose folder is created if missing) gets one "
    "line per image: integer labels "
    "(1 anomaly, 0 normal), lowercase class names, keys in the documented order, and "
    "creation-date from SOURCE_DATE_EPOCH when it is set.",
    "Exit codes: 0 written; 1 the CSV has problems (errors files written, no manifest); "
    "2 bad arguments or configuration, or a file cannot be written.",
))


@create_app.command("lfv", help=HELP)
def create_lfv(
    csv: Annotated[Path, typer.Argument(help="The CSV label file.", show_default=False)],
    s3_path: Annotated[str | None, typer.Option(
        "--s3-path", "--s3_path", metavar="PREFIX",
        help="S3 prefix for rows that hold a bare file name (joined with exactly one '/'; "
        "rows that already hold an s3:// URI are kept). Default: s3-path under "
        "\\[tool.manifest-lint.csv].", show_default=False)] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the manifest here instead of <stem>.manifest beside "
        "the CSV.", show_default=False)] = None,
    no_media: Annotated[bool, typer.Option(
        "--no-media", help="Do not check the images on disk (when media-map or relative "
        "names make them reachable).")] = False,
    config: Annotated[Path | None, typer.Option(
        "--config", help="Use this config file (pyproject.toml or manifest-lint.toml) "
        "instead of searching for one.", show_default=False)] = None,
) -> None:
    """Create a Lookout for Vision manifest (see ``HELP``)."""
    from manifest_lint.config import ConfigError, load_config
    from manifest_lint.kinds.lfv.create import CreateError, create_manifest_from_csv

    try:
        cfg = load_config(config, csv)
        result = create_manifest_from_csv(csv, s3_path=s3_path, output=output,
                                          config=cfg, media=not no_media)
    except (ConfigError, CreateError) as exc:
        typer.echo(f"manifest-lint: error: {exc}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        where = exc.filename or output or csv
        typer.echo(f"manifest-lint: error: cannot write {where}: {exc.strerror or exc}",
                   err=True)
        raise typer.Exit(2) from None
    for w in result.warnings:
        typer.echo(f"{w.path}:{w.line}: warning: {w.code} {w.message}", err=True)
    if result.manifest is None:
        _report_problems(result)
        raise typer.Exit(1)
    for stale in result.removed:
        typer.echo(f"removed {stale} (left over from an earlier run)", err=True)
    if result.inferred:
        typer.echo(f"placed bare image names under {result.inferred}, the prefix the "
                   "manifest beside the CSV was made with (pass --s3-path to choose)",
                   err=True)
    typer.echo(f"wrote {result.manifest}: {plural(result.images, 'image')} "
               f"({result.normal} normal, {result.anomaly} anomaly)")


def _report_problems(result: CreateResult) -> None:
    for p in result.problems:
        typer.echo(f"{result.csv}:{p.line}: {p.code}: {p.rule}: {p.message}", err=True)
    typer.echo(
        f"{plural(len(result.problems), 'problem')} in {result.csv}: wrote "
        f"{result.errors_file} and {result.deduplicated_file} "
        f"({plural(result.deduplicated_rows, 'row')} without errors); "
        "no manifest written. Fix the CSV (`manifest-lint fix` repairs some problems) and run "
        "again.", err=True,
    )
