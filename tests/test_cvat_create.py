"""Tests for manifest_lint.kinds.cvat: canonical serialization and the manifest generator."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from media_factory import make_jpeg, make_png, make_video, truncate, write_bytes

from manifest_lint.kinds.cvat.create import create_manifest
from manifest_lint.kinds.cvat.serialize import (
    dumps_line,
    header_lines,
    image_record,
    to_text,
    video_properties,
    video_record,
)
from manifest_lint.kinds.cvat.sources import (
    CreateError,
    find_images,
    record_name,
    related_images_3d,
    sort_paths,
)

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "cvat" / "golden"
IMAGES = GOLDEN / "images"
LEXICOGRAPHICAL = (GOLDEN / "images_lexicographical.jsonl").read_bytes()
NATURAL = (GOLDEN / "images_natural.jsonl").read_bytes()
VIDEO = (GOLDEN / "video.jsonl").read_bytes()


def golden_records() -> list[dict[str, object]]:
    return [json.loads(line) for line in LEXICOGRAPHICAL.decode().splitlines()[2:]]


def only_manifest(folder: Path) -> bytes:
    assert sorted(os.listdir(folder)) == ["manifest.jsonl"]  # no index.json, no temp files
    return (folder / "manifest.jsonl").read_bytes()


# ------------------------------------------------------------------------------ serialize


def test_dumps_line_is_cvat_json() -> None:
    record = image_record("sub/déjà vu", ".jpg", 10, 10, {"related_images": []}, "ab")
    assert dumps_line(record) == (
        '{"name":"sub/d\\u00e9j\\u00e0 vu","extension":".jpg","width":10,"height":10,'
        '"meta":{"related_images":[]},"checksum":"ab"}'
    )


def test_record_builders_key_order() -> None:
    assert list(image_record("a", ".png", 1, 2, None, None)) == [
        "name",
        "extension",
        "width",
        "height",
    ]
    assert image_record("scene", ".pcd", None, None, {"related_images": ["x.png"]}, None) == {
        "name": "scene",
        "extension": ".pcd",
        "meta": {"related_images": ["x.png"]},
    }
    with pytest.raises(ValueError):
        image_record("a", ".png", 1, None, None, None)
    assert dumps_line(video_record(10, 5120, "ff")) == '{"number":10,"pts":5120,"checksum":"ff"}'
    properties = video_properties("clip.mp4", (64, 48), 40)
    assert header_lines("video", properties) == [
        '{"version":"1.1"}',
        '{"type":"video"}',
        '{"properties":{"name":"clip.mp4","resolution":[64,48],"length":40}}',
    ]
    assert to_text(header_lines("images")) == '{"version":"1.1"}\n{"type":"images"}\n'
    with pytest.raises(ValueError):
        header_lines("video")
    with pytest.raises(ValueError):
        header_lines("images", properties)


# ------------------------------------------------------------------------------ golden


def test_create_images_lexicographical_matches_golden(tmp_path: Path) -> None:
    result = create_manifest(str(IMAGES), tmp_path, jobs=1)
    assert (result.kind, result.records, result.path) == ("images", 7, tmp_path / "manifest.jsonl")
    assert only_manifest(tmp_path) == LEXICOGRAPHICAL


def test_create_images_natural_matches_golden(tmp_path: Path) -> None:
    create_manifest(str(IMAGES), tmp_path, sorting="natural", jobs=1)
    assert only_manifest(tmp_path) == NATURAL


def test_create_video_matches_golden(tmp_path: Path) -> None:
    result = create_manifest(str(GOLDEN / "clip.mp4"), tmp_path)
    assert (result.kind, result.records, result.length) == ("video", 4, 40)
    assert only_manifest(tmp_path) == VIDEO


def test_parallel_output_is_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("manifest_lint.media.executor.PARALLEL_MIN", 1)  # a pool for 7 files
    create_manifest(str(IMAGES), tmp_path / "one", jobs=1)
    create_manifest(str(IMAGES), tmp_path / "two", jobs=2)
    assert only_manifest(tmp_path / "one") == only_manifest(tmp_path / "two") == LEXICOGRAPHICAL


def test_parallel_many_files_with_progress(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for i in range(40):
        if i % 2:
            make_jpeg(data / f"f{i:02}.jpg", size=(16 + i, 12), color=(i * 5, 0, 0))
        else:
            make_png(data / f"f{i:02}.png", size=(16, 12 + i), color=(0, i * 5, 0))
    seen: dict[int, list[int]] = {1: [], 2: []}
    for jobs in (1, 2):
        create_manifest(str(data), tmp_path / f"out{jobs}", jobs=jobs, progress=seen[jobs].append)
    assert seen[1] == seen[2] == list(range(1, 41))
    one = only_manifest(tmp_path / "out1")
    assert one == only_manifest(tmp_path / "out2")
    first = json.loads(one.decode().splitlines()[2])
    assert (first["name"], first["width"], first["height"]) == ("f00", 16, 12)


# ------------------------------------------------------------------------------ sources


def test_glob_source_from_root_matches_golden(tmp_path: Path) -> None:
    create_manifest(f"{IMAGES}/**/*.*", tmp_path)
    assert only_manifest(tmp_path) == LEXICOGRAPHICAL


def test_glob_source_names_are_relative_to_the_literal_prefix(tmp_path: Path) -> None:
    result = create_manifest(f"{IMAGES}/sub/*.png", tmp_path)
    assert result.records == 2
    lines = only_manifest(tmp_path).decode().splitlines()
    by_name = {r["name"]: r for r in golden_records()}
    expected = [
        dict(by_name["sub/gray"], name="gray"),
        dict(by_name["sub/palette"], name="palette"),
    ]
    assert [json.loads(line) for line in lines[2:]] == expected
    assert lines[2].startswith('{"name":"gray","extension":".png","width":47,"height":33,')


def test_glob_without_common_root() -> None:
    with pytest.raises(CreateError, match="^Wrong pattern: .*: there must be a common root folder"):
        find_images("/*/images/*.jpg")


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(CreateError, match="^Wrong positional argument: "):
        create_manifest(str(tmp_path / "nothing"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_no_images(tmp_path: Path) -> None:
    write_bytes(tmp_path / "data" / "notes.txt", b"hello")
    with pytest.raises(CreateError, match="^no images found in "):
        create_manifest(str(tmp_path / "data"), tmp_path / "out")


def test_discovery_skips_related_images_and_non_images(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_jpeg(data / "a.jpg")
    make_jpeg(data / "related_images" / "a_jpg" / "ctx.jpg")
    make_jpeg(data / "deep" / "related_images" / "x" / "y.jpg")
    write_bytes(data / "logo.svg", b"<svg/>")
    write_bytes(data / "readme.txt", b"x")
    found = find_images(str(data))
    assert found.root == str(data)
    assert found.paths == [str(data / "a.jpg")]


def test_symlinked_folders_are_not_entered(tmp_path: Path) -> None:
    make_jpeg(tmp_path / "elsewhere" / "b.jpg")
    make_jpeg(tmp_path / "data" / "a.jpg")
    os.symlink(tmp_path / "elsewhere", tmp_path / "data" / "link")
    assert find_images(str(tmp_path / "data")).paths == [str(tmp_path / "data" / "a.jpg")]


def test_sorting_methods() -> None:
    paths = ["/d/img_10.png", "/d/img_2.jpg", "/d/B.png", "/d/a.png"]
    assert sort_paths(paths, "lexicographical") == [
        "/d/B.png",
        "/d/a.png",
        "/d/img_10.png",
        "/d/img_2.jpg",
    ]
    assert sort_paths(paths, "natural") == ["/d/a.png", "/d/B.png", "/d/img_2.jpg", "/d/img_10.png"]
    assert sort_paths(paths, "predefined") == paths
    with pytest.raises(CreateError, match="^random sorting is not supported"):
        sort_paths(paths, "random")
    with pytest.raises(CreateError, match="^unknown sorting 'size'"):
        sort_paths(paths, "size")


def test_predefined_sorting_keeps_discovery_order(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name in ("c.jpg", "a/z.jpg", "b.jpg"):
        make_jpeg(data / name)
    walk_order = [
        os.path.relpath(os.path.join(folder, f), data)
        for folder, _dirs, files in os.walk(data)
        for f in files
    ]
    # a/z.jpg sorts first but is found last (os.walk lists a folder's files first)
    assert walk_order != sorted(walk_order)
    create_manifest(str(data), tmp_path / "out", sorting="predefined")
    lines = only_manifest(tmp_path / "out").decode().splitlines()[2:]
    assert [json.loads(line)["name"] + ".jpg" for line in lines] == walk_order


def test_record_name() -> None:
    assert record_name("/r/sub/a.b.c.webp", "/r") == ("sub/a.b.c", ".webp")
    assert record_name("/r/IMG.JPG", "/r/") == ("IMG", ".JPG")
    assert record_name("/r/noext", "/r") == ("noext", "")


# ------------------------------------------------------------------------------ failures


def test_broken_images_are_all_reported_and_nothing_is_written(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_jpeg(data / "a.jpg")
    write_bytes(data / "b.jpg", b"")
    truncate(make_jpeg(data / "c.jpg", size=(256, 256)), keep=0.5)
    write_bytes(data / "d.png", b"plain text")
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.jsonl").write_bytes(b"old\n")
    with pytest.raises(CreateError) as caught:
        create_manifest(str(data), out, jobs=1)
    assert [e.path for e in caught.value.errors] == [
        str(data / n) for n in ("b.jpg", "c.jpg", "d.png")
    ]
    assert str(caught.value).splitlines() == [
        "3 files cannot be read:",
        f"  {data / 'b.jpg'}: empty file (0 bytes)",
        f"  {data / 'c.jpg'}: cannot decode image: truncated JPEG data (image file is truncated"
        " (15 bytes not processed))",
        f"  {data / 'd.png'}: not an image Pillow can identify",
        "fix or remove these files, then run the command again",
    ]
    assert only_manifest(out) == b"old\n"


def test_video_without_enough_key_frames(tmp_path: Path) -> None:
    video = make_video(tmp_path / "sparse.mp4", frames=120, gop=200, size=(32, 24))
    out = tmp_path / "out"
    with pytest.raises(CreateError, match="Pass --force") as caught:
        create_manifest(str(video), out)
    assert str(caught.value).startswith(
        f"{video}: The number of keyframes is not enough for smooth iteration over the video"
    )
    assert not (out / "manifest.jsonl").exists()

    import hashlib

    import av

    def first_frame_md5(path: Path) -> str:
        """CVAT's checksum of a key frame, as its dataset_manifest code computes it: md5 of
        the frame converted to a PIL image."""
        with av.open(str(path)) as container:
            return hashlib.md5(next(container.decode(video=0)).to_image().tobytes()).hexdigest()

    assert f'"checksum":"{first_frame_md5(GOLDEN / "clip.mp4")}"'.encode() in VIDEO
    checksum = first_frame_md5(video)
    result = create_manifest(str(video), out, force=True)
    assert (result.records, result.length) == (1, 120)
    assert only_manifest(out).decode() == (
        '{"version":"1.1"}\n{"type":"video"}\n'
        '{"properties":{"name":"sparse.mp4","resolution":[32,24],"length":120}}\n'
        f'{{"number":0,"pts":0,"checksum":"{checksum}"}}\n'
    )


def test_file_that_is_not_a_video(tmp_path: Path) -> None:
    path = make_jpeg(tmp_path / "single.jpg")
    with pytest.raises(CreateError, match="is not a video"):
        create_manifest(str(path), tmp_path / "out")
    broken = write_bytes(tmp_path / "broken.mp4", b"nope" * 10)
    with pytest.raises(CreateError, match="cannot decode video") as caught:
        create_manifest(str(broken), tmp_path / "out")
    assert [e.path for e in caught.value.errors] == [str(broken)]
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []


def test_manifest_permissions_follow_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        create_manifest(str(IMAGES), tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "manifest.jsonl").stat().st_mode) == 0o644


# ------------------------------------------------------------------------------ related images


def test_related_images_2d(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_jpeg(data / "cam" / "f.1.jpg")
    make_png(data / "cam" / "related_images" / "f.1_jpg" / "b.png")
    make_jpeg(data / "cam" / "related_images" / "f.1_jpg" / "a.jpg")
    write_bytes(data / "cam" / "related_images" / "f.1_jpg" / "notes.txt", b"x")
    make_jpeg(data / "other.jpg")
    create_manifest(str(data), tmp_path / "out")
    records = [json.loads(x) for x in only_manifest(tmp_path / "out").decode().splitlines()[2:]]
    assert [(r["name"], r["meta"]) for r in records] == [
        (
            "cam/f.1",
            {
                "related_images": [
                    "cam/related_images/f.1_jpg/a.jpg",
                    "cam/related_images/f.1_jpg/b.png",
                ]
            },
        ),
        ("other", {"related_images": []}),
    ]


def test_point_cloud_layouts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # Supervisely: pointcloud/<n>.pcd + related_images/<n>_pcd/*
    write_bytes(data / "pointcloud" / "000001.pcd", b"pcd")
    make_png(data / "related_images" / "000001_pcd" / "cam.png")
    # side by side: <scene>.pcd + <scene>.<ext>
    write_bytes(data / "flat" / "s1.pcd", b"pcd")
    make_jpeg(data / "flat" / "s1.jpg")
    # folder per scene: <scene>/<scene>.pcd + any image
    write_bytes(data / "s2" / "s2.pcd", b"pcd")
    make_jpeg(data / "s2" / "left.jpg")
    make_jpeg(data / "s2" / "right.jpg")
    # KITTI raw
    write_bytes(data / "kitti" / "velodyne_points" / "data" / "0000.pcd", b"pcd")
    make_png(data / "kitti" / "image_00" / "data" / "0000.png")
    make_png(data / "kitti" / "IMAGE_01" / "data" / "0000.png")

    result = create_manifest(str(data), tmp_path / "out")
    assert result.records == 4
    assert only_manifest(tmp_path / "out").decode().splitlines() == [
        '{"version":"1.1"}',
        '{"type":"images"}',
        '{"name":"flat/s1","extension":".pcd","meta":{"related_images":["flat/s1.jpg"]}}',
        '{"name":"kitti/velodyne_points/data/0000","extension":".pcd","meta":{"related_images":'
        '["kitti/IMAGE_01/data/0000.png","kitti/image_00/data/0000.png"]}}',
        '{"name":"pointcloud/000001","extension":".pcd","meta":{"related_images":'
        '["related_images/000001_pcd/cam.png"]}}',
        '{"name":"s2/s2","extension":".pcd","meta":{"related_images":["s2/left.jpg",'
        '"s2/right.jpg"]}}',
    ]


def test_kitti_context_needs_image_folders(tmp_path: Path) -> None:
    cloud = write_bytes(tmp_path / "seq" / "velodyne_points" / "data" / "0007.pcd", b"pcd")
    make_png(tmp_path / "seq" / "image_02" / "data" / "0007.png")
    make_png(tmp_path / "seq" / "image_02" / "data" / "0008.png")
    make_png(tmp_path / "seq" / "oxts" / "data" / "0007.png")  # not an image_N folder
    assert related_images_3d([str(cloud)], str(tmp_path)) == {
        str(cloud): ["seq/image_02/data/0007.png"]
    }


def test_combined_2d_and_3d(tmp_path: Path) -> None:
    write_bytes(tmp_path / "data" / "scene.pcd", b"pcd")
    make_jpeg(tmp_path / "data" / "photo.jpg")
    with pytest.raises(CreateError) as caught:
        create_manifest(str(tmp_path / "data"), tmp_path / "out")
    assert str(caught.value) == (
        "Combined data types 2D and 3D are not supported: photo.jpg is an image next to point"
        " clouds"
    )
