"""manifest-lint benchmarks: our commands against a "limit" loop, side by side.

    python bench/run.py [--size small|full] [--repeat N] [--write]

Inputs are generated with a fixed seed into bench/data/ (git-ignored) and reused. Each case
runs ours and its limit loop interleaved, N times, and reports medians and the ratio; peak
memory comes from the child's rusage. ``--write`` puts the table into bench/README.md.
The machine is noisy: ratios measured in the same run count, not seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
PY = sys.executable
CLI = [PY, "-m", "manifest_lint"]
SIZES = {"small": {"lines": 20_000, "images": 40}, "full": {"lines": 1_000_000, "images": 400}}

LIMIT_CSV = """
import csv, sys
seen = set()
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.reader(f):
        if row and row[0] in seen:
            pass
        seen.add(row[0] if row else "")
"""
LIMIT_JSONL = """
import orjson, sys
key = sys.argv[2]
seen = set()
with open(sys.argv[1], "rb") as f:
    for line in f:
        obj = orjson.loads(line)
        if isinstance(obj, dict):
            seen.add(obj.get(key))
"""
LIMIT_IMAGES = """
import hashlib, os, sys
from PIL import Image
for root, _, files in os.walk(sys.argv[1]):
    for name in sorted(files):
        if name.endswith((".jpg", ".png")):
            with Image.open(os.path.join(root, name)) as im:
                hashlib.md5(im.tobytes()).hexdigest()
