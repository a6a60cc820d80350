"""The ``manifest-lint`` command line (Typer)."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from manifest_lint import __version__
from manifest_lint.commands.lazyapp import TOP_COMMANDS, build_only
from manifest_lint.commands.remote import RemoteOpt, S3EndpointOpt
from manifest_lint.commands.scheduler import SchedulerOpt, scheduler_setting

if TYPE_CHECKING:
    from manifest_lint.output import OutputOptions

app = typer.Typer(
    name="manifest-lint",
    help="Lint and fix computer-vision label files and dataset manifests "
    "(Lookout for Vision CSV, Ground Truth / LfV manifests, CVAT manifest.jsonl).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
create_app = typer.Typer(
    help="Create manifests the real consumers accept.", no_args_is_help=True
)
app.add_typer(create_app, name="create")


class Format(str, Enum):
    full = "full"
    concise = "concise"
    json = "json"
    github = "github"
    sarif = "sarif"
    gitlab = "gitlab"
    junit = "junit"
    html = "html"


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class RulesFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"manifest-lint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True,
                           help="Show the version and exit.")
    ] = False,
) -> None:
    """manifest-lint: every problem in your labels and manifests, with file and line."""


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or folders to check (default: the current folder).",
                   show_default=False),
]
FormatOpt = Annotated[
    Format | None,
    typer.Option("--format", "-f", envvar="MANIFEST_LINT_OUTPUT_FORMAT", metavar="FORMAT",
                 help="Report format: full, concise, json, github, sarif, gitlab or junit "
                 "(default: full, or github when GITHUB_ACTIONS=true).", show_default=False),
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output-file", "-o", help="Write the report to this file.")
]
SelectOpt = Annotated[
    list[str] | None,
    typer.Option("--select", help="Only these rules (codes, prefixes, names or ALL; "
                 "comma-separated or repeated). Replaces `select` from the config."),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option("--ignore", help="Skip these rules (codes, prefixes or names); "
                 "added to `ignore` from the config."),
]
ExitZeroOpt = Annotated[
    bool, typer.Option("--exit-zero", help="Exit 0 even if problems remain (2 still "
                       "means a usage, config or internal error).")
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Exit 1 on warnings too (config: strict = true).")
]
NoMediaOpt = Annotated[
    bool, typer.Option("--no-media", help="Do not open images or videos; structure only.")
]
MediaRootOpt = Annotated[
    Path | None,
    typer.Option("--media-root", help="Resolve media relative to this folder (or "
                 "s3://, gs://, az:// or Azure https:// prefix, which implies --remote) instead "
                 "of the manifest's "
                 "folder."),
]
DeepOpt = Annotated[
    bool, typer.Option("--deep", help="Decode media to verify pixel checksums and video "
                       "key frames (slow).")
]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1,
                             help="Processes for media work (default: all cores).")
]
ColorOpt = Annotated[
    Color, typer.Option("--color", metavar="WHEN", help="Colour the report: auto "
                        "(NO_COLOR, FORCE_COLOR, then TTY), always or never.")
]
NoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", envvar="MANIFEST_LINT_NO_CACHE",
                       help="Do not read or write the media result cache.")
]
CacheDirOpt = Annotated[
    Path | None,
    typer.Option("--cache-dir", envvar="MANIFEST_LINT_CACHE_DIR",
                 help="Cache folder (default: .manifest_lint_cache next to the config "
                 "file, or in the current folder)."),
]
StatisticsOpt = Annotated[
    bool, typer.Option("--statistics", help="Print how often each rule fired (count, code, "
                       "name, fixable) instead of the problems; with --format json, add a "
                       "\"statistics\" list; with other formats, print it on stderr.")
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option("--baseline", help="Report only problems this baseline file does not "
                 "record (config: baseline)."),
]
NoBaselineOpt = Annotated[
    bool, typer.Option("--no-baseline", help="Ignore the baseline of the config: report "
                       "every problem.")
]
WriteBaselineOpt = Annotated[
    Path | None,
    typer.Option("--write-baseline", help="Record every current problem in this baseline "
                 "file (by file, rule and record, not line number) and exit 0; later runs "
                 "with --baseline report only new problems."),
]
HtmlThumbnailsOpt = Annotated[
    int | None,
    typer.Option("--html-thumbnails", min=0, show_default=False,
                 help="With --format html: at most this many problems per rule get a "
                 "picture (default: 20; 0: none)."),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Use this config file (pyproject.toml or "
                 "manifest-lint.toml) instead of searching for one."),
]


def _split(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _fail(message: str) -> int:
    typer.echo(f"manifest-lint: error: {message}", err=True)
    return 2


class _Run:
    """Shared set-up of ``lint`` and ``fix``: config, settings, targets, output."""

    def __init__(self, paths: list[Path] | None, config_path: Path | None,
                 select: list[str] | None, ignore: list[str] | None, strict: bool,
                 exit_zero: bool, no_media: bool, media_root: Path | None, deep: bool,
                 jobs: int | None, no_cache: bool, cache_dir: Path | None,
                 fmt: Format | None, remote: bool = False,
                 s3_endpoint: str | None = None, scheduler: str | None = None) -> None:
        from manifest_lint.commands.remote import RemoteFiles, media_root_value, split_paths
        from manifest_lint.config import load_config
        from manifest_lint.engine import Settings
        from manifest_lint.media.cache import default_cache_dir
        from manifest_lint.rules import validate_selectors

        self.paths, urls = split_paths(paths or [Path(".")])
        self.remote_files = RemoteFiles(urls)
        self.notes: list[tuple[str, str]] = []  # (path, why it is not linted)
        self.linted: list = []  # type: ignore[type-arg]  # the targets, once found
        self.config = load_config(config_path, self.paths[0] if self.paths else Path("."))
        sel = _split(select)
        ign = _split(ignore) or []
        if sel is not None:
            validate_selectors(sel, "--select")
        validate_selectors(ign, "--ignore")
        root = media_root_value(media_root)
        if isinstance(root, Path) and not root.is_dir():
            from manifest_lint.discovery import PathError

            raise PathError(f"--media-root {media_root}: not a folder")
        self.settings = Settings(
            select=sel, ignore=ign, strict=strict or self.config.strict,
            exit_zero=exit_zero, no_media=no_media, media_root=root, deep=deep,
            jobs=jobs,
            cache_dir=None if no_cache else (cache_dir or default_cache_dir(self.config.root)),
            progress=_format(fmt) is Format.full,
            dataset_stats=_format(fmt) is Format.html,
            remote=remote or self.config.remote or isinstance(root, str),
            s3_endpoint=s3_endpoint or self.config.s3_endpoint or None,
            s3_concurrency=self.config.s3_concurrency,
            scheduler=scheduler_setting(scheduler, self.config.scheduler),
        )

    def targets(self) -> list:  # type: ignore[type-arg]
        """The files to lint (with the sync-only siblings of CSV files); a note on stderr
        (and in ``self.notes``) for each file that is not linted."""
        from manifest_lint.discovery import discover, with_sync_siblings

        self.notes.clear()
        out = []
        for t in discover(self.paths, self.config) if self.paths else ():
            if t.kind is None:
                self.notes.append((t.display, t.note))
                typer.echo(f"manifest-lint: note: {t.display}: {t.note}", err=True)
                continue
            out.append(t)
        self.linted = with_sync_siblings(out, self.config)
        return self.linted


def _format(fmt: Format | None) -> Format:
    """The format asked for, or the default for this environment."""
    if fmt is not None:
        return fmt
    return Format.github if os.environ.get("GITHUB_ACTIONS") == "true" else Format.full


def _output(run: _Run, fmt: Format | None, output: Path | None, color: Color,
            statistics: bool, baseline: Path | None, no_baseline: bool, *,
            write_baseline: Path | None = None, fixing: bool = False,
            html_thumbnails: int | None = None) -> OutputOptions:
    """How to report; reads the baseline now, so a bad one fails before any work."""
    from manifest_lint.output import OutputOptions

    if baseline is not None and no_baseline:
        raise typer.BadParameter("--baseline and --no-baseline cannot be used together")
    opts = OutputOptions(
        format=_format(fmt).value, output_file=output,
        color={Color.always: True, Color.never: False, Color.auto: None}[color],
        statistics=statistics,
        baseline=None if no_baseline else (baseline or run.config.baseline),
        write_baseline=write_baseline, strict=run.settings.strict,
        exit_zero=run.settings.exit_zero, fixing=fixing, html_thumbnails=html_thumbnails,
    )
    opts.load_baseline()
    return opts


def _finish(run: _Run, results: list, opts: OutputOptions) -> int:  # type: ignore[type-arg]
    from manifest_lint.engine import Selection
    from manifest_lint.output import finish
    from manifest_lint.runner import narrowed

    opts.notes = list(run.notes)
    return finish(results, opts, narrowed(Selection(run.config, run.settings), run.linted))


def _guard(func):  # type: ignore[no-untyped-def]
    """Turn config, path and selector errors into exit 2 with a message."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        from manifest_lint.config import ConfigError
        from manifest_lint.discovery import PathError
        from manifest_lint.media import ClusterError
        from manifest_lint.rules import UnknownSelector

        try:
            return func(*args, **kwargs)
        except (ConfigError, PathError, UnknownSelector, ClusterError) as exc:
            raise typer.Exit(_fail(str(exc))) from None
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise typer.Exit(_fail(f"{exc.filename or ''}: {exc.strerror or exc}")) from None

    return wrapper


