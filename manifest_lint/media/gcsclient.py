"""The one place that talks to Google Cloud Storage (the optional extra ``manifest-lint[gcs]``,
``google-cloud-storage``), with the interface of :class:`~manifest_lint.media.s3client.S3Client`.

Only read requests are made, through the JSON API on the authorized session that
``google-cloud-storage`` builds: list objects (``items(name,size,generation)``, 1,000 a page),
get one object's metadata, and media downloads (whole or ranged). Credentials are Google's
application-default credentials (``GOOGLE_APPLICATION_CREDENTIALS``, ``gcloud auth
application-default login``, the metadata server); without any, requests go anonymous, so
public buckets work. ``STORAGE_EMULATOR_HOST`` points the client at an emulator. The change
token of an object is its *generation*. Timeouts, 429 and 5xx answers are retried with
exponential backoff; failures that concern a whole bucket raise
:class:`~manifest_lint.media.objclient.BucketError`.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from manifest_lint.media.objclient import (
    MAX_ATTEMPTS,
    PAGE,
    BucketError,
    ClientOptions,
    LazyClient,
    ObjectInfo,
    int_env,
    options_from_env,
    shared,
)

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class GCSClient(LazyClient):
    """A thread-safe, read-only Google Cloud Storage client with request counters."""

    def __init__(self, options: ClientOptions | None = None) -> None:
        super().__init__(options)
        self._base = ""
        self.attempts = int_env("MANIFEST_LINT_GCS_ATTEMPTS", MAX_ATTEMPTS)
        self._generations: dict[tuple[str, str], str] = {}  # when a download does not say
        self._buckets: dict[str, bool] = {}  # bucket -> exists (asked after a 404)

    def _make(self) -> Any:
        try:
            import google.auth
            from google.auth.exceptions import DefaultCredentialsError
            from google.cloud import storage
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise BucketError("", "missing-extra", "checking media in Google Cloud Storage "
                              "needs google-cloud-storage: pip install 'manifest-lint[gcs]'"
                              ) from exc
        if os.environ.get("STORAGE_EMULATOR_HOST"):
            client = storage.Client(project=os.environ.get("GOOGLE_CLOUD_PROJECT") or "test")
        else:
            try:
                credentials, project = google.auth.default()
                client = storage.Client(project=project or "-", credentials=credentials)
            except DefaultCredentialsError:
                client = storage.Client.create_anonymous_client()
                self.signed = False
        import requests.adapters

        session = client._http
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=max(10, self.options.concurrency + 4))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self._base = client._connection.API_BASE_URL.rstrip("/")
        return session

    # ---------------------------------------------------------------- requests

    def list(self, bucket: str, prefix: str, *, delimiter: str = "", limit: int = PAGE
             ) -> Iterator[tuple[str, ObjectInfo]]:
        """(name, info) of every object under ``prefix`` (one level with a delimiter; one
        page of at most ``limit`` names when ``limit`` is below a page)."""
        token = ""
        while True:
            params = {"prefix": prefix, "maxResults": str(min(limit, PAGE)),
                      "fields": "items(name,size,generation),nextPageToken",
                      "projection": "noAcl"}
            if delimiter:
                params["delimiter"] = delimiter
            if token:
                params["pageToken"] = token
            reply = self._call(bucket, "", "GET", self._url(bucket), params=params)
            page = reply.json()
            with self._lock:
                self.counters.lists += 1
            for item in page.get("items", ()):
                info = ObjectInfo(int(item.get("size") or 0), str(item.get("generation", "")))
                self._remember(bucket, item["name"], info)
                yield item["name"], info
            token = page.get("nextPageToken") or ""
            if not token or limit < PAGE:
                return

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """Size and generation of one object; raises :class:`FileNotFoundError` if absent."""
        reply = self._call(bucket, key, "GET", self._url(bucket, key),
                           params={"fields": "size,generation"})
        with self._lock:
            self.counters.heads += 1
        item = reply.json()
        info = ObjectInfo(int(item.get("size") or 0), str(item.get("generation", "")))
        self._remember(bucket, key, info)
        return info

    def get(self, bucket: str, key: str, start: int = 0, length: int | None = None
            ) -> tuple[bytes, ObjectInfo]:
        """``length`` bytes from ``start`` (the rest when None) and what the object is."""
        headers = {}
        if length is not None or start:
            end = "" if length is None else str(start + length - 1)
            headers["Range"] = f"bytes={start}-{end}"
        reply = self._call(bucket, key, "GET", self._url(bucket, key, media=True),
                           params={"alt": "media"}, headers=headers)
        if reply.status_code == 416:
            return b"", self.head(bucket, key)
        data = reply.content
        with self._lock:
            self.counters.gets += 1
            self.counters.bytes += len(data)
        total = len(data) + (start if headers else 0)
        content_range = reply.headers.get("Content-Range") or ""
        if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
            total = int(content_range.rsplit("/", 1)[1])
        return data, ObjectInfo(total, self._generation(bucket, key, reply))

    def download(self, bucket: str, key: str, target: str) -> ObjectInfo:
        """Stream one whole object to the local file ``target`` (asked again, with backoff,
        when the connection breaks mid-body)."""
        import requests

        for attempt in range(self.attempts):
            reply = self._call(bucket, key, "GET", self._url(bucket, key, media=True),
                               params={"alt": "media"}, stream=True)
            size = 0
            try:
                with open(target, "wb") as out:
                    for chunk in reply.iter_content(1 << 20):
                        out.write(chunk)
                        size += len(chunk)
                break
            except requests.RequestException as exc:  # a broken body: ask again
                if attempt + 1 >= self.attempts:
                    raise BucketError(bucket, "network", (
                        f"reading gs://{bucket}/{key} kept failing ({exc}) after "
                        f"{self.attempts} tries; check the network")) from exc
                time.sleep(min(5.0, 0.1 * 2 ** (attempt + 1)) * (0.5 + random.random()))
            finally:
                reply.close()
        with self._lock:
            self.counters.gets += 1
            self.counters.bytes += size
        return ObjectInfo(size, self._generation(bucket, key, reply))

    # ---------------------------------------------------------------- plumbing

    def _url(self, bucket: str, key: str | None = None, *, media: bool = False) -> str:
        self._get()
        base = f"{self._base}/download" if media else self._base
        url = f"{base}/storage/v1/b/{quote(bucket, safe='')}/o"
        return url if key is None else f"{url}/{quote(key, safe='')}"

    def _remember(self, bucket: str, key: str, info: ObjectInfo) -> None:
        with self._lock:
            self._generations[bucket, key] = info.etag

    def _generation(self, bucket: str, key: str, reply: Any) -> str:
        said = reply.headers.get("x-goog-generation")
        if said:
            return str(said)
        with self._lock:  # emulators do not always send it
            return self._generations.get((bucket, key), "")

    def _call(self, bucket: str, key: str, method: str, url: str, **kwargs: Any) -> Any:
        """One request, retried with backoff; raises what the answer means."""
        session = self._get()
        said = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(min(5.0, 0.1 * 2 ** attempt) * (0.5 + random.random()))
            try:
                reply = session.request(method, url, timeout=(10, 60), **kwargs)
            except Exception as exc:  # noqa: BLE001 - requests' and google-auth's errors
                if _is_credentials_error(exc):
                    raise BucketError(bucket, "credentials", _no_credentials(bucket)) from exc
                said = f"{type(exc).__name__}: {exc}"
                continue
            status = reply.status_code
            if status < 400 or status == 416:
                return reply
            if status not in RETRY_STATUS:
                raise self._error(bucket, key, status, _message(reply))
            said = f"{status} ({_message(reply)})"
            reply.close()
        if said[:1].isdigit():
            raise BucketError(bucket, "network", (
                f"gs://{bucket}/ kept answering {said} after {self.attempts} tries with "
                "backoff; lower s3-concurrency or try again later"))
        raise BucketError(bucket, "network", (
            f"gs://{bucket}/ cannot be reached ({said}); check the network "
            "(and STORAGE_EMULATOR_HOST when using an emulator)"))

    def _bucket_exists(self, bucket: str) -> bool:
        """After a 404 for an object: is it the bucket that is missing? (Asked once.)"""
        with self._lock:
            known = self._buckets.get(bucket)
        if known is None:
            reply = self._get().request("GET", self._url(bucket).rsplit("/o", 1)[0],
                                        params={"fields": "name"}, timeout=(10, 60))
            known = reply.status_code != 404
            with self._lock:
                self._buckets[bucket] = known
        return known

    def _error(self, bucket: str, key: str, status: int, message: str) -> Exception:
        if status == 404:
            if not key or not self._bucket_exists(bucket):
                return BucketError(bucket, "no-bucket", (
                    f"bucket gs://{bucket}/ does not exist; check the bucket name (and the "
                    "project the credentials belong to)"))
            return FileNotFoundError(f"gs://{bucket}/{key}")
        if status in (401, 403):
            if not self.signed:
                return BucketError(bucket, "credentials", _no_credentials(bucket))
            return BucketError(bucket, "denied", (
                f"access to gs://{bucket}/ denied ({status}: {message}); the credentials in "
                "use need storage.objects.list and storage.objects.get on it (role Storage "
                "Object Viewer)"))
        return BucketError(bucket, "network",
                           f"gs://{bucket}/ failed: {status} ({message}); giving up")


def _message(reply: Any) -> str:
    try:
        return str(reply.json()["error"]["message"])
    except Exception:  # noqa: BLE001 - not a JSON error body
        return (reply.reason or "no message").strip()


def _is_credentials_error(exc: Exception) -> bool:
    from google.auth.exceptions import GoogleAuthError

    return isinstance(exc, GoogleAuthError)


def _no_credentials(bucket: str) -> str:
    return (f"gs://{bucket}/ needs credentials and none were usable; run `gcloud auth "
            "application-default login` or set GOOGLE_APPLICATION_CREDENTIALS to a service "
            "account key file (in CI: workload identity or the job's secret)")


def shared_client(options: ClientOptions | None = None) -> GCSClient:
    """One client per set of options (and emulator host) in this process."""
    options = options or options_from_env()
    key = ("gcs", options, os.environ.get("STORAGE_EMULATOR_HOST", ""))
    return shared(key, lambda: GCSClient(options))

