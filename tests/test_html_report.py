"""``--format html``: sections, counts, pictures, escaping and size bounds (the page in a
real browser: tests/test_html_browser.py)."""

from __future__ import annotations

import base64
import io
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

from manifest_lint.config import load_config
from manifest_lint.diagnostics import Diagnostic, Severity
from manifest_lint.engine import FileResult, Settings, Summary
from manifest_lint.reporters import ReportOptions
from manifest_lint.reporters.html import MAX_ROWS_PER_RULE, render
from tests.conftest import run_cli
from tests.html_datasets import board, media_dataset
from tests.report_datasets import clean_dataset, demo_dataset, lfv_line


class Page(HTMLParser):
    """Every start tag with its attributes, and the text, of a page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag
                and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def ids(self) -> set[str]:
        return {a["id"] for _t, a in self.tags if a.get("id")}  # type: ignore[misc]


def html_report(folder: Path, *args: str) -> tuple[int, str, str]:
    out = folder.parent / f"{folder.name}-report.html"
    r = run_cli("lint", ".", "--format", "html", "-o", out, "--no-cache", *args, cwd=folder)
    assert r.stdout == ""
    return r.code, out.read_text(encoding="utf-8"), r.stderr


def lint_json(folder: Path, *args: str) -> dict:  # type: ignore[type-arg]
    return json.loads(run_cli("lint", ".", "--format", "json", "--no-cache", *args,
                              cwd=folder).stdout)  # type: ignore[no-any-return]


def thumbnails(page: Page) -> list[Image.Image]:
    out = []
    for a in page.all("img"):
        src = a["src"] or ""
        assert src.startswith("data:image/jpeg;base64,")
        out.append(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))
    return out


def test_demo_sections_and_counts_match_json(tmp_path: Path) -> None:
    demo = demo_dataset(tmp_path / "demo")
    code, text, _ = html_report(demo)
    expected = lint_json(demo)
    assert code == 1
    page = Page(text)
    assert {"summary", "rules-fired", "datasets", "files", "rules", "js-errors"} <= page.ids()
    s = expected["summary"]
    for name in ("files", "errors", "warnings", "fixable"):
        card = re.search(rf'id="sum-{name}"><b>([\d,]+)</b>', text)
        assert card is not None and int(card.group(1).replace(",", "")) == s[name]
    counts = Counter(d["code"] for d in expected["diagnostics"])
    rows = Counter(a["data-c"] for a in page.all("tr", class_="d"))
    assert rows == counts
    table = {a["data-c"] for a in page.all("tr", class_="rule")}
    assert table == set(counts)
    for code_, n in counts.items():
        assert re.search(rf'<tr class="rule" data-c="{code_}">.*?<td class="n">{n}</td>', text)
        assert f'id="rule-{code_}"' in text  # its explanation is in the page
    for a in page.all("a"):
        assert a["href"] is not None and a["href"][1:] in page.ids()  # every link is local
    # the CVAT manifest's image sizes, as its media checks probed them
    cvat = re.search(r'<h3>cvat/manifest.jsonl</h3>(.*?)</div>', text)
    assert cvat is not None and "Image sizes (4 images probed)" in cvat.group(1)
    assert "<title>24x32: 1 (25.0%)</title>" in cvat.group(1)
    # the source line of a problem is shown
    assert "s3://example-bucket/circuitboard/train/normal/train-normal_5.jpg,scratch" in text


def test_page_loads_nothing(tmp_path: Path) -> None:
    code, text, _ = html_report(media_dataset(tmp_path / "ds"))
    page = Page(text)
    assert page.all("link") == [] and "@import" not in text and "url(" not in text
    for _tag, attrs in page.tags:
        for name in ("src", "href", "action", "srcset"):
            value = attrs.get(name)
            assert value is None or value.startswith(("#", "data:image/")), (name, value)
    policy = page.all("meta", **{"http-equiv": "Content-Security-Policy"})
    assert policy and "default-src 'none'" in (policy[0]["content"] or "")
    assert len(page.all("script")) == 2


def test_clean_dataset(tmp_path: Path) -> None:
    code, text, _ = html_report(clean_dataset(tmp_path / "clean"))
    assert code == 0
    assert "All checks passed." in text
    assert 'class="d"' not in text and 'id="rules-fired"' not in text
    assert "note: 3 media references not checked" in text  # the notes are there


def test_pictures_masks_and_legend(tmp_path: Path) -> None:
    code, text, _ = html_report(media_dataset(tmp_path / "ds"))
    page = Page(text)
    rows = {a["data-c"] for a in page.all("tr", class_="d")}
    assert {"LFV405", "LFV407", "LFV408", "LFV401", "CSV203"} <= rows
    thumbs = thumbnails(page)
    assert len(thumbs) == 4  # LFV405 image, LFV407 and LFV408 masks over images, CSV203
    assert all(max(t.size) <= 160 for t in thumbs)
    lfv408 = text[text.index('class="d" data-c="LFV408"'):]
    lfv408 = lfv408[:lfv408.index("</tr>")]
    # the colour map's legend, and the colour the mask holds that the map does not name
    assert "#23a436 scratch" in lfv408 and "#1f77b4 dent" in lfv408
    assert "#ff00ff not in the colour map (5,600 px)" in lfv408
    lfv401 = text[text.index('class="d" data-c="LFV401"'):]
    assert "image not shown: not found" in lfv401[:lfv401.index("</tr>")]
    # the mask really is blended over its image: magenta appears in the LFV408 picture
    img = next(t for t in thumbs if any(
        c[1][0] > 120 and c[1][1] < 80 and c[1][2] > 120
        for c in (t.convert("RGB").getcolors(1 << 16) or [])))
    assert img.size == (160, 120)


def test_charts_per_file(tmp_path: Path) -> None:
    _, text, _ = html_report(media_dataset(tmp_path / "ds"))
    charts = re.findall(r'<div class="chart"><h3>(.*?)</h3>(.*?)</div>', text)
    by_file = dict(charts)
    assert set(by_file) == {"labels/train.csv", "seg/train.manifest"}
    seg = by_file["seg/train.manifest"]
    assert "Class balance (8 images)" in seg and "Image sizes (8 images probed)" in seg
    assert "<title>256x192: 7 (87.5%)</title>" in seg
    assert "<title>200x150: 1 (12.5%)</title>" in seg
    assert "<title>normal: 5 (62.5%)</title>" in seg
    csv = by_file["labels/train.csv"]
    assert "<title>scratch: 1 (25.0%)</title>" in csv


def test_thumbnail_limit_and_more_line(tmp_path: Path) -> None:
    ds = media_dataset(tmp_path / "ds")
    csv = ds / "labels" / "train.csv"
    csv.write_text("".join(f"gone{i}.jpg,normal\n" for i in range(7)) + "a.jpg,normal\n")
    _, text, _ = html_report(ds, "--html-thumbnails", "2", "--select", "LFV401")
    page = Page(text)
    figures = [a for a in page.all("div", class_="nopic")]
    assert len(figures) == 2
    assert "and 5 more without one" in text
    assert re.search(r'data-c="LFV401">.*?<td>2 \(and 5 more\)</td>', text)
    _, text, _ = html_report(ds, "--html-thumbnails", "0")
    assert "<img" not in text and 'class="pics"' not in text


def test_no_media_means_no_pictures(tmp_path: Path) -> None:
    _, text, _ = html_report(media_dataset(tmp_path / "ds"), "--no-media")
    assert "<img" not in text
    assert "Image sizes: not probed (--no-media)" in text
    assert re.search(r'data-c="CSV203">.*?<td>none: --no-media</td>', text)


def test_thumbnails_are_cached(tmp_path: Path) -> None:
    ds = media_dataset(tmp_path / "ds")
    out = tmp_path / "r.html"
    cache = tmp_path / "cache"
    for _ in range(2):
        r = run_cli("lint", ".", "--format", "html", "-o", out, "--cache-dir", cache, cwd=ds)
        assert r.code == 1, r.stderr
    shards = [json.loads(p.read_text()) for p in cache.rglob("*.json")]
    keys = [k for s in shards for k in s if k.startswith(("thumb160", "overlay160"))]
    assert len(keys) == 4  # two images (CSV203, LFV405), two masks over images (LFV407, 408)
    assert text_of(out).count("data:image/jpeg") == 4


def text_of(p: Path) -> str:
    return p.read_text(encoding="utf-8")


HOSTILE_NAME = "<img src=x onerror=alert(1)>&amp;\"'.csv"
HOSTILE_LABEL = "</code><script>alert(2)</script><b onmouseover=alert(3)>"


def test_no_html_injection_from_names_and_labels(tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    ds.mkdir()
    board(ds / "x.jpg")
    (ds / HOSTILE_NAME).write_text(f"x.jpg,{HOSTILE_LABEL}\n<svg onload=alert(4)>.jpg,normal\n",
                                   encoding="utf-8")
    code, text, _ = html_report(ds)
    assert code == 1
    page = Page(text)
    # no element or attribute came from the data: only the page's own two scripts, no
    # event handler anywhere, every image a data: URI
    assert len(page.all("script")) == 2
    assert [(t, k) for t, a in page.tags for k in a if k.startswith("on")] == []
    assert page.all("svg", onload="alert(4)") == []
    assert all((a["src"] or "").startswith("data:image/jpeg") for a in page.all("img"))
    # the text is there, as text
    shown = "".join(page.text)
    assert HOSTILE_NAME in shown and HOSTILE_LABEL in shown
    for raw in (HOSTILE_NAME, HOSTILE_LABEL, "<svg onload"):
        assert raw not in text
    # the class chart escapes the label too
    assert "&lt;/code&gt;&lt;script&gt;" in text


def test_fix_format_html(tmp_path: Path) -> None:
    demo = demo_dataset(tmp_path / "demo")
    out = tmp_path / "fix.html"
    r = run_cli("fix", ".", "--format", "html", "-o", out, "--no-cache", cwd=demo)
    assert r.code == 1 and r.stdout == ""
    text = text_of(out)
    assert 'id="sum-fixed"><b>9</b>fixed' in text
    assert "fixed 5 problems" in text and "fixed 4 problems" in text
    assert "fixed 5 problems in train.csv" in r.stderr


def test_rows_per_rule_are_bounded(tmp_path: Path) -> None:
    ds = tmp_path / "big"
    ds.mkdir()
    n = MAX_ROWS_PER_RULE + 300
    (ds / "train.csv").write_text(
        "".join(f"s3://bucket-1/img{i}.jpg,cls{i % 3}\n" for i in range(n)), encoding="utf-8")
    code, text, _ = html_report(ds)
    assert code == 1
    assert text.count('<tr class="d"') == MAX_ROWS_PER_RULE
    assert "and 300 more CSV203 problems in this file" in text
    assert len(text.encode()) < 700_000


def _pair_results(tmp_path: Path) -> list[FileResult]:
    """Two CSV files whose second lists a renamed copy of the first's image; the dataset
    pass (issue 15) reports it as ``(also in PATH:LINE)``, built here by hand."""
    for name, hue in (("a.jpg", 0), ("b.jpg", 90), ("a_copy.jpg", 0)):
        board(tmp_path / name, hue=hue)
    (tmp_path / "train.csv").write_text("b.jpg,normal\na.jpg,anomaly\n", encoding="utf-8")
    (tmp_path / "test.csv").write_text("a_copy.jpg,anomaly\n", encoding="utf-8")
    d = Diagnostic("test.csv", 1, 1, "DS202", "dataset-content-leakage", Severity.ERROR,
                   "image 'a_copy.jpg' has the same bytes as training image 'a.jpg' "
                   "(also in train.csv:2); a renamed copy leaks into the test split: "
                   "remove one of them")
    return [FileResult(tmp_path / "train.csv", "train.csv", "csv", []),
            FileResult(tmp_path / "test.csv", "test.csv", "csv", [d])]


def test_duplicate_pairs_side_by_side(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    results = _pair_results(tmp_path)
    opts = ReportOptions(config=load_config(None, tmp_path), settings=Settings(jobs=1))
    out = io.StringIO()
    render(results, Summary.of(results), out, False, opts)
    text = out.getvalue()
    row = text[text.index('class="d" data-c="DS202"'):]
    row = row[:row.index("</tr>")]
    page = Page(row)
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", row)
    assert captions == ["train.csv:2<br>a.jpg", "test.csv:1<br>a_copy.jpg"]
    imgs = thumbnails(page)
    assert len(imgs) == 2 and imgs[0].size == imgs[1].size
    # the two copies are the same picture; the other row's image (b.jpg) is not shown
    assert page.all("img")[0]["src"] == page.all("img")[1]["src"]


def test_pair_whose_other_file_is_not_reachable(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    results = _pair_results(tmp_path)[1:]
    results[0].diagnostics[0].message = "same bytes (also in elsewhere/gone.csv:7)"
    opts = ReportOptions(config=load_config(None, tmp_path), settings=Settings(jobs=1))
    out = io.StringIO()
    render(results, Summary.of(results), out, False, opts)
    assert out.getvalue().count("<figure>") == 1


def test_broken_mask_still_shows_the_image(tmp_path: Path) -> None:
    ds = media_dataset(tmp_path / "ds")
    (ds / "media" / "masks" / "s1.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    _, text, _ = html_report(ds)
    row = text[text.index('class="d" data-c="LFV406"'):]
    row = row[:row.index("</tr>")]
    assert len(Page(row).all("img")) == 1
    assert "mask not drawn: cannot be decoded" in row


def test_files_not_linted_are_listed(tmp_path: Path) -> None:
    ds = clean_dataset(tmp_path / "clean")
    (ds / "readme.txt").write_text("not a label file\n", encoding="utf-8")
    out = tmp_path / "r.html"
    r = run_cli("lint", ".", "readme.txt", "--format", "html", "-o", out, "--no-cache", cwd=ds)
    assert r.code == 0, r.stderr
    section = re.search(r'<section id="not-linted">(.*?)</section>', text_of(out))
    assert section is not None and "readme.txt: " in section.group(1)


def test_csv_with_its_sibling_manifest(tmp_path: Path) -> None:
    """Linting a CSV alone also checks the manifest beside it (for its sync)."""
    (tmp_path / "train.csv").write_text("s3://bucket/a.jpg,anomaly\n", encoding="utf-8")
    (tmp_path / "train.manifest").write_text(
        lfv_line("s3://bucket/a.jpg", "normal") + "\n", encoding="utf-8")
    out = tmp_path / "r.html"
    r = run_cli("lint", "train.csv", "--format", "html", "-o", out, "--no-cache",
                cwd=tmp_path)
    assert r.code == 1, r.stderr
    page = Page(text_of(out))
    assert [a["data-c"] for a in page.all("tr", class_="d")] == ["LFV503"]


def test_many_thumbnails_through_worker_processes(tmp_path: Path) -> None:
    """Enough pictures for the media executor to start a process pool (``-j 2``)."""
    ds = tmp_path / "many"
    for i in range(40):
        board(ds / f"img{i}.jpg", (96, 72), hue=i)
    (ds / "train.csv").write_text("".join(f"img{i}.jpg,scratch\n" for i in range(40)),
                                  encoding="utf-8")
    _, text, _ = html_report(ds, "--html-thumbnails", "40", "-j", "2", "--select", "CSV203")
    page = Page(text)
    assert len(page.all("img")) == 40
    assert all(t.size == (96, 72) for t in thumbnails(page))
    assert len(text.encode()) < 40 * 10_000 + 100_000  # pictures are small JPEGs


def test_baseline_hides_everything(tmp_path: Path) -> None:
    demo = demo_dataset(tmp_path / "demo")
    assert run_cli("lint", ".", "--write-baseline", "b.json", "--no-cache", cwd=demo).code == 0
    code, text, _ = html_report(demo, "--baseline", "b.json")
    assert code == 0
    # 28: the demo's 27 per-file problems and its train/test leak (DS101)
    assert "No new problems." in text and 'id="sum-baselined"><b>28</b>' in text
    assert 'class="d"' not in text


def test_hostile_colour_map_in_the_legend(tmp_path: Path) -> None:
    ds = media_dataset(tmp_path / "ds")
    manifest = ds / "seg" / "train.manifest"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    obj = json.loads(lines[7])  # s3.jpg: its mask has the wrong size (LFV407)
    obj["anomaly-mask-ref-metadata"]["internal-color-map"]["1"] = {
        "class-name": "<img src=x onerror=alert(5)>",
        "hex-color": "#23a436;background:url(http://evil.example/x)"}
    lines[7] = json.dumps(obj)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, text, _ = html_report(ds)
    row = text[text.index('class="d" data-c="LFV407"'):]
    row = row[:row.index("</tr>")]
    assert "&lt;img src=x onerror=alert(5)&gt;" in row and "<img src=x" not in row
    # data never reaches CSS: every style attribute is a plain colour, or none
    styles = [a["style"] for _t, a in Page(text).tags if "style" in a]
    assert styles and all(re.fullmatch(r"background:(#[0-9a-f]{6}|transparent)", v or "")
                          for v in styles)
    assert 'style="background:transparent"' in row
    assert all("url(" not in block for block in re.findall(r"<style[^>]*>(.*?)</style>",
                                                           text, re.S))
