"""CVAT media rules on real images made with Pillow and CVAT's golden video: a failing and
a passing case per rule, ``--deep``, corrupt media as diagnostics, the process pool.

The manifests the tests start from are never made by ``create cvat``: image records are
written out by hand (sizes as made, the checksum as CVAT defines it: md5 of the pixels
Pillow decodes), the video manifest is CVAT's golden one."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from manifest_lint.kinds.cvat.create import create_manifest
from tests.conftest import FIXTURES, lint_diagnostics, lint_file_codes, run_cli
from tests.media_factory import make_jpeg, make_png, truncate, write_bytes

GOLDEN = FIXTURES / "cvat" / "golden"


# --- builders ------------------------------------------------------------------------------

HEADER = '{"version":"1.1"}\n{"type":"images"}\n'


def pixels_md5(path: Path) -> str:
    """CVAT's image checksum: md5 of the pixels as Pillow decodes them (not rotated)."""
    with Image.open(path) as img:
        return hashlib.md5(img.tobytes()).hexdigest()


def record(root: Path, name: str, ext: str, width: int, height: int,
           related: tuple[str, ...] = ()) -> str:
    """The line CVAT writes for an image (sizes given by hand, after EXIF rotation)."""
    return json.dumps({"name": name, "extension": ext, "width": width, "height": height,
                       "meta": {"related_images": list(related)},
                       "checksum": pixels_md5(root / f"{name}{ext}")}, separators=(",", ":"))


def image_dataset(tmp_path: Path) -> Path:
    """A folder of images with a context image, and its manifest written by hand."""
    root = tmp_path / "data"
    make_jpeg(root / "a.jpg", size=(40, 20))
    make_png(root / "sub" / "b.png", size=(16, 12), mode="L")
    make_jpeg(root / "rot.jpg", size=(40, 20), exif_orientation=6)
    make_jpeg(root / "related_images" / "a_jpg" / "ctx.jpg", size=(8, 8))
    manifest = root / "manifest.jsonl"
    manifest.write_text(HEADER + "".join(line + "\n" for line in [
        record(root, "a", ".jpg", 40, 20, ("related_images/a_jpg/ctx.jpg",)),
        record(root, "rot", ".jpg", 20, 40),  # stored 40x20, EXIF orientation 6
        record(root, "sub/b", ".png", 16, 12),
    ]))
    return manifest


def video_dataset(tmp_path: Path) -> Path:
    """CVAT's golden clip (40 frames, a key frame every 10) and CVAT's manifest for it."""
    root = tmp_path / "clip"
    root.mkdir()
    shutil.copy(GOLDEN / "clip.mp4", root / "clip.mp4")
    shutil.copy(GOLDEN / "video.jsonl", root / "manifest.jsonl")
    return root / "manifest.jsonl"


def records(manifest: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in manifest.read_text().splitlines()]


def rewrite(manifest: Path, objs: list[dict[str, object]]) -> None:
    manifest.write_text("".join(json.dumps(o, separators=(",", ":")) + "\n" for o in objs))


def edit(manifest: Path, line: int, **changes: object) -> None:
    """Change keys of the record on ``line`` (1-based); a value of None deletes the key."""
    objs = records(manifest)
    obj = objs[line - 1]
    for k, v in changes.items():
        if v is None:
            obj.pop(k, None)
        else:
            obj[k] = v
    rewrite(manifest, objs)


def line_of(manifest: Path, name: str) -> int:
    for n, obj in enumerate(records(manifest), 1):
        if obj.get("name") == name:
            return n
    raise AssertionError(name)


def codes(manifest: Path, **kw: object) -> list[tuple[str, int]]:
    return lint_file_codes(manifest, kind="cvat", **kw)


# --- clean inputs ----------------------------------------------------------------------------

@pytest.mark.parametrize("deep", [False, True])
@pytest.mark.parametrize("name", ["images_lexicographical.jsonl", "images_natural.jsonl"])
def test_golden_image_manifests_are_clean(name: str, deep: bool) -> None:
    assert lint_file_codes(GOLDEN / name, media_root=GOLDEN / "images", deep=deep) == []


