"""Checking CVAT image records against their files: sizes, checksums, related images and
files the manifest does not list.

Where the files are and how the work runs is the media layer's business
(:mod:`manifest_lint.media.store`, :mod:`manifest_lint.media.executor`); this module says
what a record's files must look like and turns differences into diagnostics, with the
regenerated record as their fix. Paths that are not clean relative paths never get here
(the structure checks report them); links that lead out of the media folder are reported
and not opened. Video manifests are checked in :mod:`manifest_lint.kinds.cvat.video`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeGuard

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.kinds.cvat import rules as R
from manifest_lint.kinds.cvat.image_facts import ImageFacts as ImageFacts
from manifest_lint.kinds.cvat.image_facts import ImageTask as ImageTask
from manifest_lint.kinds.cvat.image_facts import inspect_image as inspect_image
from manifest_lint.kinds.cvat.image_facts import inspect_images as inspect_images
from manifest_lint.kinds.cvat.image_facts import inspect_located
from manifest_lint.kinds.cvat.serialize import dumps_line, image_record
from manifest_lint.kinds.cvat.structure import IMAGE_KEYS, is_checksum, is_int, is_point_cloud
from manifest_lint.media.executor import Backend, OrderedWork, process_pool, worker_count
from manifest_lint.media.images import over_pixel_limit, pixel_limit
from manifest_lint.media.store import LocalStore, StatResult
from manifest_lint.s3 import is_remote

if TYPE_CHECKING:
    from manifest_lint.kinds.cvat.remote import Fetched
    from manifest_lint.media.cache import MediaCache
    from manifest_lint.media.objclient import ClientOptions
    from manifest_lint.media.objects import ObjectStore

MAX_UNLISTED = 20  # unlisted files reported one by one; the rest are counted

# Diagnostics a regenerated image record repairs (CVAT205/CVAT204 only with a computed
# checksum, i.e. with --deep).
IMAGE_REGEN = frozenset({"CVAT006", "CVAT202", "CVAT203", "CVAT209", "CVAT402", "CVAT403",
                         "CVAT404", "CVAT501"})
IMAGE_REGEN_DEEP = IMAGE_REGEN | {"CVAT204", "CVAT205"}
_CHECKSUM_FROM_MEDIA = frozenset({"CVAT204", "CVAT205"})
_CACHE_DEEP = "cvat-probe-md5"  # cache entries: [width, height, orientation, checksum]
_CACHE_SIZE = "cvat-probe"
# the entries that serve a task that wants the checksum (True) or only the size (False)
_WHATS = {True: (_CACHE_DEEP,), False: (_CACHE_DEEP, _CACHE_SIZE)}


# --------------------------------------------------------------------------- images


@dataclass(slots=True)
class ImageItem:
    """One image record on its way through the media check."""

    line: int
    body: bytes
    obj: dict[str, Any]
    diags: list[Diagnostic]  # structure diagnostics of the line, held for fixes
    task: ImageTask
    name_extension_problem: str | None = None  # CVAT207, reported only if the file is missing
    stat: StatResult | None = None  # of the image when it was looked up in the cache
    real: str = ""  # its real path (a local file), the cache key
    fetched: Any = None  # what a fetch thread read of the object (a bucket root)


class ImageMedia:
    """Checks image records against their files, in manifest order."""

    def __init__(self, display: str, root: str, *, deep: bool, jobs: int | None,
                 enabled: frozenset[str], cache: MediaCache | None = None,
                 progress: Callable[[int], None] | None = None,
                 follow_links: bool = True, s3: ClientOptions | None = None,
                 backend: Callable[[int], Backend] = process_pool) -> None:
        self.display = display
        self.cache = cache
        self.progress = progress
        self.store: LocalStore | ObjectStore
        self.work: OrderedWork[ImageItem, Any]
        self.deep = deep
        self.enabled = enabled
        self.listed: set[str] = set()  # files the manifest accounts for
        self.sizes: Counter[tuple[int, int]] = Counter()  # image sizes found, for reports
        self.dirs: dict[str, bool] = {}  # folder -> has related_images/ (looked at once)
        self.pixels: int | None = None  # Pillow's MAX_IMAGE_PIXELS (0: off), when needed
        self.remote = is_remote(root)
        self.unchecked = 0  # records not checked (their bucket refused us)
        self.failure = ""  # why
        workers = worker_count(jobs) if deep else 1
        if self.remote:  # read in fetch threads, or by the --scheduler cluster's workers
            from manifest_lint.kinds.cvat.remote import stages
            from manifest_lint.media.objclient import BucketError

            self.fetching: OrderedWork[ImageItem, Fetched]
            self.store, self.fetching, self.work = stages(root, s3, backend, workers,
                                                          _task_of, _fetched_of)
            try:
                self.store.exists()  # one listing of the root: existence, sizes, ETags
            except BucketError as exc:
                self.failure = str(exc)
        else:
            self.store = LocalStore(root, follow_links)
            self.work = OrderedWork(partial(inspect_images, self.store), workers=workers,
                                    send=_task_of, backend=backend)
        self.root = self.store.root
        # the store of a local root whose probes are cached (None: no cache, or a bucket)
        self.local_cache = (self.store if isinstance(self.store, LocalStore)
                            and cache is not None and cache.enabled else None)

    # -- feeding

    def add(self, item: ImageItem) -> Iterable[Diagnostic]:
        """Queue a record; the diagnostics of records whose results are in (to be read
        before the next ``add``). A cached image is judged at once; one that agrees with its
        record costs one ``lstat`` and a few lookups (no generator, no facts object)."""
        task = item.task
        self.listed.add(task.full_name)
        if task.related:
            self.listed.update(task.related)
        if self.remote:
            return self._add_remote(item)
        local = self.local_cache
        if local is not None and not task.point_cloud:
            assert self.cache is not None
            path, folder, state, st, real = local.lookup(task.full_name)
            if st is not None:
                hit = self.cache.first(real, st.st_size, str(st.st_mtime_ns),
                                       _WHATS[task.checksum], _valid_probe)
                if hit is not None:
                    probed = task.probed = (hit[0], hit[1], hit[2], hit[3])
                    if state == "ok" and self._unchanged(item, probed, folder):
                        return ()
                item.stat, item.real = local.stat_of(st), real
                if hit is not None:
                    return self._judge(item, inspect_located(local, task, path, state,
                                                             self.dirs))
        return self._submit(item)

    def _submit(self, item: ImageItem) -> Iterator[Diagnostic]:
        for done, facts in self.work.submit(item):
            yield from self._judge(done, facts)

    def _add_remote(self, item: ImageItem) -> Iterator[Diagnostic]:
        if self.failure:
            self.unchecked += 1
            yield from item.diags
            return
        from manifest_lint.kinds.cvat.remote import decode_fetched, fetch_images
        from manifest_lint.media.objects import ObjectStore

        assert isinstance(self.store, ObjectStore)
        if self._from_cache(item):
            item.fetched = fetch_images(self.store, [item.task])[0]
            yield from self._judge(item, _facts(decode_fetched([item.fetched])[0], item))
            return
        for done, fetched in self.fetching.submit(item):
            yield from self._decode(done, fetched)

    def _decode(self, item: ImageItem, fetched: Fetched) -> Iterator[Diagnostic]:
        item.fetched = fetched
        for done, found in self.work.submit(item):
            yield from self._judge(done, _facts(found, done))

    def note(self) -> str:
        """Why records were not checked ("" when all were)."""
        if not self.unchecked:
            return ""
        s = "s" if self.unchecked != 1 else ""
        return f"{self.unchecked} image record{s} not checked: {self.failure}"

    # -- the cache of probe results (sizes, and checksums from --deep)

    def _from_cache(self, item: ImageItem) -> bool:
        """Fill ``item.task.probed`` from the cache (an object in a bucket); True on a hit."""
        if self.cache is None or not self.cache.enabled or item.task.point_cloud:
            return False
        url = self.store.path(item.task.full_name)
        try:
            st = self.store.stat(url)
        except OSError:  # a BucketError too
            return False
        item.stat, item.real = st, url
        hit = self.cache.first(url, st.size, st.token, _WHATS[item.task.checksum],
                               _valid_probe)
        if hit is None:
            return False
        item.task.probed = (hit[0], hit[1], hit[2], hit[3])
        return True

    def _unchanged(self, item: ImageItem, probed: tuple[int, int, int, str | None],
                   folder: str) -> bool:
        """The short-cut for a cached image that agrees with its record: True (the image
        is counted, nothing to report) when judging it would find nothing; else False."""
        task, obj = item.task, item.obj
        width, height, _, checksum = probed
        if (item.diags or task.related or self.dirs.get(folder) is not False
                or obj.get("width") != width or obj.get("height") != height
                or (self.deep and checksum is not None and obj.get("checksum") != checksum)):
            return False
        if self.pixels is None:
            self.pixels = pixel_limit() or 0
        if self.pixels and width * height > self.pixels:
            return False
        self.sizes[(width, height)] += 1
        if self.progress is not None:
            self.progress(1)
        return True

    def _remember(self, item: ImageItem, facts: ImageFacts) -> None:
        if (self.cache is None or item.stat is None or item.task.probed is not None
                or facts.status != "ok" or item.task.point_cloud):
            return
        what = _CACHE_DEEP if item.task.checksum else _CACHE_SIZE
        self.cache.put(item.real, item.stat, what,
                       [facts.width, facts.height, facts.orientation, facts.checksum],
                       resolved=True)

    def finish(self) -> Iterator[Diagnostic]:
        """Results of the queued records, then the unlisted-files check."""
        try:
            if self.remote:
                for item, fetched in self.fetching.finish():
                    yield from self._decode(item, fetched)
            for item, facts in self.work.finish():
                yield from self._judge(item, _facts(facts, item) if self.remote else facts)
        finally:
            self.close()
            if self.cache is not None:
                self.cache.save()
        if R.UNLISTED_MEDIA.code in self.enabled and not self.failure:
            yield from self._unlisted()

    def close(self) -> None:
        self.work.close()
        if self.remote:
            from manifest_lint.media.objects import clean_spool

            self.fetching.close()
            clean_spool()

    # -- judging

    def _judge(self, item: ImageItem, facts: ImageFacts) -> Iterator[Diagnostic]:
        self._remember(item, facts)
        if self.progress is not None:
            self.progress(1)
        n, name = item.line, item.task.full_name
        if facts.status == "skipped":
            self.unchecked += 1
            self.failure = facts.message
            yield from item.diags
            return
        if facts.status == "missing":
            yield R.MISSING_MEDIA.diag(
                self.display, n,
                f"image {name!r} not found in {self.root}; add the file, fix the name, or "
                "point --media-root at the dataset folder",
            )
            if item.name_extension_problem:
                yield R.NAME_EXTENSION.diag(self.display, n, item.name_extension_problem)
            yield from item.diags
            return
        if facts.status == "outside":
            yield R.OUTSIDE_ROOT.diag(
                self.display, n,
                f"{name!r} is a symbolic link to a file outside {self.root}; not opened "
                "(links = \"inside\" in [tool.manifest-lint.cvat]). Copy the file into the "
                "dataset folder, or set links = \"follow\"",
            )
            yield from item.diags
            return
        if facts.status == "unreadable":
            yield R.UNREADABLE_MEDIA.diag(
                self.display, n, f"image {name!r} cannot be read: {facts.message}; "
                "re-export the file",
            )
            yield from item.diags
            return
        found = self._media_diags(item, facts)
        yield from self._with_regen_fix(item, facts, [*item.diags, *found])

    def _media_diags(self, item: ImageItem, facts: ImageFacts) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        n, obj, name = item.line, item.obj, item.task.full_name
        width, height = obj.get("width"), obj.get("height")
        if facts.width is not None and facts.height is not None:
            self.sizes[(facts.width, facts.height)] += 1
        if (not item.task.point_cloud and is_int(width) and is_int(height)
                and (width, height) != (facts.width, facts.height)):
            swap = (f" (EXIF orientation {facts.orientation} swaps width and height)"
                    if facts.orientation > 4 else "")
            out.append(R.SIZE_MISMATCH.diag(
                self.display, n,
                f"width x height is {width}x{height} but {name!r} is "
                f"{facts.width}x{facts.height}{swap}; write the image's size",
            ))
        if (not item.task.point_cloud and facts.width is not None and facts.height is not None
                and (pixels := over_pixel_limit(facts.width, facts.height)) is not None):
            out.append(R.LARGE_IMAGE.diag(
                self.display, n,
                f"{name!r} has {pixels:,} pixels ({facts.width}x{facts.height}), more than "
                f"Pillow's MAX_IMAGE_PIXELS ({pixel_limit():,}): CVAT accepts it with a "
                "DecompressionBombWarning and decodes it slowly; past twice the limit it "
                "would be refused. Resize or tile the image if you can",
            ))
        checksum = obj.get("checksum")
        if (self.deep and facts.checksum is not None and is_checksum(checksum)
                and checksum != facts.checksum):
            out.append(R.CHECKSUM_MISMATCH.diag(
                self.display, n,
                f"checksum {checksum} is not the md5 of the decoded pixels of {name!r} "
                f"({facts.checksum}): the file changed or the checksum was computed "
                "differently",
            ))
        for rel in facts.related_missing:
            out.append(R.MISSING_RELATED.diag(
                self.display, n, f"related image {rel!r} of {name!r} does not exist; add it "
                "or remove it from meta.related_images",
            ))
        for rel in facts.related_outside:
            out.append(R.OUTSIDE_ROOT.diag(
                self.display, n, f"related image {rel!r} is a symbolic link to a file "
                f"outside {self.root}; not opened",
            ))
        listed = set(item.task.related)
        for rel in facts.related_on_disk:
            self.listed.add(rel)
            if rel not in listed:
                out.append(R.UNLISTED_MEDIA.diag(
                    self.display, n, f"context image {rel!r} of {name!r} is not listed in "
                    "its meta.related_images",
                ))
        return out

    def _with_regen_fix(self, item: ImageItem, facts: ImageFacts,
                        diags: list[Diagnostic]) -> Iterator[Diagnostic]:
        """Attach the regenerated record as the fix of the problems it repairs."""
        # A decoded checksum (--deep, or `fix` filling a missing one) repairs those too.
        codes = IMAGE_REGEN_DEEP if facts.checksum is not None else IMAGE_REGEN
        fixable = [d for d in diags if d.code in codes]
        if fixable:
            line = dumps_line(self.expected_record(item, facts))
            if line.encode("ascii") != item.body:
                fix = Fix((Edit(item.line, item.line, line),))
                for d in fixable:
                    d.fix = fix
        if facts.checksum is None and not item.task.point_cloud:
            # `fix` decodes the image to fill in a missing or malformed checksum
            for d in diags:
                if d.code in _CHECKSUM_FROM_MEDIA and d.fix is None:
                    d.fix_from_media = True
        yield from diags

    def expected_record(self, item: ImageItem, facts: ImageFacts) -> dict[str, Any]:
        """What ``create cvat`` writes for this record's files (extra keys kept)."""
        obj = item.obj
        meta_in = obj.get("meta")
        meta: dict[str, Any] = {"related_images": list(facts.related_on_disk)}
        if isinstance(meta_in, dict):
            meta.update((k, v) for k, v in meta_in.items() if k != "related_images")
        checksum = obj.get("checksum")
        if facts.checksum is not None and (self.deep or not is_checksum(checksum)):
            checksum = facts.checksum
        elif isinstance(checksum, str) and is_checksum(checksum.lower()):
            checksum = checksum.lower()
        if item.task.point_cloud:
            width = obj.get("width") if is_int(obj.get("width")) else None
            height = obj.get("height") if is_int(obj.get("height")) else None
            if width is None or height is None:
                width = height = None
        else:
            width, height = facts.width, facts.height
        name, extension = obj["name"], obj["extension"]
        record = image_record(name, extension, width, height, meta, checksum)
        record.update((k, v) for k, v in obj.items() if k not in IMAGE_KEYS)
        return record

    # -- unlisted files

    def _unlisted(self) -> Iterator[Diagnostic]:
        from manifest_lint.kinds.cvat.sources import context_owner, in_related_images

        found = list(_unlisted_files(self.store, self.listed))
        for rel in found[:MAX_UNLISTED]:
            if not in_related_images(rel):
                why = ("is not listed in the manifest; add it (regenerate with `manifest-lint "
                       "create cvat`) or move it out of the dataset folder")
            elif (owner := context_owner(rel)) is not None:
                why = (f"is in a related_images/ folder, so it is a context image, not a "
                       f"frame, but the manifest lists no image {owner!r} for it to belong "
                       "to; add that image and its record, rename the folder after its "
                       "image (<name>_<ext>), or move the file out")
            else:
                why = ("has 'related_images/' in its path, so CVAT's tool never takes it as "
                       "a frame, and it is not in a related_images/<name>_<ext>/ folder "
                       "beside an image; rename the folder or move the file out")
            yield R.UNLISTED_MEDIA.diag(self.display, 1, f"{rel!r} in {self.root} {why}")
        if len(found) > MAX_UNLISTED:
            yield R.UNLISTED_MEDIA.diag(
                self.display, 1,
                f"... and {len(found) - MAX_UNLISTED} more unlisted images in {self.root}",
            )


