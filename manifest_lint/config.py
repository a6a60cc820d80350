"""Finding, reading and validating configuration.

Configuration lives in ``[tool.manifest-lint]`` of the nearest ``pyproject.toml`` or in a
``manifest-lint.toml`` / ``.manifest-lint.toml`` (same keys, no prefix), found by walking up
from the first path. Unknown keys and wrong types are errors that name the key and the file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    kind_options: dict[str, dict[str, Any]] = field(default_factory=dict)

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
    """The nearest config file at or above ``start``."""
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


def _has_section(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return "manifest-lint" in data.get("tool", {})


def load_config(explicit: Path | None, start: Path) -> Config:
    """Load ``explicit`` or the nearest config file; defaults when there is none."""
    path = explicit if explicit is not None else find_config(start)
    if path is None:
        return _resolve({}, None, Path.cwd())
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("manifest-lint", {})
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
        if key in KINDS:
            continue
        spec = TOP_LEVEL.get(key)
        if spec is None:
            raise ConfigError(_unknown(where, key, [*TOP_LEVEL, *KINDS]))
        _check_type(where, key, value, spec)
    cfg.select = table.get("select")
    cfg.ignore = list(table.get("ignore", []))
    cfg.per_file_ignores = {k: list(v) for k, v in table.get("per-file-ignores", {}).items()}
    cfg.include = list(table.get("include", DEFAULT_INCLUDE))
    cfg.exclude = list(table.get("exclude", []))
    cfg.kinds = dict(table.get("kinds", {}))
    cfg.strict = bool(table.get("strict", False))
    cfg.baseline = root / table["baseline"] if table.get("baseline") else None
    for glob, kind in cfg.kinds.items():
        if kind not in KINDS and kind != "skip":
            raise ConfigError(
                f"{where}: kinds.{glob!r} = {kind!r} is not a kind "
                f"(expected one of {', '.join([*KINDS, 'skip'])})"
            )
    for name, kind_spec in KINDS.items():
        sub = table.get(name, {})
        sub_where = f"{where}.{name}" if where else name
        if not isinstance(sub, dict):
            raise ConfigError(f"{sub_where}: expected a table of {name} options")
        opts: dict[str, Any] = {}
        for key, value in sub.items():
            ospec = kind_spec.options.get(key)
            if ospec is None:
                raise ConfigError(_unknown(sub_where, key, list(kind_spec.options)))
            _check_type(sub_where, key, value, ospec)
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
        raise ConfigError(
            f"{where}: {key} must be one of {', '.join(spec.choices)}, got {value!r}"
        )


def _describe(t: str) -> str:
    return {
        "str": "a string",
        "bool": "true or false",
        "int": "an integer",
        "list[str]": "a list of strings",
        "dict[str,str]": "a table of strings",
        "dict[str,list[str]]": "a table of string lists",
    }[t]