@pytest.mark.parametrize("deep", [False, True])
def test_golden_video_manifest_is_clean(deep: bool) -> None:
    assert lint_file_codes(GOLDEN / "video.jsonl", deep=deep) == []


def test_golden_manifests_are_clean_through_the_cli() -> None:
    # The two golden manifests list the same images in two orders: linted together they
    # are one CVAT group whose every image is listed twice (DS102), which is true, but not
    # what this test is about.
    r = run_cli("lint", "--deep", "--media-root", GOLDEN / "images", "-f", "json",
                "--ignore", "DS",
                GOLDEN / "images_lexicographical.jsonl", GOLDEN / "images_natural.jsonl")
    assert r.code == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["diagnostics"] == []
    r = run_cli("lint", "--deep", "--media-root", GOLDEN / "images", "-f", "json",
                GOLDEN / "images_lexicographical.jsonl", GOLDEN / "images_natural.jsonl")
    assert {d["code"] for d in json.loads(r.stdout)["diagnostics"]} == {"DS102"}
    r = run_cli("lint", "--deep", "-f", "json", GOLDEN / "video.jsonl")
    assert r.code == 0 and json.loads(r.stdout)["diagnostics"] == []


@pytest.mark.parametrize("deep", [False, True])
def test_hand_written_manifests_for_made_media_are_clean(tmp_path: Path, deep: bool) -> None:
    assert codes(image_dataset(tmp_path), deep=deep) == []


def test_without_media_golden_images_lint_from_anywhere(tmp_path: Path) -> None:
    copy = tmp_path / "m.jsonl"
    shutil.copy(GOLDEN / "images_lexicographical.jsonl", copy)
    assert codes(copy, no_media=True) == []
    assert codes(copy) == [("CVAT401", n) for n in range(3, 10)]  # no images beside it


# --- CVAT401 missing media -------------------------------------------------------------------

def test_missing_image(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    (manifest.parent / "sub" / "b.png").unlink()
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line) for d in got] == [("CVAT401", line_of(manifest, "sub/b"))]
    assert "'sub/b.png' not found" in got[0].message and "--media-root" in got[0].message


def test_media_root_option(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    moved = tmp_path / "elsewhere.jsonl"
    shutil.move(manifest, moved)
    # the names are relative to tmp_path now: not found there, and data/'s files unlisted
    assert codes(moved) == [("CVAT402", 1)] * 4 + [("CVAT401", 3), ("CVAT401", 4),
                                                    ("CVAT401", 5)]
    assert codes(moved, media_root=manifest.parent) == []


def test_missing_video(tmp_path: Path) -> None:
    manifest = video_dataset(tmp_path)
    (manifest.parent / "clip.mp4").unlink()
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line) for d in got] == [("CVAT401", 3)]
    assert "'clip.mp4' not found" in got[0].message


def test_misnamed_video_among_several_is_missing(tmp_path: Path) -> None:
    manifest = video_dataset(tmp_path)
    shutil.copy(manifest.parent / "clip.mp4", manifest.parent / "b.mp4")
    os.rename(manifest.parent / "clip.mp4", manifest.parent / "a.mp4")
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line) for d in got] == [("CVAT401", 3)]
    assert "a.mp4, b.mp4" in got[0].message


# --- CVAT402 unlisted media ------------------------------------------------------------------

def test_unlisted_image(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    make_png(manifest.parent / "sub" / "new.png")
    (manifest.parent / "notes.txt").write_text("not an image")
    make_png(manifest.parent / ".git" / "x.png")  # VCS folders and virtualenvs are skipped
    make_png(manifest.parent / "env" / "lib" / "y.png")
    (manifest.parent / "env" / "pyvenv.cfg").write_text("")
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line, d.severity.value) for d in got] == [("CVAT402", 1, "warning")]
    assert "'sub/new.png'" in got[0].message


