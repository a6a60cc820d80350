"""Tests for manifest_lint.media: image probing and CVAT's video key-frame scan."""

from __future__ import annotations

import hashlib
import pickle
import wave
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from media_factory import (
    drop_leading_packets,
    make_jpeg,
    make_png,
    make_png_header,
    make_video,
    move_png_exif_after_idat,
    truncate,
    write_bytes,
)
from PIL import Image

from manifest_lint.media import MediaError
from manifest_lint.media import video as video_module
from manifest_lint.media.images import ImageInfo, probe_image
from manifest_lint.media.video import (
    KeyFrame,
    NotEnoughKeyFramesError,
    VideoInfo,
    rotated_size,
    scan_video,
    verify_video_records,
)

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "cvat" / "golden"
IMAGES = GOLDEN / "images"
CLIP = GOLDEN / "clip.mp4"

GOLDEN_KEY_FRAMES = [
    KeyFrame(0, 0, "c72aa23bab44e6d4e4ba6d463e56b61e"),
    KeyFrame(10, 5120, "eb545ee057a2d6eb0b522f51ddec6931"),
    KeyFrame(20, 10240, "7fdc0060fc349a326160fcbcef6d3d56"),
    KeyFrame(30, 15360, "9c3c615eab82eb8ca8f456f19b4a6631"),
]


def pixel_md5(path: Path) -> str:
    with Image.open(path) as img:
        return hashlib.md5(img.tobytes()).hexdigest()


# ----------------------------------------------------------------------------------- images


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        (
            "img_10.png",
            ImageInfo(50, 30, 50, 30, "PNG", "RGBA", "1770f9375680bdf6b1c2f68e55a06037"),
        ),
        ("img_2.jpg", ImageInfo(60, 40, 60, 40, "JPEG", "RGB", "f01314b6423bd45128dbb336aa25d3b3")),
        (
            "sub/deeper/depth16.png",
            ImageInfo(18, 12, 18, 12, "PNG", "I;16", "2236e1ddc33e46c518b5ab0a0b8f480b"),
        ),
        (
            "sub/déjà vu.jpg",
            ImageInfo(10, 10, 10, 10, "JPEG", "RGB", "906672125ab756d8a37f0e02c503a10b"),
        ),
        ("sub/gray.png", ImageInfo(47, 33, 47, 33, "PNG", "L", "f28d7f41c4002b2e14b49ba8e0b4bae0")),
        (
            "sub/palette.png",
            ImageInfo(24, 16, 24, 16, "PNG", "P", "e350b7d9a7a6197a27c0ea25f64dc6f2"),
        ),
        (
            "sub/rotated.jpg",
            ImageInfo(24, 32, 32, 24, "JPEG", "RGB", "3d06448ccf25842c05025eecf7d8242b", 6),
        ),
    ],
)
def test_probe_golden_images_matches_cvat(relative: str, expected: ImageInfo) -> None:
    assert probe_image(IMAGES / relative, checksum=True) == expected
    header_only = probe_image(IMAGES / relative, checksum=False)
    assert header_only == ImageInfo(
        expected.width,
        expected.height,
        expected.raw_width,
        expected.raw_height,
        expected.format,
        expected.mode,
        None,
        expected.orientation,
    )


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_exif_orientation_over_4_swaps_size_but_not_pixels(
    tmp_path: Path, orientation: int
) -> None:
    path = make_jpeg(tmp_path / "r.jpg", size=(40, 20), exif_orientation=orientation)
    info = probe_image(path, checksum=True)
    assert (info.width, info.height) == (20, 40)
    assert (info.raw_width, info.raw_height) == (40, 20)
    assert info.orientation == orientation
    assert info.checksum == pixel_md5(path)  # md5 of the unrotated 40x20 buffer