def _valid_probe(hit: Any) -> TypeGuard[list[Any]]:
    """True for a cached ``[width, height, orientation, checksum]`` of the right types (a
    shard written by hand or by another tool is ignored, not trusted)."""
    if type(hit) is not list or len(hit) != 4:  # noqa: E721 - JSON gives exact types
        return False  # None too: no entry
    width, height, orientation, checksum = hit
    return (type(width) is int and type(height) is int and type(orientation) is int  # noqa: E721
            and width > 0 and height > 0 and (checksum is None or is_checksum(checksum)))


def _task_of(item: ImageItem) -> ImageTask:
    """What travels to a worker: the task, not the record."""
    return item.task


def _fetched_of(item: ImageItem) -> Fetched:
    """What travels to a decoding worker: what was read of the object."""
    return item.fetched  # type: ignore[no-any-return]


def _facts(found: tuple[str, str, int | None, int | None, int, str | None],
           item: ImageItem) -> ImageFacts:
    status, message, width, height, orientation, checksum = found
    fetched = item.fetched
    return ImageFacts(status, message, width, height, orientation, checksum,
                      fetched.related_on_disk, fetched.related_missing)


def _unlisted_files(store: LocalStore | ObjectStore, listed: set[str]) -> Iterator[str]:
    """Media below the store's root (as ``create cvat`` finds them) not in ``listed``
    (looked up first: a listed file needs no MIME test)."""
    from manifest_lint.kinds.cvat.sources import is_image

    # both tests look at the last part of the name only
    return (r for r in store.names(_every) if r not in listed
            and (is_image(r) or is_point_cloud(r)))


def _every(name: str) -> bool:
    return True
