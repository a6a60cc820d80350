"""Real object-storage APIs on loopback for the tests and the bench, one per provider, each a
subprocess on a free 127.0.0.1 port: moto's S3 server (see ``s3_server.py``),
``gcp-storage-emulator`` for Google Cloud Storage and Azurite for Azure Blob Storage.

Azurite is an npm package: it is looked up in ``<repo>/.cache/azurite`` (where ``.ci/run``
installs it) and installed there with ``npm`` on first use when missing. Node.js must be on
the machine (``apt-get install nodejs npm`` on Debian). Outside CI a missing Node.js skips the
Azure tests; under CI (``CI`` set) it fails them.

:class:`Provider` hides what differs (making a bucket, uploading, deleting, the URL scheme,
the environment a CLI run needs), so a test case can run on every provider.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.s3_server import KEYS, free_port, moto_server

REPO = Path(__file__).resolve().parents[1]
AZURITE_HOME = REPO / ".cache" / "azurite"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")


class ServerUnavailable(RuntimeError):
    """An emulator cannot be started on this machine (say why)."""


def _wait(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}") from None
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def gcs_emulator() -> Iterator[str]:
    """``gcp-storage-emulator`` in memory on a free port; yields its endpoint URL."""
    port = free_port()
    exe = shutil.which("gcp-storage-emulator", path=str(Path(sys.executable).parent))
    if exe is None:
        raise ServerUnavailable("gcp-storage-emulator is not installed (pip install -e "
                                "'.[test]')")
    proc = subprocess.Popen([exe, "start", "--host", "127.0.0.1", "--port", str(port),
                             "--in-memory"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait(endpoint + "/storage/v1/b", proc, "gcp-storage-emulator")
        yield endpoint
    finally:
        _stop(proc)


def azurite_exe() -> str:
    """The ``azurite-blob`` script, installed into ``.cache/azurite`` if missing."""
    exe = AZURITE_HOME / "node_modules" / ".bin" / "azurite-blob"
    if exe.exists():
        return str(exe)
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise ServerUnavailable("Azurite needs Node.js and npm (apt-get install nodejs npm)")
    AZURITE_HOME.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix",
                           str(AZURITE_HOME), "azurite@3"], capture_output=True, text=True)
    if done.returncode or not exe.exists():
        raise ServerUnavailable(f"npm install azurite failed: {done.stderr[-500:]}")
    return str(exe)


@contextmanager
def azurite() -> Iterator[str]:
    """Azurite's Blob service in memory on a free port (no telemetry); yields its
    connection string."""
    exe = azurite_exe()
    port = free_port()
    workspace = tempfile.mkdtemp(prefix="azurite-")  # its cwd (debug logs and the like)
    proc = subprocess.Popen([exe, "--blobHost", "127.0.0.1", "--blobPort", str(port),
                             "--inMemoryPersistence", "--disableTelemetry", "--silent",
                             "--skipApiVersionCheck", "--loose"], cwd=workspace,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    try:
        _wait(endpoint + "?comp=list", proc, "azurite")
        yield azurite_connection(endpoint)
    finally:
        _stop(proc)
        shutil.rmtree(workspace, ignore_errors=True)


def azurite_connection(endpoint: str, key: str = AZURITE_KEY) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={key};"
            f"BlobEndpoint={endpoint};")


# --- one interface over the three ------------------------------------------------------------

@dataclass
class Provider:
    """A running store: ``name`` ("s3", "gcs", "azure"), ``scheme`` ("s3://", ...), the
    environment that points the CLI at it, and an admin client for the test's set-up."""

    name: str
    scheme: str
    env: dict[str, str]
    admin: Any = field(repr=False, default=None)

    @property
    def endpoint(self) -> str:
        """Where the server listens (``http://127.0.0.1:<port>``)."""
        if self.name == "s3":
            return self.env["AWS_ENDPOINT_URL"]
        if self.name == "gcs":
            return self.env["STORAGE_EMULATOR_HOST"]
        blob = self.env["AZURE_STORAGE_CONNECTION_STRING"].split("BlobEndpoint=")[1]
        return blob.split(";")[0].rsplit("/", 1)[0]

    def env_through(self, endpoint: str, **extra: str) -> dict[str, str]:
        """The environment that sends this provider's requests to ``endpoint`` (a proxy in
        front of the server), with Azurite's key replaced by ``key`` when given."""
        if self.name == "s3":
            return {**self.env, "AWS_ENDPOINT_URL": endpoint}
        if self.name == "gcs":
            return {**self.env, "STORAGE_EMULATOR_HOST": endpoint}
        key = extra.get("key", AZURITE_KEY)
        return {"AZURE_STORAGE_CONNECTION_STRING":
                azurite_connection(f"{endpoint}/{AZURITE_ACCOUNT}", key)}

    def url(self, bucket: str, key: str = "") -> str:
        return f"{self.scheme}{bucket}/{key}"

    def create_bucket(self, bucket: str) -> None:
        if self.name == "s3":
            self.admin.create_bucket(Bucket=bucket)
        elif self.name == "gcs":
            self.admin.create_bucket(bucket)
        else:
            self.admin.create_container(bucket)

    def put(self, bucket: str, key: str, data: bytes) -> None:
        if self.name == "s3":
            self.admin.put_object(Bucket=bucket, Key=key, Body=data)
        elif self.name == "gcs":
            self.admin.bucket(bucket).blob(key).upload_from_string(data)
        else:
            self.admin.get_blob_client(bucket, key).upload_blob(data, overwrite=True)

    def delete(self, bucket: str, key: str) -> None:
        if self.name == "s3":
            self.admin.delete_object(Bucket=bucket, Key=key)
        elif self.name == "gcs":
            self.admin.bucket(bucket).blob(key).delete()
        else:
            self.admin.get_blob_client(bucket, key).delete_blob()

    def upload_folder(self, folder: Path, bucket: str, prefix: str = "", threads: int = 8
                      ) -> int:
        """Upload every file below ``folder`` under ``prefix``; returns the count."""
        from concurrent.futures import ThreadPoolExecutor

        files = [p for p in sorted(folder.rglob("*")) if p.is_file()]

        def put(p: Path) -> None:
            self.put(bucket, prefix + p.relative_to(folder).as_posix(), p.read_bytes())

        with ThreadPoolExecutor(threads) as ex:
            list(ex.map(put, files))
        return len(files)


@contextmanager
def provider(name: str) -> Iterator[Provider]:
    """Start ``name``'s server, set the process environment to use it (restored after)."""
    if name == "s3":
        with moto_server() as endpoint:
            from tests.s3_server import client

            env = {**KEYS, "AWS_ENDPOINT_URL": endpoint}
            with _environ(env):
                yield Provider("s3", "s3://", env, client(endpoint))
    elif name == "gcs":
        with gcs_emulator() as endpoint:
            env = {"STORAGE_EMULATOR_HOST": endpoint, "GOOGLE_CLOUD_PROJECT": "test"}
            with _environ(env):
                from google.cloud import storage

                yield Provider("gcs", "gs://", env, storage.Client(project="test"))
    else:
        with azurite() as connection:
            env = {"AZURE_STORAGE_CONNECTION_STRING": connection}
            with _environ(env):
                from azure.storage.blob import BlobServiceClient

                yield Provider("azure", "az://", env,
                               BlobServiceClient.from_connection_string(connection))


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