def test_unlisted_context_image_is_added_by_fix(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    good = manifest.read_bytes()
    make_jpeg(manifest.parent / "related_images" / "a_jpg" / "ctx2.jpg", size=(8, 8))
    expected = good.replace(b'"related_images/a_jpg/ctx.jpg"',
                            b'"related_images/a_jpg/ctx.jpg","related_images/a_jpg/ctx2.jpg"')
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line, d.fixable) for d in got] == [
        ("CVAT402", line_of(manifest, "a"), True)]
    r = run_cli("fix", manifest)
    assert r.code == 0, r.stdout
    assert manifest.read_bytes() == expected != good


# --- CVAT403 sizes ---------------------------------------------------------------------------

def test_wrong_size(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    n = line_of(manifest, "a")
    edit(manifest, n, width=41)
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line, d.fixable) for d in got] == [("CVAT403", n, True)]
    assert "41x20 but 'a.jpg' is 40x20" in got[0].message


def test_exif_orientation_swaps_width_and_height(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    n = line_of(manifest, "rot")
    assert records(manifest)[n - 1]["width"] == 20  # stored 40x20, orientation 6
    edit(manifest, n, width=40, height=20)
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line) for d in got] == [("CVAT403", n)]
    assert "EXIF orientation 6" in got[0].message


# --- CVAT404 related images ------------------------------------------------------------------

def test_missing_related_image(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    n = line_of(manifest, "sub/b")
    edit(manifest, n, meta={"related_images": ["related_images/b_png/gone.jpg"]})
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line, d.fixable) for d in got] == [("CVAT404", n, True)]
    assert "'related_images/b_png/gone.jpg'" in got[0].message


# --- CVAT405 order with media ------------------------------------------------------------------

def test_sort_order_uses_the_configured_sorting(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    objs = records(manifest)
    rewrite(manifest, objs[:2] + objs[2:][::-1])
    cfg = tmp_path / "manifest-lint.toml"
    cfg.write_text('[cvat]\nsorting = "lexicographical"\n')
    assert codes(manifest, config=cfg) == [("CVAT405", 4)]
    cfg.write_text('[cvat]\nsorting = "predefined"\n')
    assert codes(manifest, config=cfg) == []


# --- CVAT406-408 video properties --------------------------------------------------------------

def test_video_renamed(tmp_path: Path) -> None:
    manifest = video_dataset(tmp_path)
    os.rename(manifest.parent / "clip.mp4", manifest.parent / "renamed.mp4")
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line, d.fixable) for d in got] == [("CVAT406", 3, True)]
    assert "'clip.mp4' but the video is 'renamed.mp4'" in got[0].message


@pytest.mark.parametrize(("change", "code"), [
    ({"resolution": [48, 64]}, "CVAT407"), ({"length": 41}, "CVAT408"),
])
def test_wrong_video_properties(tmp_path: Path, change: dict[str, object], code: str) -> None:
    manifest = video_dataset(tmp_path)
    objs = records(manifest)
    objs[2]["properties"].update(change)  # type: ignore[union-attr]
    rewrite(manifest, objs)
    got = lint_diagnostics(manifest, kind="cvat")
    assert [(d.code, d.line, d.fixable) for d in got] == [(code, 3, True)]


# --- CVAT409 unreadable media --------------------------------------------------------------------

