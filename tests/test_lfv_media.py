"""Lookout for Vision media checks: images and masks reachable through ``media-map`` (and
CSV rows relative to the CSV), one bad and one good case per rule."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from lfv_media_factory import jpeg, mask, png, webp
from PIL import Image

from manifest_lint.config import load_config
from manifest_lint.engine import Settings
from manifest_lint.kinds.lfv import media as lfv_media
from manifest_lint.kinds.lfv import probes as lfv_probes
from manifest_lint.kinds.lfv.media import parse_media_map
from tests.conftest import lint_diagnostics, run_cli

CLS = "groundtruth/image-classification"
SEG = "groundtruth/semantic-segmentation"
CMAP = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
        "1": {"class-name": "scratch", "hex-color": "#23a436", "confidence": 0.0}}
SCRATCH = (0x23, 0xA4, 0x36)


def line(img: str, cls: str = "normal", mask_name: str | None = None,
         cmap: dict[str, Any] | None = None) -> dict[str, Any]:
    o: dict[str, Any] = {
        "source-ref": f"s3://bucket/train/{img}",
        "anomaly-label": 1 if cls == "anomaly" else 0,
        "anomaly-label-metadata": {"class-name": cls, "human-annotated": "yes", "type": CLS},
    }
    if mask_name is not None:
        o["anomaly-mask-ref"] = f"s3://bucket/masks/{mask_name}"
        o["anomaly-mask-ref-metadata"] = {"internal-color-map": cmap or CMAP,
                                          "human-annotated": "yes", "type": SEG}
    return o


@pytest.fixture
def ds(tmp_path: Path) -> Path:
    """A dataset folder: config mapping s3://bucket/ to media/, images 64x64."""
    (tmp_path / "manifest-lint.toml").write_text('[lfv]\nmedia-map = { "s3://bucket/" = '
                                                 '"media" }\n')
    media = tmp_path / "media"
    jpeg(media / "train" / "a.jpg")
    png(media / "train" / "b.png")
    jpeg(media / "train" / "c.jpg")
    mask(media / "masks" / "c.png", regions=[((5, 5, 20, 20), SCRATCH)])
    return tmp_path


def lint(folder: Path, *objs: dict[str, Any], **settings: Any) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in lint_all(folder, *objs, **settings)]


def lint_all(folder: Path, *objs: dict[str, Any], **settings: Any) -> list[Any]:
    p = folder / "data.manifest"
    p.write_text("".join(json.dumps(o) + "\n" for o in objs))
    return lint_diagnostics(p, kind="lfv", **settings)


GOOD = (line("a.jpg"), line("b.png"), line("c.jpg", "anomaly", "c.png"))


def test_good_dataset_is_clean(ds: Path) -> None:
    assert lint(ds, *GOOD) == []


def test_lfv401_missing_image_and_mask(ds: Path) -> None:
    jpeg(ds / "media" / "train" / "d.jpg")
    found = lint_all(ds, *GOOD, line("gone.jpg"), line("d.jpg", "anomaly", "gone.png"))
    assert [(d.code, d.line) for d in found] == [("LFV401", 4), ("LFV401", 5)]
    assert found[0].message == ("image 's3://bucket/train/gone.jpg' not found: no file "
                                f"{ds / 'media/train/gone.jpg'}; copy it there or fix the "
                                "reference")
    assert found[1].message.startswith("mask 's3://bucket/masks/gone.png' not found")


def test_lfv401_folder_is_not_an_image(ds: Path) -> None:
    (ds / "media" / "train" / "dir.jpg").mkdir()
    assert lint(ds, *GOOD, line("dir.jpg")) == [("LFV401", 4)]


def test_lfv402_not_png_or_jpeg_by_content(ds: Path) -> None:
    webp(ds / "media" / "train" / "w.jpg")
    (ds / "media" / "train" / "t.png").write_text("not an image")
    (ds / "media" / "train" / "empty.jpg").write_bytes(b"")
    found = lint_all(ds, *GOOD, line("w.jpg"), line("t.png"), line("empty.jpg"))
    assert [(d.code, d.line) for d in found] == [("LFV402", 4), ("LFV402", 5), ("LFV402", 6)]
    assert "WebP" in found[0].message
    assert "an empty file" in found[2].message


