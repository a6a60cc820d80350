"""Cluster bench: ``lint --deep`` of N images on the process pool vs a Dask cluster.

    python bench/cluster.py [--images 2000] [--workers 2] [--repeat 3] [--write]

The images are bench/run.py's (noise JPEGs 1024x768 and PNGs 640x480, in bench/data/). Three
commands run interleaved, ``--repeat`` times each:

* ``pool``: ``--jobs W`` (the default process pool, W processes);
* ``cluster``: ``--scheduler tcp://...`` to a LocalCluster of W worker processes (one thread
  each) that this script starts once and keeps: a cluster that is already running, as a real
  one is;
* ``local:W``: ``--scheduler local:W``, which starts (and stops) its own cluster every run.

The overhead per image is (median cluster - median pool) / N. The client's own CPU time per
image in the cluster run (reading the manifest, sending references, judging results) says how
many images per second one client can drive, i.e. where adding workers stops helping.
``--write`` puts the table into bench/README.md. The machine is shared and noisy: compare
numbers from the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import statistics
import subprocess
import time

from run import CLI, HERE, make_images, run


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall time and the child's own CPU time (user + system) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{err}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="update bench/README.md")
    args = ap.parse_args()
    from distributed import Client, LocalCluster

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
        walls: dict[str, list[float]] = {k: [] for k in commands}
        cpus: list[float] = []
        for _ in range(args.repeat):
            for name, cmd in commands.items():
                wall, cpu = timed(cmd)
                walls[name].append(wall)
                if name == "cluster":
                    cpus.append(cpu)
    finally:
        client.close()
        cluster.close()
    pool, remote, local = (statistics.median(walls[k]) for k in ("pool", "cluster", "local"))
    client_ms = statistics.median(cpus) / n * 1000
    per_image = (remote - pool) / n * 1000
    ratio = remote / pool
    head = (f"Run {dt.date.today().isoformat()}: {n} images, {w} workers, median of "
            f"{args.repeat}, {os.cpu_count()} cores ({platform.machine()}), Python "
            f"{platform.python_version()}.\n\n")
    rows = [
        "| command | time | images/s | vs pool |",
        "| --- | --- | --- | --- |",
        f"| `lint --deep --jobs {w}` (process pool) | {pool:.2f} s | {n / pool:.0f} | 1.00× |",
        f"| `lint --deep --scheduler tcp://…` (running {w}-worker LocalCluster) | "
        f"{remote:.2f} s | {n / remote:.0f} | {ratio:.2f}× |",
        f"| `lint --deep --scheduler local:{w}` (starts its cluster) | {local:.2f} s | "
        f"{n / local:.0f} | {local / pool:.2f}× |",
    ]
    verdict = (f"\nOverhead of the cluster path: {per_image:+.2f} ms per image "
               f"({(ratio - 1) * 100:+.0f}%; target: within 15% of the pool, "
               f"{'met' if ratio <= 1.15 else 'not met'}). The client's own CPU time in "
               f"the cluster run: {client_ms:.2f} ms per image (start-up included), so one "
               f"client drives at most ~{1000 / client_ms:.0f} images/s.\n")
    table = head + "\n".join(rows) + "\n" + verdict
    print(table)
    if args.write:
        readme = HERE / "README.md"
        text = readme.read_text(encoding="utf-8")
        start, end = "<!-- cluster:start -->", "<!-- cluster:end -->"
        before, _, rest = text.partition(start)
        _, _, after = rest.partition(end)
        readme.write_text(f"{before}{start}\n{table}{end}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
