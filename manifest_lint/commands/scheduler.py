"""``--scheduler``: where media work runs (a Dask cluster), shared by lint, fix and create."""

from __future__ import annotations

from typing import Annotated

import typer

SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", envvar="MANIFEST_LINT_SCHEDULER", metavar="ADDRESS",
                 help="Run media work on a Dask cluster: tcp://HOST:PORT, or local:N to start "
                 "N local worker processes (needs manifest-lint[dask]; config: scheduler).",
                 show_default=False),
]


def scheduler_setting(given: str | None, configured: str | None) -> str | None:
    """``--scheduler`` (or its env var), else the config's ``scheduler``; a bad address is a
    :class:`~manifest_lint.config.ConfigError`."""
    from manifest_lint.config import ConfigError
    from manifest_lint.media.executor import check_scheduler

    if not given:
        return configured
    try:
        return check_scheduler(given)
    except ValueError as exc:
        raise ConfigError(f"--scheduler: {exc}") from None
