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
from tests.conftest import lint_diagnostics, lint_file_codes, run_cli


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


# --------------------------------------------------------------------------- context images

def cvat_context_2d(image: Path, root: Path) -> list[str]:
    """CVAT's ``_detect_related_images_2D`` for one image: every entry of
    ``related_images/<stem>_<ext>/`` whose name is an image's (``os.listdir``), sorted."""
    folder = image.parent / "related_images" / "_".join(image.name.rsplit(".", 1))
    if not folder.is_dir():
        return []
    entries = [os.path.join(folder, e) for e in os.listdir(folder)]
    return sorted(os.path.relpath(e, root) for e in entries if is_image(e))


def test_context_images_are_listed_like_cvat(tmp_path: Path) -> None:
    root = tmp_path / "data"
    make_jpeg(root / "a.jpg")
    context = root / "related_images" / "a_jpg"
    make_png(context / "left.png", size=(8, 8))
    (context / "broken.jpg").symlink_to(tmp_path / "gone.jpg")  # a broken link
    (context / "folder.png").mkdir()  # a folder with an image's name
    make_png(context / ".hidden.png", size=(8, 8))
    (context / "notes.txt").write_text("x")
    make_jpeg(root / "my_related_images" / "b.jpg")  # CVAT drops it: 'related_images/'
    make_jpeg(root / "related_images" / "c.jpg")  # not a frame, belongs to no image
    create_manifest(root, root, jobs=1)
    manifest = root / "manifest.jsonl"
    related = cvat_context_2d(root / "a.jpg", root)
    assert related == ["related_images/a_jpg/.hidden.png", "related_images/a_jpg/broken.jpg",
                       "related_images/a_jpg/folder.png", "related_images/a_jpg/left.png"]
    assert manifest.read_bytes() == cvat_manifest(root, {"a.jpg": related})
    found = lint_diagnostics(manifest, kind="cvat", deep=True)
    # the broken link is listed (as CVAT lists it) and is missing; the two files CVAT's tool
    # skips are unlisted, each with what is wrong with it
    assert [(d.code, d.line) for d in found] == [("CVAT402", 1), ("CVAT402", 1),
                                                ("CVAT404", 3)]
    mine, stray = found[0].message, found[1].message
    assert "'my_related_images/b.jpg'" in mine and "never takes it as a frame" in mine
    assert "'related_images/c.jpg'" in stray and "rename the folder" in stray
    assert "regenerate" not in mine + stray


def test_context_image_without_its_image_is_explained(tmp_path: Path) -> None:
    root = tmp_path / "data"
    make_jpeg(root / "a.jpg")
    make_jpeg(root / "related_images" / "gone_jpg" / "ctx.jpg")
    create_manifest(root, root, jobs=1)
    found = lint_diagnostics(root / "manifest.jsonl", kind="cvat")
    assert [(d.code, d.line) for d in found] == [("CVAT402", 1)]
    assert "the manifest lists no image 'gone.jpg'" in found[0].message
    assert "regenerate" not in found[0].message
    r = run_cli("lint", "-f", "json", root / "manifest.jsonl")
    [only] = json.loads(r.stdout)["diagnostics"]
    assert (only["code"], only["line"], only["message"]) == ("CVAT402", 1, found[0].message)


def test_point_cloud_context_lists_every_entry_like_cvat(tmp_path: Path) -> None:
    root = tmp_path / "data"
    scene = root / "s1"
    scene.mkdir(parents=True)
    (scene / "s1.pcd").write_bytes(b"pcd")
    make_png(scene / "cam.png", size=(8, 8))
    (scene / "dir.jpg").mkdir()
    create_manifest(root, root, jobs=1)
    lines = (root / "manifest.jsonl").read_text().splitlines()
    assert lines[2] == ('{"name":"s1/s1","extension":".pcd","meta":{"related_images":'
                        '["s1/cam.png","s1/dir.jpg"]}}')


# --------------------------------------------------------------------------- globs

def test_a_glob_that_matches_a_folder_fails_like_cvat(tmp_path: Path) -> None:
    root = tmp_path / "data"
    make_jpeg(root / "a.jpg")
    (root / "d.jpg").mkdir()
    with pytest.raises(CreateError, match=r"d\.jpg: a folder, not a file"):
        create_manifest(f"{root}/*.jpg", tmp_path, jobs=1)
    assert not (tmp_path / "manifest.jsonl").exists()


# --------------------------------------------------------------------------- video

def test_force_with_no_key_frame_that_seeks_back_fails_on_purpose(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CVAT's tool writes a header-only manifest and exits 0; CVAT rejects that manifest
    (CVAT105), so we refuse it, and say so in `create cvat --help` and the README."""
    from types import SimpleNamespace

    from manifest_lint.media import video as video_module
    from tests.conftest import FIXTURES, ROOT

    def elsewhere(container: object, stream: object, pts: int) -> object:
        return SimpleNamespace(pts=pts, to_image=lambda: Image.new("RGB", (64, 48)))

    monkeypatch.setattr(video_module, "_frame_after_seek", elsewhere)
    clip = FIXTURES / "cvat" / "golden" / "clip.mp4"
    with pytest.raises(CreateError, match="no key frame can be seeked back"):
        create_manifest(clip, tmp_path, force=True)
    assert not (tmp_path / "manifest.jsonl").exists()
    help_text = " ".join(run_cli("create", "cvat", "--help").stdout.split())
    readme = " ".join((ROOT / "README.md").read_text().split())
    for text in (help_text, readme):
        assert "header-only manifest and exits 0" in text
        assert "tests the absolute path" in text
