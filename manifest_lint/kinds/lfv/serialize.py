"""Writing manifest lines: the canonical classification line, the style of an existing line,
and reading ``creation-date`` values.

The AWS CSV-to-manifest script writes ``json.dumps`` with its default separators
(``", "`` and ``": "``, ASCII escapes); a changed line is re-serialised in the style of the
line it replaces so that a diff shows only the real change.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

CLASSIFICATION_TYPE = "groundtruth/image-classification"
SEGMENTATION_TYPE = "groundtruth/semantic-segmentation"
LABEL_ATTRIBUTE = "anomaly-label"
JOB_NAME = "labeling-job/anomaly-classification"
CLASSES = ("normal", "anomaly")
LABEL_VALUES = {"normal": 0, "anomaly": 1}
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


@dataclass(frozen=True, slots=True)
class Style:
    """How a line is serialised: separators and whether non-ASCII is escaped."""

    item_sep: str = ", "
    key_sep: str = ": "
    ensure_ascii: bool = True


AWS_STYLE = Style()


def detect_style(body: bytes) -> Style:
    """The separators most used in a serialised object, and whether it escapes non-ASCII
    (AWS style where it does not tell)."""
    keys, spaced_keys = body.count(b'":'), body.count(b'": ')
    items, spaced_items = body.count(b',"') + body.count(b', "'), body.count(b', "')
    key_sep = ":" if keys and spaced_keys * 2 < keys else ": "
    item_sep = "," if items and spaced_items * 2 < items else ", "
    return Style(item_sep, key_sep, ensure_ascii=body.isascii())


def dumps(obj: Any, style: Style) -> str:
    """One compact line for ``obj`` in ``style`` (key order kept)."""
    return json.dumps(obj, separators=(style.item_sep, style.key_sep),
                      ensure_ascii=style.ensure_ascii)


class DateError(ValueError):
    """``SOURCE_DATE_EPOCH`` is set but not a Unix timestamp."""


def creation_date(env: dict[str, str] | None = None) -> str:
    """The ``creation-date`` for new lines: ``SOURCE_DATE_EPOCH`` (UTC) when set, else now
    (UTC), formatted as the AWS script does (no zone suffix)."""
    environ = os.environ if env is None else env
    raw = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        try:
            when = datetime.fromtimestamp(int(raw), tz=timezone.utc)
        except (ValueError, OverflowError, OSError) as exc:
            raise DateError(
                f"SOURCE_DATE_EPOCH={raw!r} is not a Unix timestamp in seconds"
            ) from exc
    else:
        when = datetime.now(tz=timezone.utc)
    return when.strftime(DATE_FORMAT)


def classification_line(uri: str, cls: str, date: str) -> str:
    """The canonical manifest line for one image, keys in the documented order."""
    obj = {
        "source-ref": uri,
        LABEL_ATTRIBUTE: LABEL_VALUES[cls],
        f"{LABEL_ATTRIBUTE}-metadata": {
            "confidence": 1,
            "job-name": JOB_NAME,
            "class-name": cls,
            "human-annotated": "yes",
            "creation-date": date,
            "type": CLASSIFICATION_TYPE,
        },
    }
    return dumps(obj, AWS_STYLE)


_ISO = re.compile(  # extended (2020-11-10T03:37:09.600Z) or basic (20201110T033709)
    r"(\d{4})-?(\d\d)-?(\d\d)"
    r"(?:[T ](\d\d)(?::?(\d\d)(?::?(\d\d)(?:[.,]\d{1,9})?)?)?"
    r"(?:Z|[+-]\d\d(?::?\d\d)?)?)?",
)
# JavaScript Date.toString(): "Mon Aug 22 2022 13:52:52 GMT-0700 (Pacific Daylight Time)"
_JS = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d\d) (\d{4}) "
    r"(\d\d):(\d\d):(\d\d) GMT[+-]\d{4}(?: \([^()]*\))?"
)
_MONTHS = {m: i for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}


def parse_date(value: str) -> bool:
    """True if ``value`` is an ISO 8601 date(-time) or a JavaScript ``Date.toString()``."""
    try:
        datetime.fromisoformat(value)  # C-fast; the common case
    except ValueError:
        pass
    else:
        return True
    m = _ISO.fullmatch(value)
    if m is not None:
        y, mo, d, h, mi, s = m.groups()
        return _valid(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    m = _JS.fullmatch(value)
    if m is not None:
        mon, d, y, h, mi, s = m.groups()
        return _valid(int(y), _MONTHS[mon], int(d), int(h), int(mi), int(s))
    return False


def _valid(y: int, mo: int, d: int, h: int, mi: int, s: int) -> bool:
    try:
        datetime(y, mo, d, h, mi, min(s, 59))  # a leap second (60) is a valid time
    except ValueError:
        return False
    return s <= 60
