"""How big the HTML report of 100,000 problems is: ``python bench/html_size.py``.

Builds (in ``bench/data/html/``, git-ignored) a CSV label file of 50,050 rows with bare image
names, of which 100 exist as 640x480 JPEGs beside it and every row has an unknown class:
50,050 CSV203 and 49,950 LFV401 problems, 100,000 in all (CSV206, bare names without an
``s3-path``, is ignored). Then it runs ``lint --format html`` and prints the report's size
and how long it took; then the same with every problem listed (no per-rule bound on rows),
and ``--format json``, for comparison.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

ROWS, IMAGES = 50_050, 100
HERE = Path(__file__).resolve().parent


def build(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(IMAGES):
        p = folder / f"img{i}.jpg"
        if not p.exists():
            img = Image.new("RGB", (640, 480), (20 + i, 90, 50))
            ImageDraw.Draw(img).rectangle([100, 100, 300 + i, 260], fill=(30, 30, 30))
            img.save(p, "JPEG", quality=90)
    (folder / "train.csv").write_text(
        "".join(f"img{i}.jpg,scratch\n" for i in range(ROWS)), encoding="utf-8")


def main() -> None:
    folder = HERE / "data" / "html"
    build(folder)
    unbounded = ("import sys; import manifest_lint.reporters.html as h; "
                 "h.MAX_ROWS_PER_RULE = 10**9; from manifest_lint.cli import main; "
                 "sys.argv[0] = 'manifest-lint'; main(sys.argv[1:])")
    runs = (("html", [sys.executable, "-m", "manifest_lint"], "report.html"),
            ("html, every row", [sys.executable, "-c", unbounded], "report-all.html"),
            ("json", [sys.executable, "-m", "manifest_lint"], "report.json"))
    for name, exe, file in runs:
        out = folder.parent / file
        fmt = name.split(",")[0]
        t0 = time.perf_counter()
        subprocess.run([*exe, "lint", "train.csv", "--format", fmt, "-o", str(out),
                        "--no-cache", "--ignore", "CSV206"], cwd=folder, check=False,
                       capture_output=True)
        took = time.perf_counter() - t0
        print(f"--format {name}: {out.stat().st_size:,} bytes in {took:.1f} s")


if __name__ == "__main__":
    main()