@pytest.mark.parametrize("orientation", [1, 2, 3, 4])
def test_exif_orientation_up_to_4_keeps_size(tmp_path: Path, orientation: int) -> None:
    path = make_jpeg(tmp_path / "r.jpg", size=(40, 20), exif_orientation=orientation)
    info = probe_image(path, checksum=False)
    assert (info.width, info.height, info.orientation) == (40, 20, orientation)


def test_png_exif_before_and_after_pixel_data(tmp_path: Path) -> None:
    before = make_png(tmp_path / "before.png", size=(40, 20), exif_orientation=6)
    after = move_png_exif_after_idat(
        make_png(tmp_path / "after.png", size=(40, 20), exif_orientation=6)
    )
    for path in (before, after):
        for checksum in (False, True):
            info = probe_image(path, checksum=checksum)
            assert (info.width, info.height, info.orientation) == (20, 40, 6), (path, checksum)
    assert probe_image(after, checksum=True).checksum == pixel_md5(after)


def test_header_only_probe_does_not_decode_pixels(tmp_path: Path) -> None:
    path = truncate(make_png(tmp_path / "cut.png", size=(200, 100)), keep=0.6)
    info = probe_image(path, checksum=False)
    assert (info.width, info.height, info.checksum) == (200, 100, None)
    with pytest.raises(MediaError, match=r"cannot decode image: truncated PNG data \("):
        probe_image(path, checksum=True)


def test_truncated_jpeg(tmp_path: Path) -> None:
    path = truncate(make_jpeg(tmp_path / "cut.jpg", size=(256, 256)), keep=0.5)
    with pytest.raises(MediaError) as caught:
        probe_image(path, checksum=True)
    assert caught.value.path == str(path)
    assert caught.value.message.startswith("cannot decode image: truncated JPEG data (")
    assert str(caught.value) == f"{path}: {caught.value.message}"


def test_zero_byte_file(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "empty.jpg", b"")
    with pytest.raises(MediaError) as caught:
        probe_image(path, checksum=False)
    assert str(caught.value) == f"{path}: empty file (0 bytes)"


def test_text_file_named_jpg(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "notes.jpg", b"this is not a picture\n")
    with pytest.raises(MediaError) as caught:
        probe_image(path, checksum=True)
    assert caught.value.message == "not an image Pillow can identify"


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        probe_image(tmp_path / "missing.png", checksum=True)
    assert caught.value.message == "file not found"
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(MediaError) as caught:
        probe_image(tmp_path / "dir.png", checksum=True)
    assert caught.value.message == "a folder, not a file"


def test_garbage_after_valid_jpeg_header(tmp_path: Path) -> None:
    good = make_jpeg(tmp_path / "good.jpg", size=(64, 64)).read_bytes()
    path = write_bytes(tmp_path / "bad.jpg", good[:300] + b"\x00" * 40)
    with pytest.raises(MediaError, match="cannot decode image"):
        probe_image(path, checksum=True)


@pytest.mark.parametrize("checksum", [False, True])
def test_decompression_bomb_error_range(tmp_path: Path, checksum: bool) -> None:
    # 40000 x 40000 = 1.6e9 pixels, far beyond 2 * MAX_IMAGE_PIXELS: Pillow's error
    path = make_png_header(tmp_path / "bomb.png", 40000, 40000)
    assert path.stat().st_size < 200
    with pytest.raises(MediaError) as caught:
        probe_image(path, checksum=checksum)
    assert caught.value.message.startswith("image too large to decode safely: Image size")


@pytest.mark.parametrize("checksum", [False, True])
def test_decompression_bomb_warning_range_is_an_error(tmp_path: Path, checksum: bool) -> None:
    # 10000 x 10000 = 1e8 pixels: above MAX_IMAGE_PIXELS (89478485), below twice that,
    # where Pillow only warns.
    assert Image.MAX_IMAGE_PIXELS is not None
    assert Image.MAX_IMAGE_PIXELS < 10000 * 10000 <= 2 * Image.MAX_IMAGE_PIXELS
    path = make_png_header(tmp_path / "bomb.png", 10000, 10000)
    with pytest.raises(MediaError, match="image too large to decode safely"):
        probe_image(path, checksum=checksum)


