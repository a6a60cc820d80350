"""The detailed checks of one manifest object (the slow path of the checker).

Only objects that fail the checker's fast canonical-shape test come here, so this code can
afford to look at every key. It returns the diagnostics and what the file-level checks need
(``source-ref``, its bucket, the class, the masks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.lfv import rules as R
from manifest_lint.kinds.lfv.serialize import (
    CLASSES,
    CLASSIFICATION_TYPE,
    LABEL_VALUES,
    SEGMENTATION_TYPE,
    detect_style,
    dumps,
    parse_date,
)
from manifest_lint.rules import Rule
from manifest_lint.s3 import S3Uri, check_s3_uri, hidden_character

SOURCE_REF = "source-ref"
META = "-metadata"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
MAX_MASK_CLASSES = 20
# Pairs of these types are passed through when the line has its classification pair.
PASS_THROUGH_TYPES = ("groundtruth/label-verification",)  # a tuple: `in` must not hash
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(slots=True)
class MaskRef:
    """One segmentation pair: the mask URI and the colours its map allows."""

    key: str
    ref: str
    uri: S3Uri | None
    colors: frozenset[str] | None  # lowercase #rrggbb; None when the map is invalid


@dataclass(slots=True)
class RecordInfo:
    """What the file-level checks need from one object."""

    source_ref: str | None = None
    uri: S3Uri | None = None
    label: str | None = None  # "normal"/"anomaly" after case-folding, if any
    class_name: Any = None  # as written, for messages
    masks: list[MaskRef] = field(default_factory=list)
    keys: tuple[str, str] | None = None  # (label, metadata) of a three-key canonical shape
    anomaly_types: tuple[str, ...] = ()  # the colour maps' classes other than BACKGROUND


def type_name(value: Any) -> str:
    """JSON's name for the type of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def canonical_class(value: Any) -> str | None:
    """``normal``/``anomaly`` for a string that means one after stripping and case-folding."""
    if not isinstance(value, str):
        return None
    folded = value.strip().casefold()
    return folded if folded in CLASSES else None


def column(body: bytes, key: str) -> int:
    """1-based character column of the JSON key ``"key"`` in a one-line ``body`` (1 if
    absent)."""
    idx = body.find(b'"' + key.encode("utf-8") + b'"')
    if idx < 0:
        return 1
    return len(body[:idx].decode("utf-8", "replace")) + 1


