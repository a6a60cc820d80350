"""Image headers from the first bytes of an object: how many bytes a PNG or JPEG header
needs (:func:`header_end`), and what CVAT's probe says about an image from those bytes
(:func:`probe_image_data`, the in-memory twin of :func:`manifest_lint.media.images.probe_image`
for ``checksum=False``).
"""

from __future__ import annotations

import io
import struct

from manifest_lint.media import MediaError
from manifest_lint.media.images import ImageInfo, probe_source

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def header_end(data: bytes) -> int | None:
    """How many bytes from the start Pillow needs to read the header of the PNG or JPEG that
    ``data`` begins (possibly more than ``len(data)``); None when ``data`` already holds it;
    -1 when it is neither (then the caller reads the whole object)."""
    if data.startswith(PNG_SIGNATURE):
        at = 8
        while at + 8 <= len(data):
            length, kind = struct.unpack(">I4s", data[at:at + 8])
            if kind in (b"IDAT", b"IEND"):
                return None if at + 8 <= len(data) else at + 8
            at += 12 + length
        return at + 8
    if data.startswith(b"\xff\xd8"):
        at = 2
        while at + 4 <= len(data):
            if data[at] != 0xFF:
                return None  # not a marker: let the decoder judge what we have
            marker = data[at + 1]
            if marker == 0xFF:
                at += 1
                continue
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                at += 2
                continue
            length = struct.unpack(">H", data[at + 2:at + 4])[0]
            end = at + 2 + length
            if marker == 0xDA:  # start of scan: Pillow stops here
                return None if end <= len(data) else end
            at = end
        return at + 4
    return -1




def probe_image_data(data: bytes, url: str, *, complete: bool,
                     allow_large: bool = False) -> ImageInfo:
    """Size and EXIF orientation of the image whose first bytes are ``data`` (all of it when
    ``complete``), as :func:`~manifest_lint.media.images.probe_image` reports them for the
    same file; raises :class:`MediaError` naming ``url``. From a partial PNG, metadata after
    the pixel data (a rare place for EXIF) is not seen."""
    if not data:
        raise MediaError(url, "empty file (0 bytes)")
    return probe_source(io.BytesIO(data), url, checksum=False, allow_large=allow_large,
                        metadata_after_idat=lambda: complete and _png_metadata_after_idat(data))


def _png_metadata_after_idat(data: bytes) -> bool:
    """True if a chunk that may carry EXIF follows the first IDAT in ``data``."""
    at, seen_idat = 8, False
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IEND":
            return False
        if kind == b"IDAT":
            seen_idat = True
        elif seen_idat and kind in (b"eXIf", b"tEXt", b"zTXt", b"iTXt"):
            return True
        at += 12 + length
    return False
