"""The one place that talks to S3 (through boto3, the optional extra ``manifest-lint[s3]``).

Only read requests are ever made: ``ListObjectsV2``, ``HeadObject`` and ``GetObject`` (whole or
ranged). Credentials, region and endpoint come from the standard AWS chain (environment,
profiles, instance roles, ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_S3``); without any
credentials requests go unsigned, so public buckets work. Timeouts, ``503 SlowDown`` and other
throttling are retried with exponential backoff by botocore's ``standard`` retry mode.

Failures that concern a whole bucket (no credentials, access denied, no such bucket, the
endpoint unreachable) raise :class:`BucketError` with a message that says what to do; an
object that is not there raises :class:`FileNotFoundError`. boto3 is imported when the first
client is made, so local runs never load it.
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


class S3Client(LazyClient):
    """A thread-safe, read-only S3 client with request counters."""

    def __init__(self, options: ClientOptions | None = None) -> None:
        super().__init__(options)
        self.attempts = int_env("AWS_MAX_ATTEMPTS", MAX_ATTEMPTS)  # tries per request

    def _make(self) -> Any:
        try:
            import boto3
            from botocore import UNSIGNED
            from botocore.config import Config
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise BucketError(
                "", "missing-extra", "checking media in S3 needs boto3: "
                "pip install 'manifest-lint[s3]'") from exc
        import botocore.session

        core = botocore.session.get_session()
        # Timestamps (LastModified) are never used: leave them as text instead of parsing
        # each with dateutil (~60% of the client's CPU for a listing page of 1,000 keys).
        core.get_component("response_parser_factory").set_parser_defaults(
            timestamp_parser=str)
        session = boto3.session.Session(botocore_session=core)
        self.signed = session.get_credentials() is not None
        extra: dict[str, Any] = {} if self.signed else {"signature_version": UNSIGNED}
        config = Config(
            max_pool_connections=max(10, self.options.concurrency + 4),
            retries={"max_attempts": self.attempts,
                     "mode": os.environ.get("AWS_RETRY_MODE") or "standard"},
            connect_timeout=10, read_timeout=30, **extra,
        )
        region = session.region_name or "us-east-1"
        return session.client("s3", endpoint_url=self.options.endpoint, region_name=region,
                              config=config)

    # ---------------------------------------------------------------- requests

    def list(self, bucket: str, prefix: str, *, delimiter: str = "", limit: int = PAGE
             ) -> Iterator[tuple[str, ObjectInfo]]:
        """(key, info) of every object under ``prefix`` (only one level with a delimiter;
        one page of at most ``limit`` keys when ``limit`` is below a page)."""
        token: str | None = None
        while True:
            args: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix,
                                    "MaxKeys": min(limit, PAGE)}
            if delimiter:
                args["Delimiter"] = delimiter
            if token:
                args["ContinuationToken"] = token
            page = self._call(bucket, "list_objects_v2", args)
            with self._lock:
                self.counters.lists += 1
            for item in page.get("Contents", ()):
                yield item["Key"], ObjectInfo(int(item["Size"]), _etag(item.get("ETag")))
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token or limit < PAGE:
                return

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """Size and ETag of one object; raises :class:`FileNotFoundError` if absent."""
        reply = self._call(bucket, "head_object", {"Bucket": bucket, "Key": key}, key=key)
        with self._lock:
            self.counters.heads += 1
        return ObjectInfo(int(reply["ContentLength"]), _etag(reply.get("ETag")))

    def get(self, bucket: str, key: str, start: int = 0, length: int | None = None
            ) -> tuple[bytes, ObjectInfo]:
        """``length`` bytes from ``start`` (the rest of the object when None) and what the
        object is (total size, ETag)."""
        args: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if length is not None or start:
            end = "" if length is None else str(start + length - 1)
            args["Range"] = f"bytes={start}-{end}"
        for attempt in range(self.attempts):
            try:
                reply = self._call(bucket, "get_object", args, key=key)
            except _RangeNotSatisfiable:
                return b"", self.head(bucket, key)
            try:
                data = b"".join(_chunks(reply["Body"]))
                break
            except _BodyError as exc:  # the connection broke mid-body: ask again
                self._retry_or_raise(bucket, key, attempt, exc)
        with self._lock:
            self.counters.gets += 1
            self.counters.bytes += len(data)
        total = len(data)
        content_range = reply.get("ContentRange") or ""
        if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
            total = int(content_range.rsplit("/", 1)[1])
        elif "Range" in args:
            total = int(reply.get("ContentLength", len(data))) + start
        return data, ObjectInfo(total, _etag(reply.get("ETag")))

    def download(self, bucket: str, key: str, target: str) -> ObjectInfo:
        """Stream one whole object to the local file ``target``."""
        for attempt in range(self.attempts):
            reply = self._call(bucket, "get_object", {"Bucket": bucket, "Key": key}, key=key)
            size = 0
            try:
                with open(target, "wb") as out:
                    for chunk in _chunks(reply["Body"]):
                        out.write(chunk)
                        size += len(chunk)
                break
            except _BodyError as exc:  # the connection broke mid-body: ask again
                self._retry_or_raise(bucket, key, attempt, exc)
        with self._lock:
            self.counters.gets += 1
            self.counters.bytes += size
        return ObjectInfo(size, _etag(reply.get("ETag")))

    def _retry_or_raise(self, bucket: str, key: str, attempt: int, exc: _BodyError) -> None:
        """Wait before the next try (exponential backoff), or give up after the last."""
        if attempt + 1 >= self.attempts:
            raise BucketError(bucket, "network", (
                f"reading s3://{bucket}/{key} failed {self.attempts} times ({exc}); check "
                "the network")) from exc
        import time

        time.sleep(min(0.2 * 2 ** attempt, 5.0))

    def _call(self, bucket: str, method: str, args: dict[str, Any], *, key: str = "") -> Any:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            return getattr(self._get(), method)(**args)
        except ClientError as exc:
            raise self._client_error(bucket, key, exc) from exc
        except NoCredentialsError as exc:
            raise BucketError(bucket, "credentials", _no_credentials(bucket)) from exc
        except BotoCoreError as exc:
            raise BucketError(bucket, "network", (
                f"s3://{bucket}/ cannot be reached ({exc}); check the network, the region and "
                "the endpoint (AWS_ENDPOINT_URL_S3 or --s3-endpoint)")) from exc

    def _client_error(self, bucket: str, key: str, exc: Any) -> Exception:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code == "InvalidRange" or status == 416:
            return _RangeNotSatisfiable()
        if code == "NoSuchBucket":
            return BucketError(bucket, "no-bucket", (
                f"bucket s3://{bucket}/ does not exist (or not at this endpoint/region); check "
                "the bucket name and the endpoint"))
        if code in ("NoSuchKey", "NotFound", "404") or status == 404:
            return FileNotFoundError(f"s3://{bucket}/{key}")
        if code in ("AccessDenied", "403", "Forbidden", "AllAccessDisabled",
                    "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken") \
                or status == 403:
            if not self.signed:
                return BucketError(bucket, "credentials", _no_credentials(bucket))
            return BucketError(bucket, "denied", (
                f"access to s3://{bucket}/ denied ({code or status}); the credentials in use "
                "need s3:ListBucket and s3:GetObject on it (check AWS_PROFILE or the role)"))
        said = f"{code or status} ({error.get('Message') or 'no message'})"
        if code in ("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded",
                    "ServiceUnavailable", "503") or status in (429, 503):
            return BucketError(bucket, "network", (
                f"s3://{bucket}/ kept answering {said} after {self.attempts} tries with "
                "backoff; lower s3-concurrency or try again later"))
        return BucketError(bucket, "network", f"s3://{bucket}/ failed: {said}; giving up")


class _RangeNotSatisfiable(Exception):
    """A range past the end of an (empty) object."""


class _BodyError(Exception):
    """The connection broke while an object's bytes were being read."""


def _chunks(body: Any) -> Iterator[bytes]:
    from botocore.exceptions import BotoCoreError

    try:
        while True:
            chunk = body.read(1 << 20)
            if not chunk:
                return
            yield chunk
    except (BotoCoreError, OSError) as exc:
        raise _BodyError(str(exc)) from exc
    finally:
        body.close()


def _no_credentials(bucket: str) -> str:
    return (f"s3://{bucket}/ needs credentials and none were found; set AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (in CI: the job's role or secrets)")


def _etag(value: object) -> str:
    return str(value or "").strip('"')


def shared_client(options: ClientOptions | None = None) -> S3Client:
    """One client per set of options in this process (connections are reused)."""
    options = options or options_from_env()
    return shared(("s3", options), lambda: S3Client(options))


__all__ = ["BucketError", "ClientOptions", "Counters", "ObjectInfo", "S3Client",
           "options_from_env", "shared_client"]
