"""Small media files for tests, made with Pillow and PyAV inside a test's tmp_path."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

EXIF_ORIENTATION = 274


def _exif_bytes(orientation: int | tuple[int, int]) -> bytes:
    """EXIF with the Orientation tag; a ``(numerator, denominator)`` pair is stored as a
    RATIONAL, which some cameras and editors write and Pillow reads as ``IFDRational``."""
    if isinstance(orientation, tuple):
        entry = struct.pack("<HHII", EXIF_ORIENTATION, 5, 1, 26)  # type 5: RATIONAL at 26
        ifd = struct.pack("<H", 1) + entry + struct.pack("<I", 0)
        return (b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd
                + struct.pack("<II", *orientation))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return exif.tobytes()


def _gradient(size: tuple[int, int], color: tuple[int, int, int], mode: str) -> Image.Image:
    """An image with some structure (a gradient over ``color``) so pixel checksums differ."""
    width, height = size
    img = Image.new("RGB", size, color)
    pixels = img.load()
    assert pixels is not None
    for y in range(height):
        for x in range(width):
            r, g, b = color
            pixels[x, y] = ((r + x) % 256, (g + y) % 256, (b + x + y) % 256)
    return img.convert(mode) if mode != "RGB" else img


def make_jpeg(
    path: Path,
    size: tuple[int, int] = (40, 20),
    color: tuple[int, int, int] = (200, 30, 30),
    exif_orientation: int | tuple[int, int] | None = None,
    quality: int = 90,
) -> Path:
    """Write a baseline RGB JPEG, optionally with an EXIF Orientation tag."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = _gradient(size, color, "RGB")
    if exif_orientation is None:
        img.save(path, "JPEG", quality=quality)
    else:
        img.save(path, "JPEG", quality=quality, exif=_exif_bytes(exif_orientation))
    return path


def make_png(
    path: Path,
    size: tuple[int, int] = (40, 20),
    color: tuple[int, int, int] = (30, 200, 30),
    mode: str = "RGB",
    exif_orientation: int | tuple[int, int] | None = None,
) -> Path:
    """Write a PNG in ``mode``, optionally with an eXIf chunk (Pillow writes it before IDAT)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = _gradient(size, color, mode)
    if exif_orientation is None:
        img.save(path, "PNG")
    else:
        img.save(path, "PNG", exif=_exif_bytes(exif_orientation))
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks = []
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def move_png_exif_after_idat(path: Path) -> Path:
    """Rewrite a PNG so its eXIf chunk comes after the image data (legal, but less common)."""
    data = path.read_bytes()
    chunks = _png_chunks(data)
    exif = [c for c in chunks if c[0] == b"eXIf"]
    rest = [c for c in chunks if c[0] not in (b"eXIf", b"IEND")]
    assert exif, "the PNG has no eXIf chunk"
    out = data[:8] + b"".join(_png_chunk(k, d) for k, d in rest + exif + [(b"IEND", b"")])
    path.write_bytes(out)
    return path


def make_png_header(path: Path, width: int, height: int) -> Path:
    """Write a tiny 8-bit grayscale PNG that *claims* ``width`` x ``height`` (a decompression bomb).

    Only the header is real: the IDAT chunk holds a few compressed bytes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    signature = b"\x89PNG\r\n\x1a\n"
    path.write_bytes(
        signature + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    )
    return path


def truncate(path: Path, keep: float = 0.5) -> Path:
    """Cut a file to ``keep`` of its size."""
    data = path.read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * keep))])
    return path


def _video_frame_images(frames: int, size: tuple[int, int]) -> list[Image.Image]:
    width, height = size
    images = []
    for i in range(frames):
        img = Image.new("RGB", size, ((i * 37) % 256, (i * 11) % 256, (255 - i * 5) % 256))
        # a moving bar so consecutive frames differ in structure, not only in colour
        bar = Image.new("RGB", (max(1, width // 8), height), (255, 255, 255))
        img.paste(bar, ((i * 3) % width, 0))
        images.append(img)
    return images


def make_video(
    path: Path,
    frames: int = 40,
    gop: int = 10,
    size: tuple[int, int] = (64, 48),
    codec: str = "libx264",
    fps: int = 25,
    rotate: int | None = None,
) -> Path:
    """Encode ``frames`` frames with a key frame every ``gop`` frames (no scene-cut key frames)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop
        if codec == "libx264":
            stream.codec_context.options = {
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0",
            }
        if rotate is not None:
            stream.metadata["rotate"] = str(rotate)
        for img in _video_frame_images(frames, size):
            frame = av.VideoFrame.from_image(img)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def drop_leading_packets(source: Path, target: Path, count: int) -> Path:
    """Remux ``source`` into ``target`` without its first ``count`` video packets.

    Dropping the key frame at the start leaves a stream that begins with predicted frames.
    """
    import av

    with av.open(str(source)) as src, av.open(str(target), mode="w") as dst:
        in_stream = src.streams.video[0]
        out_stream = dst.add_stream_from_template(in_stream)
        seen = 0
        for packet in src.demux(in_stream):
            if packet.dts is None:
                continue
            seen += 1
            if seen <= count:
                continue
            packet.stream = out_stream
            dst.mux(packet)
    return target


def write_bytes(path: Path, data: bytes | Sequence[int]) -> Path:
    """Write raw bytes (for zero-byte and text-named-as-image files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))
    return path
