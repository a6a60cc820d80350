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
SIZES = {
    "small": {"lines": 20_000, "images": 40, "seed": (5_000, 10_000, 20_000), "warm": 200},
    "full": {"lines": 1_000_000, "images": 400, "seed": (250_000, 500_000, 1_000_000),
             "warm": 2_000},
}

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
LIMIT_SYNC = """
import csv, orjson, sys
seen = set()
with open(sys.argv[1], "rb") as f:
    for line in f:
        obj = orjson.loads(line)
        if isinstance(obj, dict):
            seen.add(obj.get("source-ref"))
rows = {}
with open(sys.argv[2], newline="", encoding="utf-8") as f:
    for row in csv.reader(f):
        if row:
            rows.setdefault(row[0], row[1] if len(row) > 1 else "")
"""
LIMIT_STAT = """
import os, sys, time
root, n = sys.argv[1], int(sys.argv[2])
names = [f"img_{i:05d}.png" for i in range(n)]
cache = {os.path.join(root, x): (os.stat(os.path.join(root, x)).st_size, 0) for x in names}
best = None
for _ in range(5):
    t = time.perf_counter()
    for x in names:
        p = os.path.join(root, x)
        st = os.stat(p)
        hit = cache.get(p)
    t = time.perf_counter() - t
    best = t if best is None else min(best, t)
print(best / n * 1e6)
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
    cpu: list[float] = field(default_factory=list)  # user + system seconds
    peak_kb: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
        ) -> tuple[float, float, int, int]:
    """Wall time, CPU time (user + system), peak RSS (KiB) and exit code of one child."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"command failed ({code}): {' '.join(cmd)}\n{err}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code


