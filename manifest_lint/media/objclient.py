"""What every object-store client shares (S3, GCS, Azure: :mod:`~manifest_lint.media.clients`
picks one by the URL's scheme): the error for a bucket that cannot be used, what a listing
says of an object, the request counters, the options (endpoint, requests in flight) and
their environment variables, the lazy making of the provider's own client and one client
per key in a process. No provider's library is imported here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

ENV_ENDPOINT = "MANIFEST_LINT_S3_ENDPOINT"
ENV_CONCURRENCY = "MANIFEST_LINT_S3_CONCURRENCY"
DEFAULT_CONCURRENCY = 32
MAX_ATTEMPTS = 5
PAGE = 1000  # keys per listing request (the S3 maximum)


class BucketError(OSError):
    """A bucket cannot be used at all (an :class:`OSError`, like a folder that cannot be
    read); ``str()`` says why and what to do."""

    def __init__(self, bucket: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.bucket = bucket
        self.reason = reason  # "credentials", "denied", "no-bucket", "network"


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What a listing or HEAD says about one object."""

    size: int
    etag: str


@dataclass
class Counters:
    """Requests made and bytes read (for the report's statistics and the bench)."""

    lists: int = 0
    heads: int = 0
    gets: int = 0
    bytes: int = 0

    @property
    def requests(self) -> int:
        return self.lists + self.heads + self.gets


@dataclass(frozen=True)
class ClientOptions:
    """How to reach the store: an endpoint (else the AWS chain's) and requests in flight."""

    endpoint: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY


def options_from_env(endpoint: str | None = None, concurrency: int | None = None
                     ) -> ClientOptions:
    """Options from arguments, else ``MANIFEST_LINT_S3_ENDPOINT`` / ``_CONCURRENCY``."""
    endpoint = endpoint or os.environ.get(ENV_ENDPOINT) or None
    if concurrency is None:
        concurrency = int_env(ENV_CONCURRENCY, DEFAULT_CONCURRENCY)
    return ClientOptions(endpoint, concurrency)


def int_env(name: str, default: int) -> int:
    """A positive integer from the environment variable ``name``, else ``default``."""
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


class LazyClient:
    """What each provider's client starts from: its options, request counters, a lock, and
    the provider library's own client, made by ``_make`` on first use (``_get``)."""

    def __init__(self, options: ClientOptions | None = None) -> None:
        self.options = options or options_from_env()
        self.counters = Counters()
        self._lock = threading.Lock()
        self._handle: Any = None
        self.signed = True  # False once requests go anonymous (no credentials)

    def _make(self) -> Any:
        raise NotImplementedError

    def _get(self) -> Any:
        if self._handle is None:
            with self._lock:
                if self._handle is None:
                    self._handle = self._make()
        return self._handle


C = TypeVar("C")
_SHARED: dict[tuple[Hashable, ...], Any] = {}
_SHARED_LOCK = threading.Lock()


def shared(key: tuple[Hashable, ...], make: Callable[[], C]) -> C:
    """One client per ``key`` in this process (connections are reused); ``key[0]`` names
    the provider ("s3", "gcs", "azure")."""
    with _SHARED_LOCK:
        client = _SHARED.get(key)
        if client is None:
            client = _SHARED[key] = make()
        return client  # type: ignore[no-any-return]


def shared_clients(provider: str) -> list[Any]:
    """The clients :func:`shared` made for ``provider`` in this process."""
    with _SHARED_LOCK:
        return [c for key, c in _SHARED.items() if key[0] == provider]
