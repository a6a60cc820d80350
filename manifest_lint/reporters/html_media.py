"""The pictures of ``--format html``: which problems get one, finding their records' media
through their kind, and making the thumbnails through the media layer (executor, cache).

* a media problem (missing, unreadable, wrong size, ...) shows its record's image;
* a mask problem shows the mask blended over its image, with the colour map's legend and
  the colours the mask holds that the map does not name;
* a problem whose message names an earlier occurrence (``also in PATH:LINE``: duplicate
  content, leakage between splits) shows both records' images side by side.

At most ``limit`` problems per rule get pictures; the rest are counted. Only the lines of
the records shown are read again (one streaming pass per file that has some).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manifest_lint.media.thumbs import SIZE, RecordMedia, ThumbTask, make_thumbnails
from manifest_lint.reporters.html_page import esc

if TYPE_CHECKING:
    from manifest_lint.config import Config
    from manifest_lint.context import Settings
    from manifest_lint.diagnostics import Diagnostic
    from manifest_lint.engine import FileResult
    from manifest_lint.media.cache import MediaCache

PAIR = re.compile(r"also in (?P<path>[^()\n]+?):(?P<line>\d+)(?=[);,.\s]|$)")
MASK_CODES = frozenset({"LFV406", "LFV407", "LFV408"})
IMAGE_CODES = frozenset({
    "LFV401", "LFV402", "LFV403", "LFV404", "LFV405", "LFV409",
    "CVAT401", "CVAT403", "CVAT409", "CVAT410", "CVAT501",
    "DS301",
})
# Label problems: the image helps to judge the label, but only when it can be shown (no
# "not reachable" box for every row of a dataset whose media are in S3).
LABEL_CODES = frozenset({"LFV105", "CSV203", "CSV302"})
MIN_SHOWN = 120  # tiny images are shown scaled up to this many pixels (at most 4x)
MAX_READ = 1 << 20  # bytes of a line read to find its media


def mode_of(d: Diagnostic) -> str:
    """What a problem shows: "pair", "mask", "image" or "" (nothing)."""
    if PAIR.search(d.message):
        return "pair"
    if d.code in MASK_CODES:
        return "mask"
    return "image" if d.code in IMAGE_CODES or d.code in LABEL_CODES else ""


@dataclass
class Shot:
    """One record to picture: its file, kind and line, then its media and thumbnail."""

    path: Path
    kind: str
    display: str
    line: int
    media: RecordMedia | None = None
    thumb: list[Any] | None = None  # ["ok", uri, w, h, colours] or ["error", why]


@dataclass
class Preview:
    mode: str
    shots: list[Shot]
    last: bool = False  # the last picture of its rule when more problems were left out


@dataclass
class Previews:
    """The pictures of one report, by diagnostic, and what was left out per rule."""

    limit: int
    off: str = ""  # why there are no pictures at all ("" when there are)
    by_diag: dict[int, Preview] = field(default_factory=dict)
    shown: Counter[str] = field(default_factory=Counter)
    more: Counter[str] = field(default_factory=Counter)

    def of(self, d: Diagnostic) -> Preview | None:
        return self.by_diag.get(id(d))


def collect(results: list[FileResult], config: Config | None, settings: Settings | None,
            limit: int) -> Previews:
    """Choose the problems to picture, locate their media and make the thumbnails."""
    out = Previews(limit)
    if config is None or settings is None:
        out.off = "no media settings"
    elif settings.no_media:
        out.off = "--no-media"
    wanted = [(r, d, mode) for r in results for d in r.diagnostics if (mode := mode_of(d))]
    if out.off:
        out.more.update(d.code for _r, d, _m in wanted)
        return out
    assert config is not None and settings is not None
    by_display = {r.display: r for r in results}
    last: dict[str, Preview] = {}
    for r, d, mode in wanted:
        if out.shown[d.code] >= limit:
            out.more[d.code] += 1
            continue
        out.shown[d.code] += 1
        shots = [Shot(r.path, r.kind, r.display, d.line)]
        if mode == "pair":
            other = _other(PAIR.search(d.message), by_display, config)  # type: ignore[arg-type]
            if other is not None:
                shots.insert(0, other)
        out.by_diag[id(d)] = last[d.code] = Preview(mode, shots)
    for code, preview in last.items():
        preview.last = out.more[code] > 0
    shots = [s for p in out.by_diag.values() for s in p.shots]
    _locate(shots, config, settings)
    _thumbnails(out, config, settings)
    _drop_unshown_labels(out, wanted)
    return out


def _drop_unshown_labels(out: Previews, wanted: list[tuple[FileResult, Diagnostic, str]]
                         ) -> None:
    """Label problems whose image could not be shown get no picture at all."""
    for _r, d, _mode in wanted:
        p = out.by_diag.get(id(d))
        if (p is not None and d.code in LABEL_CODES
                and not any(s.thumb is not None and s.thumb[0] == "ok" for s in p.shots)):
            del out.by_diag[id(d)]
            out.shown[d.code] -= 1


def _other(m: re.Match[str], by_display: dict[str, FileResult], config: Config
           ) -> Shot | None:
    """The earlier occurrence a message names (``also in PATH:LINE``)."""
    from manifest_lint.discovery import _kind

    where, line = m.group("path").strip(), int(m.group("line"))
    r = by_display.get(where)
    if r is not None:
        return Shot(r.path, r.kind, r.display, line)
    path = Path(where)
    if not path.is_file():
        return None
    kind = _kind(path, config)
    return Shot(path, kind, where, line) if kind else None


def read_lines(path: Path, wanted: set[int]) -> dict[int, str]:
    """The text of the ``wanted`` physical lines of ``path``, at most ``MAX_READ`` bytes of
    each (one streaming pass: :func:`manifest_lint.identity.read_lines`)."""
    from manifest_lint.identity import read_lines as raw_lines

    return {n: body[:MAX_READ].decode("utf-8", "replace")
            for n, body in raw_lines(path, wanted).items()}


def _locate(shots: list[Shot], config: Config, settings: Settings) -> None:
    from manifest_lint.kinds import KINDS

    by_file: dict[tuple[Path, str], list[Shot]] = {}
    for s in shots:
        by_file.setdefault((s.path, s.kind), []).append(s)
    for (path, kind), group in by_file.items():
        spec = KINDS.get(kind)
        factory = spec.load_preview() if spec is not None else None
        if factory is None:
            continue
        locate = factory(path, config, settings)
        lines = read_lines(path, {s.line for s in group})
        for s in group:
            text = lines.get(s.line)
            s.media = locate(text) if text is not None else None


def _task(mode: str, media: RecordMedia | None) -> ThumbTask | None:
    if media is None:
        return None
    mask = media.mask if mode == "mask" else ""
    if not media.image and not mask:
        return None
    return (media.image, mask, SIZE)


def _thumbnails(out: Previews, config: Config, settings: Settings) -> None:
    """Fill every shot's thumbnail: from the cache, or made through the media executor."""
    from manifest_lint.media.cache import MediaCache
    from manifest_lint.media.executor import OrderedWork, worker_count

    cache = MediaCache(settings.cache_dir, config.root, "html-thumbnails")
    todo: dict[ThumbTask, list[Shot]] = {}
    for p in out.by_diag.values():
        for s in p.shots:
            task = _task(p.mode, s.media)
            if task is not None:
                todo.setdefault(task, []).append(s)
    work: OrderedWork[ThumbTask, list[Any]] = OrderedWork(
        make_thumbnails, workers=worker_count(settings.jobs))
    try:
        for task, result in _run(work, todo, cache):
            for s in todo[task]:
                s.thumb = result
    finally:
        work.close()
        cache.save()