def measure(commands: dict[str, list[str]], repeat: int,
            setup: Callable[[str], None] | None = None) -> dict[str, Sample]:
    """Run each named command ``repeat`` times, interleaved."""
    out = {name: Sample() for name in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            if setup:
                setup(name)
            secs, cpu, peak, _ = run(cmd)
            out[name].seconds.append(secs)
            out[name].cpu.append(cpu)
            out[name].peak_kb.append(peak)
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
    (folder / "done").touch()  # without it the data were made again on every run
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


def make_cvat_group(n: int) -> Path:
    """A CVAT group: ``a/manifest.jsonl`` and ``b/manifest.jsonl``, ``n`` image records
    each (sorted names, random checksums), with 10 checksums of ``a`` repeated in ``b`` and
    5 repeated within ``a`` (DS201)."""
    folder = DATA / f"cvat_group_{n}"
    if _marker(folder / "done", {"n": n, "v": 1}):
        return folder
    rng = random.Random(11)
    a_sums = [f"{rng.getrandbits(128):032x}" for _ in range(n)]
    for k in range(5):
        a_sums[n // 2 + k] = a_sums[k * 7]
    b_sums = [f"{rng.getrandbits(128):032x}" for _ in range(n)]
    for k in range(10):
        b_sums[(k + 1) * (n // 11)] = a_sums[k * 13 + 1]
    for part, sums in (("a", a_sums), ("b", b_sums)):
        path = folder / part / "manifest.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write('{"version":"1.1"}\n{"type":"images"}\n')
            for i, checksum in enumerate(sums):
                f.write(json.dumps({
                    "name": f"frames/{part}_{i:07d}", "extension": ".jpg", "width": 1024,
                    "height": 768, "meta": {"related_images": []}, "checksum": checksum,
                }, separators=(",", ":")) + "\n")
    (folder / "done").touch()
    return folder


LOAD_AT_START = os.getloadavg()
PLANTED = 1_000  # duplicates and invalid classes each, in the seed layout


def make_seed(n: int) -> Path:
    """The seed's layout: ``labels.csv`` and the ``labels.manifest`` made from it side by
    side, compact JSON lines (integer labels, a per-line ``creation-date`` as the AWS
    script writes), 1,000 duplicate rows and 1,000 invalid classes planted in the CSV and
    carried into the manifest. Hard links in ``alone_csv/`` and ``alone_manifest/`` are the
    same files with no sibling (no sync)."""
    folder = DATA / f"seed_{n}"
    csv_path, manifest = folder / "labels.csv", folder / "labels.manifest"
    if not _marker(folder / "done", {"n": n, "v": 1}):
        write_seed(n, csv_path, manifest)
        (folder / "done").touch()
    for src in (csv_path, manifest):
        alone = folder / f"alone_{src.suffix[1:]}"
        alone.mkdir(exist_ok=True)
        (alone / src.name).unlink(missing_ok=True)
        os.link(src, alone / src.name)
    return folder


def write_seed(n: int, csv_path: Path, manifest: Path) -> None:
    rng = random.Random(5)
    picks = rng.sample(range(1, n), 2 * PLANTED)
    dups, bad = set(picks[:PLANTED]), set(picks[PLANTED:])
    sec = 1_700_000_000.0
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", encoding="utf-8", newline="") as c, \
            open(manifest, "w", encoding="utf-8") as m:
        for i in range(n):
            img = rng.randrange(i) if i in dups else i
            cls = "anomaly" if img % 5 == 0 else "normal"
            if i in bad and i not in dups:
                cls = "defect"
            folder_name = "anomaly" if img % 5 == 0 else "normal"
            uri = f"s3://bench-bucket/train/{folder_name}/img_{img:07d}.jpg"
            c.write(f"{uri},{cls}\n")
            date = dt.datetime.fromtimestamp(sec + i * 0.000731, dt.timezone.utc)
            m.write(json.dumps({
                "source-ref": uri,
                "anomaly-label": 1 if cls == "anomaly" else 0,
                "anomaly-label-metadata": {
                    "confidence": 1, "job-name": "labeling-job/anomaly-classification",
                    "class-name": cls, "human-annotated": "yes",
                    "creation-date": date.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                    "type": "groundtruth/image-classification",
                },
            }, separators=(",", ":")) + "\n")


def make_small_images(n: int) -> Path:
    """``n`` PNG images of 256x192 and a CVAT manifest for them (the warm --deep case)."""
    folder = DATA / f"small_images_{n}"
    if _marker(folder / "done", {"n": n, "v": 1}):
        return folder
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    base = Image.effect_noise((256, 192), 50).convert("RGB")
    for i in range(n):
        base.putpixel((i % 256, (i // 256) % 192), (i % 251, 0, 0))
        base.save(folder / f"img_{i:05d}.png", compress_level=1)
    run([*CLI, "create", "cvat", "--output-dir", str(folder), str(folder)])
    (folder / "done").touch()
    return folder


def half_of(folder: Path, n: int) -> Path:
    """The first ``n // 2`` images of ``folder`` (hard links) and their CVAT manifest."""
    half = folder.with_name(f"{folder.name}_half")
    if _marker(half / "done", {"n": n, "v": 1}):
        return half
    half.mkdir(parents=True, exist_ok=True)
    for i in range(n // 2):
        name = f"img_{i:05d}.png"
        (half / name).unlink(missing_ok=True)
        os.link(folder / name, half / name)
    run([*CLI, "create", "cvat", "--output-dir", str(half), str(half)])
    (half / "done").touch()
    return half


def make_lfv_media(images: Path, n: int) -> Path:
    """A Lookout for Vision manifest of the ``n`` images in ``images`` (as ``s3://`` refs
    mapped to that folder by ``media-map`` in a pyproject.toml beside it)."""
    folder = images.with_name(f"lfv_{images.name}")
    manifest = folder / "train.manifest"
    if _marker(manifest, {"n": n, "v": 1}):
        return manifest
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(
        '[tool.manifest-lint.lfv]\nmedia-map = { "s3://bench-bucket/imgs/" = '
        f'"../{images.name}" }}\n')
    with open(manifest, "w", encoding="utf-8") as f:
        for i in range(n):
            cls = "anomaly" if i % 5 == 0 else "normal"
            f.write(json.dumps({
                "source-ref": f"s3://bench-bucket/imgs/img_{i:05d}.png",
                "anomaly-label": 1 if cls == "anomaly" else 0,
                "anomaly-label-metadata": {
                    "confidence": 1, "job-name": "labeling-job/anomaly-classification",
                    "class-name": cls, "human-annotated": "yes",
                    "creation-date": "2024-01-01T00:00:00.000000",
                    "type": "groundtruth/image-classification",
                },
            }, separators=(",", ":")) + "\n")
    return manifest


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
    (folder / "done").touch()
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
        rc = ours.cpu_median / limit.cpu_median
        return Row(case, f"{ours.median:.2f} s (CPU {ours.cpu_median:.2f} s)",
                   f"{limit.median:.2f} s (CPU {limit.cpu_median:.2f} s)",
                   f"{r:.2f}× (CPU {rc:.2f}×)", f"≤ {target}×", "yes" if rc <= target else "no")
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
    ap.add_argument("--only", default="", help="comma-separated case numbers (1-11)")
    args = ap.parse_args()
    # measure what an installed copy does: pip writes bytecode, so children may too (with
    # PYTHONDONTWRITEBYTECODE every run compiles our modules again, +40 ms of start-up)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    size = SIZES[args.size]
    only = {int(x) for x in args.only.split(",") if x}
    rows: list[Row] = []
    mem: list[Row] = []
    n, k, rep = size["lines"], size["images"], args.repeat

    def want(case: int) -> bool:
        return not only or case in only

    ours_lint = [*CLI, "lint", "-f", "json", "--no-media", "--no-cache"]
    commands: dict[str, list[str]] = {}
    plan: list[tuple[str, str, float, float]] = []  # (key, label, time target, mem target)
    if want(1):
        path = str(make_csv(n))
        commands |= {"1o": [*ours_lint, path], "1l": [PY, "-c", LIMIT_CSV, path]}
        plan.append(("1", f"1. CSV, {n:,} rows", 1.3, 1.5))
    if want(2):
        path = str(make_lfv(n))
        commands |= {"2o": [*ours_lint, path], "2l": [PY, "-c", LIMIT_JSONL, path, "source-ref"]}
        plan.append(("2", f"2. LfV manifest, spaced JSON, {n:,} lines", 1.5, 1.5))
    if want(3):
        path = str(make_cvat(n))
        commands |= {"3o": [*ours_lint, path], "3l": [PY, "-c", LIMIT_JSONL, path, "name"]}
        plan.append(("3", f"3. CVAT manifest, {n:,} records", 1.5, 1.5))
    seeds = [make_seed(m) for m in size["seed"]] if want(6) or want(7) or want(8) else []
    big = seeds[-1] if seeds else None
    if want(6) and big is not None:
        path = str(big / "alone_manifest" / "labels.manifest")
        commands |= {"6o": [*ours_lint, path], "6l": [PY, "-c", LIMIT_JSONL, path, "source-ref"]}
        plan.append(("6", f"6. seed manifest alone, compact JSON, {size['seed'][-1]:,} lines",
                     1.3, 1.5))
    if want(7) and big is not None:
        path = str(big / "alone_csv" / "labels.csv")
        commands |= {"7o": [*ours_lint, path], "7l": [PY, "-c", LIMIT_CSV, path]}
        plan.append(("7", f"7. seed CSV alone, {size['seed'][-1]:,} rows", 1.3, 1.5))
    if want(8):
        for m, folder in zip(size["seed"], seeds, strict=True):
            man, csv_path = str(folder / "labels.manifest"), str(folder / "labels.csv")
            commands |= {f"8.{m}o": [*ours_lint, man],
                         f"8.{m}l": [PY, "-c", LIMIT_SYNC, man, csv_path]}
            plan.append((f"8.{m}", f"8. seed layout, manifest + CSV beside it (sync), "
                         f"{m:,} rows each", 1.5, 1.3))
    if commands:
        s = measure(commands, rep)
        for key, label, t_target, m_target in plan:
            rows.append(ratio_row(label, s[key + "o"], s[key + "l"], t_target))
            mem.append(ratio_row(f"peak memory, {label}", s[key + "o"], s[key + "l"],
                                 m_target, "mem"))
    if want(10):
        folder = make_dataset(n)  # two files given: bench/data is gitignored, not walked
        base = [*CLI, "lint", "-f", "json", "--no-media", "--no-cache",
                str(folder / "train.manifest"), str(folder / "test.manifest")]
        s = measure({"ours": base, "limit": [*base, "--ignore", "DS"]}, rep)
        label = f"10. dataset pass, train {n:,} + test {n // 5:,} lines"
        rows.append(ratio_row(f"{label} (limit: the same lint with --ignore DS)", s["ours"],
                              s["limit"], 1.15))
        mem.append(ratio_row(f"peak memory, {label}", s["ours"], s["limit"], 1.5, "mem"))
    if want(11):
        half = n // 2
        folder = make_cvat_group(half)
        base = [*CLI, "lint", "-f", "json", "--no-media", "--no-cache",
                str(folder / "a" / "manifest.jsonl"), str(folder / "b" / "manifest.jsonl")]
        shared = ["--media-root", str(folder)]  # one media folder: DS102's file hashes too
        s = measure({"ours": base, "limit": [*base, "--ignore", "DS"],
                     "shared_ours": [*base, *shared], "shared_limit": [*base, *shared, "--ignore",
                                                                  "DS"]}, rep)
        for key, how in (("", "a task folder each"), ("shared_", "one media root")):
            label = (f"11. CVAT group, 2 manifests of {half:,} records, {how} "
                     "(15 repeated checksums)")
            ours = s[key + "ours"]
            rows.append(ratio_row(f"{label} (limit: the same lint with --ignore DS)", ours,
                                  s[key + "limit"], 1.15))
            mem.append(ratio_row(f"peak memory, {label}", ours, s[key + "limit"], 1.5,
                                 "mem"))
    if want(4):
        rows.extend(media_cases(make_images(k), k, max(1, rep // 2)))
    if want(5) or want(9):
        rows.extend(startup_cases(size["warm"], max(rep, 10), want(9)))
    table = render(rows + mem, args.size)
    print(table)
    if args.write:
        write_readme(table)


def startup_cases(warm_images: int, rep: int, warm: bool) -> list[Row]:
    """5: lint a 3-line CSV vs ``python -c pass``; 9: warm ``lint --deep`` per image over
    that start-up vs a stat and a dict lookup per file."""
    tiny = DATA / "tiny.csv"
    tiny.parent.mkdir(parents=True, exist_ok=True)
    tiny.write_text("s3://b-1/a.jpg,normal\ns3://b-1/b.jpg,anomaly\ns3://b-1/c.jpg,normal\n")
    commands = {
        "ours": [*CLI, "lint", "--no-cache", str(tiny)],
        "limit": [PY, "-c", "pass"],
    }
    cache = DATA / "cache_warm"
    if warm:
        folder = make_small_images(warm_images)
        half = half_of(folder, warm_images)
        shutil.rmtree(cache, ignore_errors=True)
        for key, target in (("warm", folder / "manifest.jsonl"),
                            ("warm_half", half / "manifest.jsonl"),
                            ("lfv", make_lfv_media(folder, warm_images)),
                            ("lfv_half", make_lfv_media(half, warm_images // 2))):
            deep = [*CLI, "lint", "--deep", "-f", "json", "--cache-dir", str(cache),
                    str(target)]
            run(deep)  # fills the cache
            commands[key] = deep
    s = measure(commands, rep)
    over = (s["ours"].median - s["limit"].median) * 1000
    over_cpu = (s["ours"].cpu_median - s["limit"].cpu_median) * 1000
    rows = [Row("5. start-up: lint a 3-line CSV",
                f"{s['ours'].median * 1000:.0f} ms (CPU {s['ours'].cpu_median * 1000:.0f} ms)",
                f"{s['limit'].median * 1000:.0f} ms (CPU {s['limit'].cpu_median * 1000:.0f} ms)",
                f"+{over:.0f} ms (CPU +{over_cpu:.0f} ms)", "≤ +80 ms",
                "yes" if over_cpu <= 80 else "no")]
    if warm:
        loops = []
        for _ in range(5):
            out = subprocess.run([PY, "-c", LIMIT_STAT, str(folder), str(warm_images)],
                                 capture_output=True, text=True, check=True).stdout
            loops.append(float(out))
        loop = statistics.median(loops)
        for key, what in (("warm", ""), ("lfv", ", LfV manifest via media-map")):
            rows += _warm_rows(s, key, what, warm_images, loop)
    return rows


def _warm_rows(s: dict[str, Sample], key: str, what: str, warm_images: int, loop: float
               ) -> list[Row]:
    """Case 9's rows for the runs ``key`` and ``key_half``: per image over start-up, and
    each image more."""
    per = (s[key].median - s["ours"].median) / warm_images * 1e6
    per_cpu = (s[key].cpu_median - s["ours"].cpu_median) / warm_images * 1e6
    half = warm_images // 2
    slope = (s[key].median - s[f"{key}_half"].median) / (warm_images - half) * 1e6
    slope_cpu = ((s[key].cpu_median - s[f"{key}_half"].cpu_median)
                 / (warm_images - half) * 1e6)
    return [
        Row(f"9. warm lint --deep{what}, {warm_images:,} images (per image over start-up)",
            f"{per:.1f} µs (CPU {per_cpu:.1f} µs; {s[key].median:.2f} s)",
            f"{loop:.1f} µs (stat + dict lookup)",
            f"{per / loop:.1f}× (CPU {per_cpu / loop:.1f}×)",
            "≤ 3× (≤ 10 µs)", "yes" if per_cpu <= 3 * loop else "no"),
        Row(f"9. warm lint --deep{what}, each image more ({half:,} -> {warm_images:,} "
            "images)", f"{slope:.1f} µs (CPU {slope_cpu:.1f} µs)",
            f"{loop:.1f} µs (stat + dict lookup)",
            f"{slope / loop:.1f}× (CPU {slope_cpu / loop:.1f}×)",
            "≤ 3× (≤ 10 µs)", "yes" if slope_cpu <= 3 * loop else "no"),
    ]


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
    start, end = LOAD_AT_START, os.getloadavg()
    head = (f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, `--size {size}`, "
            f"{os.cpu_count()} cores ({platform.machine()}), Python "
            f"{platform.python_version()}; {versions}. Load average (1/5/15 min) "
            f"{start[0]:.1f}/{start[1]:.1f}/{start[2]:.1f} at the start, "
            f"{end[0]:.1f}/{end[1]:.1f}/{end[2]:.1f} at the end. Times are medians of "
            "interleaved runs, wall clock with the CPU time (user + system) in brackets; "
            "peak memory is the largest RSS of the runs.\n\n")
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
