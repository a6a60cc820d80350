"""``manifest-lint create cvat`` through the real entry point: golden bytes, exit codes,
messages, --force, --output-dir, glob sources and the progress bar."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_cli
from tests.media_factory import make_jpeg, make_png, make_video, truncate

GOLDEN = FIXTURES / "cvat" / "golden"


def images_copy(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    shutil.copytree(GOLDEN / "images", root)
    return root


@pytest.mark.parametrize(("args", "golden"), [
    ((), "images_lexicographical.jsonl"),
    (("--sorting", "lexicographical"), "images_lexicographical.jsonl"),
    (("--sorting", "natural"), "images_natural.jsonl"),
])
def test_reproduces_the_golden_image_manifests(tmp_path: Path, args: tuple[str, ...],
                                               golden: str) -> None:
    out = tmp_path / "out"
    r = run_cli("create", "cvat", *args, "--output-dir", out, images_copy(tmp_path))
    assert r.code == 0, r.stderr
    assert (out / "manifest.jsonl").read_bytes() == (GOLDEN / golden).read_bytes()
    assert sorted(os.listdir(out)) == ["manifest.jsonl"]
    assert "7 image records" in r.stdout


def test_reproduces_the_golden_video_manifest(tmp_path: Path) -> None:
    r = run_cli("create", "cvat", "--output-dir", tmp_path, GOLDEN / "clip.mp4")
    assert r.code == 0, r.stderr
    assert (tmp_path / "manifest.jsonl").read_bytes() == (GOLDEN / "video.jsonl").read_bytes()
    assert "40 frames, 4 key frames" in r.stdout


def test_default_output_dir_is_the_current_folder(tmp_path: Path) -> None:
    r = run_cli("create", "cvat", GOLDEN / "clip.mp4", cwd=tmp_path)
    assert r.code == 0
    assert (tmp_path / "manifest.jsonl").read_bytes() == (GOLDEN / "video.jsonl").read_bytes()


def test_created_manifest_lints_clean_in_place(tmp_path: Path) -> None:
    root = images_copy(tmp_path)
    assert run_cli("create", "cvat", "--output-dir", root, root).code == 0
    r = run_cli("lint", "--deep", root / "manifest.jsonl")
    assert r.code == 0, r.stdout


def test_predefined_sorting_keeps_discovery_order(tmp_path: Path) -> None:
    root = images_copy(tmp_path)
    # CVAT's predefined order for a folder is os.walk's: a folder's files as the file system
    # lists them, then its subfolders'. Here that can never be the sorted order: sub/'s own
    # files come before sub/deeper/depth16.png, which sorts before them.
    walk = [os.path.relpath(os.path.join(folder, f), root).replace(os.sep, "/")
            for folder, _dirs, files in os.walk(root) for f in files
            if "related_images" not in Path(folder).relative_to(root).parts]
    assert walk != sorted(walk)
    golden = (GOLDEN / "images_lexicographical.jsonl").read_bytes().splitlines(keepends=True)
    by_name = {json.loads(line)["name"] + json.loads(line)["extension"]: line
               for line in golden[2:]}
    assert sorted(by_name) == sorted(walk)
    r = run_cli("create", "cvat", "--sorting", "predefined", "--output-dir", tmp_path, root)
    assert r.code == 0, r.stderr
    assert (tmp_path / "manifest.jsonl").read_bytes() == b"".join(
        golden[:2] + [by_name[name] for name in walk])


def test_glob_pattern_names_are_relative_to_its_root(tmp_path: Path) -> None:
    root = images_copy(tmp_path)
    r = run_cli("create", "cvat", "--output-dir", tmp_path, f"{root}/sub/*.png")
    assert r.code == 0, r.stderr
    golden = (GOLDEN / "images_lexicographical.jsonl").read_bytes().splitlines(keepends=True)
    pngs_in_sub = [ln.replace(b'"name":"sub/', b'"name":"') for ln in golden
                   if ln.startswith((b'{"name":"sub/gray"', b'{"name":"sub/palette"'))]
    assert len(pngs_in_sub) == 2
    assert (tmp_path / "manifest.jsonl").read_bytes() == b"".join(golden[:2] + pngs_in_sub)


# --- not enough key frames ------------------------------------------------------------------

def sparse_video(tmp_path: Path) -> Path:
    """120 frames with a single key frame: CVAT needs one per 109 frames."""
    return make_video(tmp_path / "sparse.mp4", frames=120, gop=1000)


def test_too_few_key_frames_fails_and_names_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run_cli("create", "cvat", "--output-dir", out, sparse_video(tmp_path))
    assert r.code == 1
    assert "not enough for smooth iteration" in r.stderr
    assert "--force" in r.stderr and "sparse.mp4" in r.stderr
    assert "fix or remove" not in r.stderr  # no file is broken: the hint would mislead
    assert not (out / "manifest.jsonl").exists()


def test_force_writes_the_manifest_anyway(tmp_path: Path) -> None:
    video = sparse_video(tmp_path)
    r = run_cli("create", "cvat", "--force", "--output-dir", tmp_path, video)
    assert r.code == 0, r.stderr
    lines = (tmp_path / "manifest.jsonl").read_text().splitlines()
    assert lines[2] == '{"properties":{"name":"sparse.mp4","resolution":[64,48],"length":120}}'
    assert len(lines) == 4 and lines[3].startswith('{"number":0,"pts":0,')
    assert run_cli("lint", "--deep", tmp_path / "manifest.jsonl").code == 0


# --- other failures -----------------------------------------------------------------------------

def test_undecodable_image_fails_without_writing(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    make_jpeg(root / "a.jpg")
    truncate(make_png(root / "b.png", size=(64, 64)), 0.5)
    r = run_cli("create", "cvat", "--output-dir", tmp_path, root)
    assert r.code == 1
    assert "b.png" in r.stderr and "fix or remove" in r.stderr
    assert not (tmp_path / "manifest.jsonl").exists()


def test_no_images_is_exit_1(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    r = run_cli("create", "cvat", tmp_path / "empty", cwd=tmp_path)
    assert r.code == 1
    assert "no images found" in r.stderr


@pytest.mark.parametrize(("source", "message"), [
    ("missing", "no such file or folder"),
    ("/*.jpg", "common root"),
    ("notes.txt", "not a video"),
])
def test_usage_errors_are_exit_2(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "notes.txt").write_text("x")
    r = run_cli("create", "cvat", source, cwd=tmp_path)
    assert r.code == 2
    assert message in r.stderr
    assert not (tmp_path / "manifest.jsonl").exists()


def test_output_dir_that_is_a_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    r = run_cli("create", "cvat", "--output-dir", tmp_path / "file", GOLDEN / "clip.mp4")
    assert r.code == 2 and "is a file" in r.stderr


def test_random_sorting_is_refused(tmp_path: Path) -> None:
    r = run_cli("create", "cvat", "--sorting", "random", GOLDEN / "images", cwd=tmp_path)
    assert r.code == 2


# --- progress -------------------------------------------------------------------------------------

def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    r = run_cli("create", "cvat", "--output-dir", tmp_path, images_copy(tmp_path))
    assert r.code == 0 and r.stderr == ""


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for i in range(40):
        make_png(root / f"{i}.png", size=(32, 32), color=(i, 0, 0))
    exe = Path(sys.executable).parent / "manifest-lint"
    primary, secondary = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # keep reading so the child never blocks on a full terminal
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run(
            [str(exe), "create", "cvat", "--output-dir", str(tmp_path), str(root)],
            stdout=subprocess.PIPE, stderr=secondary, timeout=120, check=False,
            env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
        )
    finally:
        os.close(secondary)
        reader.join(timeout=10)
        os.close(primary)
    shown = b"".join(chunks)
    assert proc.returncode == 0
    assert b"hashing images" in shown
    assert (tmp_path / "manifest.jsonl").exists()
