"""The regex fast path of the manifest checker: whole blocks of canonical lines at C speed.

After a clean one-line object, :func:`learn` builds one regular expression for that line's
exact shape: its keys in order, its separators and every metadata value, with only what
varies between images left open: ``source-ref`` (in the same bucket; a printable-ASCII key
of non-empty segments ending in ``.png``, ``.jpg`` or ``.jpeg``), the label (``0``/``1``)
with the class-name that goes with it, ``confidence`` (a number from 0 to 1 written plainly)
and ``creation-date`` (ISO 8601 with a real calendar date and time, checked by the pattern
itself: month 13 or 30 February do not match). Any line the pattern matches is one the
detailed checks of :mod:`record` pass without a diagnostic, so a matched line is never
turned into a dict: ``split`` hands over its ``source-ref`` and class. Lines it does not
match go through the usual per-line path, so their diagnostics are the same as ever.

The template path (``_fast``) is here too: a block that parses but does not go through a
shape is checked object by object against the learned metadata templates.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import compress, repeat
from operator import mod, ne
from typing import TYPE_CHECKING, Any

import orjson

from manifest_lint.kinds.csv.rows import CLASS_SLOTS
from manifest_lint.kinds.lfv.reading import split_lines
from manifest_lint.kinds.lfv.record import IMAGE_EXTENSIONS
from manifest_lint.kinds.lfv.serialize import detect_style

if TYPE_CHECKING:
    from manifest_lint.diagnostics import Diagnostic
    from manifest_lint.kinds.lfv.media import MediaChecker
    from manifest_lint.kinds.lfv.record import RecordInfo
    from manifest_lint.kinds.lfv.sync import Sync

# a key: segments of printable ASCII but '"', '\\' and '/', one '/' between them, and an
# image extension (possessive where Python has it, so that nothing is tried twice); [0-9],
# never \d, which matches other scripts' digits too
_P = "+" if sys.version_info >= (3, 11) else ""
REF = rf"(?:[ !#-.0-\[\]-~]+{_P}/)*{_P}[ !#-.0-\[\]-~]+{_P}(?:(?<=\.png)|(?<=\.jpg)|(?<=\.jpeg))"
_MONTH_DAY = (r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
              r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31"
              # 29 February after a leap year (both alternatives 5 characters, as a
              # lookbehind needs)
              r"|(?<=[0-9][0-9](?:0[48]|[2468][048]|[13579][26])-|(?:[02468][048]|[13579][26])00-)"
              r"02-29)")
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
DATE = (rf"(?!0000)[0-9]{{4}}-{_MONTH_DAY}"
        rf"T{_TIME}(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?")
CONFIDENCE = r"(?:[01](?:\.0+)?|0\.[0-9]+)"


@dataclass(frozen=True, slots=True)
class Shape:
    """The learned line shape: ``pattern.split`` of a block with a newline put before it
    gives ``[between, source-ref, "1" (anomaly) or None, between, ...]``."""

    pattern: re.Pattern[str]


def learn(obj: dict[str, Any], body: bytes, keys: tuple[str, str], prefix: str
          ) -> Shape | None:
    """The shape of the clean one-line object ``obj`` (its bytes ``body``), or None when it
    cannot be learned from it (not ASCII, not written as ``json.dumps`` would, the label
    after its metadata or before ``source-ref``, no ``s3://`` bucket ``prefix`` known)."""
    label_key, meta_key = keys
    order = list(obj)
    meta = obj.get(meta_key)
    if (not body.isascii() or not prefix.startswith("s3://") or not isinstance(meta, dict)
            or order.index(label_key) > order.index(meta_key)):
        return None
    style = detect_style(body)
    seps = (style.item_sep, style.key_sep)
    if json.dumps(obj, separators=seps).encode() != body:
        return None  # spaced or escaped in a way the pattern would not reproduce

    def lit(value: Any) -> str:
        return re.escape(json.dumps(value, separators=seps))

    def pairs(items: list[tuple[str, str]]) -> str:
        return re.escape(style.item_sep).join(
            lit(k) + re.escape(style.key_sep) + v for k, v in items)

    meta_parts: list[tuple[str, str]] = []
    for k, v in meta.items():
        if k == "class-name":
            meta_parts.append((k, '(?(2)"anomaly"|"normal")'))
        elif k == "confidence":
            meta_parts.append((k, CONFIDENCE))
        elif k == "creation-date":
            meta_parts.append((k, f'"{DATE}"'))
        else:
            meta_parts.append((k, lit(v)))
    top: list[tuple[str, str]] = []
    for k in order:
        if k == "source-ref":
            top.append((k, f'"({re.escape(prefix)}{REF})"'))
        elif k == label_key:
            top.append((k, "(?:(1)|0)"))
        else:
            top.append((k, r"\{" + pairs(meta_parts) + r"\}"))
    if order.index("source-ref") > order.index(label_key):
        return None  # the groups must come in this order
    return Shape(re.compile(r"\n\{" + pairs(top) + r"\}(?=\n)"))


MAX_LEARNS = 8  # a shape is learned again when a block matches nothing, this often at most
_SLOTS = CLASS_SLOTS
_ONE = 1  # orjson returns the cached small ints, so `is` compares them exactly
_ZERO = 0
_NUMBERS = (int, float)
_MISSING = object()
_from_iso = datetime.fromisoformat


class FastPaths:
    """The checker's fast paths (a mixin of the checker's ``_Scan``, which holds the state
    named here): blocks through the learned :class:`Shape`, and blocks of parsed objects
    checked against the learned metadata templates (``_fast``)."""

    shape: Shape | None
    learns: int
    n: int
    objects: int
    normal: int
    anomaly: int
    limit: int
    over_line: int
    content: bool
    acc: list[bytes] | None
    seen: dict[str, int]
    sync: Sync | None
    media: MediaChecker | None
    label_key: str
    meta_key: str
    templates: tuple[dict[str, Any] | None, dict[str, Any] | None]
    bucket_prefix: str
    last_date: str | None

    def _line(self, body: bytes, n: int) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def _object(self, obj: Any, start: int, end: int, body: bytes) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def _extras(self, sr: str, cls: str | None, info: RecordInfo | None, start: int,
                end: int) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def _repeat(self, sr: str, first: int, start: int, end: int) -> Diagnostic:
        raise NotImplementedError

    def learn_shape(self, obj: dict[str, Any], body: bytes, keys: tuple[str, str],
                    prefix: str) -> None:
        """Learn the shape from a clean one-line object, if none is learned yet."""
        if self.shape is None and self.learns < MAX_LEARNS:
            self.learns += 1
            self.shape = learn(obj, body, keys, prefix)

    def shaped(self, data: bytes) -> Iterator[Diagnostic] | None:
        """Diagnostics of a block (``data``, no ``\\r`` in it) through the shape, or None
        when it is read the usual way: it is not UTF-8, or the shape matched none of its
        lines (a later clean line teaches a new one)."""
        shape = self.shape
        assert shape is not None
        try:
            text = "\n" + data.decode()
        except UnicodeDecodeError:
            return None
        if not text.endswith("\n"):
            text += "\n"
        # [between, source-ref, one, between, ...]: between is "" between matched lines
        parts = shape.pattern.split(text)
        if len(parts) == 1:
            self.shape = None
            return None
        between = parts[::3]
        k = len(between) - 1
        if between.count("") == k and between[-1] == "\n":
            return self._bulk(parts[1::3], parts[2::3])
        return self._mixed(data, parts)

    def _bulk(self, refs: list[str], ones: list[str | None]) -> Iterator[Diagnostic]:
        """Lines that matched, in a row: the map of first lines updated in C."""
        n0, k = self.n, len(refs)
        nums = list(range(n0 + 1, n0 + k + 1))
        firsts = list(map(self.seen.setdefault, refs, nums))
        before = self.objects
        if self.limit and before <= self.limit < before + k:
            self.over_line = n0 + self.limit + 1 - before
        self.n, self.objects, self.content = n0 + k, before + k, True
        if firsts == nums:
            return self._new(refs, ones, n0)
        return self._repeats(refs, ones, n0, firsts, nums)

    def _repeats(self, refs: list[str], ones: list[str | None], n0: int, firsts: list[int],
                 nums: list[int]) -> Iterator[Diagnostic]:
        """Matched lines some of which repeat an image: the runs of new images between
        the repeats as in :meth:`_new`."""
        at = 0
        for i in compress(range(len(refs)), map(ne, firsts, nums)):
            if at < i:
                yield from self._new(refs[at:i], ones[at:i], n0 + at)
            yield self._repeat(refs[i], firsts[i], nums[i], nums[i])
            at = i + 1
        if at < len(refs):
            yield from self._new(refs[at:], ones[at:], n0 + at)

    def _new(self, refs: list[str], ones: list[str | None], n0: int) -> Iterator[Diagnostic]:
        """Images shown for the first time on lines ``n0 + 1``, ...: counted, and compared
        with the CSV beside the manifest (in C when they all agree with it)."""
        anomaly = ones.count("1")
        self.anomaly += anomaly
        self.normal += len(refs) - anomaly
        sync = self.sync
        if sync is None or self._synced(refs, ones, n0):
            return
        images = sync.images
        get = images.get
        for n, (sr, one) in enumerate(zip(refs, ones, strict=True), n0 + 1):
            packed = get(sr)
            # CLASSES is (normal, anomaly): class index 1 is anomaly-label 1
            if packed is not None and packed >= 0 and packed % _SLOTS == (one == "1"):
                images[sr] = -n
                continue
            cls = "anomaly" if one else "normal"
            if (d := sync.check(sr, cls, cls, n, n)) is not None:
                yield d

    def _synced(self, refs: list[str], ones: list[str | None], n0: int) -> bool:
        """Settle new images that the CSV lists with the same class, all in C (each one's
        packed CSV row becomes minus its manifest line); False, changing nothing, when
        any is missing from the CSV, already shown or of another class."""
        assert self.sync is not None
        images = self.sync.images
        packs = list(map(images.get, refs, repeat(-1)))
        # CLASSES is (normal, anomaly): class index 1 is anomaly-label 1
        if min(packs) < 0 or list(map(mod, packs, repeat(_SLOTS))) != list(map(bool, ones)):
            return False
        images.update(zip(refs, range(-n0 - 1, -n0 - len(refs) - 1, -1), strict=True))
        return True

    def _mixed(self, data: bytes, parts: list[Any]) -> Iterator[Diagnostic]:
        """A block where some lines matched: runs of matched lines in bulk, the others (and
        every line while an object spread over lines is being joined) one by one as usual."""
        lines = split_lines(data)[0]
        refs, ones, between = parts[1::3], parts[2::3], parts[::3]
        k = len(refs)
        at = 0  # the next matched line
        li = 0  # the next line, an index into lines
        for j in compress(range(k + 1), between):  # lines that did not match
            while at < j and self.acc is not None:
                self.n += 1
                yield from self._line(lines[li], self.n)
                li, at = li + 1, at + 1
            if at < j:
                yield from self._bulk(refs[at:j], ones[at:j])
                li, at = li + j - at, j
            count = between[j].count("\n") - (j == k)  # the last holds the final newline
            for body in lines[li:li + count]:
                self.n += 1
                yield from self._line(body, self.n)
            li += count

    def _fast(self, objs: list[Any], lines: list[bytes], escapes: bool
              ) -> Iterator[Diagnostic]:
        """Objects of one block: the canonical shape inline, the rest via ``_object``.

        An object is canonical when it has exactly ``source-ref`` and the learned label
        pair, its metadata without ``creation-date`` and ``confidence`` equals the learned
        template of its class (one C-level dict comparison), and the popped values, the
        label value and ``source-ref`` pass their checks. The pops change the object, so
        the slow path parses the line again.
        """
        n = self.n
        objects = self.objects
        over = self.limit + 1 if self.limit else -1
        first_line = self.seen.setdefault
        meta_key, label_key = self.meta_key, self.label_key
        t_anomaly, t_normal = self.templates
        prefix = self.bucket_prefix
        plen = len(prefix)
        extras = self.media is not None or self.sync is not None
        # with only the CSV sync on, an image in the CSV with the same class is settled
        # here: its packed CSV row (line * CLASS_SLOTS + class index) becomes -line
        images = self.sync.images if self.sync is not None and self.media is None else None
        in_csv = images.get if images is not None else None
        last_date = self.last_date
        anomaly = 0
        fast = 0
        for obj, body in zip(objs, lines, strict=True):
            n += 1
            try:
                md = obj[meta_key]
                cd = md.pop("creation-date", _MISSING)
                c = md.pop("confidence", _ONE)
                v = obj[label_key]
                sr = obj["source-ref"]
                ok = (
                    ((v is _ONE and md == t_anomaly) or (v is _ZERO and md == t_normal))
                    and len(obj) == 3
                    and (c is _ONE or (c.__class__ in _NUMBERS and 0 <= c <= 1))
                    and sr.__class__ is str
                    and sr.startswith(prefix) and sr.endswith(IMAGE_EXTENSIONS)
                    and sr.find("//", plen) < 0 and sr.isascii()
                    and (not escapes or sr.isprintable())
                )
                if ok and cd is not _MISSING and cd != last_date:
                    ok = cd.__class__ is str and _from_iso(cd) is not None
                    last_date = cd
            except (KeyError, TypeError, AttributeError, ValueError):
                ok = False
            if ok and first_line(sr, n) is n:  # `n` is stored only for a new source-ref
                objects += 1
                fast += 1
                if objects == over:
                    self.over_line = n
                if v is _ONE:
                    anomaly += 1
                if in_csv is not None:
                    packed = in_csv(sr)
                    # CLASSES is (normal, anomaly): class index 1 is anomaly-label 1
                    if packed is not None and packed >= 0 and packed % _SLOTS == v:
                        images[sr] = -n  # type: ignore[index]
                        continue
                if extras:
                    self.n = n
                    yield from self._extras(sr, "anomaly" if v is _ONE else "normal", None,
                                            n, n)
                continue
            self.n, self.objects = n, objects
            body = body.removesuffix(b"\r")
            yield from self._object(orjson.loads(body), n, n, body)
            objects = self.objects
        self.n, self.objects = n, objects
        self.last_date = last_date if last_date.__class__ is str else None
        self.normal += fast - anomaly
        self.anomaly += anomaly
        if objs:
            self.content = True
