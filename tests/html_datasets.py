"""A dataset whose HTML report has every kind of picture: a Lookout for Vision segmentation
manifest with its images and masks (a stray mask colour, a mask of the wrong size, an
image of another size), and a CSV label file with bare image names (one missing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

CLS = "groundtruth/image-classification"
SEG = "groundtruth/semantic-segmentation"
CMAP = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
        "1": {"class-name": "scratch", "hex-color": "#23a436", "confidence": 0.0},
        "2": {"class-name": "dent", "hex-color": "#1f77b4", "confidence": 0.0}}
SCRATCH = (0x23, 0xA4, 0x36)
STRAY = (0xFF, 0x00, 0xFF)


def board(path: Path, size: tuple[int, int] = (256, 192), hue: int = 0) -> Path:
    """A picture that looks like something: a green circuit board with traces and chips."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    img = Image.new("RGB", size, (20 + hue, 90, 50))
    draw = ImageDraw.Draw(img)
    for i in range(0, w, 24):
        draw.line([(i, 0), (i + h // 2, h)], fill=(190, 160, 60), width=2)
    for x, y in ((w // 5, h // 4), (w // 2, h // 2), (3 * w // 4, h // 5)):
        draw.rectangle([x, y, x + w // 8, y + h // 8], fill=(30, 30, 30))
    fmt = "PNG" if path.suffix == ".png" else "JPEG"
    img.save(path, fmt)
    return path


def mask(path: Path, size: tuple[int, int] = (256, 192),
         regions: list[tuple[tuple[int, int, int, int], tuple[int, int, int]]] | None = None
         ) -> Path:
    """A label mask: white background with coloured boxes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, (255, 255, 255))
    for box, colour in regions or [((40, 40, 120, 100), SCRATCH)]:
        img.paste(colour, box)
    img.save(path, "PNG")
    return path


def lfv(img: str, cls: str = "normal", mask_name: str | None = None) -> str:
    o: dict[str, Any] = {
        "source-ref": f"s3://bucket/train/{img}",
        "anomaly-label": 1 if cls == "anomaly" else 0,
        "anomaly-label-metadata": {"class-name": cls, "human-annotated": "yes", "type": CLS},
    }
    if mask_name is not None:
        o["anomaly-mask-ref"] = f"s3://bucket/masks/{mask_name}"
        o["anomaly-mask-ref-metadata"] = {"internal-color-map": CMAP,
                                          "human-annotated": "yes", "type": SEG}
    return json.dumps(o)


def media_dataset(folder: Path) -> Path:
    """The dataset at ``folder`` (created): ``manifest-lint.toml``, ``seg/train.manifest``
    and its media under ``media/``, ``labels/train.csv`` with images beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest-lint.toml").write_text(
        '[lfv]\nmedia-map = { "s3://bucket/" = "media" }\n', encoding="utf-8")
    media = folder / "media"
    for i in range(1, 5):
        board(media / "train" / f"ok{i}.jpg", hue=i * 8)
    board(media / "train" / "small.jpg", (200, 150), hue=60)  # LFV405: another size
    board(media / "train" / "s1.jpg", hue=30)
    board(media / "train" / "s2.jpg", hue=40)
    board(media / "train" / "s3.jpg", hue=50)
    mask(media / "masks" / "s1.png")
    mask(media / "masks" / "s2.png", regions=[((30, 30, 90, 90), SCRATCH),
                                              ((150, 60, 220, 140), STRAY)])  # LFV408
    mask(media / "masks" / "s3.png", size=(128, 96))  # LFV407
    lines = [lfv(f"ok{i}.jpg") for i in range(1, 5)]
    lines += [lfv("small.jpg"), lfv("s1.jpg", "anomaly", "s1.png"),
              lfv("s2.jpg", "anomaly", "s2.png"), lfv("s3.jpg", "anomaly", "s3.png")]
    (folder / "seg").mkdir()
    (folder / "seg" / "train.manifest").write_text("\n".join(lines) + "\n", encoding="utf-8")
    labels = folder / "labels"
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        board(labels / name, hue=70)
    (labels / "train.csv").write_text("a.jpg,normal\nb.jpg,anomaly\nc.jpg,scratch\n"
                                      "gone.jpg,normal\n", encoding="utf-8")
    return folder
