"""Probe an image the way CVAT's manifest tool sees it: size after the EXIF swap and pixel md5.

CVAT (``utils/dataset_manifest``) opens every image with Pillow and records

* ``width``/``height``: ``Image.size``, swapped when the EXIF Orientation tag (274) is > 4;
* ``checksum``: ``md5(image.tobytes())`` of the decoded first frame in its native mode (no
  ``convert()``, no EXIF transpose).

Pillow is imported inside the functions so that importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from manifest_lint.media import MediaError, check_regular_file

if TYPE_CHECKING:
    from PIL import Image

EXIF_ORIENTATION_TAG = 274

# PNG chunks whose content Pillow's ``getexif()`` can turn into an EXIF orientation.
_PNG_EXIF_CHUNKS = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class ImageInfo:
    """What CVAT records for one image.

    ``width``/``height`` are after CVAT's EXIF swap (orientation 5-8 swaps them);
    ``raw_width``/``raw_height`` are the stored pixel dimensions. ``checksum`` is the md5 of
    the decoded pixels, or ``None`` when the image was only probed, not decoded.
    ``orientation`` is the EXIF Orientation value (1 when absent).
    """

    width: int
    height: int
    raw_width: int
    raw_height: int
    format: str
    mode: str
    checksum: str | None
    orientation: int = 1


def probe_image(path: str | os.PathLike[str], *, checksum: bool,
                allow_large: bool = False) -> ImageInfo:
    """Read an image's size (and with ``checksum=True`` decode it and hash its pixels).

    With ``checksum=False`` only the header (and EXIF) is read, so a truncated pixel stream
    goes unnoticed. Every failure, including a decompression bomb (more than twice
    ``PIL.Image.MAX_IMAGE_PIXELS``, which Pillow refuses), raises :class:`MediaError`; nothing
    is allocated for a bomb. Between the limit and twice it Pillow only warns: with
    ``allow_large`` the image is probed as CVAT's tool does (:func:`over_pixel_limit` tells
    the caller), otherwise it is refused too. The warning is caught with
    ``warnings.catch_warnings``, which before Python 3.14 is not thread-safe: probe from one
    thread per process (processes are fine).
    """
    fspath = os.fspath(path)
    check_regular_file(fspath)
    return probe_source(fspath, fspath, checksum=checksum, allow_large=allow_large,
                        metadata_after_idat=lambda: _png_has_metadata_after_idat(fspath))


def probe_source(source: str | IO[bytes], where: str, *, checksum: bool, allow_large: bool,
                 metadata_after_idat: Callable[[], bool]) -> ImageInfo:
    """:func:`probe_image` of a file or of bytes in memory (``where`` names it in errors).
    ``metadata_after_idat`` tells whether a PNG may hold EXIF after its pixel data (then
    reading the orientation decodes the image, as CVAT's ``getexif()`` does)."""
    from PIL import Image, UnidentifiedImageError

    image_format = ""
    try:
        with warnings.catch_warnings():
            # Pillow only *warns* between MAX_IMAGE_PIXELS and twice that; CVAT goes on.
            warnings.simplefilter("ignore" if allow_large else "error",
                                  Image.DecompressionBombWarning)
            with Image.open(source) as img:
                image_format = img.format or ""
                mode = img.mode
                raw_width, raw_height = img.size
                orientation = _orientation(img, where, decode=checksum,
                                           metadata_after_idat=metadata_after_idat)
                digest = (
                    hashlib.md5(img.tobytes(), usedforsecurity=False).hexdigest()
                    if checksum
                    else None
                )
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(where, f"image too large to decode safely: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise MediaError(where, "not an image Pillow can identify") from exc
    except MemoryError as exc:
        raise MediaError(where, "cannot decode image: out of memory") from exc
    except Exception as exc:  # any decoder failure on corrupt input must not crash the caller
        raise MediaError(where, _decode_failure(exc, image_format)) from exc

    width, height = raw_width, raw_height
    if orientation > 4:
        width, height = height, width
    return ImageInfo(
        width=width,
        height=height,
        raw_width=raw_width,
        raw_height=raw_height,
        format=image_format,
        mode=mode,
        checksum=digest,
        orientation=orientation,
    )


def pixel_limit() -> int | None:
    """Pillow's ``MAX_IMAGE_PIXELS`` (None when the check is off)."""
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    return int(limit) if limit else None


def over_pixel_limit(width: int, height: int) -> int | None:
    """The pixel count when an image is above ``MAX_IMAGE_PIXELS`` (Pillow warns, CVAT
    writes it), else None. Past twice the limit Pillow refuses it: :func:`probe_image` raises."""
    limit = pixel_limit()
    pixels = width * height
    return pixels if limit is not None and pixels > limit else None


def _orientation(img: Image.Image, path: str, *, decode: bool,
                 metadata_after_idat: Callable[[], bool]) -> int:
    """EXIF orientation as CVAT reads it: ``img.getexif().get(274, 1)``.

    Pillow's PNG ``getexif()`` decodes the whole image unless an eXIf chunk precedes the pixel
    data; when only the header is wanted and no EXIF-bearing chunk follows the pixel data, the
    generic reader gives the same answer without decoding.
    """
    from PIL import Image

    if not decode and img.format == "PNG" and "exif" not in img.info and (
            not metadata_after_idat()):
        exif = Image.Image.getexif(img)
    else:
        exif = img.getexif()
    return orientation_value(exif.get(EXIF_ORIENTATION_TAG, 1), path)


def orientation_value(value: object, path: str) -> int:
    """The orientation as an int that is > 4 exactly when CVAT's ``orientation > 4`` is true.

    CVAT compares the raw tag value, so any real number works: a SHORT, a RATIONAL
    (Pillow's ``IFDRational``, e.g. 6.0), a float. A value that is not a number (a tuple, a
    string) cannot be compared, so CVAT's tool fails on it: :class:`MediaError`.
    """
    if not isinstance(value, numbers.Real):
        raise MediaError(path, f"invalid EXIF orientation value {value!r} (not a number); "
                               "rewrite the image's EXIF Orientation tag")
    number = float(value)
    if math.isnan(number):  # e.g. a RATIONAL with denominator 0: `nan > 4` is false
        return 1
    if math.isinf(number):
        return 8 if number > 0 else 1
    return int(value) if isinstance(value, int) else math.ceil(number)


def _png_has_metadata_after_idat(path: str) -> bool:
    """True if a chunk that may carry EXIF follows the first IDAT (or the file is unreadable)."""
    try:
        with open(path, "rb") as fp:
            if fp.read(8) != _PNG_SIGNATURE:
                return True
            seen_idat = False
            while True:
                header = fp.read(8)
                if len(header) < 8:  # truncated: every chunk present has been seen
                    return False
                length, kind = struct.unpack(">I4s", header)
                if kind == b"IEND":
                    return False
                if kind == b"IDAT":
                    seen_idat = True
                elif seen_idat and kind in _PNG_EXIF_CHUNKS:
                    return True
                fp.seek(length + 4, os.SEEK_CUR)
    except OSError:
        return True


def _decode_failure(exc: BaseException, image_format: str) -> str:
    text = str(exc).strip() or type(exc).__name__
    if "truncated" in text.lower():
        data = f"{image_format} data" if image_format else "data"
        return f"cannot decode image: truncated {data} ({text})"
    return f"cannot decode image: {text}"


# What a file that is not the image it claims to be starts with.
_SIGNATURES = (
    (b"GIF8", "a GIF"), (b"RIFF", "a RIFF (WebP?)"), (b"II*\x00", "a TIFF"),
    (b"MM\x00*", "a TIFF"), (b"BM", "a BMP"), (b"\x00\x00\x00", "an ISO media (HEIC/AVIF?)"),
    (b"%PDF", "a PDF"), (b"<", "text/HTML"), (b"{", "JSON text"),
)
PNG_SIGNATURE = _PNG_SIGNATURE
JPEG_SIGNATURE = b"\xff\xd8\xff"


def describe_head(head: bytes) -> str:
    """What a file is, judged by its first bytes ("a GIF", "an empty file", ...)."""
    if not head:
        return "an empty file"
    if head.startswith(_PNG_SIGNATURE):
        return "a PNG"
    if head.startswith(JPEG_SIGNATURE):
        return "a JPEG"
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    return "a file of unknown type"


def count_colors(path: str | os.PathLike[str], limit: int
                 ) -> tuple[tuple[int, int], dict[str, int] | None]:
    """The image's size and its opaque colours as ``#rrggbb`` -> pixels (palette and alpha
    converted; fully transparent pixels left out), or ``None`` for more than ``limit``
    colours. Raises :class:`MediaError` (a decompression bomb too)."""
    from PIL import Image

    fspath = os.fspath(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fspath) as img:
                size = img.size
                counts = img.convert("RGBA").getcolors(limit)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(fspath, "too large to decode safely") from exc
    except Exception as exc:  # noqa: BLE001 - corrupt media must become a diagnostic
        raise MediaError(fspath, f"cannot be decoded: {exc}") from exc
    if counts is None:
        return size, None
    found: dict[str, int] = {}
    for count, (r, g, b, a) in counts:
        if a == 0:
            continue  # fully transparent: background
        key = f"#{r:02x}{g:02x}{b:02x}"
        found[key] = found.get(key, 0) + count
    return size, found
