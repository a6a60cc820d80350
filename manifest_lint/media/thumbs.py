"""Thumbnails for reports: an image scaled to a bounded size, or a mask blended over its
image, as ``data:`` URIs (made with Pillow, in worker processes when there are many).

Nothing here knows a kind: a :data:`ThumbTask` names the files and the colours a mask may
hold. The worker never raises for bad media; a result says what went wrong instead.
"""

from __future__ import annotations

import base64
import io
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

SIZE = 160  # the longer side of a thumbnail, in pixels
MASK_ALPHA = 150  # how opaque a mask's colours are over its image (of 255)
MAX_LEGEND = 12  # colours of a mask listed that its colour map does not name
BACKGROUND = frozenset({"#ffffff", "#000000"})

@dataclass(frozen=True)
class RecordMedia:
    """The files one record names, located by its kind: what a report can show of it.

    ``image``/``mask`` are local files to open ("" when there is none to open, and then
    ``*_problem`` says why: not found, not mapped to a local folder, leads outside its
    folder). ``legend`` is the record's colour map as ``(#rrggbb, class name)`` pairs."""

    image_ref: str = ""
    image: str = ""
    image_problem: str = ""
    mask_ref: str = ""
    mask: str = ""
    mask_problem: str = ""
    legend: tuple[tuple[str, str], ...] = ()


# A kind's locator: one physical line of a file (its text) -> the record's media, or None
# when the line names none.
Locator = Callable[[str], "RecordMedia | None"]

# (image path or "", mask path or "", size). A result: ["ok", data URI, width, height,
# colours of the mask not in BACKGROUND as [["#rrggbb", pixels], ...], why the mask could
# not be drawn or ""] or ["error", why].
ThumbTask = tuple[str, str, int]


def make_thumbnails(batch: Sequence[ThumbTask]) -> list[list[Any]]:
    """Worker: the thumbnails of a batch (a module-level function, for worker processes)."""
    return [thumbnail(*task) for task in batch]


def thumbnail(image: str, mask: str, size: int = SIZE) -> list[Any]:
    """``image`` scaled to fit ``size`` x ``size`` (EXIF orientation applied), with ``mask``
    blended over it when given (or the mask alone when there is no image)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            base = _open_scaled(image, size) if image else None
            colours: list[list[Any]] = []
            mask_problem = ""
            if mask:
                try:
                    overlay, colours = _mask_layer(mask, base.size if base else None, size)
                except Exception as exc:  # noqa: BLE001 - show the image, say the mask failed
                    if base is None:
                        raise
                    mask_problem = _failure(exc)
                else:
                    if base is None:
                        base = Image.new("RGB", overlay.size, (255, 255, 255))
                    base = base.convert("RGBA")
                    base.alpha_composite(overlay)
                    base = base.convert("RGB")
    except Exception as exc:  # noqa: BLE001 - a broken file is shown as such, not a crash
        return ["error", _failure(exc)]
    assert base is not None
    return ["ok", _data_uri(base), base.width, base.height, colours, mask_problem]


def _failure(exc: BaseException) -> str:
    from PIL import Image

    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return "too large to decode safely"
    return f"cannot be decoded: {str(exc).strip() or type(exc).__name__}"


def _open_scaled(path: str, size: int) -> Image.Image:
    from PIL import Image, ImageOps

    with Image.open(path) as img:
        img.draft("RGB", (size, size))  # JPEG: decode at a reduced scale
        out = ImageOps.exif_transpose(img) or img
        out = out.convert("RGBA") if "A" in out.getbands() or out.mode == "P" else out
        out = out.convert("RGB") if out.mode != "RGBA" else _flatten(out)
        out.thumbnail((size, size))
        return out


def _flatten(img: Image.Image) -> Image.Image:
    """An RGBA image over a light grey background (JPEG has no transparency)."""
    from PIL import Image

    back = Image.new("RGBA", img.size, (235, 235, 235, 255))
    back.alpha_composite(img)
    return back.convert("RGB")


def _mask_layer(path: str, fit: tuple[int, int] | None, size: int
                ) -> tuple[Image.Image, list[list[Any]]]:
    """The mask as a half-transparent RGBA layer of size ``fit`` (background colours and
    transparent pixels left clear), and the mask's colours with their pixel counts."""
    from PIL import Image, ImageChops

    with Image.open(path) as img:
        rgba = img.convert("RGBA")
    counts = rgba.getcolors(4096) or []
    colours = sorted(([f"#{r:02x}{g:02x}{b:02x}", n] for n, (r, g, b, a) in counts
                      if a and f"#{r:02x}{g:02x}{b:02x}" not in BACKGROUND),
                     key=lambda c: -c[1])
    if fit is None:
        rgba.thumbnail((size, size), Image.Resampling.NEAREST)
    else:
        rgba = rgba.resize(fit, Image.Resampling.NEAREST)
    opaque = rgba.getchannel("A").point(lambda v: 255 if v else 0)
    alpha = ImageChops.multiply(_not_background(rgba), opaque)
    rgba.putalpha(alpha.point(lambda v: MASK_ALPHA if v else 0))
    return rgba, colours[:MAX_LEGEND * 4]


def _not_background(rgba: Image.Image) -> Image.Image:
    """A mask (``L``, 255 = keep) of the pixels that are neither pure white nor black."""
    from PIL import ImageChops

    r, g, b = rgba.convert("RGB").split()
    brightest = ImageChops.lighter(ImageChops.lighter(r, g), b)
    darkest = ImageChops.darker(ImageChops.darker(r, g), b)
    not_black = brightest.point(lambda v: 255 if v else 0)
    not_white = darkest.point(lambda v: 255 if v < 255 else 0)
    return ImageChops.multiply(not_black, not_white)


def _data_uri(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