def test_decompression_limit_follows_pillow_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_jpeg(tmp_path / "small.jpg", size=(15, 10))  # 150 pixels
    assert probe_image(path, checksum=True).width == 15
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 150 is in the warning range
    with pytest.raises(MediaError, match="exceeds limit of 100 pixels"):
        probe_image(path, checksum=True)


def test_media_error_pickles() -> None:
    error = pickle.loads(pickle.dumps(MediaError("a/b.jpg", "empty file (0 bytes)")))
    assert (error.path, error.message, str(error)) == (
        "a/b.jpg",
        "empty file (0 bytes)",
        "a/b.jpg: empty file (0 bytes)",
    )


# ------------------------------------------------------------------------------------ video


def test_scan_golden_clip() -> None:
    assert scan_video(CLIP) == VideoInfo("clip.mp4", 64, 48, 40, GOLDEN_KEY_FRAMES, [])


def test_scan_reports_progress() -> None:
    seen: list[int] = []
    scan_video(CLIP, progress=seen.append)
    assert seen == [40]


def test_not_enough_key_frames(tmp_path: Path) -> None:
    path = make_video(tmp_path / "sparse.mp4", frames=120, gop=200, size=(32, 24))
    with pytest.raises(NotEnoughKeyFramesError) as caught:
        scan_video(path)
    # 1 usable key frame; the check fails once 109 (= 3 * 36 + 1) frames are decoded
    assert (caught.value.frames, caught.value.key_frames) == (109, 1)
    assert caught.value.message.startswith(
        "The number of keyframes is not enough for smooth iteration over the video"
    )
    assert isinstance(caught.value, MediaError)

    info = scan_video(path, force=True)
    assert (info.width, info.height, info.length) == (32, 24, 120)
    assert [(k.number, k.pts) for k in info.key_frames] == [(0, 0)]


def test_key_frame_bound_follows_chunk_size(tmp_path: Path) -> None:
    path = make_video(tmp_path / "gop20.mp4", frames=40, gop=20, size=(32, 24))
    assert len(scan_video(path, chunk_size=36).key_frames) == 2
    with pytest.raises(NotEnoughKeyFramesError) as caught:
        scan_video(path, chunk_size=6)  # bound 19 frames per key frame
    assert (caught.value.frames, caught.value.key_frames) == (19, 1)


def test_first_frame_not_a_key_frame(tmp_path: Path) -> None:
    # MPEG-4 part 2 decodes predicted frames without their reference, so dropping the first
    # packets leaves a stream whose first decoded frame is a P frame.
    source = make_video(tmp_path / "full.mp4", frames=30, gop=10, codec="mpeg4")
    path = drop_leading_packets(source, tmp_path / "headless.mp4", 3)
    with pytest.raises(MediaError) as caught:
        scan_video(path, force=True)
    assert caught.value.message == "The first frame is not a key frame"


def _fake_frames(specs: list[tuple[int | None, int | None]]) -> Any:
    def frames(container: object, stream: object) -> Any:
        for pts, dts in specs:
            yield SimpleNamespace(pts=pts, dts=dts, key_frame=False, pict_type=1, width=8, height=6)

    return frames


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([(0, 0), (512, 512), (512, 1024)], "Detected non-increasing PTS sequence in the video"),
        ([(0, 0), (512, 512), (1024, 100)], "Detected non-increasing DTS sequence in the video"),
    ],
)
def test_non_increasing_timestamps(
    monkeypatch: pytest.MonkeyPatch, specs: list[tuple[int, int]], message: str
) -> None:
    # The timestamps come from a monkeypatched decoder: such files are hard to mux with FFmpeg.
    monkeypatch.setattr(video_module, "_frames", _fake_frames(specs))
    with pytest.raises(MediaError) as caught:
        scan_video(CLIP, force=True)
    assert caught.value.message == message