def test_lfv402_truncated_jpeg_needs_deep(ds: Path) -> None:
    big = jpeg(ds / "media" / "train" / "t.jpg", size=(256, 256))
    data = big.read_bytes()
    img = Image.effect_noise((256, 256), 80).convert("RGB")
    img.save(big, "JPEG", quality=95)
    data = big.read_bytes()
    big.write_bytes(data[: len(data) // 2])
    assert lint(ds, line("t.jpg")) == []  # the header is intact
    assert lint(ds, line("t.jpg"), deep=True) == [("LFV402", 1)]


def test_lfv403_dimensions(ds: Path) -> None:
    jpeg(ds / "media" / "train" / "small.jpg", size=(63, 64))
    png(ds / "media" / "train" / "wide.png", size=(4097, 64))
    png(ds / "media" / "train" / "edge.png", size=(4096, 64))
    found = lint_all(ds, line("small.jpg"), line("wide.png"), line("edge.png"))
    # and the three sizes differ, so two of them are not the majority's (LFV405)
    assert [(d.code, d.line) for d in found] == [
        ("LFV403", 1), ("LFV403", 2), ("LFV405", 2), ("LFV405", 3)]
    assert "63x64 pixels" in found[0].message


def test_lfv403_decompression_bomb_is_a_diagnostic(ds: Path, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    found = lint_all(ds, line("a.jpg"))
    assert [(d.code, d.line) for d in found] == [("LFV403", 1)]
    assert "too large to decode safely" in found[0].message


def test_lfv404_file_size(ds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    size = (ds / "media" / "train" / "b.png").stat().st_size
    monkeypatch.setattr(lfv_media, "MAX_FILE_BYTES", size - 1)
    assert ("LFV404", 2) in lint(ds, *GOOD)
    monkeypatch.setattr(lfv_media, "MAX_FILE_BYTES", size)
    assert ("LFV404", 2) not in lint(ds, *GOOD)


def test_lfv405_size_mismatch_names_the_majority(ds: Path) -> None:
    jpeg(ds / "media" / "train" / "odd.jpg", size=(80, 64))
    found = lint_all(ds, *GOOD, line("odd.jpg"))
    assert [(d.code, d.line) for d in found] == [("LFV405", 4)]
    assert "80x64" in found[0].message and "(3 of 4) are 64x64" in found[0].message


def test_lfv406_mask_not_png(ds: Path) -> None:
    mask(ds / "media" / "masks" / "j.png", fmt="JPEG")
    found = lint_all(ds, line("c.jpg", "anomaly", "j.png"))
    assert [(d.code, d.line) for d in found] == [("LFV406", 1)]
    assert "not a PNG" in found[0].message


def test_lfv407_mask_size(ds: Path) -> None:
    mask(ds / "media" / "masks" / "s.png", size=(32, 32))
    found = lint_all(ds, line("c.jpg", "anomaly", "s.png"))
    assert [(d.code, d.line) for d in found] == [("LFV407", 1)]
    assert "32x32 but its image is 64x64" in found[0].message


def test_lfv408_mask_colours(ds: Path) -> None:
    mask(ds / "media" / "masks" / "red.png", regions=[((0, 0, 10, 10), (255, 0, 0)),
                                                      ((20, 20, 30, 30), SCRATCH)])
    found = lint_all(ds, line("c.jpg", "anomaly", "red.png"))
    assert [(d.code, d.line) for d in found] == [("LFV408", 1)]
    assert "#ff0000 (100 px)" in found[0].message


@pytest.mark.parametrize("background", [(255, 255, 255), (0, 0, 0)])
def test_lfv408_background_colours_are_allowed(ds: Path, background: tuple[int, int, int]
                                               ) -> None:
    mask(ds / "media" / "masks" / "bg.png", background=background, transparent=False,
         regions=[((0, 0, 10, 10), SCRATCH)])
    assert lint(ds, line("c.jpg", "anomaly", "bg.png")) == []


def test_lfv408_transparent_pixels_are_background(ds: Path) -> None:
    # like AWS's getting-started masks: a transparent colour that is in no colour map
    mask(ds / "media" / "masks" / "t.png", background=(9, 9, 9), transparent=True,
         regions=[((0, 0, 10, 10), SCRATCH)])
    assert lint(ds, line("c.jpg", "anomaly", "t.png")) == []
    mask(ds / "media" / "masks" / "t.png", background=(9, 9, 9), transparent=False,
         regions=[((0, 0, 10, 10), SCRATCH)])
    assert lint(ds, line("c.jpg", "anomaly", "t.png")) == [("LFV408", 1)]


def test_lfv408_a_photo_is_not_a_mask(ds: Path) -> None:
    jpeg(ds / "media" / "train" / "big.jpg", size=(128, 128))
    noise = [Image.effect_noise((128, 128), 100) for _ in range(3)]
    Image.merge("RGB", noise).save(ds / "media" / "masks" / "p.png")
    found = lint_all(ds, line("big.jpg", "anomaly", "p.png"))
    assert [(d.code, d.line) for d in found] == [("LFV408", 1)]
    assert "more than 4096 colours" in found[0].message


def test_lfv409_paths_never_leave_the_mapped_folder(ds: Path) -> None:
    secret = ds / "secret.jpg"
    jpeg(secret)
    os.symlink(secret, ds / "media" / "train" / "link.jpg")
    inside = ds / "media" / "train" / "inside.jpg"
    os.symlink(ds / "media" / "train" / "a.jpg", inside)
    found = lint_all(ds, line("../../secret.jpg"), line("link.jpg"), line("inside.jpg"))
    assert [(d.code, d.line) for d in found] == [("LFV409", 1), ("LFV409", 2)]
    assert "'..'" in found[0].message and "outside" in found[1].message


def test_unmapped_and_unchecked_references_are_counted_in_a_note(ds: Path) -> None:
    other = line("x.jpg")
    other["source-ref"] = "s3://elsewhere/x.jpg"
    p = ds / "data.manifest"
    p.write_text("".join(json.dumps(o) + "\n" for o in (*GOOD, other)))
    r = run_cli("lint", "-f", "json", p, cwd=ds)
    assert "data.manifest: note: 1 media reference not checked: no media-map entry for " \
           "s3://elsewhere/" in r.stderr
    r = run_cli("lint", "-f", "json", "--no-media", p, cwd=ds)
    assert "5 media references not checked: --no-media" in r.stderr
    assert json.loads(r.stdout)["summary"]["errors"] == 1  # the second bucket


def test_missing_media_folder_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text('[lfv]\nmedia-map = { "bucket/train" = '
                                                 '"nowhere" }\n')
    assert lint(tmp_path, line("a.jpg")) == []


def test_media_map_prefixes() -> None:
    roots = parse_media_map({"bucket/train": "a", "s3://bucket/train/x/": "b"}, Path("/r"))
    assert [(r.prefix, r.folder) for r in roots] == [
        ("s3://bucket/train/x/", Path("/r/b")), ("s3://bucket/train/", Path("/r/a"))]


def test_cache_skips_probing_unchanged_files(ds: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    cache = ds / "cache"
    assert lint(ds, *GOOD, cache_dir=cache) == []

    def fail(*_: Any) -> Any:
        raise AssertionError("probed although cached")

    monkeypatch.setattr(lfv_probes, "_probe_image", fail)
    monkeypatch.setattr(lfv_probes, "_probe_mask", fail)
    assert lint(ds, *GOOD, cache_dir=cache) == []


# --- CSV label files ---------------------------------------------------------------------

def csv_media(path: Path, **settings: Any) -> tuple[list[tuple[str, int]], list[str]]:
    """Media diagnostics (LFV4xx) and notes of linting the CSV at ``path``."""
    from manifest_lint.engine import Selection, lint_file

    cfg = load_config(None, path)
    s = Settings(**settings)
    notes: list[str] = []
    diags = lint_file(path, path.name, "csv", cfg, s, Selection(cfg, s), notes=notes)
    return [(d.code, d.line) for d in diags if d.code.startswith("LFV4")], notes


def test_csv_rows_relative_to_the_csv_and_through_media_map(ds: Path) -> None:
    jpeg(ds / "local" / "x.jpg")
    webp(ds / "local" / "w.jpg")
    csv = ds / "train.csv"
    csv.write_text("image,label\nlocal/x.jpg,normal\nlocal/w.jpg,normal\nlocal/x.jpg,normal\n"
                   "s3://bucket/train/a.jpg,anomaly\ns3://bucket/train/gone.jpg,normal\n"
                   "s3://unmapped/y.jpg,normal\nlocal/../../etc/passwd,normal\n")
    found, notes = csv_media(csv)
    assert found == [("LFV402", 3), ("LFV401", 6), ("LFV409", 8)]
    assert notes == ["1 media reference not checked: no media-map entry for s3://unmapped/ "
                     "(--remote checks them in the bucket)"]


def test_csv_media_root_and_no_media(ds: Path) -> None:
    jpeg(ds / "elsewhere" / "x.jpg", size=(80, 80))
    jpeg(ds / "elsewhere" / "y.jpg", size=(80, 80))
    csv = ds / "train.csv"
    csv.write_text("x.jpg,normal\ny.jpg,anomaly\ns3://bucket/train/a.jpg,normal\n")
    # No bare name exists next to the CSV: they live only in S3, so they are counted.
    found, notes = csv_media(csv)
    assert found == []
    assert notes[0].startswith("2 media references not checked: no bare image name exists")
    assert csv_media(csv, media_root=ds / "elsewhere")[0] == [("LFV405", 3)]
    assert csv_media(csv, no_media=True) == ([], ["3 media references not checked: --no-media"])
    # Once some exist locally, the others are missing.
    jpeg(ds / "x.jpg", size=(80, 80))
    assert csv_media(csv)[0] == [("LFV401", 2), ("LFV405", 3)]


# --- the demo fixtures -------------------------------------------------------------------

def test_demo_fixtures() -> None:
    from tests.conftest import FIXTURES

    seg = FIXTURES / "lfv" / "segmentation"
    assert lint_diagnostics(seg / "good.manifest", kind="lfv") == []
    found = [(d.code, d.line) for d in lint_diagnostics(seg / "bad.manifest", kind="lfv")]
    assert found == [("LFV408", 2), ("LFV405", 3), ("LFV407", 3), ("LFV401", 4), ("LFV402", 5),
                     ("LFV205", 6), ("LFV207", 6), ("LFV208", 6)]
    cls = FIXTURES / "lfv" / "classification"
    assert lint_diagnostics(cls / "good" / "train.manifest", kind="lfv") == []
    found = [(d.code, d.line)
             for d in lint_diagnostics(cls / "bad" / "train.manifest", kind="lfv")]
    assert found == [("LFV305", 1), ("LFV108", 2), ("LFV106", 3), ("LFV105", 4), ("LFV003", 5),
                     ("LFV107", 6), ("LFV301", 7), ("LFV302", 8), ("LFV102", 9), ("LFV004", 10),
                     ("LFV005", 11)]


def test_cache_values_of_an_unexpected_shape_are_ignored(ds: Path) -> None:
    cache = ds / "cache"
    assert lint(ds, *GOOD, cache_dir=cache) == []
    for shard in cache.rglob("*.json"):
        entries = json.loads(shard.read_text())
        shard.write_text(json.dumps({k: [*v[:2], ["ok", "wide", None, 7]]
                                     for k, v in entries.items()}))
    assert lint(ds, *GOOD, cache_dir=cache) == []
