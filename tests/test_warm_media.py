"""A warm ``lint --deep`` (every image cached and unchanged) finds exactly what a cold one
finds, with one ``lstat`` per image: the store's one-step lookups agree with ``locate``,
``stat`` and ``os.path.realpath``; the short-cut for a cached image that agrees with its
record never hides a problem (CVAT and Lookout for Vision)."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from manifest_lint.media.store import LocalStore
from tests.conftest import lint_diagnostics, run_cli
from tests.lfv_media_factory import png as lfv_png
from tests.media_factory import make_jpeg, make_png
from tests.test_cvat_media import HEADER, pixels_md5


def tree(tmp_path: Path) -> Path:
    """Files, links inside and out, a broken link, a linked folder leading out."""
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.png").write_bytes(b"x")
    for i in range(3):
        (root / "sub" / f"{i}.png").write_bytes(b"x" * (i + 1))
    (root / "top.png").write_bytes(b"top")
    (root / "away").symlink_to(outside, target_is_directory=True)
    (root / "sub" / "link_in.png").symlink_to(root / "sub" / "0.png")
    (root / "sub" / "link_out.png").symlink_to(outside / "x.png")
    (root / "sub" / "broken.png").symlink_to(root / "nothing.png")
    (root / "sub" / "broken_out.png").symlink_to(outside / "nothing.png")
    return root


NAMES = ("sub/1.png", "top.png", "sub/link_in.png", "sub/link_out.png", "sub/broken.png",
         "sub/broken_out.png", "sub/no.png", "away/x.png", "away/no.png", "sub",
         "nothing/x.png", "top.png/x", "sub/./2.png")


@pytest.mark.parametrize("follow", [True, False], ids=["follow", "inside"])
def test_lookup_agrees_with_locate_stat_and_realpath(tmp_path: Path, follow: bool) -> None:
    root = tree(tmp_path)
    store = LocalStore(root, follow_links=follow)
    for name in NAMES:
        path, folder, state, st, real = store.lookup(name)
        assert (path, state) == store.locate(name), name
        assert folder == os.path.dirname(path), name
        try:
            expected = os.stat(path)
        except OSError:
            assert st is None and state != "ok", name
            continue
        assert st is not None, name
        assert (st.st_size, st.st_mtime_ns, st.st_mode) == (
            expected.st_size, expected.st_mtime_ns, expected.st_mode), name
        assert store.stat_of(st) == LocalStore.stat(path), name
        assert real == os.path.realpath(path), name


def test_resolve_agrees_with_realpath_and_lstat(tmp_path: Path) -> None:
    root = tree(tmp_path)
    store = LocalStore(root)
    for name in (*NAMES, "sub/../top.png", "sub/.", "away/../top.png"):
        path = os.path.join(store.root, name)
        real, st = store.resolve(path)
        assert real == os.path.realpath(path), name
        try:
            expected: int | None = os.lstat(path).st_ino
        except OSError:
            expected = None
        assert (st.st_ino if st is not None else None) == expected, name


@pytest.mark.parametrize("name", ["a", "a/b.png", "a//b", "a/", "", "./a", "a/./b", "/a",
                                  "a/../b"])
def test_path_is_the_join_of_the_parts(tmp_path: Path, name: str) -> None:
    store = LocalStore(tmp_path)
    assert store.path(name) == os.path.join(store.root, *name.split("/"))
    if not name.startswith("/"):
        assert store.join(name) == os.path.join(store.root, name)


# --- CVAT ----------------------------------------------------------------------------------

def _record(root: Path, name: str, ext: str, **changes: Any) -> dict[str, Any]:
    with Image.open(root / f"{name}{ext}") as img:
        width, height = img.size
    obj: dict[str, Any] = {"name": name, "extension": ext, "width": width, "height": height,
                           "meta": {"related_images": []},
                           "checksum": pixels_md5(root / f"{name}{ext}")}
    obj.update(changes)
    return obj


def cvat_dataset(tmp_path: Path) -> Path:
    """One record per situation the media check judges; most of them with a problem."""
    root = tmp_path / "data"
    for i in range(4):
        make_png(root / f"ok{i}.png", size=(16 + i, 12))
    make_png(root / "wide.png", size=(30, 10))
    make_png(root / "changed.png", size=(20, 10))
    make_png(root / "big.png", size=(40, 40))
    make_png(root / "unlisted.png", size=(8, 8))
    make_jpeg(root / "ctx" / "a.jpg", size=(24, 16))
    make_jpeg(root / "ctx" / "related_images" / "a_jpg" / "listed.jpg", size=(8, 8))
    make_jpeg(root / "ctx" / "related_images" / "a_jpg" / "extra.jpg", size=(8, 8))
    make_png(root / "deep" / "er" / "c.png", size=(12, 12))
    outside = tmp_path / "outside"
    make_png(outside / "o.png", size=(10, 10))
    (root / "out.png").symlink_to(outside / "o.png")
    (root / "in.png").symlink_to(root / "ok0.png")
    objs = [
        _record(root, "ok0", ".png"),
        _record(root, "ok1", ".png"),
        _record(root, "wide", ".png", width=10, height=30),  # CVAT203 sizes swapped
        _record(root, "changed", ".png", checksum="0" * 32),  # CVAT205 with --deep
        _record(root, "big", ".png"),  # CVAT212 over a lowered pixel limit
        _record(root, "ctx/a", ".jpg",
                meta={"related_images": ["ctx/related_images/a_jpg/listed.jpg",
                                         "ctx/related_images/a_jpg/gone.jpg"]}),
        _record(root, "deep/er/c", ".png"),
        _record(root, "out", ".png"),  # a link leading out: CVAT213 with links = "inside"
        _record(root, "in", ".png"),
        _record(root, "ok2", ".png"),
        {**_record(root, "ok3", ".png"), "extra": 1},  # a key CVAT does not write
    ]
    lines = [json.dumps(o, separators=(",", ":")) for o in objs]
    lines[1] = json.dumps(objs[1])  # CVAT006: not written the way CVAT writes it
    lines.append(json.dumps({**objs[0], "name": "missing"}, separators=(",", ":")))
    manifest = root / "manifest.jsonl"
    manifest.write_text(HEADER + "".join(line + "\n" for line in lines))
    return manifest


def _found(manifest: Path, **settings: Any) -> list[tuple[int, str, str, bool]]:
    return [(d.line, d.code, d.message, d.fix is not None)
            for d in lint_diagnostics(manifest, **settings)]


@pytest.mark.parametrize("links", ["follow", "inside"])
@pytest.mark.parametrize("deep", [True, False], ids=["deep", "sizes"])
def test_cvat_warm_run_finds_what_a_cold_one_finds(tmp_path: Path, monkeypatch:
                                                   pytest.MonkeyPatch, links: str,
                                                   deep: bool) -> None:
    manifest = cvat_dataset(tmp_path)
    (tmp_path / "pyproject.toml").write_text(f'[tool.manifest-lint.cvat]\nlinks = "{links}"\n')
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    cache = tmp_path / "cache"
    uncached = _found(manifest, deep=deep, jobs=1)
    cold = _found(manifest, deep=deep, jobs=1, cache_dir=cache)
    warm = _found(manifest, deep=deep, jobs=1, cache_dir=cache)
    assert cold == uncached
    assert warm == cold
    codes = {code for _, code, _, _ in cold}
    assert {"CVAT006", "CVAT401", "CVAT402", "CVAT403", "CVAT404", "CVAT411"} <= codes, codes
    assert ("CVAT501" in codes) == deep
    assert ("CVAT410" in codes) == (links == "inside")


def _line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from manifest_lint.kinds.cvat.records import RecordChecks

    monkeypatch.setattr(RecordChecks, "_block_bodies", lambda self, buf: None)


@pytest.mark.parametrize("cached", [False, True], ids=["cold", "warm"])
def test_cvat_block_path_with_media_finds_what_the_line_path_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool) -> None:
    from manifest_lint.kinds.cvat import check as check_module
    from manifest_lint.kinds.cvat.records import RecordChecks

    manifest = cvat_dataset(tmp_path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    monkeypatch.setattr(check_module, "BLOCK_SIZE", 400)  # one or two records a block
    blocks: list[int] = []
    media = RecordChecks._block_media

    def counted(self: Any, first: int, bodies: list[bytes]) -> Any:
        blocks.append(first)
        return media(self, first, bodies)

    monkeypatch.setattr(RecordChecks, "_block_media", counted)
    cache = tmp_path / "cache" if cached else None
    if cached:
        _found(manifest, deep=True, jobs=1, cache_dir=cache)
    by_block = _found(manifest, deep=True, jobs=1, cache_dir=cache)
    assert blocks, "no block took the block path"
    _line_by_line(monkeypatch)
    assert by_block == _found(manifest, deep=True, jobs=1, cache_dir=cache)


def test_cvat_block_with_a_huge_width_goes_line_by_line(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    root = tmp_path / "data"
    make_png(root / "a.png", size=(8, 8))
    make_png(root / "b.png", size=(8, 8))
    good = json.dumps(_record(root, "a", ".png"), separators=(",", ":"))
    huge = json.dumps(_record(root, "b", ".png"), separators=(",", ":")).replace(
        '"width":8', '"width":' + "9" * 5000)
    manifest = root / "manifest.jsonl"
    manifest.write_text(HEADER + good + "\n" + huge + "\n")
    found = _found(manifest, deep=True, jobs=1)
    assert [(line, code) for line, code, _, _ in found] == [(1, "CVAT402"), (4, "CVAT003")], found
    _line_by_line(monkeypatch)
    assert _found(manifest, deep=True, jobs=1) == found


def _counting(monkeypatch: pytest.MonkeyPatch, suffix: str) -> Counter[str]:
    """Count ``os.stat``/``os.lstat`` calls on paths ending in ``suffix`` (also those that
    ``os.path.realpath`` makes)."""
    calls: Counter[str] = Counter()

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(path: Any, *args: Any, **kwargs: Any) -> Any:
            if os.fspath(path).endswith(suffix):
                calls[os.fspath(path)] += 1
            return fn(path, *args, **kwargs)
        return counted

    monkeypatch.setattr(os, "stat", wrap(os.stat))
    monkeypatch.setattr(os, "lstat", wrap(os.lstat))
    return calls


def test_cvat_warm_image_costs_one_lstat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    root = tmp_path / "data"
    objs = []
    for i in range(12):
        folder = "" if i < 6 else "sub/"
        make_png(root / f"{folder}img{i}.png", size=(10 + i, 10))
        objs.append(_record(root, f"{folder}img{i}", ".png"))
    manifest = root / "manifest.jsonl"
    manifest.write_text(HEADER + "".join(json.dumps(o, separators=(",", ":")) + "\n"
                                         for o in objs))
    cache = tmp_path / "cache"
    assert _found(manifest, deep=True, jobs=1, cache_dir=cache) == []
    calls = _counting(monkeypatch, ".png")
    assert _found(manifest, deep=True, jobs=1, cache_dir=cache) == []
    assert sorted(calls.values()) == [1] * 12, calls


# --- Lookout for Vision, media through media-map ---------------------------------------------

SELECT = ["LFV4"]  # the media rules (a dozen images are too few for a dataset)

def _lfv_line(ref: str) -> str:
    return json.dumps({
        "source-ref": ref, "anomaly-label": 0,
        "anomaly-label-metadata": {
            "confidence": 1, "job-name": "labeling-job/anomaly-classification",
            "class-name": "normal", "human-annotated": "yes",
            "creation-date": "2024-01-01T00:00:00.000000",
            "type": "groundtruth/image-classification"}}, separators=(",", ":"))


def lfv_project(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    for i in range(3):
        lfv_png(media / f"ok{i}.png", color=(i * 40, 0, 0))
    lfv_png(media / "sub" / "s.png", color=(9, 9, 9))
    lfv_png(media / "small.png", size=(32, 64))  # LFV-size: too small
    lfv_png(media / "wide.png", size=(96, 64))  # another size than the others
    (media / "text.png").write_text("not an image")
    outside = tmp_path / "outside"
    lfv_png(outside / "o.png")
    (media / "out.png").symlink_to(outside / "o.png")
    (media / "in.png").symlink_to(media / "ok0.png")
    (media / "away").symlink_to(outside, target_is_directory=True)
    (media / "dir.png").mkdir()
    refs = ["ok0", "ok1", "sub/s", "small", "wide", "text", "out", "in", "away/o", "dir",
            "missing", "ok2"]
    (tmp_path / "manifest-lint.toml").write_text(
        '[lfv]\nmedia-map = { "s3://bucket/img/" = "media" }\n')
    manifest = tmp_path / "train.manifest"
    manifest.write_text("".join(_lfv_line(f"s3://bucket/img/{r}.png") + "\n" for r in refs))
    return manifest


def test_lfv_warm_run_finds_what_a_cold_one_finds(tmp_path: Path) -> None:
    manifest = lfv_project(tmp_path)
    cache = tmp_path / "cache"
    uncached = _found(manifest, deep=True, jobs=1, select=SELECT)
    cold = _found(manifest, deep=True, jobs=1, cache_dir=cache, select=SELECT)
    warm = _found(manifest, deep=True, jobs=1, cache_dir=cache, select=SELECT)
    assert cold == uncached
    assert warm == cold
    assert [(line, code) for line, code, _, _ in cold] == [
        (4, "LFV403"), (4, "LFV405"), (5, "LFV405"), (6, "LFV402"), (7, "LFV409"),
        (9, "LFV409"), (10, "LFV401"), (11, "LFV401")], cold


def test_lfv_warm_image_costs_one_lstat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    media = tmp_path / "media"
    for i in range(8):
        lfv_png(media / ("sub/" if i % 2 else "") / f"{i}.png", color=(i, 0, 0))
    (tmp_path / "manifest-lint.toml").write_text(
        '[lfv]\nmedia-map = { "s3://bucket/img/" = "media" }\n')
    manifest = tmp_path / "train.manifest"
    manifest.write_text("".join(
        _lfv_line(f"s3://bucket/img/{'sub/' if i % 2 else ''}{i}.png") + "\n"
        for i in range(8)))
    cache = tmp_path / "cache"
    assert _found(manifest, deep=True, jobs=1, cache_dir=cache, select=SELECT) == []
    calls = _counting(monkeypatch, ".png")
    assert _found(manifest, deep=True, jobs=1, cache_dir=cache, select=SELECT) == []
    assert sorted(calls.values()) == [1] * 8, calls


# --- the CVAT group walk ------------------------------------------------------------------

def test_cvat_group_walk_finds_a_manifest_named_by_the_kinds_config(tmp_path: Path) -> None:
    """Beside images the walk skips what cannot be a manifest by its name, but a name the
    ``kinds`` config maps to CVAT is still looked at."""
    data = tmp_path / "data"
    data.mkdir()
    sums = [f"{i:032x}" for i in (1, 2)]
    for name, records in (("manifest.jsonl", [("a", sums[0])]),
                          ("other.txt", [("b", sums[0])])):
        lines = [HEADER.rstrip("\n")] + [json.dumps(
            {"name": n, "extension": ".jpg", "width": 64, "height": 64,
             "meta": {"related_images": []}, "checksum": c}, separators=(",", ":"))
            for n, c in records]
        (data / name).write_text("\n".join(lines) + "\n")
    for i in range(3):
        (data / f"img{i}.jpg").write_bytes(b"x")
    (tmp_path / "manifest-lint.toml").write_text('[kinds]\n"*.txt" = "cvat"\n')
    res = run_cli("lint", "-f", "json", "--no-media", "data/manifest.jsonl", cwd=tmp_path)
    found = [(d["path"], d["line"], d["code"]) for d in json.loads(res.stdout)["diagnostics"]]
    assert found == [("data/other.txt", 3, "DS201")], res.stdout + res.stderr


# --- the cache shard -------------------------------------------------------------------------

def test_shard_with_a_non_utf8_file_name_loads_again(tmp_path: Path) -> None:
    """Shards load with orjson; what only json reads (a lone surrogate escaped from a
    non-UTF-8 file name) still loads."""
    from manifest_lint.media.cache import MediaCache
    from manifest_lint.media.store import StatResult

    owner = tmp_path / "m.jsonl"
    st = StatResult(3, "7")
    names = [str(tmp_path / "plain.png"), str(tmp_path / "caf\udce9.png")]
    cache = MediaCache(tmp_path / "cache", owner, "cvat")
    for i, name in enumerate(names):
        cache.put(name, st, "probe", [i, "x"], resolved=True)
    cache.save()
    again = MediaCache(tmp_path / "cache", owner, "cvat")
    assert [again.get(n, st, "probe", resolved=True) for n in names] == [[0, "x"], [1, "x"]]
    assert again.get(names[0], StatResult(3, "8"), "probe", resolved=True) is None