class RecordChecker:
    """Checks single objects of one manifest (the engine drops unselected codes)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def check(self, obj: dict[str, Any], body: bytes, start: int, end: int
              ) -> tuple[list[Diagnostic], RecordInfo]:
        """Diagnostics for ``obj`` (physical lines ``start``..``end``) and its facts."""
        ctx = _Record(self.path, obj, body, start, end)
        ctx.source_ref()
        ctx.pairs()
        return ctx.out, ctx.info


class _Record:
    """The state of checking one object."""

    def __init__(self, path: str, obj: dict[str, Any], body: bytes, start: int, end: int
                 ) -> None:
        self.path = path
        self.obj = obj
        self.body = body
        self.start = start
        self.end = end
        self.out: list[Diagnostic] = []
        self.info = RecordInfo()

    # ------------------------------------------------------------------- helpers

    def diag(self, r: Rule, message: str, *, at: str = "", fix: Fix | None = None) -> None:
        col = column(self.body, at) if at and self.start == self.end else 1
        self.out.append(r.diag(self.path, self.start, message, column=col, fix=fix))

    def rewrite(self, change: dict[str, Any]) -> Fix | None:
        """A fix replacing this one-line object with ``obj`` updated by ``change`` (keys
        are top-level keys; a dict value replaces that nested object), in the line's
        style."""
        if self.start != self.end:
            return None  # a multi-line object is first joined by its own fix
        new = dict(self.obj)
        new.update(change)
        return Fix((Edit(self.start, self.start, dumps(new, detect_style(self.body))),))

    # ---------------------------------------------------------------- source-ref

    def source_ref(self) -> None:
        sr = self.obj.get(SOURCE_REF)
        if sr is None or not isinstance(sr, str):
            if SOURCE_REF in self.obj:
                msg = f"source-ref is {type_name(sr)}, not a string; write the image's " \
                      "s3://bucket/key URI"
            else:
                near = [k for k in self.obj if k.replace("_", "-").lower() in (
                    "source-ref", "sourceref", "source")]
                hint = f" (found {near[0]!r}: the key must be spelled 'source-ref')" \
                    if near else ""
                msg = f"object has no source-ref{hint}; add the image's s3://bucket/key URI"
            self.diag(R.MISSING_SOURCE_REF, msg)
            return
        self.info.source_ref = sr
        parsed = check_s3_uri(sr)
        if isinstance(parsed, S3Uri):
            self.info.uri = parsed
        else:
            problem = parsed or "a relative path; Lookout for Vision reads images from S3 only"
            self.diag(R.INVALID_SOURCE_REF, f"source-ref {sr!r}: {problem}", at=SOURCE_REF)
        self.hidden(sr, "source-ref", SOURCE_REF)
        if not sr.lower().endswith(IMAGE_EXTENSIONS):
            self.diag(R.EXTENSION,
                      f"source-ref {sr!r} does not end in .png, .jpg or .jpeg; Lookout for "
                      "Vision accepts only PNG and JPEG images", at=SOURCE_REF)

    def hidden(self, uri: str, what: str, at: str) -> None:
        problem = hidden_character(uri)
        if problem is not None:
            self.diag(R.HIDDEN_CHARACTER, f"{what} {uri!r} holds {problem}: the S3 object "
                                          "will not be found; correct the URI", at=at)

    # --------------------------------------------------------------------- pairs

    def pairs(self) -> None:
        obj = self.obj
        classification: list[str] = []
        wrong_type: list[tuple[str, Any]] = []
        orphan = False
        for mk in [k for k in obj if k.endswith(META)]:
            base = mk[: -len(META)]
            if base == SOURCE_REF:
                continue
            meta = obj[mk]
            mtype = meta.get("type") if isinstance(meta, dict) else None
            is_mask = base.endswith("-ref") or mtype == SEGMENTATION_TYPE
            if base not in obj:
                orphan |= self.orphan(mk, base, mtype, is_mask)
                continue
            if not isinstance(meta, dict):
                r = R.MASK_PAIR if is_mask else R.MISSING_LABEL
                self.diag(r, f"{mk} is {type_name(meta)}; it must be an object with the "
                             f"metadata of {base!r}", at=mk)
                orphan = True
                continue
            if is_mask:
                self.mask_pair(base, mk, meta, mtype)
            elif mtype == CLASSIFICATION_TYPE:
                classification.append(base)
            elif mtype not in PASS_THROUGH_TYPES:
                wrong_type.append((base, mtype))
        for k in obj:
            if k.endswith("-ref") and k != SOURCE_REF and k + META not in obj:
                self.diag(R.MASK_PAIR, f"mask attribute {k!r} has no {k + META!r} object; "
                                       "add it (type groundtruth/semantic-segmentation with "
                                       "its internal-color-map) or remove the attribute", at=k)
        self.classification(classification, wrong_type, orphan)

    def orphan(self, mk: str, base: str, mtype: Any, is_mask: bool) -> bool:
        """A ``-metadata`` object without its attribute; True if reported."""
        if is_mask:
            self.diag(R.MASK_PAIR, f"{mk} has no {base!r} attribute: add the mask's "
                                   "s3:// URI under that name", at=mk)
            return True
        if mtype == CLASSIFICATION_TYPE or mtype is None:
            self.diag(R.MISSING_LABEL, f"{mk} has no label attribute {base!r}: add "
                                       f'"{base}": 1 (anomaly) or 0 (normal)', at=mk)
            return True
        return False

    def classification(self, pairs: list[str], wrong_type: list[tuple[str, Any]],
                       orphan: bool) -> None:
        if not pairs:
            if wrong_type:
                base, mtype = wrong_type[0]
                shown = repr(mtype) if mtype is not None else "missing"
                self.diag(R.LABEL_TYPE,
                          f"{base}-metadata type is {shown}; a Lookout for Vision label needs "
                          f'"type": "{CLASSIFICATION_TYPE}"', at=f"{base}-metadata")
            elif not orphan:
                self.diag(R.MISSING_LABEL,
                          "no classification label: add a label attribute (e.g. "
                          '"anomaly-label": 1) and its "anomaly-label-metadata" object with '
                          "class-name, human-annotated and type")
            return
        if len(pairs) > 1:
            self.diag(R.MULTIPLE_LABELS,
                      f"{len(pairs)} classification label pairs ({', '.join(pairs)}); which "
                      "one Lookout for Vision uses is undocumented: keep one", at=pairs[1])
        if len(self.obj) == 3 and not self.info.masks:
            self.info.keys = (pairs[0], pairs[0] + META)
        for i, base in enumerate(pairs):
            self.label_pair(base, first=i == 0)

    def label_pair(self, base: str, *, first: bool) -> None:
        mk = base + META
        meta: dict[str, Any] = self.obj[mk]
        cn = meta.get("class-name")
        canon = canonical_class(cn)
        if first:
            self.info.label = canon
            self.info.class_name = cn
        if canon is None:
            if "class-name" not in meta:
                msg = f"{mk} has no class-name; add \"class-name\": \"normal\" or \"anomaly\""
            elif not isinstance(cn, str):
                msg = f"class-name is {type_name(cn)}; write \"normal\" or \"anomaly\""
            else:
                msg = (f"class-name {cn!r} is not normal or anomaly: Lookout for Vision "
                       "imports the image as unlabeled and ignores it in training")
            self.diag(R.UNKNOWN_CLASS, msg, at="class-name")
        elif cn != canon:
            self.diag(R.CLASS_CASE, f"class-name {cn!r} should be written {canon!r}",
                      at="class-name", fix=self.rewrite({mk: {**meta, "class-name": canon}}))
        self.human_annotated(meta, mk)
        if canon is not None:
            self.label_value(base, canon)
        self.confidence(meta, mk)
        self.creation_date(meta, mk)

    def label_value(self, base: str, canon: str) -> None:
        value = self.obj[base]
        want = LABEL_VALUES[canon]
        if type(value) is int and value == want:
            return
        if isinstance(value, str) and value.strip() == str(want):
            msg = f"{base} is the string {value!r}; write the integer {want}"
        else:
            shown = "null" if value is None else repr(value) if not isinstance(
                value, (dict, list)) else type_name(value)
            msg = (f"{base} is {shown} but class-name is {canon!r}; Lookout for Vision "
                   f"writes {want} for {canon} (1 = anomaly, 0 = normal)")
        self.diag(R.LABEL_VALUE, msg, at=base, fix=self.rewrite({base: want}))

    def human_annotated(self, meta: dict[str, Any], mk: str) -> None:
        ha = meta.get("human-annotated")
        if ha in ("yes", "no"):
            return
        if "human-annotated" not in meta:
            msg = f"{mk} has no human-annotated; add \"human-annotated\": \"yes\" (or \"no\")"
        else:
            shown = repr(ha) if isinstance(ha, str) else type_name(ha)
            msg = f"human-annotated is {shown}; write the string \"yes\" or \"no\""
        self.diag(R.HUMAN_ANNOTATED, msg, at="human-annotated" if "human-annotated" in meta
                  else mk)

    def confidence(self, meta: dict[str, Any], mk: str) -> None:
        if "confidence" not in meta:
            return
        c = meta["confidence"]
        if type(c) in (int, float) and 0 <= c <= 1:
            return
        shown = repr(c) if isinstance(c, (str, int, float)) else type_name(c)
        self.diag(R.CONFIDENCE, f"{mk} confidence is {shown}; write a number from 0 to 1 "
                                "(Lookout for Vision does not use it; 1 is usual)",
                  at="confidence")

    def creation_date(self, meta: dict[str, Any], mk: str) -> None:
        if "creation-date" not in meta:
            return
        cd = meta["creation-date"]
        if isinstance(cd, str) and parse_date(cd):
            return
        shown = repr(cd) if isinstance(cd, str) else type_name(cd)
        self.diag(R.CREATION_DATE,
                  f"{mk} creation-date {shown} is not a date; write UTC ISO 8601 like "
                  "2024-05-01T12:00:00.000", at="creation-date")

    # --------------------------------------------------------------------- masks

    def mask_pair(self, base: str, mk: str, meta: dict[str, Any], mtype: Any) -> None:
        if not base.endswith("-ref"):
            self.diag(R.MASK_PAIR, f"segmentation attribute {base!r} must end in -ref "
                                   "(e.g. anomaly-mask-ref); rename it and its -metadata",
                      at=mk)
        if mtype in PASS_THROUGH_TYPES:
            return
        if mtype != SEGMENTATION_TYPE:
            shown = repr(mtype) if mtype is not None else "missing"
            self.diag(R.MASK_TYPE, f"{mk} type is {shown}; mask metadata needs "
                                   f'"type": "{SEGMENTATION_TYPE}"', at=mk)
        ref = self.obj[base]
        uri: S3Uri | None = None
        if not isinstance(ref, str):
            self.diag(R.MASK_REF, f"{base} is {type_name(ref)}; write the mask's "
                                  "s3://bucket/key URI", at=base)
        else:
            parsed = check_s3_uri(ref)
            if isinstance(parsed, S3Uri):
                uri = parsed
            else:
                problem = parsed or "a relative path; masks are read from S3"
                self.diag(R.MASK_REF, f"{base} {ref!r}: {problem}", at=base)
            if not ref.lower().endswith(".png"):
                self.diag(R.MASK_EXTENSION, f"mask {ref!r} does not end in .png; masks must "
                                            "be PNG images", at=base)
            self.hidden(ref, f"mask {base}", base)
        colors = self.color_map(meta, mk)
        self.human_annotated(meta, mk)
        self.confidence(meta, mk)
        self.creation_date(meta, mk)
        if isinstance(ref, str):
            self.info.masks.append(MaskRef(base, ref, uri, colors))

    def color_map(self, meta: dict[str, Any], mk: str) -> frozenset[str] | None:
        """Check ``internal-color-map``; the allowed colours, or None if it is invalid."""
        cmap = meta.get("internal-color-map")
        at = "internal-color-map"
        if not isinstance(cmap, dict) or not cmap:
            what = "missing" if cmap is None else f"{type_name(cmap)}" if not isinstance(
                cmap, dict) else "empty"
            self.diag(R.COLOR_MAP, f"{mk} internal-color-map is {what}; add an object like "
                                   '{"0": {"class-name": "BACKGROUND", "hex-color": '
                                   '"#ffffff"}, "1": {...}}', at=mk)
            return None
        problems: list[str] = []
        colors: dict[str, str] = {}
        anomaly_classes = 0
        no_confidence: list[str] = []
        for key, entry in cmap.items():
            if not (key.isascii() and key.isdigit()):
                problems.append(f"key {key!r} is not an integer string")
            if not isinstance(entry, dict):
                problems.append(f"entry {key!r} is {type_name(entry)}, not an object")
                continue
            name = entry.get("class-name")
            if not isinstance(name, str) or not name.strip():
                problems.append(f"entry {key!r} has no class-name")
            elif name.strip().casefold() != "background":
                anomaly_classes += 1
                if name.strip() not in self.info.anomaly_types:
                    self.info.anomaly_types += (name.strip(),)
            hexc = entry.get("hex-color")
            if not isinstance(hexc, str) or not _HEX.fullmatch(hexc):
                problems.append(f"entry {key!r} hex-color {hexc!r} is not #rrggbb")
            else:
                self.shared_color(colors, hexc.lower(), key, name, mk)
            conf = entry.get("confidence")
            if type(conf) not in (int, float):
                no_confidence.append(key)
        if problems:
            self.diag(R.COLOR_MAP, f"{mk} internal-color-map: {'; '.join(problems)}", at=at)
        if anomaly_classes > MAX_MASK_CLASSES:
            self.diag(R.TOO_MANY_MASK_CLASSES,
                      f"{mk} has {anomaly_classes} anomaly classes; Lookout for Vision allows "
                      f"at most {MAX_MASK_CLASSES} on one mask", at=at)
        self.background(cmap, mk)
        if no_confidence:
            self.diag(R.COLOR_CONFIDENCE,
                      f"{mk} internal-color-map entr{'ies' if len(no_confidence) > 1 else 'y'} "
                      f"{', '.join(no_confidence)} ha{'ve' if len(no_confidence) > 1 else 's'} "
                      'no numeric confidence; the documentation requires one: add '
                      '"confidence": 0.0', at=at)
        return None if problems else frozenset(colors)

    def shared_color(self, colors: dict[str, str], hexc: str, key: str, name: Any,
                     mk: str) -> None:
        other = colors.get(hexc)
        if other is None:
            colors[hexc] = key
            return
        self.diag(R.DUPLICATE_COLOR,
                  f"{mk} internal-color-map entries {other!r} and {key!r} ({name!r}) share "
                  f"{hexc}; give each class its own colour", at="internal-color-map")

    def background(self, cmap: dict[str, Any], mk: str) -> None:
        zero = cmap.get("0")
        if isinstance(zero, dict) and zero.get("class-name") == "BACKGROUND" and str(
                zero.get("hex-color", "")).lower() == "#ffffff":
            return
        if not isinstance(zero, dict):
            what = "has no entry \"0\""
        else:
            what = (f"entry \"0\" is {zero.get('class-name')!r} "
                    f"{zero.get('hex-color')!r}")
        self.diag(R.BACKGROUND,
                  f"{mk} internal-color-map {what}; the documentation says \"0\" is "
                  '{"class-name": "BACKGROUND", "hex-color": "#ffffff"}',
                  at="internal-color-map")
