"""A warm media check looks each folder up once: the path-escape guard and the cache key
resolve a folder's links once, not once per file, and give the same answers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from manifest_lint.media.cache import MediaCache
from manifest_lint.media.store import LocalStore, StatResult


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.png").write_bytes(b"x")
    for i in range(20):
        (root / "sub" / f"{i}.png").write_bytes(b"x")
    (root / "away").symlink_to(outside, target_is_directory=True)
    (root / "sub" / "link_in.png").symlink_to(root / "sub" / "0.png")
    (root / "sub" / "link_out.png").symlink_to(outside / "x.png")
    (root / "sub" / "broken.png").symlink_to(root / "nothing.png")
    return root


NAMES = ("sub/3.png", "sub/link_in.png", "sub/link_out.png", "sub/broken.png", "sub/no.png",
         "away/x.png", "sub", "nothing/x.png")


def test_locate_answers(tmp_path: Path) -> None:
    root = tree(tmp_path)
    guarded = LocalStore(root, follow_links=False)
    assert {n: guarded.locate(n)[1] for n in NAMES} == {
        "sub/3.png": "ok", "sub/link_in.png": "ok", "sub/link_out.png": "outside",
        "sub/broken.png": "missing", "sub/no.png": "missing", "away/x.png": "outside",
        "sub": "ok", "nothing/x.png": "missing",
    }
    following = LocalStore(root)
    assert {n: following.locate(n)[1] for n in NAMES} == {
        "sub/3.png": "ok", "sub/link_in.png": "ok", "sub/link_out.png": "ok",
        "sub/broken.png": "missing", "sub/no.png": "missing", "away/x.png": "ok",
        "sub": "ok", "nothing/x.png": "missing",
    }


def test_each_folder_is_resolved_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    root = tree(tmp_path)
    cache = MediaCache(tmp_path / "cache", root / "m.jsonl", "test")
    calls: list[str] = []
    real = os.path.realpath

    def counting(path: str, *args: object, **kwargs: object) -> str:
        calls.append(str(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os.path, "realpath", counting)
    store = LocalStore(root, follow_links=False)
    st = StatResult(1, "1")
    for i in range(20):
        path, state = store.locate(f"sub/{i}.png")
        assert state == "ok"
        cache.put(path, st, "what", i)
        assert cache.get(path, st, "what") == i
    # the root, the folder for the guard, the folder for the cache keys
    assert len(calls) == 3, calls
    # a link is still resolved on its own, and its cache key is where it leads
    cache.put(store.path("sub/link_in.png"), st, "what", "link")
    assert cache.get(store.path("sub/0.png"), st, "what") == "link"