def _cache_key(task: ThumbTask) -> tuple[str, str]:
    """The file a cache entry hangs on (the mask for an overlay) and what it holds."""
    image, mask, size = task
    if mask:
        return mask, f"overlay{size}\0{image}\0{_token(image)}"
    return image, f"thumb{size}"


def _token(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def _run(work: Any, todo: dict[ThumbTask, list[Shot]], cache: MediaCache
         ) -> Iterator[tuple[ThumbTask, list[Any]]]:
    from manifest_lint.media.store import LocalStore

    stats = {}
    for task in todo:
        where, what = _cache_key(task)
        try:
            st = stats[task] = LocalStore.stat(where)
        except OSError:
            yield task, ["error", "cannot be read"]
            continue
        hit = cache.get(where, st, what)
        if isinstance(hit, list) and hit:
            yield task, hit
            continue
        for done, result in work.submit(task):
            _remember(cache, done, result, stats)
            yield done, result
    for done, result in work.finish():
        _remember(cache, done, result, stats)
        yield done, result


def _remember(cache: MediaCache, task: ThumbTask, result: list[Any],
              stats: dict[ThumbTask, Any]) -> None:
    if result and result[0] == "ok" and task in stats:
        where, what = _cache_key(task)
        cache.put(where, stats[task], what, result)


# ------------------------------------------------------------------------ HTML


def preview_html(p: Preview, code: str, more: int, limit: int) -> str:
    """The pictures of one problem (and, after the last of its rule, what was left out)."""
    parts = ['<div class="pics">']
    for s in p.shots:
        parts.append(_figure(s, p.mode, show_where=p.mode == "pair"))
    parts.append("</div>")
    if p.last and more:
        parts.append(f'<p class="note fig-more" data-c="{esc(code)}">Pictures for {esc(code)} '
                     f"stop here (at most {limit:,} per rule): and {more:,} more without one "
                     "(<code>--html-thumbnails N</code> shows more).</p>")
    return "".join(parts)


def _figure(s: Shot, mode: str, *, show_where: bool) -> str:
    media = s.media
    ref = media.image_ref if media is not None else ""
    caption = [f"{esc(s.display)}:{s.line}"] if show_where else []
    if ref:
        caption.append(esc(ref))
    thumb = s.thumb
    if mode == "mask" and media is not None and media.mask_ref:
        caption.append("mask " + esc(media.mask_ref))
        why = media.mask_problem or (thumb[5] if thumb and thumb[0] == "ok" and len(thumb) > 5
                                     else "")
        if why:
            caption.append(f"mask not drawn: {esc(why)}")
    if thumb is not None and thumb[0] == "ok":
        alt = f"{mode} {s.display}:{s.line}"
        w, h = int(thumb[2]), int(thumb[3])
        scale = min(4.0, MIN_SHOWN / max(w, h, 1)) if max(w, h) < MIN_SHOWN else 1.0
        small = ' class="px"' if scale > 1 else ""
        pic = (f'<img src="{esc(thumb[1])}" width="{round(w * scale)}" '
               f'height="{round(h * scale)}" alt="{esc(alt)}"{small}>')
    else:
        pic = f'<div class="nopic">{esc(_why_not(s, mode))}</div>'
    legend = _legend(media, thumb) if mode == "mask" else ""
    return f"<figure>{pic}<figcaption>{'<br>'.join(caption)}</figcaption>{legend}</figure>"


def _why_not(s: Shot, mode: str) -> str:
    media = s.media
    if media is None:
        return "no media found on this line"
    if s.thumb is not None and s.thumb[0] != "ok":
        return f"image {s.thumb[1]}"
    if mode == "mask" and media.mask_problem and not media.image:
        return f"mask not shown: {media.mask_problem}"
    return f"image not shown: {media.image_problem or 'nothing to show'}"


def _legend(media: RecordMedia | None, thumb: list[Any] | None) -> str:
    if media is None:
        return ""
    items = []
    named = set()
    for colour, name in media.legend:
        named.add(colour)
        items.append(f'<li><span class="sw" style="background:{_colour(colour)}"></span>'
                     f"{esc(colour)} {esc(name)}</li>")
    found = thumb[4] if thumb is not None and thumb[0] == "ok" and len(thumb) > 4 else []
    stray = [(c, n) for c, n in found if c not in named][:12]
    for colour, n in stray:
        items.append(f'<li class="stray"><span class="sw" style="background:{_colour(colour)}">'
                     f"</span>{esc(colour)} not in the colour map ({int(n):,} px)</li>")
    return f'<ul class="legend">{"".join(items)}</ul>' if items else ""


_HEX = re.compile(r"#[0-9a-f]{6}")


def _colour(value: str) -> str:
    """A CSS colour from the data, only when it is ``#rrggbb`` (never raw text in CSS)."""
    return value if _HEX.fullmatch(value) else "transparent"
