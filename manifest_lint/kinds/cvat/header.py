"""The checks of a CVAT manifest's header: version, type and video properties (lines 1-3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.cvat import rules as R
from manifest_lint.kinds.cvat.serialize import MANIFEST_VERSION, dumps_line
from manifest_lint.kinds.cvat.structure import (
    PROPERTY_KEYS,
    TYPES,
    VERSIONS,
    canonical_properties_line,
    is_int,
    path_problem,
    version_fix,
)
from manifest_lint.kinds.cvat.video import VideoHeader

if TYPE_CHECKING:
    from manifest_lint.kinds.cvat.reading import Lines
    pass

from manifest_lint.kinds.cvat.state import CheckerState
from manifest_lint.kinds.cvat.surrogates import not_utf8


class HeaderChecks(CheckerState):
    """Header checks of :class:`~manifest_lint.kinds.cvat.check.Checker`."""

    def _header(self, lines: Lines) -> Iterator[Diagnostic]:
        item = yield from self._content(lines)
        if item is None:
            return
        n, body, _ = item
        self.records_start = self.header_end = n
        obj = yield from self._parse(n, body)
        if obj is None:
            self.records_start = n + 1
            return
        if "version" in obj:
            yield from self._version(n, body, obj)
            if "type" in obj:
                yield from self._type(n, obj)
                if self.kind == "video":
                    yield from self._properties(lines, n)
                return
            item = yield from self._content(lines)
            if item is None:
                yield R.TYPE.diag(self.path, n, 'no type line: line 2 must be {"type":"images"} '
                                  'or {"type":"video"}')
                self.records_start = n + 1
                return
            n, body, _ = item
            self.header_end = n
            obj = yield from self._parse(n, body)
            if obj is None:
                self.records_start = n + 1
                return
            if "type" not in obj:
                yield R.TYPE.diag(self.path, n, 'line 2 must be {"type":"images"} or '
                                  '{"type":"video"}; this line is a record')
                lines.push(item)
                self.records_start = n
                return
        elif "type" in obj:
            yield R.VERSION.diag(
                self.path, n, f'no version line: line 1 must be {{"version":"{MANIFEST_VERSION}"}}',
                fix=Fix((Edit(n, n - 1, dumps_line({"version": MANIFEST_VERSION})),)),
            )
        else:
            yield R.VERSION.diag(self.path, n, "no header: line 1 must be "
                                 f'{{"version":"{MANIFEST_VERSION}"}}')
            yield R.TYPE.diag(self.path, n, 'no header: line 2 must be {"type":"images"} or '
                              '{"type":"video"}')
            lines.push(item)
            self.header_end = n - 1
            return
        if (d := self._canonical(n, body, obj, obj)) is not None:
            yield d
        yield from self._type(n, obj)
        if self.kind == "video":
            yield from self._properties(lines, n)

    def _version(self, n: int, body: bytes, obj: dict[str, Any]) -> Iterator[Diagnostic]:
        value = obj["version"]
        if isinstance(value, str) and value in VERSIONS:
            if "type" not in obj and (d := self._canonical(n, body, obj, obj)) is not None:
                yield d
            return
        fixed = version_fix(value)
        fix = None
        if fixed is not None and "type" not in obj:
            fix = Fix((Edit(n, n, dumps_line({**obj, "version": fixed})),))
        hint = f'; write "{fixed}"' if fixed else ""
        yield R.VERSION.diag(self.path, n, f"version is {json.dumps(value)}; CVAT accepts only "
                             f'the strings "1.0" and "1.1"{hint}', fix=fix)

    def _type(self, n: int, obj: dict[str, Any]) -> Iterator[Diagnostic]:
        value = obj["type"]
        self.records_start = n + 1
        self.header_end = n
        if "version" in obj:
            version = obj["version"]
            version = version if version in VERSIONS else version_fix(version)
            fix = None
            if version is not None and value in TYPES:
                rest = {k: v for k, v in obj.items() if k != "type"}
                rest["version"] = version
                text = dumps_line(rest) + "\n" + dumps_line({"type": value})
                fix = Fix((Edit(n, n, text),))
            yield R.VERSION.diag(self.path, n, "version and type are on one line; CVAT reads "
                                 "the version from line 1 and the type from line 2", fix=fix)
        if value in TYPES:
            self.kind = value
            return
        yield R.TYPE.diag(self.path, n, f"type is {json.dumps(value)}; CVAT knows only "
                          '"images" (images and point clouds) and "video"')

    def _properties(self, lines: Lines, type_line: int) -> Iterator[Diagnostic]:
        held = self.held if self.media_on else None
        item = yield from self._content(lines)
        if item is None:
            yield R.VIDEO_PROPERTIES.diag(self.path, type_line, "no properties line: line 3 of "
                                          'a video manifest must be {"properties":{...}}')
            return
        n, body, _ = item
        self.records_start = n + 1
        obj = yield from self._parse(n, body)
        if obj is None:
            return
        if "properties" not in obj:
            yield R.VIDEO_PROPERTIES.diag(self.path, n, 'line 3 of a video manifest must be '
                                          '{"properties":{"name":...,"resolution":[w,h],'
                                          '"length":n}}; this line is a record')
            lines.push(item)
            self.records_start = n
            return
        self.header_end = n
        props = obj["properties"]
        self.video = VideoHeader(props if isinstance(props, dict) else None, n,
                                 regenerable=(n == 3 and lines.n == 3))
        found = list(self._property_problems(n, props))
        if (d := self._canonical(n, body, obj, canonical_properties_line(obj),
                                 PROPERTY_KEYS)) is not None:
            found.append(d)
        if held is not None:
            held.extend(found)
        else:
            yield from found

    def _property_problems(self, n: int, props: object) -> Iterator[Diagnostic]:
        def problem(text: str) -> Diagnostic:
            return R.VIDEO_PROPERTIES.diag(self.path, n, f"properties: {text}")

        if not isinstance(props, dict):
            yield problem(f"must be an object, not {json.dumps(props)}")
            return
        name = props.get("name")
        if not isinstance(name, str) or not name:
            yield problem("name must be the video's file name (a non-empty string)")
        elif "/" in name or "\\" in name or path_problem(name):
            yield problem(f"name {name!r} must be the video's base name, without folders")
        elif (warn := not_utf8(self.path, n, [("properties.name", name)])) is not None:
            yield warn
        res = props.get("resolution")
        if not (isinstance(res, list) and len(res) == 2
                and all(is_int(v) and v > 0 for v in res)):
            yield problem(f"resolution must be [width, height] with positive integers, not "
                          f"{json.dumps(res)}")
        length = props.get("length")
        if is_int(length) and length > 0:
            self.length = length
        else:
            yield problem(f"length must be the number of frames (an integer > 0), not "
                          f"{json.dumps(length)}")
