"""Finding a CVAT dataset's frames the way CVAT's ``create.py`` does: folders and glob
patterns, MIME-type tests, ``related_images`` context folders (2D and the 3D layouts),
sorting and record names. See :mod:`manifest_lint.kinds.cvat.create` for what differs from CVAT.
"""

from __future__ import annotations

import glob
import mimetypes
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from manifest_lint.kinds.cvat.structure import is_point_cloud
from manifest_lint.media import MediaError

SortingMethod = Literal["lexicographical", "natural", "predefined"]
SORTING_METHODS: tuple[str, ...] = ("lexicographical", "natural", "predefined")

RELATED_IMAGES_DIR = "related_images"
_WILDCARD = re.compile(r"[*?\[\]]")
_KITTI_IMAGE_DIR = re.compile(r"image_\d", re.IGNORECASE)


class CreateError(Exception):
    """The manifest cannot be created; the message says why and what to do.

    ``errors`` holds the individual media problems when files could not be read.
    """

    def __init__(self, message: str, errors: Sequence[MediaError] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


# --------------------------------------------------------------------------- source discovery


def is_image(path: str) -> bool:
    """CVAT's test: the MIME type guessed from the name is ``image/*`` but not ``image/svg*``.

    The guess depends only on the name's suffixes, so it is made once per suffix chain
    (``.jpg``, ``.tar.gz``) and remembered (``guess_type`` costs ~20 µs a name)."""
    name = os.path.basename(path)
    dot = name.find(".")
    if dot <= 0 or ":" in name:
        return _guess_is_image(path)
    tail = name[dot:]
    known = _IMAGE_SUFFIXES.get(tail)
    if known is None:
        known = _IMAGE_SUFFIXES[tail] = _guess_is_image("x" + tail)
    return known


_IMAGE_SUFFIXES: dict[str, bool] = {}  # suffix chain -> is_image


def _guess_is_image(path: str) -> bool:
    mime = mimetypes.guess_type(path)[0]
    return mime is not None and mime.startswith("image") and not mime.startswith("image/svg")


def is_video(path: str) -> bool:
    """CVAT's test: the MIME type guessed from the name is ``video/*``."""
    mime = mimetypes.guess_type(path)[0]
    return mime is not None and mime.startswith("video")


@dataclass(frozen=True)
class ImageSource:
    """Frames found for a folder or glob: absolute ``paths`` in discovery order under ``root``."""

    root: str
    paths: list[str]


def find_images(source: str) -> ImageSource:
    """Collect the frames (images or point clouds) of a folder or glob pattern.

    Context images are excluded. Raises :class:`CreateError` for a bad pattern, when nothing is
    found, or when 2D images and point clouds are mixed.
    """
    source = os.path.abspath(os.path.expanduser(source))
    if os.path.isdir(source):
        root = source
        found: list[str] = []
        for folder, _dirs, files in os.walk(source):
            found.extend(os.path.join(folder, f) for f in files if _is_frame_candidate(f))
    else:
        root = pattern_root(source)
        # as CVAT: whatever matches and has an image's name, a folder "d.jpg" too (it
        # then fails as unreadable, as it does in CVAT's tool)
        found = [p for p in glob.glob(source, recursive=True) if _is_frame_candidate(p)]
    paths = [p for p in found if not _in_related_images(p, root)]
    paths = _select_scenes(paths, root)
    if not paths:
        raise CreateError(f"no images found in {source}")
    return ImageSource(root=root, paths=paths)


def _is_frame_candidate(path: str) -> bool:
    return is_image(path) or is_point_cloud(path)


def pattern_root(pattern: str) -> str:
    """The literal folder before the first wildcard component of an absolute pattern (CVAT's
    test); raises :class:`CreateError` for a path without wildcards or a pattern that starts
    with one (no common root)."""
    parts = Path(pattern).parts
    anchor, components = parts[0], parts[1:]
    position = next((i for i, part in enumerate(components) if _WILDCARD.search(part)), None)
    if position is None:
        raise CreateError(
            f"Wrong positional argument: {pattern}: no such file or folder, and not a glob "
            "pattern"
        )
    if position == 0:
        raise CreateError(f"Wrong pattern: {pattern}: there must be a common root folder "
                          "before the first wildcard")
    return os.path.join(anchor, *components[:position])


def in_related_images(relpath: str) -> bool:
    """CVAT's test for a context image, on a ``/``-separated path below the root: it
    contains ``related_images/`` anywhere (``my_related_images/`` too)."""
    return RELATED_IMAGES_DIR + "/" in relpath


def context_owner(relpath: str) -> str | None:
    """The image a context image ``<dir>/related_images/<stem>_<ext>/<file>`` belongs to
    (``<dir>/<stem>.<ext>``), or None when the path has not that shape."""
    parts = relpath.split("/")
    if len(parts) < 3 or parts[-3] != RELATED_IMAGES_DIR or "_" not in parts[-2]:
        return None
    return "/".join([*parts[:-3], ".".join(parts[-2].rsplit("_", 1))])


def _in_related_images(path: str, root: str) -> bool:
    return in_related_images(_posix(os.path.relpath(path, root)))


def _select_scenes(paths: list[str], root: str) -> list[str]:
    """Point clouds and their context images: keep the clouds, reject other images."""
    clouds = [p for p in paths if is_point_cloud(p)]
    if not clouds:
        return paths
    context = {
        os.path.normpath(os.path.join(root, rel))
        for rels in related_images_3d(clouds, root).values()
        for rel in rels
    }
    leftovers = [p for p in paths if not is_point_cloud(p) and os.path.normpath(p) not in context]
    if leftovers:
        raise CreateError(
            "Combined data types 2D and 3D are not supported: "
            f"{os.path.relpath(leftovers[0], root)} is an image next to point clouds"
        )
    return clouds


def sort_paths(paths: Iterable[str], sorting: str) -> list[str]:
    """Order absolute paths like CVAT's ``--sorting`` (``random`` is not supported)."""
    check_sorting(sorting)
    if sorting == "lexicographical":
        return sorted(paths)
    if sorting == "natural":
        from natsort import os_sorted

        return list(os_sorted(paths))
    return list(paths)  # predefined: discovery order


def check_sorting(sorting: str) -> None:
    """Raise :class:`CreateError` unless ``sorting`` is one of :data:`SORTING_METHODS`."""
    if sorting in SORTING_METHODS:
        return
    if sorting == "random":
        raise CreateError(
            "random sorting is not supported: CVAT does not accept a manifest with random"
            " sorting, and a shuffled manifest cannot be reproduced"
        )
    raise CreateError(f"unknown sorting {sorting!r}; use one of {', '.join(SORTING_METHODS)}")


def record_name(path: str, root: str) -> tuple[str, str]:
    """CVAT's ``name`` and ``extension``: ``splitext`` of the path relative to ``root``.

    The name uses ``/`` separators; the extension keeps its dot and case (may be ``""``).
    """
    name, extension = os.path.splitext(os.path.relpath(path, root))
    return _posix(name), extension


def _posix(relpath: str) -> str:
    # CVAT replaces backslashes in 2D names on every platform.
    return relpath.replace(os.sep, "/").replace("\\", "/")


# --------------------------------------------------------------------------- related images


def _context_images(candidates: Iterable[str], root: str) -> list[str]:
    return sorted(_posix(os.path.relpath(p, root)) for p in candidates if is_image(p))


def _files_in(folder: str) -> list[str]:
    """Every entry of ``folder`` as CVAT lists it (``os.listdir``): broken links and
    folders too, since CVAT keeps whatever has an image's name."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    return [os.path.join(folder, entry) for entry in entries]


class Listing(Protocol):
    """Where the 3D layouts are looked for: the disk, or a bucket's listing."""

    def entries(self, folder: str) -> list[str]:
        """The paths of everything directly in ``folder`` (files and folders)."""
        ...

    def isdir(self, folder: str) -> bool:
        ...


class _Disk:
    entries = staticmethod(_files_in)
    isdir = staticmethod(os.path.isdir)


DISK: Listing = _Disk()


def _context_folder_name(path: str) -> str:
    """``img_10.png`` -> ``img_10_png``: the last dot of the base name becomes ``_``."""
    return "_".join(os.path.basename(path).rsplit(".", 1))


def related_images_2d(paths: Iterable[str], root: str,
                      folders: dict[str, bool] | None = None) -> dict[str, list[str]]:
    """``<dir>/related_images/<stem>_<ext>/*`` images for each path (possibly empty lists).

    Keys are the given paths; values are paths relative to ``root`` with ``/``, sorted.
    ``folders`` (folder -> has a ``related_images`` folder) can be shared between calls so
    that each folder is looked at once.
    """
    related: dict[str, list[str]] = {}
    folders_with_context: dict[str, bool] = {} if folders is None else folders
    for path in paths:
        folder = os.path.dirname(path)
        if folder not in folders_with_context:
            folders_with_context[folder] = os.path.isdir(os.path.join(folder, RELATED_IMAGES_DIR))
        related[path] = []
        if folders_with_context[folder]:
            context_dir = os.path.join(folder, RELATED_IMAGES_DIR, _context_folder_name(path))
            if os.path.isdir(context_dir):
                related[path] = _context_images(_files_in(context_dir), root)
    return related


def related_images_3d(paths: Iterable[str], root: str,
                      fs: Listing = DISK) -> dict[str, list[str]]:
    """Context images of point clouds in the layouts CVAT's server recognizes (see module doc).

    Keys are the given paths; values are paths relative to ``root`` with ``/``, sorted.
    ``fs`` lists folders (the disk by default; a bucket's listing for media in a bucket).
    """
    related: dict[str, list[str]] = {}
    listing: dict[str, list[str]] = {}
    for path in paths:
        folder = os.path.dirname(path)
        stem = _stem(path)
        if folder not in listing:
            listing[folder] = fs.entries(folder)
        siblings = [p for p in listing[folder] if os.path.normpath(p) != os.path.normpath(path)]
        found: list[str] = []
        if siblings and os.path.basename(folder) == stem:
            found += _context_images(siblings, root)  # <scene>/<scene>.pcd + images
        else:
            same_stem = [p for p in siblings if _stem(p) == stem]
            found += _context_images(same_stem, root)  # <scene>.pcd beside <scene>.<img>
        supervisely = os.path.join(
            os.path.dirname(folder), RELATED_IMAGES_DIR, _context_folder_name(path)
        )
        if fs.isdir(supervisely):
            found += _context_images(fs.entries(supervisely), root)
        if folder.endswith(os.path.join("velodyne_points", "data")):
            found += _context_images(_kitti_context(folder, stem, fs), root)
        related[path] = sorted(found)
    return related


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _kitti_context(velodyne_data: str, stem: str, fs: Listing = DISK) -> list[str]:
    sequence = os.path.dirname(os.path.dirname(velodyne_data))
    found = []
    for entry in sorted(os.path.basename(p) for p in fs.entries(sequence)):
        data = os.path.join(sequence, entry, "data")
        if _KITTI_IMAGE_DIR.search(entry) and fs.isdir(data):
            found += [p for p in fs.entries(data) if _stem(p) == stem]
    return found
