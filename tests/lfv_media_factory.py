"""Tiny images and masks for the Lookout for Vision media tests (made with Pillow)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

Box = tuple[int, int, int, int]
RGB = tuple[int, int, int]


def jpeg(path: Path, size: tuple[int, int] = (64, 64), color: RGB = (120, 130, 140)) -> Path:
    """A baseline RGB JPEG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, "JPEG", quality=90)
    return path


def png(path: Path, size: tuple[int, int] = (64, 64), color: RGB = (120, 130, 140)) -> Path:
    """An RGB PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, "PNG")
    return path


def webp(path: Path, size: tuple[int, int] = (64, 64)) -> Path:
    """A WebP image (whatever the name says)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (10, 20, 30)).save(path, "WEBP")
    return path


def mask(
    path: Path,
    size: tuple[int, int] = (64, 64),
    regions: list[tuple[Box, RGB]] | None = None,
    *,
    background: RGB = (0, 0, 0),
    transparent: bool = True,
    fmt: str = "PNG",
) -> Path:
    """A palette mask like AWS's: ``background`` (transparent via tRNS unless told
    otherwise) with coloured rectangles."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, background)
    for box, color in regions or [((8, 8, 24, 24), (0x23, 0xA4, 0x36))]:
        img.paste(color, box)
    if fmt != "PNG":
        img.save(path, fmt)
        return path
    pal = img.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    palette = pal.getpalette() or []
    index = next((i // 3 for i in range(0, len(palette), 3)
                  if tuple(palette[i:i + 3]) == background), None)
    if transparent and index is not None:
        pal.save(path, "PNG", transparency=index)
    else:
        pal.save(path, "PNG")
    return path
