"""Probing the files of Lookout for Vision records (in worker processes): what an image or
mask is, its size and a mask's colours, as small lists that travel back and are cached.
Never raises for bad media: an outcome describes the problem instead."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeGuard

from manifest_lint.media.images import JPEG_SIGNATURE, PNG_SIGNATURE, describe_head

MAX_SIDE = 4096
MAX_MASK_COLORS = 4096

# What a worker gets: (path, "image" | "image-deep" | "mask") for every file to probe.
Probe = tuple[str, str]


def probe_files(batch: Sequence[list[Probe]]) -> list[dict[str, list[Any]]]:
    """Worker: probe the files of a batch of records (a module-level function)."""
    out = []
    for probes in batch:
        found: dict[str, list[Any]] = {}
        for path, what in probes:
            found[path] = _probe_mask(path) if what == "mask" else _probe_image(
                path, what == "image-deep")
        out.append(found)
    return out


_PROBLEMS = {"image": ("format", "too-large"), "mask": ("format", "too-large", "colors")}


def valid_outcome(outcome: Any, what: str, *, local: bool = False) -> TypeGuard[list[Any]]:
    """True when ``outcome`` (e.g. read back from the cache) has the shape a probe of
    ``what`` (``image``, ``image-deep`` or ``mask``) returns; a ``local`` image needs its
    file md5 (an entry without one is from an older release)."""
    kind = "mask" if what == "mask" else "image"
    if not isinstance(outcome, list) or not outcome:
        return False
    if outcome[0] in _PROBLEMS[kind]:
        return len(outcome) == 2 and isinstance(outcome[1], str)
    # an image: its size, and the md5 of the file when the whole file was read (not for an
    # object in a bucket whose header alone was read)
    if outcome[0] != "ok" or len(outcome) not in ((3, 4) if kind == "image" else (4,)):
        return False
    width, height = outcome[1], outcome[2]
    if not (type(width) is int and type(height) is int  # noqa: E721
            and width > 0 and height > 0):
        return False
    if kind == "image":
        if len(outcome) == 3:
            return not local
        return isinstance(outcome[3], str) and len(outcome[3]) == 32
    return isinstance(outcome[3], dict) and all(
        isinstance(k, str) and type(v) is int for k, v in outcome[3].items())


def _head(path: str) -> bytes | str:
    try:
        with open(path, "rb") as f:
            return f.read(16)
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"


def _probe_image(path: str, deep: bool) -> list[Any]:
    """``["ok", w, h, md5 of the file]`` (stored size), or ``[problem kind, message]``;
    never raises."""
    from manifest_lint.media import MediaError
    from manifest_lint.media.digest import file_md5
    from manifest_lint.media.images import probe_image

    head = _head(path)
    if isinstance(head, str):
        return ["format", head]
    if not head.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        return ["format", f"is {describe_head(head)}, not a PNG or JPEG; convert it (Lookout "
                          "for Vision accepts only PNG and JPEG)"]
    try:
        info = probe_image(path, checksum=deep)
    except MediaError as exc:
        if "too large" in exc.message:
            return ["too-large", f"is too large to decode safely ({exc.message}); Lookout "
                                 f"for Vision accepts at most {MAX_SIDE}x{MAX_SIDE}"]
        return ["format", f"cannot be read: {exc.message}; re-export it as PNG or JPEG"]
    try:
        digest = file_md5(path)
    except OSError as exc:
        return ["format", f"cannot be read: {exc.strerror or exc}"]
    return ["ok", info.raw_width, info.raw_height, digest]


def _probe_mask(path: str) -> list[Any]:
    """``["ok", w, h, {colour: pixels}]`` for opaque-enough pixels, or ``[problem kind,
    message]``; never raises."""
    from manifest_lint.media import MediaError
    from manifest_lint.media.images import count_colors

    head = _head(path)
    if isinstance(head, str):
        return ["format", head]
    if not head.startswith(PNG_SIGNATURE):
        return ["format", f"is {describe_head(head)}, not a PNG; save the mask as PNG "
                          "(renaming is not enough)"]
    try:
        size, found = count_colors(path, MAX_MASK_COLORS)
    except MediaError as exc:
        if "too large" in exc.message:
            return ["too-large", "is too large to decode safely"]
        return ["format", f"{exc.message}; re-export it as PNG"]
    if found is None:
        return ["colors", f"has more than {MAX_MASK_COLORS} colours: it is not a label mask "
                          "(saved with anti-aliasing, or a photo?)"]
    return ["ok", size[0], size[1], found]
