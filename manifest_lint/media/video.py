"""CVAT's video key-frame index, recomputed with PyAV.

This follows the behaviour of ``VideoStreamReader`` in CVAT's ``utils/dataset_manifest/core.py``:
the first decoded frame must be an I frame, PTS and DTS must increase strictly, and a key frame
is kept only if seeking a second container back to its pts decodes a frame with the same pts
and pixel md5 (``md5(frame.to_image().tobytes())``). Without ``force``, decoding stops with
:class:`NotEnoughKeyFramesError` as soon as the number of decoded frames per usable key frame
reaches ``3 * chunk_size + 1``.

PyAV is imported inside the functions so that importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from manifest_lint.media import MediaError, check_regular_file

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

DEFAULT_CHUNK_SIZE = 36
_PICT_TYPE_I = 1  # AV_PICTURE_TYPE_I; PyAV >= 14 returns a plain int, older an IntEnum
_PROGRESS_EVERY = 64

NOT_ENOUGH_KEY_FRAMES = "The number of keyframes is not enough for smooth iteration over the video"


class NotEnoughKeyFramesError(MediaError):
    """Too few usable key frames for CVAT (``create --force`` writes the manifest anyway)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        message: str,
        *,
        frames: int = 0,
        key_frames: int = 0,
    ) -> None:
        super().__init__(path, message)
        self.frames = frames
        self.key_frames = key_frames


@dataclass(frozen=True)
class KeyFrame:
    """One manifest record: frame ``number`` (0-based), its ``pts`` and pixel md5."""

    number: int
    pts: int
    checksum: str


@dataclass
class VideoInfo:
    """What CVAT writes for a video: properties and the usable key frames.

    ``rejected_key_frames`` lists key frames (by number) that did not seek back to themselves.
    """

    name: str
    width: int
    height: int
    length: int
    key_frames: list[KeyFrame]
    rejected_key_frames: list[int] = field(default_factory=list)


