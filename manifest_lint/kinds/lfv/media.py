"""Checking the images and masks a manifest (or CSV label file) references, on a local copy.

``media-map`` (under ``[tool.manifest-lint.lfv]``) maps S3 prefixes to local folders relative
to the config file: ``"s3://bucket/train/" = "data/train/"``. CSV rows without ``s3://`` are
relative to the CSV's folder (or ``--media-root``). A reference that maps nowhere is not an
error; it is counted and the count is reported as a note.

Decisions:

* sizes are the stored pixel size (no EXIF rotation);
* 8 MB is 8 MiB;
* a mask's colours are compared as RGB after converting palette and alpha (``RGBA``); fully
  transparent pixels, ``#ffffff`` and ``#000000`` are background and always allowed;
* a reference containing ``..``, an absolute key or a symlink leading out of its folder is
  reported and never opened.
"""

from __future__ import annotations

import os
import stat
import warnings
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manifest_lint.diagnostics import Diagnostic
from manifest_lint.kinds.lfv import rules as R
from manifest_lint.rules import Rule

if TYPE_CHECKING:
    from manifest_lint.cache import MediaCache
    from manifest_lint.engine import CheckContext

MIN_SIDE = 64
MAX_SIDE = 4096
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_MASK_COLORS = 4096
BACKGROUND_COLORS = frozenset({"#ffffff", "#000000"})
MEDIA_RULES = (R.MEDIA_MISSING, R.IMAGE_FORMAT, R.IMAGE_DIMENSIONS, R.IMAGE_FILE_SIZE,
               R.SIZE_MISMATCH, R.MASK_FORMAT, R.MASK_SIZE, R.MASK_COLORS, R.PATH_ESCAPE)
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_SIGNATURES = (
    (b"GIF8", "a GIF"), (b"RIFF", "a RIFF (WebP?)"), (b"II*\x00", "a TIFF"),
    (b"MM\x00*", "a TIFF"), (b"BM", "a BMP"), (b"\x00\x00\x00", "an ISO media (HEIC/AVIF?)"),
    (b"%PDF", "a PDF"), (b"<", "text/HTML"), (b"{", "JSON text"),
)


@dataclass(frozen=True, slots=True)
class MediaRoot:
    """One ``media-map`` entry: an ``s3://bucket/prefix/`` and its local folder."""

    prefix: str
    folder: Path


def parse_media_map(mapping: dict[str, str], root: Path) -> list[MediaRoot]:
    """Entries longest prefix first; ``s3://`` is added to a prefix without a scheme and a
    trailing ``/`` to one without it, so that ``train`` does not match ``training``."""
    out = []
    for prefix, folder in mapping.items():
        p = prefix.strip()
        if not p.lower().startswith("s3://"):
            p = "s3://" + p.lstrip("/")
        if not p.endswith("/"):
            p += "/"
        out.append(MediaRoot(p, (root / os.path.expanduser(folder)).absolute()))
    out.sort(key=lambda m: len(m.prefix), reverse=True)
    return out


@dataclass(frozen=True, slots=True)
class _Located:
    path: Path | None = None  # the file to open
    skip: str = ""  # why not checked (no mapping, no folder)
    escape: str = ""  # why it must not be opened


