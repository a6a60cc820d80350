"""The remote case: a Lookout for Vision manifest of N small images in a bucket on a loopback
S3 server (moto's server mode), three ways:

* **head loop**: one ``head_object`` per line, sequentially (existence only) - how the public
  validators for these formats do it;
* **lint --remote**: cold (empty cache) and warm (unchanged objects, same cache);
* **download, then lint**: copy every object (32 threads), lint through ``media-map``.

    python bench/s3.py [--images 10000] [--latency-ms 0] [--repeat 1]

``--latency-ms`` puts a loopback proxy in front of the server that delays every request, as
a network does (the loopback server answers in about 3 ms of its own CPU; S3 takes 10-50 ms
of latency). Images are generated once (fixed seed) into bench/data/s3/ (git-ignored);
the server keeps them in memory, so they are uploaded on every run (not timed). Reported:
wall time, requests, bytes read.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.s3_server import KEYS, Proxy, client, moto_server  # noqa: E402

DATA = HERE / "data" / "s3"
BUCKET = "bench-images"
PY = sys.executable

HEAD_LOOP = """
import json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[2])
missing = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        bucket, key = json.loads(line)["source-ref"][5:].split("/", 1)
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except s3.exceptions.ClientError:
            missing += 1
print(missing)
"""

DOWNLOAD = """
import sys, os, boto3
from concurrent.futures import ThreadPoolExecutor
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[2], config=Config(max_pool_connections=40))
target = sys.argv[1]
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[3]):
    keys += [o["Key"] for o in page.get("Contents", [])]
def get(key):
    path = os.path.join(target, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    s3.download_file(sys.argv[3], key, path)
with ThreadPoolExecutor(32) as pool:
    list(pool.map(get, keys))
print(len(keys))
"""


def make_images(n: int) -> list[Path]:
    """N JPEGs, 256x256 to 320x240, 30-60 KB each (fixed seed), made once."""
    from PIL import Image

    folder = DATA / f"images-{n}"
    marker = folder / ".done"
    files = [folder / f"{i:05d}.jpg" for i in range(n)]
    if marker.exists():
        return files
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(14)
    base = [Image.frombytes("RGB", (256, 256), rng.randbytes(256 * 256 * 3)) for _ in range(8)]
    for i, path in enumerate(files):
        img = base[i % 8].rotate(i % 360)
        img.save(path, "JPEG", quality=60 + i % 20)
    marker.write_text("ok")
    return files


def upload(endpoint: str, files: list[Path]) -> int:
    from concurrent.futures import ThreadPoolExecutor

    s3 = client(endpoint)
    s3.create_bucket(Bucket=BUCKET)

    def put(p: Path) -> int:
        data = p.read_bytes()
        s3.put_object(Bucket=BUCKET, Key=f"train/{p.name}", Body=data)
        return len(data)

    with ThreadPoolExecutor(8) as pool:
        return sum(pool.map(put, files))


def manifest(folder: Path, files: list[Path]) -> Path:
    path = folder / "train.manifest"
    meta = {"class-name": "normal", "human-annotated": "yes",
            "type": "groundtruth/image-classification"}
    with open(path, "w") as f:
        for p in files:
            f.write(json.dumps({"source-ref": f"s3://{BUCKET}/train/{p.name}",
                                "anomaly-label": 0, "anomaly-label-metadata": meta}) + "\n")
    return path


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return took, proc.stderr


def cost(stderr: str) -> str:
    for line in stderr.splitlines():
        if "S3:" in line:
            return line.split("S3: ", 1)[1]
    return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    files = make_images(args.images)
    total_bytes = sum(p.stat().st_size for p in files)
    with moto_server() as server, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        upload(server, files)
        proxy = None
        endpoint = server
        if args.latency_ms:
            proxy = Proxy(server, fail_every=0, delay=args.latency_ms / 1000)
            proxy.start()
            endpoint = proxy.url
        env = {**os.environ, **KEYS, "AWS_ENDPOINT_URL": endpoint,
               "MANIFEST_LINT_S3_CONCURRENCY": str(args.concurrency)}
        env.pop("MANIFEST_LINT_REMOTE", None)
        m = manifest(work, files)
        rows: list[tuple[str, float, str]] = []
        took, _ = timed([PY, "-c", HEAD_LOOP, str(m), endpoint], env, work)
        rows.append(("head_object loop (existence only)", took,
                     f"{args.images:,} requests (HEAD), 0 MiB read"))
        lint = [PY, "-m", "manifest_lint", "lint", str(m), "--remote", "--format", "concise",
                "--cache-dir", str(work / "cache")]
        took, err = timed(lint, env, work)
        rows.append(("lint --remote, cold", took, cost(err)))
        took, err = timed(lint, env, work)
        rows.append(("lint --remote, warm", took, cost(err)))
        copy = work / "copy"
        start = time.perf_counter()
        timed([PY, "-c", DOWNLOAD, str(copy), endpoint, BUCKET], env, work)
        (work / "manifest-lint.toml").write_text(
            f'[lfv]\nmedia-map = {{ "s3://{BUCKET}/" = "copy" }}\n')
        timed([PY, "-m", "manifest_lint", "lint", str(m), "--no-cache", "--format",
               "concise"], env, work)
        rows.append(("download all, then lint", time.perf_counter() - start,
                     f"{args.images + args.images // 1000 + 1:,} requests, "
                     f"{total_bytes / 1048576:,.1f} MiB read"))
        if proxy is not None:
            proxy.shutdown()
    print(f"{args.images:,} images, {total_bytes / 1048576:.1f} MiB in s3://{BUCKET}/train/, "
          f"added latency {args.latency_ms:g} ms, concurrency {args.concurrency}")
    print("| case | seconds | requests, bytes read |")
    print("| --- | ---: | --- |")
    for name, seconds, what in rows:
        print(f"| {name} | {seconds:.1f} | {what} |")
    loop, cold, warm = rows[0][1], rows[1][1], rows[2][1]
    print(f"\ncold vs loop: {loop / cold:.1f}x faster; warm/cold: {warm / cold:.2f}")


if __name__ == "__main__":
    main()
