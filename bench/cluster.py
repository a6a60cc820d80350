"""Cluster bench: ``lint --deep`` of N images on the process pool vs a Dask cluster.

    python bench/cluster.py [--images 2000] [--workers 2] [--repeat 3] [--write]
    python bench/cluster.py --s3 [--images 300] [--workers 2] [--repeat 1] [--latency-ms 0]
                            [--write]

The images are bench/run.py's (noise JPEGs 1024x768 and PNGs 640x480, in bench/data/). Three
commands run interleaved, ``--repeat`` times each:

* ``pool``: ``--jobs W`` (the default process pool, W processes);
* ``cluster``: ``--scheduler tcp://...`` to a LocalCluster of W worker processes (one thread
  each) that this script starts once and keeps: a cluster that is already running, as a real
  one is;
* ``local:W``: ``--scheduler local:W``, which starts (and stops) its own cluster every run.

The overhead per image is (median cluster - median pool) / N, in wall time and in CPU time
(every process of the run: the CLI, its pool or local cluster, and for the running cluster the
workers, nannies and scheduler; CPU time hardly depends on what else the machine runs, wall
time does). The client's own CPU time per image in the cluster run (reading the manifest,
sending references, judging results) says how many images per second one client can drive,
i.e. where adding workers stops helping.
``--write`` puts the table into bench/README.md. The machine is shared and noisy: compare
numbers from the same run.

``--s3``: the same images in a bucket on a loopback S3 server (moto), the manifest linted
with ``--media-root s3://bench-cluster/images/``: ``pool`` (the client fetches every object on
its threads and decodes in its pool) vs ``cluster`` (the client lists; the workers read the
objects with their own clients and decode them); also the bytes the client read (its
``S3:`` line). moto keeps the objects in memory: keep ``--images`` in the hundreds.
``--latency-ms`` puts a loopback proxy that delays every request in front of the server, for
the client and the workers alike, as a network does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

from distributed import Client, LocalCluster
from run import CLI, HERE, make_images, run

REAPER = """
import ctypes, os, resource, subprocess, sys
ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphans (forkserver, pool) come here
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, usage.ru_utime + usage.ru_stime)
"""


def timed(cmd: list[str], stderr: list[str] | None = None) -> tuple[float, float]:
    """Wall time, and the CPU time (user + system) of the command and every process it
    started (pool workers, a forkserver, a local cluster), collected by a subreaper; the
    command's stderr is appended to ``stderr``."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", REAPER, *cmd], capture_output=True, text=True,
                         check=True)
    elapsed = time.perf_counter() - start
    code, cpu = out.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{out.stderr}")
    if stderr is not None:
        stderr.append(out.stderr)
    return elapsed, float(cpu)


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cluster_cpu(client: Client) -> float:
    """CPU seconds used so far by the cluster: workers, nannies and (in this process) the
    scheduler."""
    workers = client.run(_cpu_self)
    nannies = client.run(_cpu_self, nanny=True)
    return sum(workers.values()) + sum(nannies.values()) + _cpu_self()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="update bench/README.md")
    ap.add_argument("--s3", action="store_true", help="media in a bucket (moto on loopback)")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="with --s3: delay requests")
    args = ap.parse_args()
    if args.s3:
        bench_s3(args.images if "--images" in sys.argv else 300, args.workers,
                 args.repeat if "--repeat" in sys.argv else 1, args.write, args.latency_ms)
        return
    n, w = args.images, args.workers
    folder = make_images(n)
    manifest = folder / "manifest.jsonl"
    run([*CLI, "create", "cvat", "--output-dir", str(folder), str(folder)])
    cluster = LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        lint = [*CLI, "lint", "--deep", "--no-cache", "-f", "json", str(manifest)]
        commands = {
            "pool": [*lint, "--jobs", str(w)],
            "cluster": [*lint, "--scheduler", cluster.scheduler_address],
            "local": [*lint, "--scheduler", f"local:{w}"],
        }
        time.sleep(2)
        idle_start, start = cluster_cpu(client), time.perf_counter()
        time.sleep(10)
        idle = (cluster_cpu(client) - idle_start) / (time.perf_counter() - start)
        walls: dict[str, list[float]] = {k: [] for k in commands}
        cpus: dict[str, list[float]] = {k: [] for k in commands}
        clients: list[float] = []
        for _ in range(args.repeat):
            for name, cmd in commands.items():
                before = cluster_cpu(client)
                wall, cpu = timed(cmd)
                walls[name].append(wall)
                if name == "cluster":
                    clients.append(cpu)
                    cpu += cluster_cpu(client) - before
                cpus[name].append(cpu)
    finally:
        client.close()
        cluster.close()
    pool, remote, local = (statistics.median(walls[k]) for k in ("pool", "cluster", "local"))
    cpu_pool, cpu_remote, cpu_local = (statistics.median(cpus[k]) / n * 1000
                                       for k in ("pool", "cluster", "local"))
    client_ms = statistics.median(clients) / n * 1000
    idle_ms = idle * remote / n * 1000  # the idle cluster's CPU over the run's wall time
    per_image = (remote - pool) / n * 1000
    ratio = remote / pool
    cpu_ratio = cpu_remote / cpu_pool
    head = (f"Run {dt.date.today().isoformat()}: {n} images, {w} workers, median of "
            f"{args.repeat}, {os.cpu_count()} cores ({platform.machine()}), Python "
            f"{platform.python_version()}.\n\n")
    rows = [
        "| command | wall time | images/s | wall vs pool | CPU per image | CPU vs pool |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| `lint --deep --jobs {w}` (process pool) | {pool:.2f} s | {n / pool:.0f} | 1.00× "
        f"| {cpu_pool:.2f} ms | 1.00× |",
        f"| `lint --deep --scheduler tcp://…` (running {w}-worker LocalCluster) | "
        f"{remote:.2f} s | {n / remote:.0f} | {ratio:.2f}× | {cpu_remote:.2f} ms | "
        f"{cpu_ratio:.2f}× |",
        f"| `lint --deep --scheduler local:{w}` (starts its cluster) | {local:.2f} s | "
        f"{n / local:.0f} | {local / pool:.2f}× | {cpu_local:.2f} ms | "
        f"{cpu_local / cpu_pool:.2f}× |",
    ]
    verdict = (f"\nOverhead of the cluster path (running cluster): {per_image:+.2f} ms of wall "
               f"time per image ({(ratio - 1) * 100:+.0f}%), "
               f"{cpu_remote - cpu_pool:+.2f} ms of CPU per image "
               f"({(cpu_ratio - 1) * 100:+.0f}%); target: within 15% of the pool. An idle "
               f"cluster (scheduler, nannies, workers: heartbeats, monitors) uses {idle:.2f} "
               f"CPU s per second, {idle_ms:.2f} ms per image over this run's wall time; "
               f"without it the overhead is {cpu_remote - idle_ms - cpu_pool:+.2f} ms per "
               f"image ({(cpu_remote - idle_ms) / cpu_pool * 100 - 100:+.0f}%). The "
               f"client's own CPU time in the cluster run: {client_ms:.2f} ms per image "
               f"(start-up included), so one client drives at most ~{1000 / client_ms:.0f} "
               "images/s.\n")
    table = head + "\n".join(rows) + "\n" + verdict
    print(table)
    if args.write:
        write_table(table, "cluster")


