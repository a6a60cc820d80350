"""Where the image and mask of one Lookout for Vision record (a manifest line or a CSV
row) are on disk, for reports that show them. Located exactly as the media pass locates
them (``media-map``, the CSV's folder or ``--media-root``), with the same guards."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from manifest_lint.kinds.lfv.media import MediaChecker, parse_media_map
from manifest_lint.media.thumbs import Locator, RecordMedia

if TYPE_CHECKING:
    from manifest_lint.config import Config
    from manifest_lint.context import Settings


def _checker(path: Path, config: Config, settings: Settings, base: Path | str | None
             ) -> MediaChecker:
    roots = parse_media_map(config.options("lfv").get("media-map", {}), config.root)
    return MediaChecker(str(path), roots, enabled=lambda _r: True, active=True,
                        relative_base=base)


def _find(media: MediaChecker, ref: str) -> tuple[str, str]:
    """The file to open for ``ref`` and "", or "" and why it cannot be opened."""
    loc = media._locate(ref)
    if loc.escape:
        return "", f"not opened: {loc.escape}"
    if loc.path is None:
        return "", loc.skip or "not reachable locally"
    if not os.path.isfile(loc.path):
        return "", "not found"
    return loc.path, ""


def lfv_locator(path: Path, config: Config, settings: Settings) -> Locator:
    """The media of a manifest line: ``source-ref`` and the first mask with its colour map."""
    media = _checker(path, config, settings, None)

    def locate(line: str) -> RecordMedia | None:
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(obj, dict) or not isinstance(obj.get("source-ref"), str):
            return None
        ref = obj["source-ref"].strip()
        image, problem = _find(media, ref)
        mask_ref, legend = _mask(obj)
        mask, mask_problem = _find(media, mask_ref) if mask_ref else ("", "")
        return RecordMedia(ref, image, problem, mask_ref, mask, mask_problem, legend)

    return locate


def _mask(obj: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The first mask reference of a line and its colour map as (colour, class) pairs."""
    for key, value in obj.items():
        if key == "source-ref" or not key.endswith("-ref") or not isinstance(value, str):
            continue
        meta = obj.get(f"{key}-metadata")
        cmap = meta.get("internal-color-map") if isinstance(meta, dict) else None
        legend: list[tuple[str, str]] = []
        if isinstance(cmap, dict):
            for entry in cmap.values():
                if isinstance(entry, dict) and isinstance(entry.get("hex-color"), str):
                    legend.append((entry["hex-color"].lower(),
                                   str(entry.get("class-name", ""))))
        return value.strip(), tuple(legend)
    return "", ()


def csv_locator(path: Path, config: Config, settings: Settings) -> Locator:
    """The image of a CSV row: ``s3://`` through ``media-map``, a bare name relative to
    ``--media-root`` or the CSV's folder."""
    media = _checker(path, config, settings, settings.media_root or path.parent)

    def locate(line: str) -> RecordMedia | None:
        try:
            fields = next(csv.reader([line]), [])
        except csv.Error:
            return None
        if not fields or not fields[0].strip():
            return None
        ref = fields[0].strip()
        bare = not (ref.lower().startswith("s3:") or "://" in ref)
        image, problem = _find(media, ref.lstrip("/") if bare else ref)
        return RecordMedia(ref, image, problem)

    return locate
