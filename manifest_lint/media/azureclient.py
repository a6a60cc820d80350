"""The one place that talks to Azure Blob Storage (the optional extra ``manifest-lint[azure]``:
``azure-storage-blob``, and ``azure-identity`` for ``DefaultAzureCredential``), with the
interface of :class:`~manifest_lint.media.s3client.S3Client` (a *bucket* here is a container).

Only read requests are made: List Blobs (5,000 a page at most; we ask for 1,000), Get Blob
Properties and Get Blob (whole or ranged). Which account and which credential:

* ``AZURE_STORAGE_CONNECTION_STRING`` (its account, key or SAS and endpoint; Azurite's too) for
  ``az://container/…`` and for ``https://<account>.blob.core.windows.net/…`` of the same
  account;
* otherwise the account of the ``https://`` URL (or ``AZURE_STORAGE_ACCOUNT`` for ``az://``) with
  ``AZURE_STORAGE_KEY`` (an account key), ``AZURE_STORAGE_SAS_TOKEN``, or else
  ``DefaultAzureCredential`` (environment, workload identity, managed identity, Azure CLI);
  when none of them yields a token, requests go anonymous, so public containers work.

The change token of a blob is its ETag. Timeouts and ``503 ServerBusy`` are retried with
exponential backoff by the SDK; failures that concern a whole container raise
:class:`~manifest_lint.media.objclient.BucketError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from manifest_lint.media.objclient import (
    MAX_ATTEMPTS,
    PAGE,
    BucketError,
    ClientOptions,
    Counters,
    LazyClient,
    ObjectInfo,
    int_env,
    options_from_env,
    shared,
)

ENV_CONNECTION = "AZURE_STORAGE_CONNECTION_STRING"


def connection_account(connection: str) -> str:
    """The ``AccountName`` of a connection string (lowercase; "" when it has none)."""
    for part in connection.split(";"):
        name, _, value = part.partition("=")
        if name.strip().lower() == "accountname":
            return value.strip().lower()
    return ""


class AzureClient(LazyClient):
    """A thread-safe, read-only Blob Storage client for one account, with request counters.

    ``account`` is the account an ``https://`` URL names; "" for ``az://`` URLs (the account
    of the connection string or ``AZURE_STORAGE_ACCOUNT``)."""

    def __init__(self, options: ClientOptions | None = None, account: str = "") -> None:
        super().__init__(options)
        self.account = account
        self.attempts = int_env("MANIFEST_LINT_AZURE_ATTEMPTS", MAX_ATTEMPTS)
        if account:
            self.root_format = f"https://{account}.blob.core.windows.net/{{}}/"
        else:
            self.root_format = "az://{}/"

    def _make(self, anonymous: bool = False) -> Any:
        try:
            import requests
            from azure.core.pipeline.transport import RequestsTransport
            from azure.storage.blob import BlobServiceClient, ExponentialRetry
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise BucketError("", "missing-extra", "checking media in Azure Blob Storage needs "
                              "azure-storage-blob: pip install 'manifest-lint[azure]'") from exc
        retry: Any = ExponentialRetry
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=max(10, self.options.concurrency + 4))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        common: dict[str, Any] = {
            "transport": RequestsTransport(session=session, session_owner=False,
                                           connection_timeout=10, read_timeout=60),
            "retry_policy": retry(initial_backoff=0.1, increment_base=1.5,  # 0.1, 1.6, 2.35 s
                                  retry_total=self.attempts - 1),
        }
        connection = os.environ.get(ENV_CONNECTION, "")
        if connection and not anonymous and (
                not self.account or connection_account(connection) == self.account):
            return BlobServiceClient.from_connection_string(connection, **common)
        name = self.account or os.environ.get("AZURE_STORAGE_ACCOUNT", "").lower()
        if not name:
            raise BucketError("", "credentials", (
                "az:// URLs need an account: set AZURE_STORAGE_CONNECTION_STRING or "
                "AZURE_STORAGE_ACCOUNT, or use the https://<account>.blob.core.windows.net/"
                "<container>/ form"))
        url = f"https://{name}.blob.core.windows.net"
        credential: Any = None
        if not anonymous:
            credential = (os.environ.get("AZURE_STORAGE_KEY")
                          or os.environ.get("AZURE_STORAGE_SAS_TOKEN") or _default_credential())
        self.signed = credential is not None
        return BlobServiceClient(url, credential=credential, **common)

    def root(self, container: str) -> str:
        return self.root_format.format(container)

    # ---------------------------------------------------------------- requests

    def list(self, bucket: str, prefix: str, *, delimiter: str = "", limit: int = PAGE
             ) -> Iterator[tuple[str, ObjectInfo]]:
        """(name, info) of every blob under ``prefix`` (one level with a delimiter; one page
        of at most ``limit`` names when ``limit`` is below a page)."""
        def pages() -> Any:
            container = self._get().get_container_client(bucket)
            size = min(limit, PAGE)
            if delimiter:
                return container.walk_blobs(name_starts_with=prefix or None,
                                            delimiter=delimiter, results_per_page=size).by_page()
            return container.list_blobs(name_starts_with=prefix or None,
                                        results_per_page=size).by_page()

        walker = self._call(bucket, "", pages)
        while True:
            page = self._call(bucket, "", lambda: list(next(walker, None) or [None]))
            if page == [None]:
                return
            with self._lock:
                self.counters.lists += 1
            for item in page:
                if item is None or not hasattr(item, "size"):  # a BlobPrefix (a folder)
                    continue
                yield item.name, ObjectInfo(int(item.size or 0), _etag(item.etag))
            if limit < PAGE:
                return

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """Size and ETag of one blob; raises :class:`FileNotFoundError` if absent."""
        props = self._call(bucket, key, lambda: self._blob(bucket, key).get_blob_properties())
        with self._lock:
            self.counters.heads += 1
        return ObjectInfo(int(props.size or 0), _etag(props.etag))

    def get(self, bucket: str, key: str, start: int = 0, length: int | None = None
            ) -> tuple[bytes, ObjectInfo]:
        """``length`` bytes from ``start`` (the rest when None) and what the blob is."""
        def read() -> tuple[bytes, Any]:
            stream = self._blob(bucket, key).download_blob(
                offset=start if (start or length is not None) else None, length=length,
                max_concurrency=1)
            return stream.readall(), stream.properties

        try:
            data, props = self._call(bucket, key, read)
        except _RangeNotSatisfiable:
            return b"", self.head(bucket, key)
        with self._lock:
            self.counters.gets += 1
            self.counters.bytes += len(data)
        return data, ObjectInfo(_total(props, len(data) + start), _etag(props.etag))

    def download(self, bucket: str, key: str, target: str) -> ObjectInfo:
        """Stream one whole blob to the local file ``target``."""
        def read() -> tuple[int, Any]:
            stream = self._blob(bucket, key).download_blob(max_concurrency=1)
            with open(target, "wb") as out:
                size = stream.readinto(out)
            return size, stream.properties

        size, props = self._call(bucket, key, read)
        with self._lock:
            self.counters.gets += 1
            self.counters.bytes += size
        return ObjectInfo(size, _etag(props.etag))

    # ---------------------------------------------------------------- plumbing

    def _blob(self, bucket: str, key: str) -> Any:
        return self._get().get_blob_client(bucket, key)

    def _call(self, bucket: str, key: str, work: Any) -> Any:
        from azure.core.exceptions import (
            AzureError,
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
        )

        try:
            return work()
        except ResourceNotFoundError as exc:
            if getattr(exc, "error_code", "") == "ContainerNotFound" or not key:
                raise self._no_container(bucket) from exc
            raise FileNotFoundError(self.root(bucket) + key) from exc
        except ClientAuthenticationError as exc:
            if exc.status_code is None and self.signed and self._go_anonymous():
                return self._call(bucket, key, work)  # no token anywhere: try anonymously
            raise self._denied(bucket, exc) from exc
        except HttpResponseError as exc:
            status = exc.status_code or 0
            if status == 416:
                raise _RangeNotSatisfiable() from exc
            if status in (401, 403):
                raise self._denied(bucket, exc) from exc
            code = getattr(getattr(exc, "error_code", None), "value", None) or status
            said = f"{code} ({_first_line(exc.reason or exc.message)})"
            if status in (429, 500, 503):
                raise BucketError(bucket, "network", (
                    f"{self.root(bucket)} kept answering {said} after {self.attempts} tries "
                    "with backoff; lower s3-concurrency or try again later")) from exc
            raise BucketError(bucket, "network",
                              f"{self.root(bucket)} failed: {said}; giving up") from exc
        except AzureError as exc:  # ServiceRequestError, ServiceResponseError: the network
            raise BucketError(bucket, "network", (
                f"{self.root(bucket)} cannot be reached ({_first_line(str(exc))}); check the "
                "network and the account endpoint (AZURE_STORAGE_CONNECTION_STRING)")) from exc

    def _go_anonymous(self) -> bool:
        with self._lock:
            try:
                self._handle = self._make(anonymous=True)
            except BucketError:
                return False
        return True

    def _no_container(self, bucket: str) -> BucketError:
        return BucketError(bucket, "no-bucket", (
            f"container {self.root(bucket)} does not exist (or not in this storage account); "
            "check the container name and the account (AZURE_STORAGE_CONNECTION_STRING)"))

    def _denied(self, bucket: str, exc: Any) -> BucketError:
        if not self.signed:
            return BucketError(bucket, "credentials", (
                f"{self.root(bucket)} needs credentials and none were found; set "
                "AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, "
                "or sign in for DefaultAzureCredential (az login, a managed identity)"))
        code = getattr(exc, "error_code", None) or getattr(exc, "status_code", None) or "403"
        code = getattr(code, "value", code)  # a StorageErrorCode
        return BucketError(bucket, "denied", (
            f"access to {self.root(bucket)} denied ({code}); the credentials in use need to "
            "list and read blobs in it (role Storage Blob Data Reader, or a key/SAS with "
            "read and list)"))


class _RangeNotSatisfiable(Exception):
    """A range past the end of a blob."""


def _default_credential() -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        return None
    return DefaultAzureCredential()


def _total(props: Any, fallback: int) -> int:
    """The whole blob's size: a ranged download's properties give the range's size, and the
    total after the ``/`` of its content range."""
    content_range = str(getattr(props, "content_range", "") or "")
    tail = content_range.rsplit("/", 1)[-1]
    if "/" in content_range and tail.isdigit():
        return int(tail)
    return int(props.size if props.size is not None else fallback)


def _etag(value: object) -> str:
    return str(value or "").strip('"')


def _first_line(text: object) -> str:
    return str(text or "no message").strip().splitlines()[0] if text else "no message"


def shared_client(options: ClientOptions | None = None, account: str = "") -> AzureClient:
    """One client per set of options, account and connection string in this process."""
    options = options or options_from_env()
    key = ("azure", options, account, os.environ.get(ENV_CONNECTION, ""))
    return shared(key, lambda: AzureClient(options, account))


__all__ = ["AzureClient", "Counters", "connection_account", "shared_client"]
