"""Lone surrogates in CVAT manifest lines (which only Python's json reads).

CVAT's tool writes the bytes of a file name that is not UTF-8 as Python's escapes
U+DC80..U+DCFF (``os.fsdecode``); in a record's ``name``, ``extension`` or related images
they name a real file (CVAT210 warns). Any other lone surrogate is CVAT008.
"""

from __future__ import annotations

import os
from typing import Any

from manifest_lint.diagnostics import Diagnostic
from manifest_lint.kinds.cvat import rules as R
from manifest_lint.textio import (
    SURROGATE,
    describe_surrogate,
    first_surrogate,
    is_surrogate_escape,
    surrogate_in,
)

PATH_KEYS = ("name", "extension")


def lone_surrogate(path: str, n: int, obj: dict[str, Any]) -> Diagnostic | None:
    """CVAT008 for the first lone surrogate in ``obj`` that is not an escaped byte of a
    file name, or None."""
    rest = dict(obj)
    names: list[tuple[str, str]] = []
    if "name" in obj and "extension" in obj:  # an image record
        for key in PATH_KEYS:
            if isinstance(rest.get(key), str):
                names.append((key, rest.pop(key)))
        meta = rest.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("related_images"), list):
            related = meta["related_images"]
            names += [("meta.related_images", x) for x in related if isinstance(x, str)]
            rest["meta"] = {**meta,
                            "related_images": [x for x in related if not isinstance(x, str)]}
    props = rest.get("properties")
    if isinstance(props, dict) and isinstance(props.get("name"), str):  # a video's header
        names.append(("properties.name", props["name"]))
        rest["properties"] = {k: v for k, v in props.items() if k != "name"}
    found = None
    for where, text in names:
        bad = next((m for m in SURROGATE.finditer(text) if not is_surrogate_escape(m.group())),
                   None)
        if bad is not None:
            found = (where, text, bad.start(), bad.group())
            break
    else:
        found = surrogate_in(rest)
    if found is None:
        return None
    where, text, pos, char = found
    if is_surrogate_escape(char):
        how = ("only a file name may carry the escapes of non-UTF-8 bytes; write the text "
               "as UTF-8 (\\uXXXX escapes) or regenerate the manifest")
    else:
        how = ("it is half of a character above U+FFFF or a broken escape: write the whole "
               "pair (e.g. \\ud83d\\ude00) or the intended character, or regenerate the "
               "manifest with `manifest-lint create cvat`")
    return R.LONE_SURROGATE.diag(
        path, n, f"{where} {text!r} holds {describe_surrogate(char)} (character {pos + 1}); "
        f"{how}. `fix` leaves this line alone",
    )


def not_utf8(path: str, n: int, names: list[tuple[str, str]]) -> Diagnostic | None:
    """CVAT210 when a file name in a line (``(what, name)`` pairs) carries escaped bytes."""
    for what, text in names:
        found = first_surrogate(text)
        if found is not None:
            raw = os.fsencode(text)
            return R.NAME_NOT_UTF8.diag(
                path, n, f"{what} {text!r} is not UTF-8: it stands for the file name bytes "
                f"{raw!r} (character {found[0] + 1} is {describe_surrogate(found[1])}). CVAT "
                "finds the file on this machine, but the name will not survive a copy to S3 "
                "(object keys are UTF-8) or to another OS; rename the file to UTF-8 and "
                "regenerate the manifest (`manifest-lint create cvat`)",
            )
    return None
