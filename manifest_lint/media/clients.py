"""The object-store client for a URL, picked by its scheme: ``s3://`` (boto3), ``gs://``
(google-cloud-storage), ``az://`` and ``https://<account>.blob.core.windows.net/`` (Azure Blob
Storage). All three have the same small interface (``list``, ``head``, ``get``, ``download``,
``counters``, ``options``, ``signed``) and raise the same
:class:`~manifest_lint.media.objclient.BucketError`; each provider's library is imported only
when its first request is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from manifest_lint.cloud import NAMES, account, provider

if TYPE_CHECKING:
    from collections.abc import Iterator

    from manifest_lint.media.objclient import ClientOptions, Counters, ObjectInfo


class Client(Protocol):
    """What :class:`~manifest_lint.media.objects.ObjectStore` needs of a client."""

    options: ClientOptions
    counters: Counters
    signed: bool

    def list(self, bucket: str, prefix: str, *, delimiter: str = "", limit: int = ...
             ) -> Iterator[tuple[str, ObjectInfo]]: ...

    def head(self, bucket: str, key: str) -> ObjectInfo: ...

    def get(self, bucket: str, key: str, start: int = 0, length: int | None = None
            ) -> tuple[bytes, ObjectInfo]: ...

    def download(self, bucket: str, key: str, target: str) -> ObjectInfo: ...


def client_for(url: str, options: ClientOptions | None = None) -> Client:
    """The shared client that serves ``url`` (``s3://`` for anything unknown)."""
    found = provider(url)
    if found == "gcs":
        from manifest_lint.media import gcsclient

        return gcsclient.shared_client(options)
    if found == "azure":
        from manifest_lint.media import azureclient

        return azureclient.shared_client(options, account(url) or "")
    from manifest_lint.media import s3client

    return s3client.shared_client(options)


def summary() -> list[str]:
    """What the run cost per provider (only those it made requests to), e.g.
    ``"GCS: 12 requests (2 LIST, 0 HEAD, 10 GET), 0.1 MiB read"``."""
    from manifest_lint.media.objclient import shared_clients

    out = []
    for name in NAMES:
        lists = heads = gets = size = 0
        for client in shared_clients(name):
            c = client.counters
            lists, heads, gets, size = lists + c.lists, heads + c.heads, gets + c.gets, \
                size + c.bytes
        if lists + heads + gets:
            out.append(f"{NAMES[name]}: {lists + heads + gets:,} requests ({lists:,} LIST, "
                       f"{heads:,} HEAD, {gets:,} GET), {size / 1048576:,.1f} MiB read")
    return out
