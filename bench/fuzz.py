"""A repeatable fuzz run: mutated inputs per kind through `lint` and `fix` in subprocesses,
with media checks on (against a media tree the fuzzer makes) and off.

    python bench/fuzz.py [-n 2000] [--seed 0] [--kinds csv,lfv,cvat] [--batch 200]
                         [--media on,off]

Seeds are the files under fixtures/ plus seeds written for the media tree (a CVAT manifest
made by `create cvat` over a folder that holds a Latin-1 file name and NFC/NFD twins, LfV
and CSV files pointing at the same images through `media-map`). Mutations are byte-level
(cut, swap, flip, CR/LF, BOM, NUL, nesting) and format-aware: JSON escapes (`\\uXXXX`,
lone and reversed surrogate pairs, `\\u0000`), numbers at the edges (`1e999`, `-0`, 2^63),
duplicate and reordered keys, wrong types in every field (nested ones too), CSV quoting and
delimiter edge cases, Unicode normalisation twins (NFC vs NFD) of one name, escapes of
non-UTF-8 bytes; some mutants get a file name that is not UTF-8 itself.

Each batch is written to one folder (in the temp folder: lint skips gitignored files, and
bench/data is gitignored) and run through `lint -f json` with and without
`--no-media`, then `fix -f json` likewise (the mutants are rewritten before each fix). A
failure is a traceback on stderr, an exit code other than 0/1/2, output that is not one
JSON object, an internal error on stderr, or an internal-error diagnostic (ML002), counted
per file and mode. Failing
inputs are kept under bench/data/fuzz-crashes/<kind>/ for replay.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Outside the repository: bench/data is gitignored, and lint skips gitignored files.
OUT = Path(tempfile.gettempdir()) / "manifest-lint-fuzz"
CRASHES = ROOT / "bench" / "data" / "fuzz-crashes"
SUFFIX = {"csv": ".csv", "lfv": ".manifest", "cvat": ".jsonl"}
BUCKET = "s3://fuzz-bucket/"
LATIN1 = b"caf\xe9"  # a file name that is not UTF-8
NFC, NFD = unicodedata.normalize("NFC", "caf\u00e9"), unicodedata.normalize("NFD", "caf\u00e9")
# Kinds forced, so that every mutant is linted, even one that no longer looks like its kind.
CONFIG = f"""[tool.manifest-lint]
kinds = {{ "*.csv" = "csv", "*.manifest" = "lfv", "*.jsonl" = "cvat" }}

[tool.manifest-lint.csv]
s3-path = "{BUCKET}"