def test_none_timestamps_skip_the_order_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(video_module, "_frames", _fake_frames([(5, 5), (None, None), (1, 1)]))
    info = scan_video(CLIP, force=True)
    assert (info.length, info.key_frames) == (3, [])


def test_rotated_size() -> None:
    assert rotated_size(64, 48, 0) == (64, 48)
    assert rotated_size(64, 48, 90) == (48, 64)
    assert rotated_size(64, 48, 180) == (64, 48)
    assert rotated_size(64, 48, 270) == (48, 64)
    assert rotated_size(64, 48, 45) == (79, 79)  # OpenCV's bounding box of the rotated frame


def test_rotate_metadata_swaps_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    # Recent FFmpeg no longer writes a "rotate" tag, so the tag reader is monkeypatched.
    monkeypatch.setattr(video_module, "_rotate_metadata", lambda stream, path: 90)
    info = scan_video(CLIP)
    assert (info.width, info.height) == (48, 64)
    assert info.key_frames == GOLDEN_KEY_FRAMES  # checksums stay those of unrotated frames


def test_zero_byte_and_garbage_videos(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        scan_video(write_bytes(tmp_path / "empty.mp4", b""))
    assert caught.value.message == "empty file (0 bytes)"
    with pytest.raises(MediaError) as caught:
        scan_video(write_bytes(tmp_path / "text.mp4", b"definitely not a video\n" * 20))
    assert caught.value.message.startswith("cannot decode video: ")
    with pytest.raises(MediaError) as caught:
        verify_video_records(tmp_path / "text.mp4", [(0, 0)])
    assert caught.value.message.startswith("cannot decode video: ")


def test_file_without_video_stream(tmp_path: Path) -> None:
    path = tmp_path / "sound.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    with pytest.raises(MediaError) as caught:
        scan_video(path)
    assert caught.value.message == "no video stream"


def test_truncated_video(tmp_path: Path) -> None:
    path = truncate(make_video(tmp_path / "cut.mp4", frames=40, gop=10), keep=0.3)
    with pytest.raises(MediaError):
        scan_video(path)


def _patched_seek(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeking to pts 5120 decodes another picture; seeking to 10240 lands on frame 0."""
    real = video_module._frame_after_seek

    def fake(container: Any, stream: Any, pts: int) -> Any:
        if pts == 5120:
            return SimpleNamespace(pts=pts, to_image=lambda: Image.new("RGB", (64, 48)))
        return real(container, stream, 0 if pts == 10240 else pts)

    monkeypatch.setattr(video_module, "_frame_after_seek", fake)


def test_key_frames_that_do_not_seek_back_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    _patched_seek(monkeypatch)
    info = scan_video(CLIP)
    assert info.key_frames == [GOLDEN_KEY_FRAMES[0], GOLDEN_KEY_FRAMES[3]]
    assert info.rejected_key_frames == [10, 20]


def test_rejected_key_frames_do_not_count_for_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # bound 3 * 5 + 1 = 16 frames per usable key frame: fine with key frames 0, 10, 20, 30
    assert len(scan_video(CLIP, chunk_size=5).key_frames) == 4
    _patched_seek(monkeypatch)  # without frame 10 only frame 0 counts when frame 16 is reached
    with pytest.raises(NotEnoughKeyFramesError) as caught:
        scan_video(CLIP, chunk_size=5)
    assert (caught.value.frames, caught.value.key_frames) == (16, 1)


def test_verify_flags_records_that_do_not_seek_back(monkeypatch: pytest.MonkeyPatch) -> None:
    _patched_seek(monkeypatch)
    records = [(k.number, k.pts) for k in GOLDEN_KEY_FRAMES]
    assert verify_video_records(CLIP, records) == [
        (1, "seeking to pts 5120 decodes a different picture than frame 10"),
        (
            2,
            "seeking to pts 10240 lands on the frame with pts 0:"
            " frame 20 is not a usable key frame",
        ),
    ]


def test_verify_golden_records_pass() -> None:
    records = [(k.number, k.pts) for k in GOLDEN_KEY_FRAMES]
    assert verify_video_records(CLIP, records) == []


def test_verify_flags_wrong_records() -> None:
    records = [
        (0, 0),
        (10, 5632),  # wrong pts
        (11, 5120),  # wrong number
        (5, 2560),  # right pair, but not a key frame: seeking lands on frame 0
        (40, 20480),  # beyond the end
        (20, 99),  # pts of no frame
        (30, 15360),
    ]
    assert verify_video_records(CLIP, records) == [
        (1, "frame 10 has pts 5120, not 5632 (pts 5632 is frame 11)"),
        (2, "frame 11 has pts 5632, not 5120 (pts 5120 is frame 10)"),
        (3, "seeking to pts 2560 lands on the frame with pts 0: frame 5 is not a usable key frame"),
        (4, "frame 40 does not exist: the video has 40 frames"),
        (5, "frame 20 has pts 10240, not 99 (no frame has pts 99)"),
    ]


@pytest.mark.parametrize(("rational", "size", "orientation"), [
    ((6, 1), (20, 40), 6), ((8, 1), (20, 40), 8), ((3, 1), (40, 20), 3),
    ((9, 2), (20, 40), 5),  # 4.5 > 4: CVAT swaps
    ((1, 0), (40, 20), 1),  # Pillow reads x/0 as nan; `nan > 4` is false
])
def test_exif_orientation_stored_as_a_rational(
    tmp_path: Path, rational: tuple[int, int], size: tuple[int, int], orientation: int
) -> None:
    for path in (make_jpeg(tmp_path / "r.jpg", size=(40, 20), exif_orientation=rational),
                 make_png(tmp_path / "r.png", size=(40, 20), exif_orientation=rational)):
        for checksum in (False, True):
            info = probe_image(path, checksum=checksum)
            assert (info.width, info.height, info.orientation) == (*size, orientation)
        with Image.open(path) as img:  # what CVAT's tool computes
            raw = img.getexif().get(274, 1)
            assert type(raw).__name__ == "IFDRational"
            cvat_size = img.size[::-1] if raw > 4 else img.size
        assert (info.width, info.height) == cvat_size


@pytest.mark.parametrize("rational", [(6, 1), (9, 2), (1, 0)])
def test_a_header_read_from_a_bucket_agrees_with_the_file_on_a_rational_orientation(
        tmp_path: Path, rational: tuple[int, int]) -> None:
    """The in-memory probe (objects in buckets) judges the orientation as the file probe."""
    from manifest_lint.media.heads import probe_image_data

    for path in (make_jpeg(tmp_path / "r.jpg", size=(40, 20), exif_orientation=rational),
                 make_png(tmp_path / "r.png", size=(40, 20), exif_orientation=rational)):
        data = path.read_bytes()
        local = probe_image(path, checksum=False)
        for got in (probe_image_data(data, "s3://b/r", complete=True),
                    probe_image_data(data[:2048], "s3://b/r", complete=False)):
            assert (got.width, got.height, got.orientation) == \
                (local.width, local.height, local.orientation)


def test_a_header_read_past_the_pixel_limit_is_probed_as_the_file_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from manifest_lint.media.heads import probe_image_data

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)
    data = make_png(tmp_path / "big.png", size=(40, 20)).read_bytes()  # 800 pixels
    got = probe_image_data(data, "s3://b/big.png", complete=True, allow_large=True)
    assert (got.width, got.height) == (40, 20)
    with pytest.raises(MediaError, match="too large to decode safely"):
        probe_image_data(data, "s3://b/big.png", complete=True)  # as probe_image without it


def test_exif_orientation_that_is_not_a_number_is_refused() -> None:
    from manifest_lint.media.images import orientation_value

    assert orientation_value(6.0, "x.jpg") == 6
    assert orientation_value(4.0, "x.jpg") == 4
    with pytest.raises(MediaError, match="not a number"):
        orientation_value((6, 6), "x.jpg")
