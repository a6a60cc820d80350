"""A repeatable fuzz run: mutated inputs per kind through `lint` and `fix` in subprocesses.

    python bench/fuzz.py [-n 2000] [--seed 0] [--kinds csv,lfv,cvat] [--batch 100]

Seeds are the files under fixtures/. Each mutant is written to a batch folder; a batch is
linted (`lint -f json`) and fixed (`fix -f json`) by the real CLI. A crash is a traceback on
stderr, an exit code other than 0/1/2, or an internal-error diagnostic (ML002), counted per
file. Crashing inputs are kept under bench/data/fuzz-crashes/ for replay.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "data" / "fuzz"
CRASHES = ROOT / "bench" / "data" / "fuzz-crashes"
SUFFIX = {"csv": ".csv", "lfv": ".manifest", "cvat": ".jsonl"}


def seeds(kind: str) -> list[bytes]:
    pattern = {"csv": "*.csv", "lfv": "*.manifest", "cvat": "*.jsonl"}[kind]
    files = sorted((ROOT / "fixtures").rglob(pattern))
    if kind == "cvat":
        files = [f for f in files if f.read_bytes().startswith(b'{"version"')]
    return [f.read_bytes() for f in files if f.stat().st_size < 1 << 20]


def mutate_json_value(line: bytes, rng: random.Random) -> bytes:
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return line
    if not isinstance(obj, dict) or not obj:
        return line
    key = rng.choice(list(obj))
    obj[key] = rng.choice([None, 1, -1, 1e400, "x", "", [], {}, True, "1", 0.5,
                           "../../etc/passwd", "/abs/path", "~/x", "a\x00b", "a\nb"])
    return json.dumps(obj).replace("Infinity", rng.choice(["Infinity", "NaN"])).encode()


def mutate(data: bytes, rng: random.Random) -> bytes:
    lines = data.splitlines(keepends=True) or [b""]
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(13)
        i = rng.randrange(len(lines))
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 2:
            lines.insert(i, lines[i])
        elif op == 3:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif op == 4 and lines[i]:
            b = bytearray(lines[i])
            b[rng.randrange(len(b))] = rng.randrange(256)
            lines[i] = bytes(b)
        elif op == 5:
            lines[i] = mutate_json_value(lines[i].rstrip(b"\r\n"), rng) + b"\n"
        elif op == 6:
            lines.insert(i, b"\n")
        elif op == 7:
            lines = [ln.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n"])) for ln in lines]
        elif op == 8:
            lines[0] = b"\xef\xbb\xbf" + lines[0]
        elif op == 9:
            lines[i] = b"[" * rng.choice([10, 1000, 10000]) + lines[i]
        elif op == 10:
            lines[i] = lines[i].replace(b",", b"\x00", 1)
        elif op == 11:
            lines[i] = b'"' + lines[i]
        elif op == 12:
            lines.append(bytes(rng.randrange(256) for _ in range(rng.randrange(64))))
    return b"".join(lines)


def run_batch(folder: Path, command: str) -> tuple[dict[str, int], str, int]:
    proc = subprocess.run([sys.executable, "-m", "manifest_lint", command, "-f", "json",
                           "--no-cache", str(folder)], capture_output=True, text=True,
                          timeout=600, check=False)
    internal: dict[str, int] = {}
    try:
        for d in json.loads(proc.stdout)["diagnostics"]:
            if d["code"] == "ML002":
                internal[d["path"]] = internal.get(d["path"], 0) + 1
    except (ValueError, KeyError):
        internal["<unparseable output>"] = 1
    return internal, proc.stderr, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="mutants per kind")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", default="csv,lfv,cvat")
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    totals = {}
    for kind in args.kinds.split(","):
        pool = seeds(kind)
        if not pool:
            print(f"{kind}: no seed files under fixtures/; skipped")
            continue
        crashes = 0
        for start in range(0, args.n, args.batch):
            folder = OUT / kind
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            if kind == "csv":  # lint every mutant, even one that no longer looks like labels
                (folder / "manifest-lint.toml").write_text('[kinds]\n"*.csv" = "csv"\n')
            for i in range(start, min(args.n, start + args.batch)):
                (folder / f"m{i:05d}{SUFFIX[kind]}").write_bytes(mutate(rng.choice(pool), rng))
            for command in ("lint", "fix"):
                internal, stderr, code = run_batch(folder, command)
                bad = set(internal)
                if "Traceback" in stderr or code not in (0, 1, 2):
                    bad.add(f"<exit {code}>")
                    print(stderr[-2000:], file=sys.stderr)
                if bad:
                    crashes += len(bad)
                    keep = CRASHES / kind
                    keep.mkdir(parents=True, exist_ok=True)
                    for p in internal:
                        src = Path(p) if Path(p).is_absolute() else Path.cwd() / p
                        if src.exists():
                            shutil.copy(src, keep / src.name)
        totals[kind] = crashes
        print(f"{kind}: {args.n} mutants, {crashes} crashes")
    print(json.dumps(totals))
    sys.exit(1 if any(totals.values()) else 0)


if __name__ == "__main__":
    main()
