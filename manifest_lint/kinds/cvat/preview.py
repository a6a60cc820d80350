"""Where the image of one CVAT record is on disk, for reports that show it: ``name`` +
``extension`` below the manifest's folder (or ``--media-root``), with the media layer's
name guard and link check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from manifest_lint.media.store import LocalStore, escape_reason
from manifest_lint.media.thumbs import Locator, RecordMedia

if TYPE_CHECKING:
    from manifest_lint.config import Config
    from manifest_lint.context import Settings


def locator(path: Path, config: Config, settings: Settings) -> Locator:
    """The image file of an image record (video and header lines name none)."""
    store = LocalStore(settings.media_root or path.parent)

    def locate(line: str) -> RecordMedia | None:
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(obj, dict):
            return None
        name, ext = obj.get("name"), obj.get("extension")
        if not isinstance(name, str) or not isinstance(ext, str):
            return None
        ref = name + ext
        reason = escape_reason(ref)
        if reason is not None or "\\" in ref:
            return RecordMedia(ref, "", f"not opened: the name {reason or 'has a backslash'}")
        found, state = store.locate(ref)
        if state == "ok" and not Path(found).is_file():
            state = "missing"
        problem = {"ok": "", "missing": "not found",
                   "outside": "not opened: a link that leads outside the media folder"}[state]
        return RecordMedia(ref, found if state == "ok" else "", problem)

    return locate
