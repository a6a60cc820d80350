"""Shared test helpers: run the real CLI, lint a text snippet through the engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def _cli_command() -> list[str]:
    exe = shutil.which("manifest-lint", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "manifest_lint"]


def run_cli(
    *args: str | os.PathLike[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> CliResult:
    """Run the installed ``manifest-lint`` console script (the real entry point)."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR",
                             "MANIFEST_LINT_OUTPUT_FORMAT")}
    full_env.update(env or {})
    proc = subprocess.run(
        [*_cli_command(), *map(str, args)], cwd=cwd, env=full_env, capture_output=True,
        text=True, encoding="utf-8", timeout=300, check=False,
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
