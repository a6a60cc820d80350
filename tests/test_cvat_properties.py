"""Property test for CVAT manifests: generated and mutated manifests never crash the
checker, every diagnostic points at an existing line, and `fix` (without media) converges,
is idempotent and keeps every record, pretty-printed ones (spread over lines) included."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from manifest_lint.config import load_config
from manifest_lint.discovery import Target
from manifest_lint.engine import Selection, Settings, lint_file
from manifest_lint.runner import fix_target
from tests.conftest import damage, physical_lines

SUM = "0123456789abcdef0123456789abcdef"
RECORDS = [
    {"name": "a", "extension": ".jpg", "width": 4, "height": 3,
     "meta": {"related_images": []}, "checksum": SUM},
    {"name": "sub/b", "extension": ".png", "width": 8, "height": 8},
    {"extension": ".png", "name": "c", "height": 2, "width": 2, "checksum": SUM.upper()},
    {"name": "d\\e", "extension": ".jpg", "width": 1, "height": 1},
    {"name": "../x", "extension": ".jpg", "width": 1, "height": 1},
    {"name": "f.jpg", "extension": ".jpg", "width": "1", "height": None},
    {"name": "g", "extension": ".pcd", "meta": {"related_images": ["g/ctx.png"]}},
    {"name": "déjà", "extension": ".jpg", "width": 1, "height": 1, "meta": []},
    {"number": 0, "pts": 0, "checksum": SUM},
]
HEADERS = [
    ['{"version":"1.1"}', '{"type":"images"}'],
    ['{"version": "1.0"}', '{"type": "images"}'],
    ['{"version":1.1}', '{"type":"images"}'],
    ['{"type":"images"}'],
    ['{"version":"1.1","type":"images"}'],
    ['{"version":"1.1"}', '{"type":"video"}',
     '{"properties":{"name":"v.mp4","resolution":[4,3],"length":20}}'],
]


@st.composite
def manifests(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A manifest, and the pretty-printed records in it (each as its lines joined by LF)."""
    lines = list(draw(st.sampled_from(HEADERS)))
    pretty: list[str] = []
    for rec in draw(st.lists(st.sampled_from(RECORDS), max_size=8)):
        style = draw(st.integers(0, 3))
        if style == 0:
            lines.append(json.dumps(rec, separators=(",", ":")))
        elif style == 1:
            lines.append(json.dumps(rec, ensure_ascii=False))
        elif style == 2:
            lines.append("")
        else:
            lines.append(json.dumps(rec, indent=1))  # spread over lines
            pretty.append(lines[-1])
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = ending.join(lines)
    if draw(st.booleans()):  # else the lines of a pretty-printed record end with LF
        text = text.replace("\n", ending)
    text += ending if draw(st.booleans()) else ""
    data = damage(draw, text.encode(), [0x22, 0x7B, 0x7D, 0x0A, 0xFF, 0x00, 0x2C])
    return data, pretty


def _lines(data: bytes) -> list[str]:
    """The physical lines of ``data`` (any line ends, BOM dropped), decoded leniently."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _holds(lines: list[str], block: list[str]) -> bool:
    """Whether ``block`` appears in ``lines`` as consecutive lines."""
    return any(lines[i:i + len(block)] == block for i in range(len(lines) - len(block) + 1))


def objects(data: bytes) -> Counter[str]:
    """The JSON objects of the file (one per line), normalised for comparison."""
    out: Counter[str] = Counter()
    for line in data.decode("utf-8", "replace").lstrip("\ufeff").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and not ({"version", "type", "properties"} & set(obj)):
            # `fix` turns backslashes in names into "/" (CVAT does the same).
            name = str(obj.get("name", "")).replace("\\", "/")
            out[name + str(obj.get("extension", ""))] += 1
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests())
def test_lint_and_fix_never_crash_or_lose_records(manifest: tuple[bytes, list[str]]) -> None:
    data, pretty = manifest
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "manifest.jsonl"
        p.write_bytes(data)
        cfg, s = load_config(None, p), Settings(no_media=True)
        sel = Selection(cfg, s)
        diags = lint_file(p, p.name, "cvat", cfg, s, sel)
        n = max(physical_lines(data), 1)
        assert all(d.code != "ML002" for d in diags), diags
        assert all(1 <= d.line <= n for d in diags), (diags, n)
        out = fix_target(Target(p, p.name, "cvat", True), cfg, s, sel, diff=False)
        assert all(d.code != "ML002" for d in out.result.diagnostics)
        assert not any(d.fixable for d in out.result.diagnostics)
        after = p.read_bytes()
        again = fix_target(Target(p, p.name, "cvat", True), cfg, s, sel, diff=False)
        assert p.read_bytes() == after and again.result.fixed == 0
        # Records are rewritten, never dropped: every parsed record is still there.
        assert objects(after) >= objects(data)
        # A pretty-printed record is not valid JSON Lines and nothing can fix it safely:
        # its lines survive as they were (unless the damage hit them).
        before_lines, after_lines = _lines(data), _lines(after)
        for text in pretty:
            block = text.split("\n")
            if _holds(before_lines, block):
                event("a pretty-printed record went through fix")
                assert _holds(after_lines, block), (block, after)