def write_table(table: str, marker: str) -> None:
    """Put ``table`` between the ``marker`` comments of bench/README.md."""
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    readme.write_text(f"{before}{start}\n{table}{end}{after}", encoding="utf-8")


def bench_s3(n: int, w: int, repeat: int, write: bool, latency_ms: float = 0.0) -> None:
    """``lint --deep`` of ``n`` images in a moto bucket: pool vs a running cluster."""
    sys.path.insert(0, str(HERE.parent))
    from tests.s3_server import KEYS, Proxy, client, moto_server, upload_folder

    folder = make_images(n)
    manifest = folder / "manifest.jsonl"
    run([*CLI, "create", "cvat", "--output-dir", str(folder), str(folder)])
    with moto_server() as endpoint:
        proxy = None
        if latency_ms:
            proxy = Proxy(endpoint, fail_every=0, delay=latency_ms / 1000)
            proxy.start()
        os.environ.update({**KEYS, "AWS_ENDPOINT_URL": proxy.url if proxy else endpoint})
        s3 = client(endpoint)
        s3.create_bucket(Bucket="bench-cluster")
        upload_folder(s3, folder, "bench-cluster", "images/")
        size = sum(p.stat().st_size for p in folder.rglob("img_*"))
        cluster = LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               silence_logs=logging.ERROR)
        client_ = Client(cluster)
        lint = [*CLI, "lint", "--deep", "--no-cache", "-f", "json", "--media-root",
                "s3://bench-cluster/images/", str(manifest)]
        commands = {"pool": [*lint, "--jobs", str(w)],
                    "cluster": [*lint, "--scheduler", cluster.scheduler_address]}
        walls: dict[str, list[float]] = {k: [] for k in commands}
        cpus: dict[str, list[float]] = {k: [] for k in commands}
        said: dict[str, list[str]] = {k: [] for k in commands}
        try:
            for _ in range(repeat):
                for name, cmd in commands.items():
                    before = cluster_cpu(client_)
                    wall, cpu = timed(cmd, said[name])
                    if name == "cluster":
                        cpu += cluster_cpu(client_) - before
                    walls[name].append(wall)
                    cpus[name].append(cpu)
        finally:
            client_.close()
            cluster.close()
            if proxy is not None:
                proxy.shutdown()
    pool, remote = (statistics.median(walls[k]) for k in commands)
    cpu_pool, cpu_remote = (statistics.median(cpus[k]) / n * 1000 for k in commands)
    cost = {k: next((line.split("S3: ", 1)[1] for line in said[k][-1].splitlines()
                     if "S3: " in line), "?") for k in commands}
    head = (f"Run {dt.date.today().isoformat()}: {n} images ({size / 1048576:.0f} MiB) in a "
            f"moto bucket on loopback ({latency_ms:g} ms added per request), {w} workers, "
            f"median of {repeat}, {os.cpu_count()} "
            f"cores ({platform.machine()}), Python {platform.python_version()}.\n\n")
    rows = [
        "| command | wall time | images/s | CPU per image | the client's requests |",
        "| --- | --- | --- | --- | --- |",
        f"| `lint --deep --jobs {w}` (client fetches, pool decodes) | {pool:.2f} s | "
        f"{n / pool:.0f} | {cpu_pool:.2f} ms | {cost['pool']} |",
        f"| `lint --deep --scheduler tcp://…` (workers read and decode) | {remote:.2f} s | "
        f"{n / remote:.0f} | {cpu_remote:.2f} ms | {cost['cluster']} |",
    ]
    table = head + "\n".join(rows) + "\n"
    print(table)
    if write:
        write_table(table, f"cluster-s3-{latency_ms:g}ms")


if __name__ == "__main__":
    main()