def test_truncated_image_needs_deep(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    make_png(manifest.parent / "sub" / "b.png", size=(16, 12), mode="L")
    truncate(manifest.parent / "sub" / "b.png", 0.6)
    n = line_of(manifest, "sub/b")
    assert codes(manifest) == []  # the header is intact
    got = lint_diagnostics(manifest, kind="cvat", deep=True)
    assert [(d.code, d.line) for d in got] == [("CVAT409", n)]
    assert "'sub/b.png' cannot be read" in got[0].message


@pytest.mark.parametrize("data", [b"", b"this is not an image\n"])
def test_empty_or_fake_image(tmp_path: Path, data: bytes) -> None:
    manifest = image_dataset(tmp_path)
    write_bytes(manifest.parent / "a.jpg", data)
    assert codes(manifest) == [("CVAT409", line_of(manifest, "a"))]


def _png_with_header(path: Path, width: int, height: int, *, good_crc: bool) -> None:
    """A PNG whose IHDR claims ``width`` x ``height`` (with a right or a wrong CRC)."""
    import struct
    import zlib

    make_png(path, size=(4, 4))
    data = bytearray(path.read_bytes())
    ihdr = 8 + 8  # signature, then length + type of the IHDR chunk
    data[ihdr:ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:ihdr + 13]))
    data[ihdr + 13:ihdr + 17] = struct.pack(">I", crc if good_crc else crc ^ 0xFFFF)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("width", "height", "good_crc", "expected"),
    [
        (4, 4, False, "cannot be read"),  # a damaged chunk (bad CRC)
        (60_000, 60_000, True, "decompression bomb"),  # 3.6 gigapixels: never allocated
    ],
)
def test_damaged_png_and_decompression_bomb_are_diagnostics(
    tmp_path: Path, width: int, height: int, good_crc: bool, expected: str
) -> None:
    manifest = image_dataset(tmp_path)
    _png_with_header(manifest.parent / "sub" / "b.png", width, height, good_crc=good_crc)
    for deep in (False, True):
        got = lint_diagnostics(manifest, kind="cvat", deep=deep)
        assert [(d.code, d.line) for d in got] == [("CVAT409", line_of(manifest, "sub/b"))]
        assert expected.lower() in got[0].message.lower(), got[0].message


