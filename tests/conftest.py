"""Shared test helpers: run the real CLI, lint a text snippet through the engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests with a fixed seed so that a run is repeatable; locally every
# run explores new examples (`--hypothesis-seed=N` replays one).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CACHE_DIR_NAME = ".manifest_lint_cache"

# The line-ending variants every fix family is tested with: (name, newline, final newline).
ENDINGS = [("lf", "\n", True), ("crlf", "\r\n", True), ("cr", "\r", True),
           ("lf-no-final", "\n", False), ("crlf-no-final", "\r\n", False),
           ("cr-no-final", "\r", False)]
ENDING_IDS = [e[0] for e in ENDINGS]


def with_ending(text: str, newline: str, final: bool) -> bytes:
    """``text`` (written with LF line ends and a final LF) as UTF-8 with ``newline`` for
    every LF (newlines inside quoted CSV fields too), without the last one unless
    ``final``."""
    assert text.endswith("\n"), "write the LF form with a final newline"
    out = text.replace("\n", newline)
    return (out if final else out[: -len(newline)]).encode("utf-8")


@pytest.fixture(params=ENDINGS, ids=ENDING_IDS)
def ending(request: pytest.FixtureRequest) -> tuple[str, bool]:
    """(newline, final newline) of each line-ending variant; see :func:`with_ending`."""
    _, newline, final = request.param
    return newline, final


def _cache_folders() -> dict[str, int]:
    """Every file inside a media cache folder anywhere in the repository (with its mtime)."""
    found: dict[str, int] = {}
    skip = {".git", ".venv", ".hypothesis", ".mypy_cache", ".ruff_cache", "__pycache__",
            "node_modules"}
    for folder, dirs, _files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in skip]
        if CACHE_DIR_NAME in dirs:
            dirs.remove(CACHE_DIR_NAME)
            for p in Path(folder, CACHE_DIR_NAME).rglob("*"):
                found[str(p)] = p.stat().st_mtime_ns
            found.setdefault(str(Path(folder, CACHE_DIR_NAME)), 0)
    return found


@pytest.fixture(scope="session", autouse=True)
def _no_media_cache_in_the_repository() -> Iterator[None]:
    """Fail the run if any test wrote a media cache folder into the repository."""
    before = _cache_folders()
    yield
    after = _cache_folders()
    written = sorted(p for p, mtime in after.items() if before.get(p) != mtime)
    assert not written, (
        f"the test run wrote {CACHE_DIR_NAME} into the repository: {written[:5]}; every "
        "test must use its own cache folder (see _own_media_cache) or none")


@pytest.fixture(autouse=True)
def _own_media_cache(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test starts with its own, empty media cache folder: the CLI (and anything
    reading MANIFEST_LINT_CACHE_DIR) never shares results between tests nor writes into the
    repository. In-process ``Settings()`` has no cache unless a test passes ``cache_dir``."""
    folder = tmp_path_factory.mktemp("media-cache")
    monkeypatch.setenv("MANIFEST_LINT_CACHE_DIR", str(folder))
    monkeypatch.delenv("MANIFEST_LINT_NO_CACHE", raising=False)
    return folder


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def _cli_command() -> list[str]:
    exe = shutil.which("manifest-lint", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "manifest_lint"]


def run_cli(
    *args: str | os.PathLike[str], cwd: Path | None = None, env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
) -> CliResult:
    """Run the installed ``manifest-lint`` console script (the real entry point);
    ``preexec`` runs in the child just before the script starts."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR",
                             "MANIFEST_LINT_OUTPUT_FORMAT")}
    full_env.update(env or {})
    proc = subprocess.run(
        [*_cli_command(), *map(str, args)], cwd=cwd, env=full_env, capture_output=True,
        text=True, encoding="utf-8", timeout=300, check=False, preexec_fn=preexec,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    return run_cli


def damage(draw: object, data: bytes, bytes_pool: list[int]) -> bytes:
    """For hypothesis strategies: maybe prepend a UTF-8 BOM, then overwrite up to two bytes
    with ones from ``bytes_pool`` (``draw`` is the strategy's draw function)."""
    from hypothesis import strategies as st

    out = bytearray(data)
    if draw(st.booleans()):  # type: ignore[operator]
        out[:0] = b"\xef\xbb\xbf"
    for _ in range(draw(st.integers(0, 2))):  # type: ignore[operator]
        if out:
            i = draw(st.integers(0, len(out) - 1))  # type: ignore[operator]
            out[i] = draw(st.sampled_from(bytes_pool))  # type: ignore[operator]
    return bytes(out)


def physical_lines(data: bytes) -> int:
    """How many physical lines the fixer and the checkers see in ``data``."""
    from io import BytesIO

    from manifest_lint.textio import iter_raw_lines

    bom = data.startswith(b"\xef\xbb\xbf")
    return sum(1 for _ in iter_raw_lines(BytesIO(data), skip_bom=bom))


def write_file(folder: Path, data: str | bytes, name: str) -> Path:
    """Write ``data`` (text as UTF-8 with its newlines kept, or bytes) to ``folder/name``."""
    p = folder / name
    if isinstance(data, str):
        p.write_text(data, encoding="utf-8", newline="")
    else:
        p.write_bytes(data)
    return p


def lint_file_codes(path: Path, *, kind: str | None = None, config: Path | None = None,
                    **settings: object) -> list[tuple[str, int]]:
    """(code, line) of every diagnostic for ``path``, via the engine."""
    return [(d.code, d.line) for d in lint_diagnostics(path, kind=kind, config=config,
                                                       **settings)]


def lint_diagnostics(path: Path, *, kind: str | None = None, config: Path | None = None,
                     **settings: object):  # type: ignore[no-untyped-def]
    from manifest_lint.config import load_config
    from manifest_lint.engine import Selection, Settings, lint_file
    from manifest_lint.kinds import sniff_kind
    from manifest_lint.textio import preflight

    cfg = load_config(config, path)
    s = Settings(**settings)  # type: ignore[arg-type]
    k = kind or sniff_kind(path, preflight(path).head)
    assert k is not None, f"no kind for {path}"
    return lint_file(path, path.name, k, cfg, s, Selection(cfg, s))


def fix_file(path: Path, kind: str, **settings: object):  # type: ignore[no-untyped-def]
    """`fix` on one file in process, as the CLI's ``fix`` runs it (settings as keyword
    arguments, e.g. ``ignore=["CVAT007"]``); the file's result. Cheaper than the CLI for
    the line-ending matrices; each fix family also has a test through the CLI."""
    from manifest_lint.config import load_config
    from manifest_lint.discovery import Target
    from manifest_lint.engine import Settings
    from manifest_lint.runner import run_fix

    cfg = load_config(None, path)
    s = Settings(**settings)  # type: ignore[arg-type]
    [result] = run_fix([Target(path, path.name, kind, True)], cfg, s, diff=False,
                       on_diff=lambda _: None)
    assert not [n for n in result.notes if n.startswith("not fixed")], result.notes
    return result
