"""The HTML report in a real browser: headless Chromium (Debian's ``chromium`` package)
opens the demo dataset's report and a report with pictures; the page must run its scripts
without an error (the page writes script errors into the DOM; the browser's console log
is checked too, CSP refusals included), and the screenshot must not be blank.

Screenshots are kept under ``tests/artifacts/`` (ignored by git). Without Chromium the test
is skipped, except under CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT, run_cli
from tests.html_datasets import media_dataset
from tests.report_datasets import demo_dataset

ARTIFACTS = ROOT / "tests" / "artifacts"
BROWSERS = ("chromium", "chromium-browser")


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; CI must install it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def _chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--disable-extensions", "--disable-background-networking",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False,
                          errors="replace")


CONSOLE_PROBLEM = re.compile(r"CONSOLE.*(Uncaught|Refused|Error)|Content.Security.Policy",
                             re.IGNORECASE)


def _open(report: Path, tmp: Path, name: str, fragment: str = "") -> tuple[str, Path]:
    """Load ``report`` headless: its DOM after the scripts ran, and a screenshot."""
    browser = _browser()
    url = report.resolve().as_uri() + fragment
    dom = _chromium(browser, tmp / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = tmp / f"{name}.png"
    snap = _chromium(browser, tmp / "profile-shot", "--window-size=1000,1600",
                     f"--screenshot={shot}", url)
    assert snap.returncode == 0 and shot.is_file(), snap.stderr[-2000:]
    problems = [ln for ln in (dom.stderr + snap.stderr).splitlines()
                if CONSOLE_PROBLEM.search(ln)]
    assert problems == []
    ARTIFACTS.mkdir(exist_ok=True)
    kept = ARTIFACTS / shot.name
    shutil.copyfile(shot, kept)
    print(f"screenshot: {kept}")
    return dom.stdout, shot


def _not_blank(shot: Path) -> None:
    with Image.open(shot) as img:
        rgb = img.convert("RGB")
        assert rgb.width >= 900 and rgb.height >= 1000
        colours = rgb.getcolors(1 << 16)
        assert colours is None or len(colours) > 50, "the screenshot is (nearly) one colour"


def _ran_clean(dom: str) -> None:
    html_tag = re.search(r"<html[^>]*>", dom)
    assert html_tag is not None
    assert 'data-ready="1"' in html_tag.group(), "the page's script did not run to the end"
    assert "data-js-errors" not in html_tag.group()
    assert re.search(r'<pre id="js-errors" hidden="">\s*</pre>', dom)


def test_demo_report_renders_in_chromium(tmp_path: Path) -> None:
    demo = demo_dataset(tmp_path / "demo")
    report = tmp_path / "demo-report.html"
    res = run_cli("lint", demo, "--format", "html", "-o", report, "--no-cache")
    assert res.code == 1 and report.is_file(), res.stderr
    dom, shot = _open(report, tmp_path, "html-demo")
    _ran_clean(dom)
    _not_blank(shot)
    assert 'id="summary"' in dom and 'id="rules-fired"' in dom


def test_pictures_and_filter_in_chromium(tmp_path: Path) -> None:
    ds = media_dataset(tmp_path / "ds")
    report = tmp_path / "media-report.html"
    res = run_cli("lint", ".", "--format", "html", "-o", report, "--no-cache", cwd=ds)
    assert res.code == 1 and report.is_file(), res.stderr
    dom, shot = _open(report, tmp_path, "html-media", "#only=LFV408")
    _ran_clean(dom)
    _not_blank(shot)
    # the script applied the filter named in the link: only LFV408 rows stay visible
    style = re.search(r'<style id="filter-style">(.*?)</style>', dom, re.S)
    assert style is not None and '.d:not([data-c="LFV408"])' in style.group(1)
    assert 'article.rule:not([data-c="LFV408"])' in style.group(1)
    assert re.search(r'<tr class="rule on" data-c="LFV408">', dom)
    assert "Showing LFV408 only" in dom
    assert dom.count('src="data:image/jpeg;base64,') == 4  # CSV203, LFV405, LFV407, LFV408
