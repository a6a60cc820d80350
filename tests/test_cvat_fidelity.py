"""`create cvat` and `lint` against what CVAT's own tool does on unusual but real inputs:
EXIF orientation stored as a RATIONAL, images past Pillow's pixel limit, context images,
globs that match folders, videos whose key frames never seek back."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from media_factory import make_jpeg, make_png
from PIL import Image

from manifest_lint.kinds.cvat.create import create_manifest
from manifest_lint.kinds.cvat.sources import CreateError, is_image
from tests.conftest import lint_diagnostics, lint_file_codes


def cvat_record(path: Path, root: Path, related: list[str]) -> str:
    """The line CVAT's tool writes for one image (its algorithm, spec section 2)."""
    with Image.open(path) as img:
        width, height = img.size
        if img.getexif().get(274, 1) > 4:
            width, height = height, width
        checksum = hashlib.md5(img.tobytes()).hexdigest()
    name, extension = os.path.splitext(os.path.relpath(path, root))
    record = {"name": name.replace("\\", "/"), "extension": extension, "width": width,
              "height": height, "meta": {"related_images": related}, "checksum": checksum}
    return json.dumps(record, separators=(",", ":"))


def cvat_manifest(root: Path, frames: dict[str, list[str]]) -> bytes:
    lines = ['{"version":"1.1"}', '{"type":"images"}']
    lines += [cvat_record(root / rel, root, related)
              for rel, related in sorted(frames.items(), key=lambda kv: str(root / kv[0]))]
    return "".join(line + "\n" for line in lines).encode()


def codes(manifest: Path, **kw: object) -> list[tuple[str, int]]:
    return lint_file_codes(manifest, kind="cvat", **kw)


# --------------------------------------------------------------------------- orientation

def test_rational_exif_orientation_is_written_like_cvat(tmp_path: Path) -> None:
    root = tmp_path / "data"
    make_jpeg(root / "r6.jpg", size=(40, 20), exif_orientation=(6, 1))
    make_png(root / "r3.png", size=(40, 20), exif_orientation=(3, 1))
    make_jpeg(root / "s8.jpg", size=(40, 20), exif_orientation=8)
    create_manifest(root, root, jobs=1)
    manifest = root / "manifest.jsonl"
    assert manifest.read_bytes() == cvat_manifest(
        root, {"r6.jpg": [], "r3.png": [], "s8.jpg": []})
    assert b'"name":"r6","extension":".jpg","width":20,"height":40' in manifest.read_bytes()
    assert codes(manifest, deep=True) == []


# --------------------------------------------------------------------------- large images

@pytest.fixture
def small_pixel_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)
    return 500


def test_images_past_the_pixel_limit_are_written_like_cvat(
        tmp_path: Path, small_pixel_limit: int) -> None:
    root = tmp_path / "data"
    make_png(root / "big.png", size=(40, 20))  # 800 pixels: Pillow warns, CVAT writes it
    make_png(root / "ok.png", size=(20, 20))
    create_manifest(root, root, jobs=1)
    manifest = root / "manifest.jsonl"
    with pytest.warns(Image.DecompressionBombWarning):
        expected = cvat_manifest(root, {"big.png": [], "ok.png": []})
    assert manifest.read_bytes() == expected
    for deep in (False, True):
        found = [(d.code, d.line, d.severity.value, d.message)
                 for d in lint_diagnostics(manifest, kind="cvat", deep=deep)]
        assert [f[:3] for f in found] == [("CVAT411", 3, "warning")]
        assert "800 pixels (40x20)" in found[0][3] and "(500)" in found[0][3]


def test_bombs_past_twice_the_limit_stay_refused(tmp_path: Path, small_pixel_limit: int) -> None:
    root = tmp_path / "data"
    make_png(root / "ok.png", size=(20, 20))
    create_manifest(root, root, jobs=1)
    make_png(root / "ok.png", size=(40, 30))  # 1200 pixels > 2 x 500: DecompressionBombError
    manifest = root / "manifest.jsonl"
    assert codes(manifest) == [("CVAT409", 3)]
    with pytest.raises(CreateError, match="too large to decode safely"):
        create_manifest(root, tmp_path, jobs=1)


def test_is_image_is_cvats_mime_test() -> None:
    assert is_image("a.JPG") and not is_image("a.svg") and not is_image("a.txt")
