"""Finding, reading and validating configuration.

Configuration lives in ``[tool.manifest-lint]`` of the nearest ``pyproject.toml`` or in a
``manifest-lint.toml`` / ``.manifest-lint.toml`` (same keys, no prefix), found by walking up
from the first path. Unknown keys and wrong types are errors that name the key and the file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from manifest_lint.datasets.config import DatasetSpec, parse_datasets
from manifest_lint.kinds import KINDS
from manifest_lint.kinds.spec import Option

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILES = (".manifest-lint.toml", "manifest-lint.toml", "pyproject.toml")
DEFAULT_INCLUDE = ("*.csv", "*.manifest", "*.jsonl")


class ConfigError(Exception):
    """Bad configuration; the CLI prints it and exits 2."""


# key -> (type, default, help) for the top-level table.
TOP_LEVEL: dict[str, Option] = {
    "select": Option("list[str]", None, "Rules to enable (codes, prefixes, names or ALL)."),
    "ignore": Option("list[str]", [], "Rules to disable (codes, prefixes or names)."),
    "per-file-ignores": Option(
        "dict[str,list[str]]", {}, "Glob (relative to the config file) -> rules to disable."
    ),
    "include": Option("list[str]", list(DEFAULT_INCLUDE), "Globs of files to lint in folders."),
    "exclude": Option("list[str]", [], "Globs of files and folders never to lint."),
    "kinds": Option(
        "dict[str,str]", {}, "Glob -> kind (csv, lfv, cvat, or skip) to force a file's kind."
    ),
    "strict": Option("bool", False, "Fail (exit 1) on warnings too."),
    "baseline": Option(
        "str", "", "Baseline file (relative to the config file): problems it records are "
        "not reported. Write it with `lint --write-baseline FILE`."
    ),
    "remote": Option(
        "bool", False, "Check media in object storage (as --remote; the network is used "
        "only when this is on or a media root is in S3, GCS or Azure)."
    ),
    "s3-endpoint": Option(
        "str", "", "S3 endpoint URL for MinIO, Ceph, R2... (default: the AWS chain's, "
        "AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)."
    ),
    "s3-concurrency": Option("int", 32, "S3 requests in flight."),
    "scheduler": Option("str", "", "Dask scheduler for media work of lint, fix and create cvat "
                        "(tcp://HOST:PORT, or local:N for N local worker processes); needs "
                        "manifest-lint[dask]. --scheduler and MANIFEST_LINT_SCHEDULER win. "
                        "Empty: a local process pool."),
}


@dataclass
class Config:
    """Resolved configuration (defaults filled in)."""

    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    include: list[str] = field(default_factory=lambda: list(DEFAULT_INCLUDE))
    exclude: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    strict: bool = False
    baseline: Path | None = None
    remote: bool = False
    s3_endpoint: str = ""
    s3_concurrency: int = 32
    scheduler: str | None = None
    kind_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasets: dict[str, DatasetSpec] = field(default_factory=dict)  # [...datasets.<name>]

    def options(self, kind: str) -> dict[str, Any]:
        return self.kind_options[kind]

    def relpath(self, path: Path) -> str:
        """``path`` relative to the config folder, posix style (absolute if outside)."""
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return resolved.as_posix()


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above ``start``. A ``pyproject.toml`` without a
    ``[tool.manifest-lint]`` table is passed over; one that does not parse, or that holds
    the table misspelt ``[tool.manifest_lint]``, is an error (never silently skipped)."""
    here = start.resolve()
    if here.is_file() or not here.exists():
        here = here.parent
    for folder in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and not _has_section(candidate):
                continue
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}; fix the file (it may hold "
                          "manifest-lint's settings)") from exc


def _has_section(pyproject: Path) -> bool:
    tool = _read_toml(pyproject).get("tool", {})
    if not isinstance(tool, dict):
        return False
    for typo in ("manifest_lint", "manifestlint"):
        if typo in tool:
            raise ConfigError(
                f"{pyproject}: [tool.{typo}] is not read: the table is spelt "
                "[tool.manifest-lint] (with a hyphen); rename it"
            )
    return "manifest-lint" in tool