def scan_video(
    path: str | os.PathLike[str],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> VideoInfo:
    """Decode the whole video once and return CVAT's properties and key-frame records.

    ``progress`` is called now and then with the number of frames decoded so far.
    Raises :class:`MediaError` (or :class:`NotEnoughKeyFramesError`) for unusable videos.
    """
    fspath = os.fspath(path)
    check_regular_file(fspath)
    upper_bound = 3 * chunk_size + 1

    key_frames: list[KeyFrame] = []
    rejected: list[int] = []
    width = height = 0
    index = 0
    prev_pts: int | None = None
    prev_dts: int | None = None
    try:
        with _open(fspath) as reading, _open(fspath) as checking:
            stream = _video_stream(reading, fspath)
            checking_stream = _video_stream(checking, fspath)
            rotate = _rotate_metadata(stream, fspath)
            for frame in _frames(reading, stream):
                if index == 0:
                    if not _is_intra(frame):
                        raise MediaError(fspath, "The first frame is not a key frame")
                    width, height = rotated_size(frame.width, frame.height, rotate)
                # CVAT compares with the previous frame's value, skipping the check when either
                # is None (and a None still becomes the new "previous" value).
                pts, dts = frame.pts, frame.dts
                if pts is not None and prev_pts is not None and pts <= prev_pts:
                    raise MediaError(fspath, "Detected non-increasing PTS sequence in the video")
                if dts is not None and prev_dts is not None and dts <= prev_dts:
                    raise MediaError(fspath, "Detected non-increasing DTS sequence in the video")
                prev_pts, prev_dts = pts, dts

                if frame.key_frame:
                    digest = frame_checksum(frame)
                    if pts is not None and _seeks_back_to(checking, checking_stream, pts, digest):
                        key_frames.append(KeyFrame(index, pts, digest))
                    else:
                        rejected.append(index)

                index += 1
                if not force and index // max(len(key_frames), 1) >= upper_bound:
                    raise NotEnoughKeyFramesError(
                        fspath,
                        f"{NOT_ENOUGH_KEY_FRAMES}: {len(key_frames)} usable key frame(s) in the"
                        f" first {index} frames; CVAT requires fewer than {upper_bound}"
                        " decoded frames per usable key frame",
                        frames=index,
                        key_frames=len(key_frames),
                    )
                if progress is not None and index % _PROGRESS_EVERY == 0:
                    progress(index)
    except MediaError:
        raise
    except Exception as exc:  # FFmpeg errors on corrupt input must not crash the caller
        raise MediaError(fspath, f"cannot decode video: {_describe(exc)}") from exc

    if index == 0:
        raise MediaError(fspath, "the video stream has no decodable frames")
    if progress is not None:
        progress(index)
    return VideoInfo(
        name=os.path.basename(fspath),
        width=width,
        height=height,
        length=index,
        key_frames=key_frames,
        rejected_key_frames=rejected,
    )


def verify_video_records(
    path: str | os.PathLike[str], records: list[tuple[int, int]]
) -> list[tuple[int, str]]:
    """Check manifest key-frame records ``(number, pts)`` against the video.

    Returns ``(index into records, message)`` for each record whose ``number`` is not the
    index of the frame with that ``pts``, or whose ``pts`` does not seek back to that frame
    (same pts and pixel md5). One decoding pass plus at most one seek per record.
    """
    fspath = os.fspath(path)
    check_regular_file(fspath)
    wanted = {number for number, _ in records}
    frame_pts: list[int | None] = []
    checksums: dict[int, str] = {}
    problems: list[tuple[int, str]] = []
    try:
        with _open(fspath) as container:
            stream = _video_stream(container, fspath)
            for index, frame in enumerate(_frames(container, stream)):
                frame_pts.append(frame.pts)
                if index in wanted:
                    checksums[index] = frame_checksum(frame)
            if not frame_pts:
                raise MediaError(fspath, "the video stream has no decodable frames")
            index_of_pts = {pts: i for i, pts in enumerate(frame_pts) if pts is not None}

            for position, (number, pts) in enumerate(records):
                message = _record_problem(
                    container, stream, number, pts, frame_pts, index_of_pts, checksums
                )
                if message is not None:
                    problems.append((position, message))
    except MediaError:
        raise
    except Exception as exc:  # FFmpeg errors on corrupt input must not crash the caller
        raise MediaError(fspath, f"cannot decode video: {_describe(exc)}") from exc
    return problems


def _record_problem(
    container: InputContainer,
    stream: VideoStream,
    number: int,
    pts: int,
    frame_pts: list[int | None],
    index_of_pts: dict[int, int],
    checksums: dict[int, str],
) -> str | None:
    length = len(frame_pts)
    if not 0 <= number < length:
        return f"frame {number} does not exist: the video has {length} frames"
    actual = frame_pts[number]
    if actual != pts:
        owner = index_of_pts.get(pts)
        where = f"pts {pts} is frame {owner}" if owner is not None else f"no frame has pts {pts}"
        return f"frame {number} has pts {actual}, not {pts} ({where})"
    landed = _frame_after_seek(container, stream, pts)
    if landed is None:
        return f"seeking to pts {pts} decodes no frame"
    if landed.pts != pts:
        return (
            f"seeking to pts {pts} lands on the frame with pts {landed.pts}:"
            f" frame {number} is not a usable key frame"
        )
    if frame_checksum(landed) != checksums[number]:
        return f"seeking to pts {pts} decodes a different picture than frame {number}"
    return None


def frame_checksum(frame: VideoFrame) -> str:
    """CVAT's key-frame checksum: md5 of the frame converted to an RGB PIL image."""
    return hashlib.md5(frame.to_image().tobytes(), usedforsecurity=False).hexdigest()


def rotated_size(width: int, height: int, rotate: int) -> tuple[int, int]:
    """Frame size after CVAT rotates it by ``360 - rotate`` degrees.

    CVAT rotates the first frame with OpenCV (``getRotationMatrix2D`` + ``warpAffine`` into the
    bounding box) only to read its size; we compute that bounding box directly, with the same
    double-precision cos/sin, instead of depending on OpenCV. For 90 and 270 this swaps width
    and height, for 0 and 180 it keeps them.
    """
    if not rotate:
        return width, height
    angle = math.radians(360 - rotate)
    abs_cos, abs_sin = abs(math.cos(angle)), abs(math.sin(angle))
    return int(height * abs_sin + width * abs_cos), int(height * abs_cos + width * abs_sin)


def _open(path: str) -> InputContainer:
    import av

    return av.open(path, mode="r")


def _video_stream(container: InputContainer, path: str) -> VideoStream:
    if not container.streams.video:
        raise MediaError(path, "no video stream")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return stream


def _rotate_metadata(stream: VideoStream, path: str) -> int:
    """The stream's ``rotate`` tag as CVAT reads it (0 when absent).

    Recent FFmpeg builds report rotation as display-matrix side data instead of this tag; CVAT
    reads only the tag, so we do too.
    """
    value = stream.metadata.get("rotate")
    if not value:
        return 0
    try:
        return int(value)
    except ValueError as exc:
        raise MediaError(path, f"invalid rotate metadata {value!r}") from exc


def _frames(container: InputContainer, stream: VideoStream) -> Iterator[VideoFrame]:
    for packet in container.demux(stream):
        yield from packet.decode()


def _is_intra(frame: VideoFrame) -> bool:
    pict_type: Any = frame.pict_type
    return int(pict_type) == _PICT_TYPE_I


def _frame_after_seek(container: InputContainer, stream: VideoStream, pts: int) -> Any:
    """The first frame decoded after seeking back to ``pts``, or None if there is none."""
    import av

    try:
        container.seek(pts, stream=stream)
    except av.FFmpegError:
        return None
    for frame in _frames(container, stream):
        return frame
    return None


def _seeks_back_to(container: InputContainer, stream: VideoStream, pts: int, digest: str) -> bool:
    landed = _frame_after_seek(container, stream, pts)
    return landed is not None and landed.pts == pts and frame_checksum(landed) == digest


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def probe_video_header(path: str) -> tuple[int, int, int]:
    """Frame size (after CVAT's ``rotate``) and packet count, without decoding."""
    import av

    try:
        with av.open(path, mode="r") as container:
            if not container.streams.video:
                raise MediaError(path, "no video stream")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            rotate = stream.metadata.get("rotate")
            if rotate:
                width, height = rotated_size(width, height, int(rotate))
            packets = sum(1 for p in container.demux(stream) if p.size)
    except MediaError:
        raise
    except Exception as exc:  # noqa: BLE001 - FFmpeg errors on corrupt input
        raise MediaError(path, f"cannot read video: {exc or type(exc).__name__}") from exc
    return width, height, packets