class MediaChecker:
    """Checks the media of one file: existence, format, size, masks; remembers image sizes
    for the same-size rule and counts what it could not check."""

    def __init__(
        self,
        display: str,
        roots: list[MediaRoot],
        *,
        enabled: Callable[[Rule], bool],
        active: bool,
        inactive_reason: str = "--no-media",
        relative_base: Path | None = None,
        deep: bool = False,
        cache: MediaCache | None = None,
    ) -> None:
        self.display = display
        self.roots = roots
        self.enabled = enabled
        self.active = active
        self.inactive_reason = inactive_reason
        self.relative_base = relative_base
        self.deep = deep
        self.cache = cache
        self.unchecked: Counter[str] = Counter()
        self.checked = 0
        self.sizes: dict[tuple[int, int], array[int]] = {}
        self._real_roots: dict[Path, str] = {}

    @classmethod
    def for_context(cls, ctx: CheckContext, *, relative_base: Path | None = None
                    ) -> MediaChecker:
        """A checker configured from the run's settings and ``[tool.manifest-lint.lfv]``."""
        mapping = ctx.config.options("lfv").get("media-map", {})
        roots = parse_media_map(mapping, ctx.config.root)
        wanted = any(ctx.enabled(r) for r in MEDIA_RULES)
        return cls(
            ctx.display, roots, enabled=ctx.enabled,
            active=wanted and not ctx.settings.no_media,
            inactive_reason="--no-media" if wanted else "media rules not selected",
            relative_base=relative_base, deep=ctx.settings.deep,
            cache=ctx.settings.media_cache(ctx.path, "lfv"),
        )

    # ---------------------------------------------------------------- locating files

    def _locate(self, ref: str) -> _Located:
        if ref.startswith("s3://"):
            for root in self.roots:
                if ref.startswith(root.prefix):
                    return self._inside(root.folder, ref[len(root.prefix):])
            bucket = ref[5:].split("/", 1)[0]
            return _Located(skip=f"no media-map entry for s3://{bucket}/")
        if self.relative_base is None or "://" in ref or ref.lower().startswith("s3:"):
            return _Located(skip="not a valid s3:// URI")
        return self._inside(self.relative_base, ref)

    def _inside(self, folder: Path, rel: str) -> _Located:
        if not folder.is_dir():
            return _Located(skip=f"media folder {_show(folder)} does not exist")
        if not rel or rel.endswith("/"):
            return _Located(skip="reference names a folder")
        if "\x00" in rel:
            return _Located(escape="contains a NUL character")
        if rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
            return _Located(escape="is an absolute path")
        if ".." in rel.replace("\\", "/").split("/"):
            return _Located(escape="contains a '..' segment")
        real_root = self._real_roots.get(folder)
        if real_root is None:
            real_root = self._real_roots[folder] = os.path.realpath(folder)
        candidate = folder / rel
        real = os.path.realpath(candidate)
        if not real.startswith(real_root.rstrip(os.sep) + os.sep):
            return _Located(escape=f"resolves to {real}, outside {_show(folder)} (symlink)")
        return _Located(path=candidate)

    # ------------------------------------------------------------------------- images

    def image(self, ref: str, line: int) -> tuple[list[Diagnostic], tuple[int, int] | None]:
        """Check one image; returns its diagnostics and its stored size when it is readable."""
        if not self.active:
            self.unchecked[self.inactive_reason] += 1
            return [], None
        loc = self._locate(ref)
        if loc.path is None:
            return self._unlocated(loc, ref, line, "image"), None
        self.checked += 1
        out: list[Diagnostic] = []
        st = self._stat(loc.path, ref, line, "image", out)
        if st is None:
            return out, None
        if st.st_size > MAX_FILE_BYTES:
            out.append(R.IMAGE_FILE_SIZE.diag(
                self.display, line,
                f"image {ref!r} is {st.st_size / 1048576:.1f} MiB; Lookout for Vision accepts "
                "at most 8 MiB: compress or resize it",
            ))
        what = "lfv-image-deep" if self.deep else "lfv-image"
        path = loc.path
        outcome = self._cached(path, st, what, lambda: _probe_image(path, self.deep))
        if outcome[0] != "ok":
            rule = R.IMAGE_DIMENSIONS if outcome[0] == "too-large" else R.IMAGE_FORMAT
            out.append(rule.diag(self.display, line,
                                 f"image {ref!r} ({_show(loc.path)}) {outcome[1]}"))
            return out, None
        w, h = int(outcome[1]), int(outcome[2])
        if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
            out.append(R.IMAGE_DIMENSIONS.diag(
                self.display, line,
                f"image {ref!r} is {w}x{h} pixels; Lookout for Vision needs "
                f"{MIN_SIDE} to {MAX_SIDE} pixels on each side: resize it",
            ))
        lines = self.sizes.get((w, h))
        if lines is None:
            lines = self.sizes[(w, h)] = array("L")
        lines.append(line)
        return out, (w, h)

    def _cached(self, path: Path, st: os.stat_result, what: str,
                compute: Callable[[], list[Any]]) -> list[Any]:
        if self.cache is not None:
            hit = self.cache.get(path, st, what)
            if isinstance(hit, list) and hit:
                return hit
        value = compute()
        if self.cache is not None:
            self.cache.put(path, st, what, value)
        return value

    def _stat(self, path: Path, ref: str, line: int, what: str, out: list[Diagnostic]
              ) -> os.stat_result | None:
        """The file's status if it is a regular file, else None with a diagnostic."""
        try:
            st = path.stat()
        except FileNotFoundError:
            out.append(R.MEDIA_MISSING.diag(
                self.display, line,
                f"{what} {ref!r} not found: no file {_show(path)}; copy it there or fix the "
                "reference",
            ))
            return None
        except OSError as exc:
            out.append(R.MEDIA_MISSING.diag(
                self.display, line,
                f"{what} {ref!r} ({_show(path)}) cannot be read: {exc.strerror or exc}",
            ))
            return None
        if not stat.S_ISREG(st.st_mode):
            out.append(R.MEDIA_MISSING.diag(
                self.display, line, f"{what} {ref!r} ({_show(path)}) is not a regular file",
            ))
            return None
        return st

    def _unlocated(self, loc: _Located, ref: str, line: int, what: str) -> list[Diagnostic]:
        if loc.escape:
            return [R.PATH_ESCAPE.diag(
                self.display, line,
                f"{what} reference {ref!r} {loc.escape}; it was not opened. Use a plain "
                "key below the mapped folder",
            )]
        self.unchecked[loc.skip] += 1
        return []

    # -------------------------------------------------------------------------- masks

    def mask(
        self, ref: str, line: int, image_size: tuple[int, int] | None,
        colors: frozenset[str] | None,
    ) -> list[Diagnostic]:
        """Check one mask: a real PNG of the image's size whose colours are all in
        ``colors`` (lowercase ``#rrggbb``; None skips the colour check)."""
        if not self.active:
            self.unchecked[self.inactive_reason] += 1
            return []
        loc = self._locate(ref)
        if loc.path is None:
            return self._unlocated(loc, ref, line, "mask")
        self.checked += 1
        out: list[Diagnostic] = []
        st = self._stat(loc.path, ref, line, "mask", out)
        if st is None:
            return out
        path = loc.path
        outcome = self._cached(path, st, "lfv-mask", lambda: _probe_mask(path))
        kind = outcome[0]
        if kind != "ok":
            rule = {"too-large": R.MASK_SIZE, "colors": R.MASK_COLORS}.get(kind, R.MASK_FORMAT)
            out.append(rule.diag(self.display, line,
                                 f"mask {ref!r} ({_show(loc.path)}) {outcome[1]}"))
            return out
        size = (int(outcome[1]), int(outcome[2]))
        if image_size is not None and size != image_size:
            out.append(R.MASK_SIZE.diag(
                self.display, line,
                f"mask {ref!r} is {size[0]}x{size[1]} but its image is "
                f"{image_size[0]}x{image_size[1]}; a mask must have its image's size",
            ))
        elif colors is not None:
            self._compare_colors(outcome[3], colors, ref, line, out)
        return out

    def _compare_colors(self, found: dict[str, int], colors: frozenset[str], ref: str,
                        line: int, out: list[Diagnostic]) -> None:
        stray = sorted((c for c in found if c not in colors and c not in BACKGROUND_COLORS),
                       key=lambda c: -found[c])
        if not stray:
            return
        shown = ", ".join(f"{c} ({found[c]:,} px)" for c in stray[:5])
        more = f" and {len(stray) - 5} more" if len(stray) > 5 else ""
        known = ", ".join(sorted(colors)) or "none"
        out.append(R.MASK_COLORS.diag(
            self.display, line,
            f"mask {ref!r} has colours not in its internal-color-map: {shown}{more} (map: "
            f"{known}); training fails on them. Repaint the mask or add the classes",
        ))

    # ------------------------------------------------------------------------ summary

    def finish(self) -> Iterator[Diagnostic]:
        """Diagnostics for images whose size differs from the majority size; saves the
        cache."""
        if self.cache is not None:
            self.cache.save()
        if len(self.sizes) < 2 or not self.enabled(R.SIZE_MISMATCH):
            return
        total = sum(len(v) for v in self.sizes.values())
        major, major_lines = max(self.sizes.items(), key=lambda kv: (len(kv[1]), -kv[1][0]))
        for size, lines in self.sizes.items():
            if size == major:
                continue
            for line in lines:
                yield R.SIZE_MISMATCH.diag(
                    self.display, line,
                    f"image is {size[0]}x{size[1]} but most images of this dataset "
                    f"({len(major_lines)} of {total}) are {major[0]}x{major[1]}; all images "
                    "must have the same size: resize it",
                )

    def note(self) -> str:
        """How many references were not checked, and why ("" when all were)."""
        if not self.unchecked:
            return ""
        total = sum(self.unchecked.values())
        refs = f"{total} media reference{'s' if total != 1 else ''} not checked"
        if len(self.unchecked) == 1:
            return f"{refs}: {next(iter(self.unchecked))}"
        reasons = "; ".join(f"{reason} ({n})" for reason, n in self.unchecked.most_common())
        return f"{refs}: {reasons}"


def _show(path: Path | str) -> str:
    """``path`` relative to the working folder when below it."""
    p = Path(path)
    try:
        return p.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return p.as_posix()


def _what(head: bytes) -> str:
    if not head:
        return "an empty file"
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    return "not an image"


def add_note(ctx: CheckContext, text: str) -> None:
    """Hand ``text`` to the engine as a note on this file (nothing when empty)."""
    if text:
        ctx.note(text)


def _probe_image(path: Path, deep: bool) -> list[Any]:
    """``["ok", w, h]`` (stored size), or ``[problem kind, message]``; never raises."""
    from manifest_lint.media import MediaError
    from manifest_lint.media.images import probe_image

    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        return ["format", f"cannot be read: {exc.strerror or exc}"]
    if not head.startswith((_PNG, _JPEG)):
        return ["format", f"is {_what(head)}, not a PNG or JPEG; convert it (Lookout for "
                          "Vision accepts only PNG and JPEG)"]
    try:
        info = probe_image(path, checksum=deep)
    except MediaError as exc:
        if "too large" in exc.message:
            return ["too-large", f"is too large to decode safely ({exc.message}); Lookout "
                                 f"for Vision accepts at most {MAX_SIDE}x{MAX_SIDE}"]
        return ["format", f"cannot be read: {exc.message}; re-export it as PNG or JPEG"]
    return ["ok", info.raw_width, info.raw_height]


def _probe_mask(path: Path) -> list[Any]:
    """``["ok", w, h, {colour: pixels}]`` for opaque-enough pixels, or ``[problem kind,
    message]``; never raises."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        return ["format", f"cannot be read: {exc.strerror or exc}"]
    if not head.startswith(_PNG):
        return ["format", f"is {_what(head)}, not a PNG; save the mask as PNG (renaming is "
                          "not enough)"]
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                size = img.size
                counts = img.convert("RGBA").getcolors(MAX_MASK_COLORS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return ["too-large", "is too large to decode safely"]
    except Exception as exc:  # noqa: BLE001 - corrupt media must become a diagnostic
        return ["format", f"cannot be decoded: {exc}; re-export it as PNG"]
    if counts is None:
        return ["colors", f"has more than {MAX_MASK_COLORS} colours: it is not a label mask "
                          "(saved with anti-aliasing, or a photo?)"]
    found: dict[str, int] = {}
    for count, (r, g, b, a) in counts:
        if a == 0:
            continue  # fully transparent: background
        key = f"#{r:02x}{g:02x}{b:02x}"
        found[key] = found.get(key, 0) + count
    return ["ok", size[0], size[1], found]


def check_csv_media(ctx: CheckContext, *, rows: int, bare_names: int
                    ) -> Iterator[Diagnostic]:
    """Media checks for a CSV label file (called by the CSV checker after its pass, with the
    number of rows and of bare image names it saw).

    ``s3://`` rows go through ``media-map``; other rows are relative to ``--media-root`` or
    the CSV's folder. Each image is checked once. The CSV is read a second time only when
    some row can be reachable; when no bare name exists locally at all, the bare names are
    taken to live only in S3 (counted in a note, not reported missing one by one).
    """
    from manifest_lint.kinds.csv.check import HEADER_WORDS, Row, canonical_class, rows_of

    if ctx.settings.no_media or not any(ctx.enabled(r) for r in MEDIA_RULES):
        return  # no second pass over the CSV just to count what was not checked
    if not ctx.config.options("lfv").get("media-map") and not bare_names:
        if rows:
            add_note(ctx, f"{rows} media reference{'s' if rows != 1 else ''} not checked: "
                     "no media-map entry maps their bucket to a local folder "
                     "([tool.manifest-lint.lfv] media-map)")
        return
    base = ctx.settings.media_root or ctx.path.parent
    media = MediaChecker.for_context(ctx, relative_base=base)
    seen: set[str] = set()
    first = True
    relative_missing: list[Diagnostic] = []
    relative_found = 0
    for row in rows_of(ctx.source):
        if not isinstance(row, Row) or not row.fields or not row.fields[0].strip():
            continue
        image = row.fields[0].strip()
        if first:
            first = False
            cls = row.fields[1] if len(row.fields) > 1 else ""
            if canonical_class(cls, ["normal", "anomaly"]) is None and (
                    image.lower() in HEADER_WORDS):
                continue
        if image in seen:
            continue
        seen.add(image)
        if image.lower().startswith("s3:") or "://" in image:
            yield from media.image(image, row.start)[0]
            continue
        # A bare name, as `create lfv` joins it to the prefix (leading "/" dropped).
        diags, _size = media.image(image.lstrip("/"), row.start)
        missing = [d for d in diags if d.code == R.MEDIA_MISSING.code]
        relative_missing.extend(missing)
        relative_found += not missing and not any(d.code == R.PATH_ESCAPE.code for d in diags)
        yield from (d for d in diags if d.code != R.MEDIA_MISSING.code)
    if relative_found:
        yield from relative_missing
    elif relative_missing:
        n = len(relative_missing)
        media.unchecked[f"no bare image name exists below {_show(base)} (use --media-root "
                        "to point at a local copy)"] += n
    yield from media.finish()
    add_note(ctx, media.note())