@app.command()
@_guard
def lint(
    paths: PathsArg = None,
    format: FormatOpt = None,
    output_file: OutputOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    exit_zero: ExitZeroOpt = False,
    strict: StrictOpt = False,
    no_media: NoMediaOpt = False,
    media_root: MediaRootOpt = None,
    deep: DeepOpt = False,
    jobs: JobsOpt = None,
    color: ColorOpt = Color.auto,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
    cache_dir: CacheDirOpt = None,
    statistics: StatisticsOpt = False,
    baseline: BaselineOpt = None,
    no_baseline: NoBaselineOpt = False,
    write_baseline: WriteBaselineOpt = None,
    html_thumbnails: HtmlThumbnailsOpt = None,
    remote: RemoteOpt = False,
    s3_endpoint: S3EndpointOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Check files and report every problem with file and line."""
    from manifest_lint.runner import run_lint

    run = _Run(paths, config, select, ignore, strict, exit_zero, no_media, media_root,
               deep, jobs, no_cache, cache_dir, format, remote, s3_endpoint, scheduler)
    opts = _output(run, format, output_file, color, statistics, baseline, no_baseline,
                   write_baseline=write_baseline, html_thumbnails=html_thumbnails)
    results = run.remote_files.run(run, lambda ts, s: run_lint(ts, run.config, s))
    raise typer.Exit(_finish(run, results, opts))


@app.command()
@_guard
def fix(
    paths: PathsArg = None,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of what would "
                                       "change (to --output-file if given; in the JSON "
                                       "object with --format json); write nothing.")]
    = False,
    format: FormatOpt = None,
    output_file: OutputOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    exit_zero: ExitZeroOpt = False,
    strict: StrictOpt = False,
    no_media: NoMediaOpt = False,
    media_root: MediaRootOpt = None,
    deep: DeepOpt = False,
    jobs: JobsOpt = None,
    color: ColorOpt = Color.auto,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
    cache_dir: CacheDirOpt = None,
    statistics: StatisticsOpt = False,
    baseline: BaselineOpt = None,
    no_baseline: NoBaselineOpt = False,
    html_thumbnails: HtmlThumbnailsOpt = None,
    remote: RemoteOpt = False,
    s3_endpoint: S3EndpointOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Apply safe fixes in place (atomically), then report what remains."""
    from manifest_lint.engine import Summary, exit_code
    from manifest_lint.runner import run_fix

    run = _Run(paths, config, select, ignore, strict, exit_zero, no_media, media_root,
               deep, jobs, no_cache, cache_dir, format, remote, s3_endpoint, scheduler)
    if run.remote_files.urls and not diff:
        raise typer.Exit(_fail(
            f"{run.remote_files.urls[0]}: fix never writes to a bucket; use `fix --diff` to "
            "see the changes, or fix a local copy and upload it"))
    opts = _output(run, format, output_file, color, statistics, baseline, no_baseline,
                   fixing=True, html_thumbnails=html_thumbnails)
    diffs: list[str] = []
    results = run.remote_files.run(run, lambda ts, s: run_fix(
        ts, run.config, s, diff=diff, on_diff=diffs.append))
    if diff:
        from manifest_lint.wording import plural

        summary = Summary.of(results)
        code = exit_code(summary, strict=run.settings.strict, exit_zero=exit_zero)
        text = "".join(diffs)
        if opts.format == Format.json.value:
            opts.diff = text
            _finish(run, results, opts)
        elif output_file is not None:
            with open(output_file, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
        changed = sum(1 for r in results if r.fixed)
        typer.echo(f"would fix {plural(summary.fixed, 'problem')} in "
                   f"{plural(changed, 'file')}", err=True)
        raise typer.Exit(1 if diffs and not exit_zero else code)
    raise typer.Exit(_finish(run, results, opts))


@app.command()
def rules(
    format: Annotated[RulesFormat, typer.Option("--format", "-f",
                                                help="text, json or markdown.")]
    = RulesFormat.text,
) -> None:
    """List every rule: code, name, kind, severity, fixability and summary."""
    from manifest_lint.docs import rules_json, rules_markdown, rules_table

    if format is RulesFormat.json:
        typer.echo(rules_json())
    elif format is RulesFormat.markdown:
        typer.echo(rules_markdown(), nl=False)
    else:
        rules_table(sys.stdout)


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="A rule code (CSV301) or name "
                                                "(duplicate-image).")]) -> None:
    """Explain one rule, with a bad and a good example."""
    from manifest_lint.docs import explain_text
    from manifest_lint.rules import find_rule

    r = find_rule(rule)
    if r is None:
        raise typer.Exit(_fail(f"unknown rule {rule!r}; `manifest-lint rules` lists them"))
    typer.echo(explain_text(r), nl=False)


def _register_create_commands() -> None:
    """Attach the ``create`` subcommands that exist in this build."""
    import importlib

    for module in ("manifest_lint.commands.create_cvat", "manifest_lint.commands.create_lfv"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: exit 0 clean, 1 problems, 2 usage/config/internal."""
    args = sys.argv[1:] if argv is None else argv
    saved = app.registered_commands, app.registered_groups
    if args and args[0] in TOP_COMMANDS:
        build_only(app, args[0])
    else:
        _register_create_commands()
    try:
        app(args=argv, prog_name="manifest-lint")
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        typer.echo(f"manifest-lint: internal error: {type(exc).__name__}: {exc} "
                   "(please report this)", err=True)
        sys.exit(2)
    finally:
        app.registered_commands, app.registered_groups = saved
