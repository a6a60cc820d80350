"""The media result cache: keyed by path, size, mtime and version; atomic; shareable."""

from __future__ import annotations

import os
from pathlib import Path

from manifest_lint import __version__
from manifest_lint.media.cache import MediaCache, default_cache_dir
from manifest_lint.media.progress import progress
from manifest_lint.media.store import LocalStore


def test_roundtrip_and_invalidation(tmp_path: Path) -> None:
    media = tmp_path / "a.png"
    media.write_bytes(b"x")
    owner = tmp_path / "manifest.jsonl"
    root = tmp_path / "cache"
    c = MediaCache(root, owner, "cvat")
    st = LocalStore.stat(str(media))
    assert c.get(media, st, "probe") is None
    c.put(media, st, "probe", {"w": 1})
    c.save()
    assert (root / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f")
    assert [p.parent.name for p in root.rglob("*.json")] == [__version__]
    again = MediaCache(root, owner, "cvat")
    assert again.get(media, LocalStore.stat(str(media)), "probe") == {"w": 1}
    assert again.get(media, LocalStore.stat(str(media)), "other") is None
    assert MediaCache(root, owner, "lfv").get(media, LocalStore.stat(str(media)), "probe") is None
    media.write_bytes(b"xy")
    assert again.get(media, LocalStore.stat(str(media)), "probe") is None
    os.utime(media, ns=(1, 1))
    assert again.get(media, LocalStore.stat(str(media)), "probe") is None


def test_disabled_cache_writes_nothing(tmp_path: Path) -> None:
    media = tmp_path / "a.png"
    media.write_bytes(b"x")
    c = MediaCache(None, tmp_path / "m.jsonl", "cvat")
    c.put(media, LocalStore.stat(str(media)), "probe", 1)
    c.save()
    assert not c.enabled
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_corrupt_shard_is_ignored_and_rewritten(tmp_path: Path) -> None:
    media = tmp_path / "a.png"
    media.write_bytes(b"x")
    owner = tmp_path / "m.jsonl"
    c = MediaCache(tmp_path / "cache", owner, "cvat")
    c.put(media, LocalStore.stat(str(media)), "probe", 1)
    c.save()
    shard = next((tmp_path / "cache").rglob("*.json"))
    shard.write_text("{not json")
    c2 = MediaCache(tmp_path / "cache", owner, "cvat")
    assert c2.get(media, LocalStore.stat(str(media)), "probe") is None
    c2.put(media, LocalStore.stat(str(media)), "probe", 2)
    c2.save()
    fresh = MediaCache(tmp_path / "cache", owner, "cvat")
    assert fresh.get(media, LocalStore.stat(str(media)), "probe") == 2
    assert not [p for p in shard.parent.iterdir() if p.suffix == ".tmp"]


def test_env_var_sets_default_dir(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MANIFEST_LINT_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_dir(tmp_path) == tmp_path / "elsewhere"
    monkeypatch.delenv("MANIFEST_LINT_CACHE_DIR")
    assert default_cache_dir(tmp_path) == tmp_path / ".manifest_lint_cache"


def test_progress_is_silent_off_a_terminal(capsys) -> None:  # type: ignore[no-untyped-def]
    with progress(100, "images", enabled=True) as advance:
        for _ in range(100):
            advance(1)
    assert capsys.readouterr().err == ""


def test_a_decoder_upgrade_starts_a_new_shard(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from manifest_lint.media import cache as cache_module

    media = tmp_path / "a.png"
    media.write_bytes(b"x")
    owner, root = tmp_path / "manifest.jsonl", tmp_path / "cache"
    st = LocalStore.stat(str(media))
    c = MediaCache(root, owner, "cvat")
    c.put(media, st, "probe", "old pixels")
    c.save()
    assert "pillow=" in cache_module.decoder_versions()
    monkeypatch.setattr(Image, "__version__", "99.0.0")
    cache_module.decoder_versions.cache_clear()
    try:
        assert "pillow=99.0.0" in cache_module.decoder_versions()
        assert MediaCache(root, owner, "cvat").get(media, st, "probe") is None
    finally:
        monkeypatch.undo()
        cache_module.decoder_versions.cache_clear()
    assert MediaCache(root, owner, "cvat").get(media, st, "probe") == "old pixels"


def test_video_decoders_are_part_of_a_video_key() -> None:
    from manifest_lint.media.cache import decoder_versions

    video = decoder_versions(video=True)
    assert video.startswith(decoder_versions()) and "pyav=" in video and "libavcodec=" in video


def test_a_shard_of_another_shape_is_ignored(tmp_path: Path) -> None:
    media = tmp_path / "a.png"
    media.write_bytes(b"x")
    owner = tmp_path / "m.jsonl"
    c = MediaCache(tmp_path / "cache", owner, "cvat")
    c.put(media, LocalStore.stat(str(media)), "probe", 1)
    c.save()
    shard = next((tmp_path / "cache").rglob("*.json"))
    for data in ("[1, 2]", '"text"', "null", "[" * 5000 + "]" * 5000):
        shard.write_text(data)
        again = MediaCache(tmp_path / "cache", owner, "cvat")
        assert again.get(media, LocalStore.stat(str(media)), "probe") is None