[tool.manifest-lint.lfv]
media-map = {{ "{BUCKET}" = "." }}
"""


# --------------------------------------------------------------------------- media tree


def make_media(folder: Path) -> None:
    """The media every batch folder holds: CVAT's golden images and video, a file whose
    name is Latin-1 bytes, and NFC/NFD twins of one name."""
    golden = ROOT / "fixtures" / "cvat" / "golden"
    shutil.copytree(golden / "images", folder, dirs_exist_ok=True)
    shutil.copy(golden / "clip.mp4", folder / "clip.mp4")
    png = (golden / "images" / "img_10.png").read_bytes()
    with open(os.fsencode(folder) + b"/" + LATIN1 + b".png", "wb") as f:
        f.write(png)
    (folder / f"{NFC}.png").write_bytes(png)
    (folder / f"{NFD}_nfd.png").write_bytes(png)
    (folder / "pyproject.toml").write_text(CONFIG, encoding="utf-8")


def media_seeds(media: Path) -> dict[str, list[bytes]]:
    """Seeds that point at the media tree."""
    proc = subprocess.run([sys.executable, "-m", "manifest_lint", "create", "cvat", "."],
                          cwd=media, capture_output=True, check=False)
    cvat = []
    if proc.returncode == 0:
        cvat.append((media / "manifest.jsonl").read_bytes())
        (media / "manifest.jsonl").unlink()
    video = ROOT / "fixtures" / "cvat" / "golden" / "video.jsonl"
    cvat.append(video.read_bytes())
    names = ["img_10.png", "img_2.jpg", "sub/gray.png", "sub/d\u00e9j\u00e0 vu.jpg",
             f"{NFC}.png", f"{NFD}_nfd.png", "missing.png"]
    meta = ('"anomaly-label-metadata":{"class-name":"%s","human-annotated":"yes",'
            '"type":"groundtruth/image-classification"}')
    lfv_lines = [json.dumps({"source-ref": BUCKET + n, "anomaly-label": i % 2}).encode()[:-1]
                 + b"," + (meta % ("anomaly" if i % 2 else "normal")).encode() + b"}\n"
                 for i, n in enumerate(names)]
    lfv = [b"".join(lfv_lines), lfv_lines[0].replace(b"img_10", b"caf\\udce9")]
    csv_rows = [f"{BUCKET if i % 2 else ''}{n},{'anomaly' if i % 3 == 0 else 'normal'}\n"
                .encode() for i, n in enumerate(names)]
    csv = [b"".join(csv_rows), b"".join(csv_rows) + LATIN1 + b".png,normal\n"]
    return {"cvat": cvat, "lfv": lfv, "csv": csv}


def seeds(kind: str, extra: dict[str, list[bytes]]) -> list[bytes]:
    pattern = {"csv": "*.csv", "lfv": "*.manifest", "cvat": "*.jsonl"}[kind]
    files = sorted((ROOT / "fixtures").rglob(pattern))
    if kind == "cvat":
        files = [f for f in files if f.read_bytes().startswith(b'{"version"')]
    return [f.read_bytes() for f in files if f.stat().st_size < 1 << 20] + extra[kind]


# --------------------------------------------------------------------------- mutations

VALUES: list[Any] = [None, 1, -1, 0, 1e300, "x", "", [], {}, True, False, "1", 0.5, -0.0,
                     2**63, -(2**63) - 1, 2**64, "../../etc/passwd", "/abs/path", "~/x",
                     "a\x00b", "a\nb", "C:\\x\\y.jpg", "s3://", "s3://b", "\u00e9", NFD,
                     "caf\udce9", "\ud800", ["a"], [1, 2], {"a": 1}, "A" * 300]
ESCAPES = [b"\\ud800", b"\\udce9", b"\\udcff", b"\\ude00\\ud83d", b"\\ud83d\\ude00",
           b"\\ud83d", b"\\u0000", b"\\u001f", b"\\u2028", b"\\uffff", b"\\ufeff", b"\\u00e9",
           b"e\\u0301", b"\\", b"\\x41", b"\\u12", b"\\/", b'\\"']
NUMBERS = [b"1e999", b"-1e999", b"-0", b"-0.0", b"9223372036854775808",
           b"-9223372036854775809", b"18446744073709551616", b"1e-400", b"1E2", b"0.1e1",
           b"1" * 400, b"00", b"+1", b".5", b"NaN", b"Infinity", b"-Infinity", b"1.0"]
_NUMBER = re.compile(rb"(?<=[:\[,])\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_STRING_START = re.compile(rb'(?<=[:\[,{])\s*"')


def _pairs(line: bytes) -> list[tuple[str, Any]] | None:
    try:
        obj = json.loads(line, object_pairs_hook=lambda p: p)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, list) and obj and isinstance(obj[0], tuple) else None


def _dump_pairs(pairs: list[tuple[str, Any]]) -> bytes:
    def enc(v: Any) -> str:
        if isinstance(v, list) and v and all(isinstance(x, tuple) for x in v):
            return "{" + ",".join(json.dumps(k) + ":" + enc(x) for k, x in v) + "}"
        if isinstance(v, list):
            return "[" + ",".join(enc(x) for x in v) + "]"
        return json.dumps(v)
    return enc(pairs).encode()


def _objects(value: Any) -> list[list[tuple[str, Any]]]:
    """Every object (as a pairs list) inside ``value``, itself included."""
    out = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list) and v and all(isinstance(x, tuple) for x in v):
            out.append(v)
            stack.extend(x for _, x in v)
        elif isinstance(v, list):
            stack.extend(v)
    return out


def mutate_json(line: bytes, rng: random.Random) -> bytes:
    """Duplicate, reorder or retype keys of a JSON object line, at any depth."""
    pairs = _pairs(line)
    if pairs is None:
        return line
    target = rng.choice(_objects(pairs))
    if not target:
        return line
    i = rng.randrange(len(target))
    op = rng.randrange(4)
    if op == 0:  # a duplicate key, with the same or another value
        key, value = target[i]
        target.insert(rng.randrange(len(target) + 1),
                      (key, value if rng.random() < 0.5 else rng.choice(VALUES)))
    elif op == 1:
        rng.shuffle(target)
    elif op == 2:
        target[i] = (target[i][0], rng.choice(VALUES))
    else:
        del target[i]
    text = _dump_pairs(pairs)
    return text.replace(b"1e+300", rng.choice(NUMBERS))


def mutate_text(line: bytes, rng: random.Random, kind: str) -> bytes:
    """Escapes, edge numbers, CSV quoting and delimiters, normalisation twins."""
    op = rng.randrange(5)
    if op == 0 and kind != "csv":
        starts = [m.end() for m in _STRING_START.finditer(line)]
        if starts:
            at = rng.choice(starts) + rng.randrange(4)
            return line[:at] + rng.choice(ESCAPES) + line[at:]
    if op == 1 and kind != "csv":
        spans = [m.span() for m in _NUMBER.finditer(line)]
        if spans:
            a, b = rng.choice(spans)
            return line[:a] + rng.choice(NUMBERS) + line[b:]
    if op == 2 or kind == "csv" and op < 2:
        fields = line.split(b",")
        f = rng.randrange(len(fields))
        choice = rng.randrange(9)
        if choice == 0:
            fields[f] = b'"' + fields[f] + b'"'
        elif choice == 1:
            fields[f] = b'"' + fields[f].replace(b"a", b'""', 1) + b'"'
        elif choice == 2:
            return line.replace(b",", rng.choice([b";", b"\t", b", ", b" ,", b"|"]))
        elif choice == 3:
            return line.rstrip(b"\r\n") + b",\n"
        elif choice == 4:
            fields[f] = b'"' + fields[f] + b'\nmore"'
        elif choice == 5:
            fields[f] = b" " + fields[f] + b" "
        elif choice == 6:
            fields[f] = b'""'
        elif choice == 7:
            fields[f] = fields[f][:1] + b'"' + fields[f][1:]
        else:
            fields.insert(f, b"")
        return b",".join(fields)
    if op == 3:  # NFC/NFD twins and non-UTF-8 names
        swap = rng.choice([(NFC.encode(), NFD.encode()), (NFD.encode(), NFC.encode()),
                           (b"caf\\u00e9", b"cafe\\u0301"), (b"img_10", b"caf\\udce9"),
                           (b"img_10", LATIN1), (b"img_10", NFD.encode()),
                           (b"img_10", b"cafe\\u0301"),
                           (b"d\\u00e9j\\u00e0", b"de\\u0301ja\\u0300")])
        return line.replace(swap[0], swap[1], 1)
    return line


def twin(lines: list[bytes], i: int, rng: random.Random) -> None:
    """Insert after line ``i`` a copy naming the NFD twin of a name in NFC (or back)."""
    line = lines[i]
    for a, b in ((NFC.encode(), NFD.encode()), (b"\\u00e9", b"e\\u0301"),
                 (b"img_10", NFD.encode()), (b"img_2", b"caf\\u00e9")):
        if a in line:
            copy = line.replace(a, b, 1)
            if rng.random() < 0.5:
                line = line.replace(a, NFC.encode() if a != NFC.encode() else a, 1)
            lines[i:i + 1] = [line, copy]
            return


def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
    lines = data.splitlines(keepends=True) or [b""]
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(18)
        i = rng.randrange(len(lines))
        end = lines[i][len(lines[i].rstrip(b"\r\n")):] or b"\n"
        body = lines[i].rstrip(b"\r\n")
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
        elif op in (5, 13, 14):
            lines[i] = mutate_json(body, rng) + end
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
        elif op in (15, 16):
            lines[i] = mutate_text(body, rng, kind) + end
        elif op == 17:
            twin(lines, i, rng)
    return b"".join(lines)


# --------------------------------------------------------------------------- running


def run_batch(folder: Path, command: str, media: bool) -> tuple[dict[str, int], str, int]:
    args = [sys.executable, "-m", "manifest_lint", command, "-f", "json", "--no-cache"]
    if not media:
        args.append("--no-media")
    proc = subprocess.run([*args, "."], cwd=folder, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=1800, check=False)
    internal: dict[str, int] = {}
    try:
        for d in json.loads(proc.stdout)["diagnostics"]:
            if d["code"] == "ML002":
                internal[d["path"]] = internal.get(d["path"], 0) + 1
    except (ValueError, KeyError):
        internal["<unparseable output>"] = 1
    return internal, proc.stderr, proc.returncode


def write_mutants(folder: Path, mutants: list[tuple[bytes, bytes]]) -> None:
    for name, data in mutants:
        with open(os.fsencode(folder) + b"/" + name, "wb") as f:
            f.write(data)


def keep(kind: str, folder: Path, mutants: list[tuple[bytes, bytes]], bad: set[str]) -> None:
    """Keep the failing inputs (all of the batch when the file is not known)."""
    dest = CRASHES / kind
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in mutants:
        shown = os.fsdecode(name).encode("utf-8", "surrogateescape").decode("utf-8",
                                                                           "backslashreplace")
        if any(p.startswith("<") for p in bad) or shown in bad:
            (dest / shown.replace("\\", "_")).write_bytes(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="mutants per kind")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", default="csv,lfv,cvat")
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--media", default="on,off", help="media checks: on, off or on,off")
    args = ap.parse_args()
    modes = [m == "on" for m in args.media.split(",")]
    rng = random.Random(args.seed)
    media_dir = OUT / "media"
    shutil.rmtree(media_dir, ignore_errors=True)
    media_dir.mkdir(parents=True)
    make_media(media_dir)
    extra = media_seeds(media_dir)
    totals: dict[str, dict[str, int]] = {}
    for kind in args.kinds.split(","):
        pool = seeds(kind, extra)
        failures = {f"{c} media {'on' if m else 'off'}": 0 for c in ("lint", "fix")
                    for m in modes}
        started = time.monotonic()
        for start in range(0, args.n, args.batch):
            folder = OUT / kind
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(media_dir, folder)
            mutants = []
            for i in range(start, min(args.n, start + args.batch)):
                stem = f"m{i:05d}".encode() + (b"-" + LATIN1 if i % 13 == 0 else b"")
                mutants.append((stem + SUFFIX[kind].encode(),
                                mutate(rng.choice(pool), rng, kind)))
            write_mutants(folder, mutants)
            for command in ("lint", "fix"):
                for media in modes:
                    if command == "fix":
                        write_mutants(folder, mutants)
                    internal, stderr, code = run_batch(folder, command, media)
                    bad = set(internal)
                    if ("Traceback" in stderr or "internal error" in stderr
                            or code not in (0, 1, 2)):
                        bad.add(f"<exit {code}>")
                        print(stderr[-2000:], file=sys.stderr)
                    if bad:
                        failures[f"{command} media {'on' if media else 'off'}"] += len(bad)
                        keep(kind, folder, mutants, bad)
        totals[kind] = failures
        print(f"{kind}: {args.n} mutants x {len(modes) * 2} runs, failures {failures}, "
              f"{time.monotonic() - started:.0f} s", flush=True)
    print(json.dumps(totals))
    sys.exit(1 if any(v for f in totals.values() for v in f.values()) else 0)


if __name__ == "__main__":
    main()
