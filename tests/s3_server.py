"""A real S3 API on loopback for tests and the bench: moto's server mode in a subprocess."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """Start ``moto_server`` on a free 127.0.0.1 port; yields its endpoint URL."""
    port = free_port()
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "moto.server"]
    env = {**os.environ, **KEYS}
    proc = subprocess.Popen([*command, "-H", "127.0.0.1", "-p", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)  # noqa: S310
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("moto_server exited") from None
                time.sleep(0.05)
        else:
            raise RuntimeError("moto_server did not start")
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def client(endpoint: str):  # type: ignore[no-untyped-def]
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def upload_folder(s3, folder: Path, bucket: str, prefix: str = "") -> int:  # type: ignore[no-untyped-def]
    """Upload every file below ``folder`` to ``s3://bucket/prefix``; returns the count."""
    from concurrent.futures import ThreadPoolExecutor

    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]

    def put(p: Path) -> None:
        s3.put_object(Bucket=bucket, Key=prefix + p.relative_to(folder).as_posix(),
                      Body=p.read_bytes())

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(put, files))
    return len(files)


class Proxy(ThreadingHTTPServer):
    """A loopback HTTP proxy in front of the S3 server that delays every answer, answers
    503 SlowDown to every ``fail_every``-th request (all of them with 1), breaks the
    connection half-way through the body of every ``cut_every``-th object read, answers
    403 AccessDenied to everything while ``deny`` is set, and calls ``before(method, path)``
    (when set) before it forwards a request."""

    daemon_threads = True

    def __init__(self, target: str, *, fail_every: int, delay: float,
                 cut_every: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.target = target.split("//", 1)[1]
        self.fail_every = fail_every
        self.cut_every = cut_every
        self.delay = delay
        self.count = 0
        self.failed = 0
        self.reads = 0
        self.cut = 0
        self.deny = False
        self.before: Callable[[str, str], None] | None = None
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _ProxyHandler(BaseHTTPRequestHandler):
    server: Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        proxy = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(proxy.delay)
        if proxy.before is not None:
            proxy.before(self.command, self.path)
        with proxy.lock:
            proxy.count += 1
            fail = proxy.fail_every and proxy.count % proxy.fail_every == 0
            proxy.failed += bool(fail)
        if fail or proxy.deny:
            error = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
                     b"<Message>Please reduce your request rate.</Message></Error>")
            if proxy.deny:
                error = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied"
                         b"</Code><Message>Access Denied</Message></Error>")
            self.send_response(403 if proxy.deny else 503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(error)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(error)
            return
        conn = http.client.HTTPConnection(proxy.target, timeout=30)
        conn.request(self.command, self.path, body=body or None, headers=dict(self.headers))
        reply = conn.getresponse()
        data = reply.read()
        self.send_response(reply.status)
        for k, v in reply.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "date",
                                 "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        conn.close()
        if self.command != "GET" or reply.status not in (200, 206) or len(data) < 2:
            if self.command != "HEAD":
                self.wfile.write(data)
            return
        with proxy.lock:
            proxy.reads += 1
            cut = proxy.cut_every and proxy.reads % proxy.cut_every == 0
            proxy.cut += bool(cut)
        if cut:  # half the promised bytes, then the connection breaks
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward
