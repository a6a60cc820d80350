"""Checking the images and masks a manifest (or CSV label file) references against the
rules of Lookout for Vision.

``media-map`` (under ``[tool.manifest-lint.lfv]``) maps S3 prefixes to local folders relative
to the config file: ``"s3://bucket/train/" = "data/train/"``. CSV rows without ``s3://`` are
relative to the CSV's folder (or ``--media-root``). A reference that maps nowhere is not an
error; it is counted and the count is reported as a note.

Where the files are and how the work runs is the media layer's business: each folder is a
:class:`~manifest_lint.media.store.LocalStore`, and the probing of one record (its image and
masks) is one task of an :class:`~manifest_lint.media.executor.OrderedWork`, so results come
back in order whether they ran here or in worker processes.

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
import stat as stat_module
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manifest_lint.diagnostics import Diagnostic
from manifest_lint.kinds.lfv import rules as R
from manifest_lint.kinds.lfv.mediamap import MediaRoot, parse_media_map
from manifest_lint.kinds.lfv.probes import MAX_SIDE, Probe, probe_files, valid_outcome
from manifest_lint.kinds.lfv.remote import MediaTask, RemoteMedia, _Located
from manifest_lint.kinds.lfv.sizes import majority_size
from manifest_lint.media.executor import Backend, OrderedWork, process_pool, worker_count
from manifest_lint.media.store import LocalStore, escape_reason
from manifest_lint.rules import Rule
from manifest_lint.s3 import is_remote

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext
    from manifest_lint.media.cache import MediaCache
    from manifest_lint.media.objclient import ClientOptions
    from manifest_lint.media.objects import ObjectStore

MIN_SIDE = 64
MAX_FILE_BYTES = 8 * 1024 * 1024
BACKGROUND_COLORS = frozenset({"#ffffff", "#000000"})
_UNSEEN = object()  # a media-map folder not looked at yet


class MediaChecker(RemoteMedia):
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
        relative_base: Path | str | None = None,
        deep: bool = False,
        cache: MediaCache | None = None,
        jobs: int | None = 1,
        remote: bool = False,
        s3: ClientOptions | None = None,
        backend: Callable[[int], Backend] = process_pool,
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
        self.digests: list[tuple[str, int, str, str]] = []  # (file md5, line, ref, file)
        self._stores: dict[Path, LocalStore | None] = {}  # None: the folder does not exist
        # what the guard's one lstat found of the paths of the record being located (path ->
        # real path, lstat), for _prepare's stat and cache key
        self._looked: dict[str, tuple[str, os.stat_result | None]] = {}
        self.work: OrderedWork[MediaTask, dict[str, list[Any]]] = OrderedWork(
            probe_files, workers=worker_count(jobs) if deep else 1, send=_probes_of,
            backend=backend)
        self.remote = remote
        self.s3 = s3
        self._buckets: dict[str, ObjectStore] = {}
        self._fetching: OrderedWork[MediaTask, MediaTask] | None = None
        self._decoding: OrderedWork[MediaTask, dict[str, list[Any]]] | None = None
        self._jobs = jobs
        self._backend = backend

    @classmethod
    def for_context(cls, ctx: CheckContext, *, relative_base: Path | str | None = None
                    ) -> MediaChecker:
        """A checker configured from the run's settings and ``[tool.manifest-lint.lfv]``."""
        mapping = ctx.config.options("lfv").get("media-map", {})
        roots = parse_media_map(mapping, ctx.config.root)
        wanted = R.media_wanted(ctx.enabled_codes)
        return cls(
            ctx.display, roots, enabled=ctx.enabled,
            active=wanted and not ctx.settings.no_media,
            inactive_reason="--no-media" if wanted else "media rules not selected",
            relative_base=relative_base, deep=ctx.settings.deep,
            cache=ctx.settings.media_cache(ctx.path, "lfv"), jobs=ctx.settings.jobs,
            remote=ctx.remote, s3=ctx.settings.s3_options() if ctx.remote else None,
            backend=ctx.settings.media_backend(*(m.folder for m in roots), relative_base or ""),
        )

    # ---------------------------------------------------------------- locating files

    def _locate(self, ref: str) -> _Located:
        if ref.startswith("s3://"):
            for root in self.roots:
                if ref.startswith(root.prefix):
                    if isinstance(root.folder, str):  # a mirror in another bucket
                        return self._in_bucket(root.folder, ref[len(root.prefix):])
                    return self._inside(root.folder, ref[len(root.prefix):])
            bucket = ref[5:].split("/", 1)[0]
            if self.remote:
                return self._in_bucket(f"s3://{bucket}/", ref[6 + len(bucket):])
            return _Located(skip=f"no media-map entry for s3://{bucket}/ (--remote checks "
                                 "them in the bucket)")
        if self.relative_base is None or "://" in ref or ref.lower().startswith("s3:"):
            return _Located(skip="not a valid s3:// URI")
        if isinstance(self.relative_base, str):
            if not self.remote:
                return _Located(skip="media root is in S3 and --remote is off")
            return self._in_bucket(self.relative_base, ref)
        return self._inside(self.relative_base, ref)

    def _inside(self, folder: Path, rel: str) -> _Located:
        store = self._stores.get(folder, _UNSEEN)
        if store is _UNSEEN:  # looked at once per run
            store = LocalStore(folder)
            store = self._stores[folder] = store if store.exists() else None
        if not isinstance(store, LocalStore):
            return _Located(skip=f"media folder {_show(folder)} does not exist")
        if not rel or rel.endswith("/"):
            return _Located(skip="reference names a folder")
        reason = escape_reason(rel)
        if reason is not None and not reason.startswith("starts with '~'"):
            return _Located(escape=reason)
        candidate = store.join(rel)  # not absolute: see escape_reason
        real, st = store.resolve(candidate)
        if not store.real_inside(real):
            return _Located(escape=f"resolves to {real}, outside {_show(folder)} (symlink)")
        self._looked[candidate] = (real, st)
        return _Located(path=candidate)

    # ------------------------------------------------------------------------ checking

    def check(self, line: int, ref: str, masks: Sequence[tuple[str, frozenset[str] | None]]
              = (), tag: object = None) -> Iterator[tuple[MediaTask, list[Diagnostic]]]:
        """Check one record's image and masks; yields the finished records (in order) with
        their diagnostics, this one or earlier ones."""
        if not self.active:
            self.unchecked[self.inactive_reason] += 1 + len(masks)
            return
        self._looked.clear()
        task = MediaTask(line, ref, self._locate(ref), self.deep, tag=tag)
        task.masks = [(m, self._locate(m), colors) for m, colors in masks]
        pending = False
        for loc, what in [(task.image, "image-deep" if self.deep else "image"),
                          *((m[1], "mask") for m in task.masks)]:
            if loc.path is not None:
                pending |= not self._prepare(task, loc.path, what)
        if self.remote:
            for _task, fetched in self._fetch_stage().submit(task):
                yield from self._decode(fetched)
            return
        if not pending:
            yield task, self._judge(task)
            return
        for done, found in self.work.submit(task):
            done.found.update(found)
            self._remember(done, found)
            yield done, self._judge(done)

    def _prepare(self, task: MediaTask, path: str, what: str) -> bool:
        """Stat ``path`` and look it up in the cache; True when nothing is left to probe."""
        self.checked += 1
        looked = self._looked.get(path)  # a local file the guard looked at
        if looked is None and is_remote(path):
            return self._prepare_remote(task, path, what)
        try:
            if looked is None or looked[1] is None or stat_module.S_ISLNK(looked[1].st_mode):
                st = LocalStore.stat(path)  # a link, or what stat says of a missing file
            else:
                st = LocalStore.stat_of(looked[1])  # no link: the guard's lstat is its stat
        except FileNotFoundError:
            task.problems[path] = "not found"
            return True
        except OSError as exc:
            task.problems[path] = f"cannot be read: {exc.strerror or exc}"
            return True
        if not st.regular:
            task.problems[path] = "is not a regular file"
            return True
        task.stats[path] = st
        key = "lfv-image-deep" if what == "image-deep" else f"lfv-{what}"
        if self.cache is not None:
            hit = (self.cache.get(path, st, key) if looked is None
                   else self.cache.get(looked[0], st, key, resolved=True))
            if valid_outcome(hit, what, local=True):
                task.found[path] = hit
                return True
        return False

    def _remember(self, task: MediaTask, found: dict[str, list[Any]]) -> None:
        if self.cache is None:
            return
        for path, outcome in found.items():
            st = task.stats.get(path)
            if st is None:
                continue
            is_image = task.image.path == path
            what = ("lfv-image-deep" if self.deep else "lfv-image") if is_image else "lfv-mask"
            self.cache.put(path, st, what, outcome)

    def finish(self) -> Iterator[tuple[MediaTask, list[Diagnostic]]]:
        """The records still being probed, with their diagnostics; saves the cache."""
        try:
            if self._fetching is not None:
                for _task, fetched in self._fetching.finish():
                    yield from self._decode(fetched)
                assert self._decoding is not None
                for done, found in self._decoding.finish():
                    yield self._decoded(done, found)
            for done, found in self.work.finish():
                done.found.update(found)
                self._remember(done, found)
                yield done, self._judge(done)
        finally:
            self.close()
            if self.cache is not None:
                self.cache.save()

    def close(self) -> None:
        self.work.close()
        if self._fetching is not None:
            self._fetching.close()
        if self._decoding is not None:
            self._decoding.close()
        if self._buckets:
            from manifest_lint.media.objects import clean_spool

            clean_spool()

    # ------------------------------------------------------------------------ judging

    def _judge(self, task: MediaTask) -> list[Diagnostic]:
        out, size = self._judge_image(task)
        for ref, loc, colors in task.masks:
            out.extend(self._judge_mask(task, ref, loc, size, colors))
        return out

    def _judge_image(self, task: MediaTask) -> tuple[list[Diagnostic], tuple[int, int] | None]:
        ref, line, loc = task.ref, task.line, task.image
        if loc.path is None:
            return self._unlocated(loc, ref, line, "image"), None
        out: list[Diagnostic] = []
        if loc.path in task.skipped:
            self.unchecked[task.skipped[loc.path]] += 1
            return out, None
        if not self._present(task, loc.path, ref, "image", out):
            return out, None
        st = task.stats[loc.path]
        if st.size > MAX_FILE_BYTES:
            out.append(R.IMAGE_FILE_SIZE.diag(
                self.display, line,
                f"image {ref!r} is {st.size / 1048576:.1f} MiB; Lookout for Vision accepts "
                "at most 8 MiB: compress or resize it",
            ))
        outcome = task.found[loc.path]
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
        if len(outcome) > 3:
            self.digests.append((outcome[3], line, ref, loc.path))
        lines = self.sizes.get((w, h))
        if lines is None:
            lines = self.sizes[(w, h)] = array("L")
        lines.append(line)
        return out, (w, h)

    def _present(self, task: MediaTask, path: str, ref: str, what: str,
                 out: list[Diagnostic]) -> bool:
        """True when ``path`` was a regular file; else a diagnostic saying why not."""
        problem = task.problems.get(path)
        if problem is None:
            return True
        if problem == "not found" and is_remote(path):
            message = (f"{what} {ref!r} not found: no object {path}; upload it or fix the "
                       "reference")
        elif problem == "not found":
            message = (f"{what} {ref!r} not found: no file {_show(path)}; copy it there or "
                       "fix the reference")
        else:
            message = f"{what} {ref!r} ({_show(path)}) {problem}"
        out.append(R.MEDIA_MISSING.diag(self.display, task.line, message))
        return False

    def _unlocated(self, loc: _Located, ref: str, line: int, what: str) -> list[Diagnostic]:
        if loc.escape:
            return [R.PATH_ESCAPE.diag(
                self.display, line,
                f"{what} reference {ref!r} {loc.escape}; it was not opened. Use a plain "
                "key below the mapped folder",
            )]
        self.unchecked[loc.skip] += 1
        return []

    def _judge_mask(self, task: MediaTask, ref: str, loc: _Located,
                    image_size: tuple[int, int] | None, colors: frozenset[str] | None
                    ) -> list[Diagnostic]:
        """A real PNG of the image's size whose colours are all in ``colors`` (lowercase
        ``#rrggbb``; None skips the colour check)."""
        line = task.line
        if loc.path is None:
            return self._unlocated(loc, ref, line, "mask")
        out: list[Diagnostic] = []
        if loc.path in task.skipped:
            self.unchecked[task.skipped[loc.path]] += 1
            return out
        if not self._present(task, loc.path, ref, "mask", out):
            return out
        outcome = task.found[loc.path]
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

    def size_diagnostics(self) -> Iterator[Diagnostic]:
        """Diagnostics for images whose size differs from the majority size."""
        if len(self.sizes) < 2 or not self.enabled(R.SIZE_MISMATCH):
            return
        total = sum(len(v) for v in self.sizes.values())
        major, count = majority_size((s, len(v), (min(v),)) for s, v in self.sizes.items())
        for size, lines in self.sizes.items():
            if size == major:
                continue
            for line in lines:
                yield R.SIZE_MISMATCH.diag(
                    self.display, line,
                    f"image is {size[0]}x{size[1]} but most images of this dataset "
                    f"({count} of {total}) are {major[0]}x{major[1]}; all images "
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


def _probes_of(task: MediaTask) -> list[Probe]:
    """What travels to a worker: the files of the record still to probe."""
    out: list[Probe] = []
    image = task.image.path
    if image is not None and image in task.stats and image not in task.found:
        out.append((image, "image-deep" if task.deep else "image"))
    for _ref, loc, _colors in task.masks:
        p = loc.path
        if p is not None and p in task.stats and p not in task.found:
            out.append((p, "mask"))
    return out


def _show(path: Path | str) -> str:
    """``path`` relative to the working folder when below it (URLs as they are)."""
    if is_remote(path):
        return str(path)
    p = Path(path)
    try:
        return p.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return p.as_posix()