def test_corrupt_video(tmp_path: Path) -> None:
    manifest = video_dataset(tmp_path)
    write_bytes(manifest.parent / "clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"junk" * 100)
    for deep in (False, True):
        got = lint_diagnostics(manifest, kind="cvat", deep=deep)
        assert [(d.code, d.line) for d in got] == [("CVAT409", 3)]
        assert "'clip.mp4' cannot be used" in got[0].message


# --- CVAT410 outside the media folder ------------------------------------------------------------

def _link_out(manifest: Path, tmp_path: Path) -> None:
    """Replace a.jpg and its context image by links into a cache outside the dataset."""
    cache = tmp_path / "dvc-cache"
    for rel in ("a.jpg", "related_images/a_jpg/ctx.jpg"):
        target = manifest.parent / rel
        stored = cache / rel.replace("/", "_")
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(target, stored)
        target.symlink_to(stored)


def test_symlinks_out_of_the_dataset_are_followed_as_cvat_does(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    before = manifest.read_bytes()
    _link_out(manifest, tmp_path)
    assert codes(manifest, deep=True) == []
    assert codes(manifest) == []
    create_manifest(manifest.parent, manifest.parent)  # what create writes for the links
    assert manifest.read_bytes() == before
    r = run_cli("lint", "--deep", manifest)
    assert r.code == 0, r.stdout + r.stderr


def test_links_inside_reports_symlinks_out_of_the_dataset(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    _link_out(manifest, tmp_path)
    config = tmp_path / "manifest-lint.toml"
    config.write_text('[cvat]\nlinks = "inside"\n')
    assert codes(manifest, deep=True, config=config) == [("CVAT410", line_of(manifest, "a"))]
    a = manifest.parent / "a.jpg"
    a.unlink()
    a.symlink_to(manifest.parent / "sub" / "b.png")  # inside: fine, but a 16x12 PNG
    assert codes(manifest, config=config) == [("CVAT403", line_of(manifest, "a")),
                                              ("CVAT410", line_of(manifest, "a"))]


def test_symlinked_video_out_of_the_dataset_is_followed(tmp_path: Path) -> None:
    manifest = video_dataset(tmp_path)
    video = manifest.parent / "clip.mp4"
    stored = tmp_path / "cache.mp4"
    shutil.move(video, stored)
    video.symlink_to(stored)
    assert codes(manifest, deep=True) == []


def test_unsafe_names_are_never_opened(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    make_jpeg(tmp_path / "escape.jpg")
    edit(manifest, line_of(manifest, "a"), name="../escape")
    # no CVAT401/CVAT409 for ../escape.jpg; a.jpg and its context image are unlisted now
    assert codes(manifest) == [("CVAT402", 1), ("CVAT402", 1), ("CVAT208", 3)]


# --- CVAT207 with media ------------------------------------------------------------------------

def test_double_extension_is_fine_when_the_file_exists(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    n = line_of(manifest, "a")
    os.rename(manifest.parent / "a.jpg", manifest.parent / "a.jpg.jpg")
    os.rename(manifest.parent / "related_images" / "a_jpg",
              manifest.parent / "related_images" / "a.jpg_jpg")
    edit(manifest, n, name="a.jpg",
         meta={"related_images": ["related_images/a.jpg_jpg/ctx.jpg"]})
    assert codes(manifest) == []
    assert codes(manifest, no_media=True) == [("CVAT207", n)]
    os.rename(manifest.parent / "a.jpg.jpg", manifest.parent / "a.jpg")
    assert codes(manifest) == [("CVAT402", 1), ("CVAT207", n), ("CVAT401", n)]


# --- CVAT5xx --deep ----------------------------------------------------------------------------

def test_wrong_image_checksum_needs_deep(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    n = line_of(manifest, "sub/b")
    edit(manifest, n, checksum="f" * 32)
    assert codes(manifest) == []
    got = lint_diagnostics(manifest, kind="cvat", deep=True)
    assert [(d.code, d.line, d.fixable) for d in got] == [("CVAT501", n, True)]


def test_wrong_key_frame_checksum(tmp_path: Path) -> None:
    manifest = video_dataset(tmp_path)
    edit(manifest, 5, checksum="0" * 32)
    assert codes(manifest) == []
    assert codes(manifest, deep=True) == [("CVAT501", 5)]


def test_key_frame_with_wrong_number(tmp_path: Path) -> None:
    manifest = video_dataset(tmp_path)
    edit(manifest, 5, number=11)
    got = lint_diagnostics(manifest, kind="cvat", deep=True)
    assert [(d.code, d.line) for d in got] == [("CVAT502", 5), ("CVAT503", 7)]
    assert "frame 11 has pts" in got[0].message and "is frame 10" in got[0].message
    assert codes(manifest) == []  # only --deep decodes key frames


def test_key_frame_that_does_not_seek_back(tmp_path: Path) -> None:
    manifest = video_dataset(tmp_path)
    objs = records(manifest)
    step = objs[4]["pts"] // objs[4]["number"]  # type: ignore[operator]
    objs.insert(4, {"number": 5, "pts": 5 * step, "checksum": "0" * 32})
    rewrite(manifest, objs)
    got = lint_diagnostics(manifest, kind="cvat", deep=True)
    assert [(d.code, d.line) for d in got] == [("CVAT502", 5)]
    assert "lands on the frame with pts 0" in got[0].message


def test_missing_key_frames(tmp_path: Path) -> None:
    manifest = video_dataset(tmp_path)
    objs = records(manifest)
    rewrite(manifest, objs[:4] + objs[5:])
    got = lint_diagnostics(manifest, kind="cvat", deep=True)
    assert [(d.code, d.line, d.severity.value) for d in got] == [("CVAT503", 6, "warning")]
    assert "(frame 10)" in got[0].message


# --- the process pool ----------------------------------------------------------------------------

@pytest.mark.parametrize("jobs", [1, 2])
def test_many_images_in_a_pool_keep_their_lines(tmp_path: Path, jobs: int) -> None:
    root = tmp_path / "many"
    for i in range(45):
        make_png(root / f"img_{i:02d}.png", size=(8 + i % 5, 6), color=(i * 5, 0, 0))
    manifest = root / "manifest.jsonl"
    manifest.write_text(HEADER + "".join(
        record(root, f"img_{i:02d}", ".png", 8 + i % 5, 6) + "\n" for i in range(45)))
    assert codes(manifest, deep=True, jobs=jobs) == []
    edit(manifest, 40, checksum="e" * 32)
    edit(manifest, 7, width=99)
    got = codes(manifest, deep=True, jobs=jobs)
    assert got == [("CVAT403", 7), ("CVAT501", 40)]


def test_video_records_without_a_header_are_still_reported(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"number":0,"pts":0}\n{"number":0,"pts":512}\n')
    got = codes(manifest)  # media on: the records' diagnostics must not be held back
    assert got == [("CVAT101", 1), ("CVAT103", 1), ("CVAT205", 1), ("CVAT205", 2),
                   ("CVAT302", 2)]


class _BrokenBackend:
    """A pool whose every worker has died: each future fails with BrokenProcessPool."""

    def submit(self, fn: object, *args: object) -> object:
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        broken: Future[object] = Future()
        broken.set_exception(BrokenProcessPool("a worker died"))
        return broken

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


def test_a_broken_pool_falls_back_to_inspecting_in_process(tmp_path: Path) -> None:
    from functools import partial

    from manifest_lint.kinds.cvat.media import (
        ImageItem,
        ImageMedia,
        ImageTask,
        _task_of,
        inspect_images,
    )
    from manifest_lint.media.executor import OrderedWork

    manifest = image_dataset(tmp_path)
    n = line_of(manifest, "a")
    obj = dict(records(manifest)[n - 1], width=1)
    media = ImageMedia("m.jsonl", str(manifest.parent), deep=True, jobs=2,
                       enabled=frozenset())
    media.work = OrderedWork(partial(inspect_images, media.store), workers=2, send=_task_of,
                             min_parallel=2, batch=1, backend=lambda n: _BrokenBackend())
    related = tuple(obj["meta"]["related_images"])  # type: ignore[index]
    got = []
    for _ in range(3):  # enough tasks to start the (broken) pool
        item = ImageItem(n, json.dumps(obj).encode(), obj, [],
                         ImageTask("a.jpg", False, related, True))
        got += list(media.add(item))
    got += list(media.finish())
    assert [(d.code, d.line) for d in got] == [("CVAT403", n)] * 3
    assert media.work.workers == 1


def test_deep_results_are_cached_by_path_size_and_mtime(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = image_dataset(tmp_path)
    cache = tmp_path / "cache"
    assert lint_file_codes(manifest, kind="cvat", deep=True, cache_dir=cache, jobs=1) == []
    assert (cache / "CACHEDIR.TAG").exists()

    def no_decoding(*args: object, **kw: object) -> None:
        raise AssertionError("decoded although the cache holds the result")

    monkeypatch.setattr("manifest_lint.media.images.probe_image", no_decoding)
    assert lint_file_codes(manifest, kind="cvat", deep=True, cache_dir=cache, jobs=1) == []
    # A changed file is decoded again (and here the patched decoder fails).
    os.utime(manifest.parent / "a.jpg", ns=(1, 1))
    got = lint_file_codes(manifest, kind="cvat", deep=True, cache_dir=cache, jobs=1)
    assert got == [("CVAT409", line_of(manifest, "a"))]
    # Without a cache folder nothing is cached.
    assert lint_file_codes(manifest, kind="cvat", deep=True, jobs=1) == [
        ("CVAT409", 3), ("CVAT409", 4), ("CVAT409", 5)]


def test_cache_values_of_an_unexpected_shape_are_ignored(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    edit(manifest, line_of(manifest, "a"), width=99)
    cache = tmp_path / "cache"
    cold = codes(manifest, deep=True, cache_dir=cache)
    assert cold == [("CVAT403", line_of(manifest, "a"))]
    for shard in cache.rglob("*.json"):
        entries = json.loads(shard.read_text())
        shard.write_text(json.dumps({k: [*v[:2], ["wide", None, "6", 7]]
                                     for k, v in entries.items()}))
    assert codes(manifest, deep=True, cache_dir=cache) == cold
    assert codes(manifest, cache_dir=cache) == cold


def test_related_images_order_and_repeats_with_media(tmp_path: Path) -> None:
    manifest = image_dataset(tmp_path)
    before = manifest.read_bytes()
    n = line_of(manifest, "a")
    ctx = "related_images/a_jpg/ctx.jpg"
    edit(manifest, n, meta={"related_images": [ctx, ctx]})
    found = lint_diagnostics(manifest, kind="cvat", deep=True)
    assert [(d.code, d.line, d.fixable) for d in found] == [("CVAT209", n, True)]
    r = run_cli("fix", "--deep", manifest)
    assert r.code == 0, r.stdout + r.stderr
    assert manifest.read_bytes() == before
