"""What every object-store client shares (S3, GCS, Azure: :mod:`~manifest_lint.media.clients`
picks one by the URL's scheme): the error for a bucket that cannot be used, what a listing
says of an object, the request counters, the options (endpoint, requests in flight) and
their environment variables. No provider's library is imported here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

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