"""


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    peak_kb: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the child

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


LAST_CPU = [0.0]  # user + system seconds of the last child run


def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
        ) -> tuple[float, int, int]:
    """Wall time, peak RSS (KiB) and exit code of one child process (its CPU time goes to
    ``LAST_CPU``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    if code not in (0, 1):
        raise SystemExit(f"command failed ({code}): {' '.join(cmd)}\n{err}")
    return elapsed, usage.ru_maxrss, code


def measure(commands: dict[str, list[str]], repeat: int,
            setup: Callable[[str], None] | None = None) -> dict[str, Sample]:
    """Run each named command ``repeat`` times, interleaved."""
    out = {name: Sample() for name in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            if setup:
                setup(name)
            secs, peak, _ = run(cmd)
            out[name].seconds.append(secs)
            out[name].peak_kb.append(peak)
            out[name].cpu.append(LAST_CPU[0])
    return out


# --- inputs -----------------------------------------------------------------------------

def _marker(path: Path, params: dict[str, object]) -> bool:
    mark = path.with_suffix(path.suffix + ".params")
    want = json.dumps(params, sort_keys=True)
    if path.exists() and mark.exists() and mark.read_text() == want:
        return True
    mark.parent.mkdir(parents=True, exist_ok=True)
    mark.write_text(want)
    return False


def make_csv(n: int) -> Path:
    path = DATA / f"labels_{n}.csv"
    if _marker(path, {"n": n, "v": 1}):
        return path
    rng = random.Random(1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        for i in range(n):
            r = rng.random()
            img = i // 2 if r < 0.0005 else i  # ~0.05% duplicates
            cls = "anomaly" if i % 5 == 0 else "normal"
            if 0.0005 <= r < 0.001:
                cls = "defect"  # ~0.05% invalid classes
            f.write(f"s3://bench-bucket/train/img_{img:07d}.jpg,{cls}\n")
    return path


def make_lfv(n: int) -> Path:
    path = DATA / f"train_{n}.manifest"
    if _marker(path, {"n": n, "v": 1}):
        return path
    _write_lfv(path, n, random.Random(2), "train")
    return path


def make_dataset(n: int) -> Path:
    """A Lookout for Vision project folder: train.manifest (n lines) and test.manifest
    (n / 5 lines, of which ~0.1% leak from the training set)."""
    folder = DATA / f"dataset_{n}"
    if _marker(folder / "done", {"n": n, "v": 1}):
        return folder
    _write_lfv(folder / "train.manifest", n, random.Random(5), "train")
    _write_lfv(folder / "test.manifest", n // 5, random.Random(6), "test", leak=0.001)
    return folder


def _write_lfv(path: Path, n: int, rng: random.Random, split: str, leak: float = 0.0
               ) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            img = i // 2 if rng.random() < 0.0005 else i
            folder = split
            if leak and rng.random() < leak:
                folder = "train"
            anomaly = i % 5 == 0
            cls = "anomaly" if anomaly else "normal"
            f.write(json.dumps({
                "source-ref": f"s3://bench-bucket/{folder}/img_{img:07d}.jpg",
                "anomaly-label": 1 if anomaly else 0,
                "anomaly-label-metadata": {
                    "confidence": 1, "job-name": "labeling-job/anomaly-classification",
                    "class-name": cls, "human-annotated": "yes",
                    "creation-date": "2024-01-01T00:00:00.000000",
                    "type": "groundtruth/image-classification",
                },
            }) + "\n")


def make_cvat(n: int) -> Path:
    path = DATA / f"cvat_{n}" / "manifest.jsonl"
    if _marker(path, {"n": n, "v": 1}):
        return path
    rng = random.Random(3)
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"version":"1.1"}\n{"type":"images"}\n')
        for i in range(n):
            checksum = f"{rng.getrandbits(128):032x}"
            f.write(json.dumps({
                "name": f"frames/img_{i:07d}", "extension": ".jpg", "width": 1024,
                "height": 768, "meta": {"related_images": []}, "checksum": checksum,
            }, separators=(",", ":")) + "\n")
    return path


def make_images(n: int) -> Path:
    folder = DATA / f"images_{n}"
    if _marker(folder / "done", {"n": n, "v": 1}):
        return folder
    from PIL import Image

    rng = random.Random(4)
    for i in range(n):
        jpeg = i % 2 == 0
        size = (1024, 768) if jpeg else (640, 480)
        noise = Image.effect_noise(size, 40 + rng.random() * 20).convert("RGB")
        sub = folder / f"part_{i % 4}"
        sub.mkdir(parents=True, exist_ok=True)
        if jpeg:
            noise.save(sub / f"img_{i:04d}.jpg", quality=90)
        else:
            noise.save(sub / f"img_{i:04d}.png")
    return folder


# --- cases ------------------------------------------------------------------------------

@dataclass
class Row:
    case: str
    ours: str
    limit: str
    ratio: str
    target: str
    met: str


def ratio_row(case: str, ours: Sample, limit: Sample, target: float, what: str = "time"
              ) -> Row:
    if what == "time":
        r = ours.median / limit.median
        return Row(case, f"{ours.median:.2f} s", f"{limit.median:.2f} s", f"{r:.2f}×",
                   f"≤ {target}×", "yes" if r <= target else "no")
    o, lim = max(ours.peak_kb) / 1024, max(limit.peak_kb) / 1024
    r = o / lim
    return Row(case, f"{o:.0f} MiB", f"{lim:.0f} MiB", f"{r:.2f}×", f"≤ {target}×",
               "yes" if r <= target else "no")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="update the table in bench/README.md")
    ap.add_argument("--only", default="", help="comma-separated case numbers (1-5, 7)")
    args = ap.parse_args()
    size = SIZES[args.size]
    only = {int(x) for x in args.only.split(",") if x}
    rows: list[Row] = []
    mem: list[Row] = []
    n, k, rep = size["lines"], size["images"], args.repeat

    def want(case: int) -> bool:
        return not only or case in only

    parse_cases = (
        (1, f"CSV, {n:,} rows", make_csv, [LIMIT_CSV]),
        (2, f"LfV manifest, {n:,} lines", make_lfv, [LIMIT_JSONL, "source-ref"]),
        (3, f"CVAT manifest, {n:,} records", make_cvat, [LIMIT_JSONL, "name"]),
    )
    for case, label, make, limit_args in parse_cases:
        if not want(case):
            continue
        path = str(make(n))
        s = measure({
            "ours": [*CLI, "lint", "-f", "json", "--no-media", "--no-cache", path],
            "limit": [PY, "-c", limit_args[0], path, *limit_args[1:]],
        }, rep)
        rows.append(ratio_row(f"{case}. {label}", s["ours"], s["limit"], 1.5))
        mem.append(ratio_row(f"6. peak memory, case {case}", s["ours"], s["limit"], 1.5,
                             "mem"))
    if want(7):
        folder = make_dataset(n)  # two files given: bench/data is gitignored, not walked
        base = [*CLI, "lint", "-f", "json", "--no-media", "--no-cache",
                str(folder / "train.manifest"), str(folder / "test.manifest")]
        s = measure({"ours": base, "limit": [*base, "--ignore", "DS"]}, rep)
        label = f"7. dataset pass, train {n:,} + test {n // 5:,} lines"
        rows.append(ratio_row(f"{label} (limit: the same lint with --ignore DS)", s["ours"],
                              s["limit"], 1.15))
        cpu_o, cpu_l = (statistics.median(s[k].cpu) for k in ("ours", "limit"))
        rows.append(Row(f"{label}, CPU time (user + system)", f"{cpu_o:.2f} s",
                        f"{cpu_l:.2f} s", f"{cpu_o / cpu_l:.2f}×", "≤ 1.15×",
                        "yes" if cpu_o / cpu_l <= 1.15 else "no"))
        mem.append(ratio_row("6. peak memory, case 7", s["ours"], s["limit"], 1.5, "mem"))
    if want(4):
        rows.extend(media_cases(make_images(k), k, max(1, rep // 2)))
    if want(5):
        tiny = DATA / "tiny.csv"
        tiny.parent.mkdir(parents=True, exist_ok=True)
        tiny.write_text("s3://b-1/a.jpg,normal\ns3://b-1/b.jpg,anomaly\ns3://b-1/c.jpg,normal\n")
        s = measure({
            "ours": [*CLI, "lint", "--no-cache", str(tiny)],
            "limit": [PY, "-c", "pass"],
        }, max(rep, 10))
        over = (s["ours"].median - s["limit"].median) * 1000
        rows.append(Row("5. start-up: lint a 3-line CSV", f"{s['ours'].median * 1000:.0f} ms",
                        f"{s['limit'].median * 1000:.0f} ms", f"+{over:.0f} ms", "≤ +150 ms",
                        "yes" if over <= 150 else "no"))
    table = render(rows + mem, args.size)
    print(table)
    if args.write:
        write_readme(table)


def media_cases(folder: Path, k: int, rep: int) -> list[Row]:
    out_dir = DATA / "create_out"
    cache = DATA / "cache"
    manifest = folder / "manifest.jsonl"

    def clean(name: str) -> None:
        if name in ("create", "deep_cold"):
            shutil.rmtree(cache, ignore_errors=True)

    # a manifest for lint --deep to verify
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    run([*CLI, "create", "cvat", "--output-dir", str(folder), str(folder)])
    s = measure({
        "create": [*CLI, "create", "cvat", "--output-dir", str(out_dir), str(folder)],
        "deep_cold": [*CLI, "lint", "--deep", "-f", "json", "--cache-dir", str(cache),
                              str(manifest)],
        "deep_warm": [*CLI, "lint", "--deep", "-f", "json", "--cache-dir", str(cache),
                              str(manifest)],
        "limit": [PY, "-c", LIMIT_IMAGES, str(folder)],
    }, rep, setup=clean)
    lim = s["limit"].median
    rows = []
    for name, label in (("create", "create cvat"), ("deep_cold", "lint --deep (cold)")):
        r = s[name].median / lim
        rows.append(Row(f"4. {label}, {k} images", f"{s[name].median:.2f} s "
                        f"({k / s[name].median:.0f} img/s)", f"{lim:.2f} s ({k / lim:.0f} img/s)",
                        f"{r:.2f}×", "≤ 0.6×", "yes" if r <= 0.6 else "no"))
    warm = s["deep_warm"].median / s["deep_cold"].median
    rows.append(Row(f"4. lint --deep (warm / cold), {k} images",
                    f"{s['deep_warm'].median:.2f} s", f"{s['deep_cold'].median:.2f} s (cold)",
                    f"1/{1 / warm:.0f}", "≤ 1/50", "yes" if warm <= 1 / 50 else "no"))
    return rows


def render(rows: list[Row], size: str) -> str:
    import importlib.metadata as md

    versions = ", ".join(f"{p} {md.version(p)}" for p in
                         ("manifest-lint", "orjson", "Pillow", "av", "typer", "rich"))
    head = (f"Run {dt.date.today().isoformat()}, `--size {size}`, {os.cpu_count()} cores "
            f"({platform.machine()}), Python {platform.python_version()}; {versions}.\n\n")
    lines = ["| case | ours | limit loop | ratio | target | met |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r.case} | {r.ours} | {r.limit} | {r.ratio} | {r.target} | {r.met} |"
              for r in rows]
    return head + "\n".join(lines) + "\n"


def write_readme(table: str) -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    readme.write_text(f"{head}{start}\n{table}{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
