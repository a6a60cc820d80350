"""The remote case of ``bench/s3.py`` on each provider: N small images in a bucket (or
container) on a loopback server - moto (S3), gcp-storage-emulator (GCS) or Azurite (Azure) -
three ways:

* **metadata loop**: one metadata request per line, sequentially, with the provider's own
  library (``head_object``, ``get_blob``, ``get_blob_properties``; existence only);
* **lint --remote**: cold (empty cache) and warm (unchanged objects, same cache);
* **download, then lint**: copy every object (32 threads), lint the local copy.

The manifest is the Lookout for Vision one of ``bench/s3.py`` (its references are ``s3://``,
as those services require); for GCS and Azure ``media-map`` points them at the mirror in the
bucket or container, which is how such a dataset is checked there.

    python bench/cloud.py --provider gcs [--images 10000] [--latency-ms 0] [--concurrency 32]

gcp-storage-emulator is a single-threaded Python server whose uploads slow down as the
bucket grows (it stalled past about 6,000 objects here): run it with ``--images 2000`` and
``--concurrency 4``; its numbers measure the emulator more than the client.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from s3 import BUCKET, PY, make_images, manifest, timed  # noqa: E402

from tests.cloud_servers import Provider, provider  # noqa: E402
from tests.s3_server import Proxy  # noqa: E402

LOOP = {
    "s3": """
import json, sys, boto3
s3 = boto3.client("s3")
missing = 0
for line in open(sys.argv[1], "rb"):
    key = json.loads(line)["source-ref"][5:].split("/", 1)[1]
    try:
        s3.head_object(Bucket=sys.argv[2], Key=key)
    except s3.exceptions.ClientError:
        missing += 1
print(missing)
""",
    "gcs": """
import json, sys
from google.cloud import storage
bucket = storage.Client(project="test").bucket(sys.argv[2])
missing = 0
for line in open(sys.argv[1], "rb"):
    key = json.loads(line)["source-ref"][5:].split("/", 1)[1]
    missing += bucket.get_blob(key) is None
print(missing)
""",
    "azure": """
import json, os, sys
from azure.storage.blob import BlobServiceClient
service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
container = service.get_container_client(sys.argv[2])
missing = 0
for line in open(sys.argv[1], "rb"):
    key = json.loads(line)["source-ref"][5:].split("/", 1)[1]
    missing += not container.get_blob_client(key).exists()
print(missing)
""",
}

DOWNLOAD = {
    "s3": """
import os, sys, boto3
from concurrent.futures import ThreadPoolExecutor
from botocore.config import Config
s3 = boto3.client("s3", config=Config(max_pool_connections=40))
keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[2])
        for o in page.get("Contents", [])]
def get(key):
    path = os.path.join(sys.argv[1], key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    s3.download_file(sys.argv[2], key, path)
with ThreadPoolExecutor(32) as pool:
    list(pool.map(get, keys))
""",
    "gcs": """
import os, sys
from concurrent.futures import ThreadPoolExecutor
from google.cloud import storage
client = storage.Client(project="test")
blobs = list(client.list_blobs(sys.argv[2]))
def get(blob):
    path = os.path.join(sys.argv[1], blob.name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    blob.download_to_filename(path)
with ThreadPoolExecutor(32) as pool:
    list(pool.map(get, blobs))
""",
    "azure": """
import os, sys
from concurrent.futures import ThreadPoolExecutor
from azure.storage.blob import BlobServiceClient
service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
container = service.get_container_client(sys.argv[2])
names = [b.name for b in container.list_blobs()]
def get(name):
    path = os.path.join(sys.argv[1], name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        container.download_blob(name).readinto(f)
with ThreadPoolExecutor(32) as pool:
    list(pool.map(get, names))
""",
}


def cost(stderr: str, store: Provider) -> str:
    label = {"s3": "S3: ", "gcs": "GCS: ", "azure": "Azure: "}[store.name]
    for line in stderr.splitlines():
        if label in line:
            return line.split(label, 1)[1].split(";")[0]
    return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--provider", choices=["s3", "gcs", "azure"], default="gcs")
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    files = make_images(args.images)
    total_bytes = sum(p.stat().st_size for p in files)
    with provider(args.provider) as store, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store.create_bucket(BUCKET)
        folder = work / "upload" / "train"
        folder.mkdir(parents=True)
        for p in files:
            os.symlink(p, folder / p.name)
        # gcp-storage-emulator serves one request at a time (listen backlog 5): upload serially
        store.upload_folder(work / "upload", BUCKET, threads=1 if store.name == "gcs" else 8)
        proxy = None
        env = dict(store.env)
        if args.latency_ms:
            proxy = Proxy(store.endpoint, fail_every=0, delay=args.latency_ms / 1000)
            proxy.start()
            env = store.env_through(proxy.url)
        env = {**os.environ, **env, "MANIFEST_LINT_S3_CONCURRENCY": str(args.concurrency)}
        env.pop("MANIFEST_LINT_REMOTE", None)
        m = manifest(work, files)
        if store.name != "s3":
            (work / "manifest-lint.toml").write_text(
                f'[lfv]\nmedia-map = {{ "s3://{BUCKET}/" = "{store.url(BUCKET)}" }}\n')
        rows: list[tuple[str, float, str]] = []
        took, _ = timed([PY, "-c", LOOP[store.name], str(m), BUCKET], env, work)
        rows.append(("metadata loop (existence only)", took,
                     f"{args.images:,} requests, 0 MiB read"))
        lint = [PY, "-m", "manifest_lint", "lint", str(m), "--remote", "--format", "concise",
                "--cache-dir", str(work / "cache")]
        took, err = timed(lint, env, work)
        rows.append(("lint --remote, cold", took, cost(err, store)))
        took, err = timed(lint, env, work)
        rows.append(("lint --remote, warm", took, cost(err, store)))
        copy = work / "copy"
        start = time.perf_counter()
        timed([PY, "-c", DOWNLOAD[store.name], str(copy), BUCKET], env, work)
        (work / "manifest-lint.toml").write_text(
            f'[lfv]\nmedia-map = {{ "s3://{BUCKET}/" = "copy" }}\n')
        timed([PY, "-m", "manifest_lint", "lint", str(m), "--no-cache", "--format",
               "concise"], env, work)
        rows.append(("download all, then lint", time.perf_counter() - start,
                     f"{total_bytes / 1048576:,.1f} MiB read"))
        if proxy is not None:
            proxy.shutdown()
    print(f"{store.name}: {args.images:,} images, {total_bytes / 1048576:.1f} MiB in "
          f"{store.url(BUCKET, 'train/')}, added latency {args.latency_ms:g} ms, "
          f"concurrency {args.concurrency}")
    print("| case | seconds | requests, bytes read |")
    print("| --- | ---: | --- |")
    for name, seconds, what in rows:
        print(f"| {name} | {seconds:.1f} | {what} |")
    loop, cold, warm = rows[0][1], rows[1][1], rows[2][1]
    print(f"\ncold vs loop: {loop / cold:.1f}x faster; warm/cold: {warm / cold:.2f}")


if __name__ == "__main__":
    main()