def load_config(explicit: Path | None, start: Path) -> Config:
    """Load ``explicit`` or the nearest config file; defaults when there is none."""
    path = explicit if explicit is not None else find_config(start)
    if path is None:
        return _resolve({}, None, Path.cwd())
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        _has_section(path)  # a misspelt table is an error here too
        tool = data.get("tool", {})
        table = tool.get("manifest-lint", {}) if isinstance(tool, dict) else {}
        where = f"{path} [tool.manifest-lint]"
    else:
        table = data
        where = str(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    return _resolve(table, path, path.parent, where)


def _resolve(table: dict[str, Any], path: Path | None, root: Path, where: str = "") -> Config:
    cfg = Config(path=path, root=root)
    for key, value in table.items():
        if key in KINDS or key == "datasets":
            continue
        spec = TOP_LEVEL.get(key)
        if spec is None:
            raise ConfigError(_unknown(where, key, [*TOP_LEVEL, *KINDS, "datasets"]))
        _check_type(where, key, value, spec)
    cfg.select = table.get("select")
    cfg.ignore = list(table.get("ignore", []))
    cfg.per_file_ignores = {k: list(v) for k, v in table.get("per-file-ignores", {}).items()}
    cfg.include = list(table.get("include", DEFAULT_INCLUDE))
    cfg.exclude = list(table.get("exclude", []))
    cfg.kinds = dict(table.get("kinds", {}))
    cfg.strict = bool(table.get("strict", False))
    cfg.baseline = root / table["baseline"] if table.get("baseline") else None
    cfg.remote = bool(table.get("remote", False))
    cfg.s3_endpoint = str(table.get("s3-endpoint", ""))
    cfg.s3_concurrency = int(table.get("s3-concurrency", 32))
    if cfg.s3_concurrency < 1:
        raise ConfigError(f"{where}: s3-concurrency must be at least 1")
    try:
        cfg.datasets = parse_datasets(table.get("datasets", {}), where or "config")
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if table.get("scheduler"):
        from manifest_lint.media.executor import check_scheduler

        try:
            cfg.scheduler = check_scheduler(table["scheduler"])
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    for glob, kind in cfg.kinds.items():
        if kind not in KINDS and kind != "skip":
            raise ConfigError(
                f"{where}: kinds.{glob!r} = {kind!r} is not a kind "
                f"(expected one of {', '.join([*KINDS, 'skip'])})"
            )
    for name, kind_spec in KINDS.items():
        sub = table.get(name, {})
        sub_where = _sub_table(where, path, name)
        if not isinstance(sub, dict):
            raise ConfigError(f"{sub_where}: expected a table of {name} options")
        opts: dict[str, Any] = {}
        for key, value in sub.items():
            ospec = kind_spec.options.get(key)
            if ospec is None:
                raise ConfigError(_unknown(sub_where, key, list(kind_spec.options)))
            _check_type(sub_where, key, value, ospec)
            check = _VALUE_CHECKS.get((name, key))
            if check is not None and (problem := check(value)):
                raise ConfigError(f"{sub_where}: {key} {problem}")
            opts[key] = value
        for key, default in kind_spec.options.items():
            opts.setdefault(key, default.default)
        cfg.kind_options[name] = opts
    _validate_selectors(cfg, where)
    return cfg


def _validate_selectors(cfg: Config, where: str) -> None:
    from manifest_lint.rules import UnknownSelector, validate_selectors

    try:
        if cfg.select is not None:
            validate_selectors(cfg.select, f"{where} select")
        validate_selectors(cfg.ignore, f"{where} ignore")
        for glob, codes in cfg.per_file_ignores.items():
            validate_selectors(codes, f"{where} per-file-ignores {glob!r}")
    except UnknownSelector as exc:
        raise ConfigError(str(exc)) from exc


def _sub_table(where: str, path: Path | None, name: str) -> str:
    """How messages name the ``name`` sub-table: ``pyproject.toml [tool.manifest-lint.lfv]``
    or ``manifest-lint.toml [lfv]``."""
    if path is None:
        return f"[{name}]"
    if path.name == "pyproject.toml":
        return f"{path} [tool.manifest-lint.{name}]"
    return f"{path} [{name}]"


def _check_classes(value: list[str]) -> str:
    if not value:
        return "must list at least one class, e.g. [\"normal\", \"anomaly\"]"
    folded: set[str] = set()
    for c in value:
        if not c.strip() or c != c.strip():
            return f"must hold class names without surrounding spaces, got {c!r}"
        if c.casefold() in folded:
            return f"lists {c!r} twice (classes are compared ignoring case)"
        folded.add(c.casefold())
    return ""


def _check_s3_path(value: str) -> str:
    if not value:
        return ""
    from manifest_lint.s3 import S3Uri, check_s3_uri, join_prefix

    probe = check_s3_uri(join_prefix(value, "image.jpg"))
    if value.startswith("s3://") and isinstance(probe, S3Uri):
        return ""
    why = probe if isinstance(probe, str) else "it must start with s3://"
    return f"must be an S3 prefix like \"s3://bucket/folder/\" ({why}), got {value!r}"


def _check_media_map(value: dict[str, str]) -> str:
    from manifest_lint.s3 import S3Uri, check_s3_uri

    for prefix in value:
        # as media.parse_media_map reads it: "bucket/folder" means "s3://bucket/folder/"
        p = prefix.strip()
        if ":" not in p.split("/", 1)[0]:
            p = "s3://" + p.lstrip("/")
        probe = check_s3_uri(p.rstrip("/") + "/image.jpg")
        if not isinstance(probe, S3Uri):
            why = probe or "it must start with s3://"
            return (f"keys must be S3 prefixes like \"s3://bucket/folder/\" ({why}), "
                    f"got {prefix!r}")
    return ""


# (kind, key) -> a check of the value: what is wrong with it, or "".
_VALUE_CHECKS: dict[tuple[str, str], Callable[[Any], str]] = {
    ("csv", "classes"): _check_classes,
    ("csv", "s3-path"): _check_s3_path,
    ("lfv", "media-map"): _check_media_map,
}


def _unknown(where: str, key: str, known: list[str]) -> str:
    return f"{where}: unknown key {key!r} (known keys: {', '.join(sorted(known))})"


def _check_type(where: str, key: str, value: Any, spec: Option) -> None:
    ok: bool
    t = spec.type
    if t == "str":
        ok = isinstance(value, str)
    elif t == "bool":
        ok = isinstance(value, bool)
    elif t == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == "list[str]":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif t == "dict[str,str]":
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    elif t == "dict[str,list[str]]":
        ok = isinstance(value, dict) and all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()
        )
    else:  # pragma: no cover - a programming error in an Option
        raise AssertionError(t)
    if not ok:
        raise ConfigError(f"{where}: {key} must be {_describe(t)}, got {value!r}")
    if spec.choices and value not in spec.choices:
        choices = ", ".join(repr(c) for c in spec.choices if c)
        empty = " or empty" if "" in spec.choices else ""
        raise ConfigError(f"{where}: {key} must be one of {choices}{empty}, got {value!r}")


def _describe(t: str) -> str:
    return {
        "str": "a string",
        "bool": "true or false",
        "int": "an integer",
        "list[str]": "a list of strings",
        "dict[str,str]": "a table of strings",
        "dict[str,list[str]]": "a table of string lists",
    }[t]
