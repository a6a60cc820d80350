"""Media in S3, against a real S3 API on loopback (moto's server mode, started once for the
session): the same datasets linted from local copies and from buckets give the same
diagnostics; create cvat from a bucket is byte-identical; a bucket that refuses, a missing
bucket, an object deleted after listing and a slow or failing endpoint are handled."""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lfv_media_factory import jpeg, mask, png, webp
from PIL import Image

from manifest_lint.config import load_config
from manifest_lint.engine import Selection, Settings, lint_file
from manifest_lint.kinds.cvat.create import create_manifest
from manifest_lint.kinds.lfv import media as lfv_media
from manifest_lint.media import s3client
from tests.conftest import FIXTURES, run_cli
from tests.media_factory import make_jpeg, make_png, make_video
from tests.s3_server import KEYS, Proxy, client, free_port, moto_server, upload_folder

GOLDEN = FIXTURES / "cvat" / "golden"
_BUCKETS = itertools.count()


# --- the server, buckets, linting ------------------------------------------------------------

@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    names = [*KEYS, "AWS_ENDPOINT_URL"]
    saved = {k: os.environ.get(k) for k in names}
    with moto_server() as url:
        os.environ.update(KEYS)
        os.environ["AWS_ENDPOINT_URL"] = url
        try:
            yield url
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@pytest.fixture
def s3(endpoint: str) -> Any:
    return client(endpoint)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"bucket-{next(_BUCKETS)}"
    s3.create_bucket(Bucket=name)
    return name


def cli_env(endpoint: str) -> dict[str, str]:
    return {**KEYS, "AWS_ENDPOINT_URL": endpoint}


def lint(path: Path, kind: str, **settings: Any) -> tuple[list[Any], list[str]]:
    """Diagnostics and notes of one file through the engine."""
    cfg = load_config(None, path)
    s = Settings(**settings)
    notes: list[str] = []
    diags = lint_file(path, path.name, kind, cfg, s, Selection(cfg, s), notes=notes)
    return diags, notes


def codes(diags: list[Any]) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in diags]


# --- Lookout for Vision: a line per media rule ----------------------------------------------

CMAP = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
        "1": {"class-name": "scratch", "hex-color": "#23a436", "confidence": 0.0}}
SCRATCH = (0x23, 0xA4, 0x36)


def lfv_line(bucket: str, img: str, mask_name: str | None = None) -> str:
    o: dict[str, Any] = {
        "source-ref": f"s3://{bucket}/train/{img}", "anomaly-label": 0,
        "anomaly-label-metadata": {"class-name": "normal", "human-annotated": "yes",
                                   "type": "groundtruth/image-classification"},
    }
    if mask_name is not None:
        o["anomaly-label"] = 1
        o["anomaly-label-metadata"]["class-name"] = "anomaly"
        o["anomaly-mask-ref"] = f"s3://{bucket}/masks/{mask_name}"
        o["anomaly-mask-ref-metadata"] = {"internal-color-map": CMAP, "human-annotated": "yes",
                                          "type": "groundtruth/semantic-segmentation"}
    return json.dumps(o) + "\n"


def noise_png(path: Path, size: tuple[int, int] = (64, 64)) -> None:
    rng = random.Random(7)
    img = Image.new("RGB", size)
    img.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                 for _ in range(size[0] * size[1])])
    img.save(path, "PNG")


def lfv_dataset(folder: Path, bucket: str) -> Path:
    """Media below ``folder/media`` (to be uploaded to the bucket's root) and a manifest with
    a good record or two and one record per media rule."""
    m = folder / "media"
    jpeg(m / "train" / "a.jpg")
    png(m / "train" / "b.png")
    jpeg(m / "train" / "c.jpg")
    mask(m / "masks" / "c.png", regions=[((5, 5, 20, 20), SCRATCH)])
    webp(m / "train" / "fake.jpg")  # LFV402
    jpeg(m / "train" / "small.jpg", size=(32, 32))  # LFV403 (and LFV405)
    noise_png(m / "train" / "big.png")  # LFV404 with a small limit
    jpeg(m / "train" / "wide.jpg", size=(80, 64))  # LFV405
    jpeg(m / "train" / "d.jpg")
    mask(m / "masks" / "d.jpg", fmt="JPEG")  # LFV406
    jpeg(m / "train" / "e.jpg")
    mask(m / "masks" / "e.png", size=(32, 32))  # LFV407
    jpeg(m / "train" / "f.jpg")
    mask(m / "masks" / "f.png", regions=[((5, 5, 20, 20), (1, 2, 250))])  # LFV408
    lines = [lfv_line(bucket, "a.jpg"), lfv_line(bucket, "b.png"),
             lfv_line(bucket, "c.jpg", "c.png"), lfv_line(bucket, "gone.jpg"),  # LFV401
             lfv_line(bucket, "fake.jpg"), lfv_line(bucket, "small.jpg"),
             lfv_line(bucket, "big.png"), lfv_line(bucket, "wide.jpg"),
             lfv_line(bucket, "d.jpg", "d.jpg"), lfv_line(bucket, "e.jpg", "e.png"),
             lfv_line(bucket, "f.jpg", "f.png"), lfv_line(bucket, "../../etc/x.jpg")]  # LFV409
    manifest = folder / "data.manifest"
    manifest.write_text("".join(lines))
    return manifest


LFV_EXPECTED = [("LFV401", 4), ("LFV402", 5), ("LFV403", 6), ("LFV405", 6), ("LFV404", 7),
                ("LFV405", 8), ("LFV406", 9), ("LFV209", 9), ("LFV407", 10), ("LFV408", 11),
                ("LFV409", 12)]


@pytest.fixture
def lfv_case(tmp_path: Path, s3: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
             ) -> tuple[Path, Path, str]:
    """(manifest linted remotely, the same manifest mapped to the local copy, bucket)."""
    monkeypatch.setattr(lfv_media, "MAX_FILE_BYTES", 8000)
    remote = lfv_dataset(tmp_path / "remote", bucket)
    upload_folder(s3, tmp_path / "remote" / "media", bucket)
    local_dir = tmp_path / "local"
    shutil.copytree(tmp_path / "remote", local_dir)
    (local_dir / "manifest-lint.toml").write_text(
        f'[lfv]\nmedia-map = {{ "s3://{bucket}/" = "media" }}\n')
    return remote, local_dir / "data.manifest", bucket


@pytest.mark.parametrize("deep", [False, True])
def test_lfv_every_media_rule_from_the_bucket_as_from_a_local_copy(
        lfv_case: tuple[Path, Path, str], deep: bool) -> None:
    remote, local, bucket = lfv_case
    local_diags, _ = lint(local, "lfv", deep=deep, jobs=1)
    remote_diags, notes = lint(remote, "lfv", deep=deep, jobs=1, remote=True)
    assert codes(local_diags) == LFV_EXPECTED
    assert codes(remote_diags) == LFV_EXPECTED
    assert notes == []
    missing = remote_diags[0].message
    assert missing == (f"image 's3://{bucket}/train/gone.jpg' not found: no object "
                       f"s3://{bucket}/train/gone.jpg; upload it or fix the reference")
    assert f"s3://{bucket}/masks/d.jpg" in remote_diags[6].message


def test_lfv_without_remote_nothing_is_fetched_and_a_note_says_so(
        lfv_case: tuple[Path, Path, str]) -> None:
    remote, _, bucket = lfv_case
    before = s3client.shared_client().counters.requests
    diags, notes = lint(remote, "lfv")
    assert codes(diags) == [("LFV209", 9)]
    assert notes == [f"16 media references not checked: no media-map entry for s3://{bucket}/ "
                     "(--remote checks them in the bucket)"]
    assert s3client.shared_client().counters.requests == before


def test_lfv_media_map_to_a_mirror_bucket(tmp_path: Path, s3: Any, bucket: str) -> None:
    remote = lfv_dataset(tmp_path, "source-bucket")
    upload_folder(s3, tmp_path / "media", bucket, "mirror/")
    (tmp_path / "manifest-lint.toml").write_text(
        f'[lfv]\nmedia-map = {{ "s3://source-bucket/" = "s3://{bucket}/mirror/" }}\n')
    diags, _ = lint(remote, "lfv", remote=True)
    assert ("LFV401", 4) in codes(diags) and ("LFV402", 5) in codes(diags)
    assert f"no object s3://{bucket}/mirror/train/gone.jpg" in diags[0].message


def test_lfv_warm_run_makes_only_listing_requests(tmp_path: Path, s3: Any, bucket: str,
                                                   lfv_case: tuple[Path, Path, str]) -> None:
    remote, _, _ = lfv_case
    counters = s3client.shared_client().counters
    cache = tmp_path / "cache"
    start = (counters.gets, counters.heads, counters.lists)
    cold, _ = lint(remote, "lfv", remote=True, cache_dir=cache)
    cold_gets = counters.gets - start[0]
    mid = (counters.gets, counters.heads, counters.lists)
    warm, _ = lint(remote, "lfv", remote=True, cache_dir=cache)
    assert codes(warm) == codes(cold) == LFV_EXPECTED
    assert cold_gets >= 10
    assert counters.gets == mid[0]  # nothing read again
    assert counters.heads - mid[1] <= 2  # the first names of a folder, before it is listed


def test_csv_bare_names_under_an_s3_media_root(tmp_path: Path, s3: Any, bucket: str) -> None:
    jpeg(tmp_path / "media" / "a.jpg")
    jpeg(tmp_path / "media" / "b.jpg", size=(32, 32))
    upload_folder(s3, tmp_path / "media", bucket, "csvds/")
    csv = tmp_path / "labels.csv"
    csv.write_bytes(b"a.jpg,normal\nb.jpg,anomaly\nmissing.jpg,normal\n")
    diags, _ = lint(csv, "csv", media_root=f"s3://{bucket}/csvds/")
    media = [d for d in diags if d.code.startswith("LFV")]
    assert codes(media) == [("LFV403", 2), ("LFV405", 2), ("LFV401", 3)]
    assert f"no object s3://{bucket}/csvds/missing.jpg" in media[2].message


# --- CVAT images and video -----------------------------------------------------------------------

def cvat_images(tmp_path: Path) -> Path:
    """A dataset with a record per image media rule: CVAT401 (renamed file), CVAT402 (an
    unlisted image), CVAT403 (wrong width), CVAT404 (a context image gone), CVAT501 (wrong
    checksum, with --deep)."""
    root = tmp_path / "data"
    make_jpeg(root / "a.jpg", size=(40, 20))
    make_png(root / "sub" / "b.png", size=(16, 12), mode="L")
    make_jpeg(root / "rot.jpg", size=(40, 20), exif_orientation=6)
    make_jpeg(root / "c.jpg", size=(10, 10))
    make_jpeg(root / "related_images" / "a_jpg" / "ctx.jpg", size=(8, 8))
    make_jpeg(root / "related_images" / "c_jpg" / "ctx.jpg", size=(8, 8))
    create_manifest(root, root)
    manifest = root / "manifest.jsonl"
    objs = [json.loads(x) for x in manifest.read_text().splitlines()]
    objs[2]["width"] = 99  # a.jpg
    objs[5]["checksum"] = "f" * 32  # sub/b.png
    manifest.write_text("".join(json.dumps(o, separators=(",", ":")) + "\n" for o in objs))
    os.unlink(root / "related_images" / "c_jpg" / "ctx.jpg")
    make_jpeg(root / "extra.jpg", size=(8, 8))
    os.rename(root / "rot.jpg", root / "rot2.jpg")
    return manifest


@pytest.fixture
def cvat_case(tmp_path: Path, s3: Any, bucket: str) -> tuple[Path, str]:
    manifest = cvat_images(tmp_path)
    upload_folder(s3, manifest.parent, bucket, "ds/")
    return manifest, f"s3://{bucket}/ds/"


@pytest.mark.parametrize("deep", [False, True])
def test_cvat_image_rules_from_the_bucket_as_from_a_local_copy(
        cvat_case: tuple[Path, str], deep: bool) -> None:
    manifest, root = cvat_case
    local, _ = lint(manifest, "cvat", deep=deep, jobs=1)
    remote, notes = lint(manifest, "cvat", deep=deep, jobs=1, media_root=root)
    expected = [("CVAT402", 1), ("CVAT402", 1), ("CVAT403", 3), ("CVAT404", 4),
                ("CVAT401", 5)] + ([("CVAT501", 6)] if deep else [])
    assert codes(local) == codes(remote) == expected
    assert notes == []
    assert [d.message.replace(str(manifest.parent), root) for d in local] == \
        [d.message for d in remote]
    assert remote[4].message.startswith(f"image 'rot.jpg' not found in {root}")


def test_cvat_point_cloud_context_layouts_from_the_bucket(tmp_path: Path, s3: Any,
                                                         bucket: str) -> None:
    """The 3D context layouts CVAT recognises are searched in the bucket's listing as on
    disk: a context image gone (CVAT404), and unlisted ones found by the layout search
    (CVAT402: Supervisely's related_images/<n>_pcd/ and KITTI's image_NN/data/)."""
    root = tmp_path / "data"
    for rel in ("pointcloud/000001.pcd", "flat/s1.pcd", "s2/s2.pcd",
                "kitti/velodyne_points/data/0000.pcd"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"pcd")
    make_png(root / "related_images" / "000001_pcd" / "cam.png")
    make_jpeg(root / "flat" / "s1.jpg")
    make_jpeg(root / "s2" / "left.jpg")
    make_jpeg(root / "s2" / "right.jpg")
    make_png(root / "kitti" / "image_00" / "data" / "0000.png")
    make_png(root / "kitti" / "IMAGE_01" / "data" / "0000.png")
    create_manifest(root, root)
    os.unlink(root / "s2" / "right.jpg")  # listed, now gone
    make_png(root / "related_images" / "000001_pcd" / "cam2.png")  # there, not listed
    make_png(root / "kitti" / "image_02" / "data" / "0000.png")  # KITTI, not listed
    upload_folder(s3, root, bucket, "scenes/")
    manifest = root / "manifest.jsonl"
    url = f"s3://{bucket}/scenes/"
    local, _ = lint(manifest, "cvat", jobs=1)
    remote, notes = lint(manifest, "cvat", jobs=1, media_root=url)
    assert notes == []
    assert codes(local) == codes(remote)
    assert codes(local) == [("CVAT402", 4), ("CVAT402", 5), ("CVAT404", 6)]
    assert [d.message.replace(str(root) + "/", url) for d in local] == \
        [d.message for d in remote]


def test_cvat_manifest_in_the_bucket_lint_and_fix(cvat_case: tuple[Path, str],
                                                  endpoint: str, tmp_path: Path) -> None:
    manifest, root = cvat_case
    url = root + "manifest.jsonl"
    env = cli_env(endpoint)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    got = run_cli("lint", url, "--format", "json", *cache, env=env)
    assert got.code == 1, got.stderr
    assert "(1 LIST, 0 HEAD, 4 GET)" in got.stderr  # the manifest, three images' headers
    warm = run_cli("lint", url, "--format", "json", *cache, env=env)
    assert warm.stdout == got.stdout and "(1 LIST, 0 HEAD, 1 GET)" in warm.stderr
    report = json.loads(got.stdout)
    assert [(d["path"], d["line"], d["code"]) for d in report["diagnostics"]] == [
        (url, 1, "CVAT402"), (url, 1, "CVAT402"), (url, 3, "CVAT403"), (url, 4, "CVAT404"),
        (url, 5, "CVAT401"), (url, 5, "DS201")]  # rot.jpg has a.jpg's pixels (and checksum)
    refused = run_cli("fix", url, *cache, env=env)
    assert refused.code == 2 and "never writes to a bucket" in refused.stderr
    diff = run_cli("fix", url, "--diff", *cache, env=env)
    assert diff.code == 1 and f"+++ b/{url}" in diff.stdout and '"width":40' in diff.stdout
    # fix of a local manifest against the bucket writes what fixing against local media does
    copy = tmp_path / "copy.jsonl"
    shutil.copy(manifest, copy)
    assert run_cli("fix", copy, "--media-root", root, env=env).code == 1
    assert run_cli("fix", manifest).code == 1
    assert copy.read_bytes() == manifest.read_bytes()


def test_cvat_video_from_the_bucket(tmp_path: Path, s3: Any, bucket: str) -> None:
    root = tmp_path / "clip"
    make_video(root / "clip.mp4", frames=40, gop=10)
    create_manifest(root / "clip.mp4", root)
    manifest = root / "manifest.jsonl"
    objs = [json.loads(x) for x in manifest.read_text().splitlines()]
    objs[2]["properties"]["length"] = 41
    objs[4]["checksum"] = "0" * 32
    manifest.write_text("".join(json.dumps(o, separators=(",", ":")) + "\n" for o in objs))
    upload_folder(s3, root, bucket, "video/")
    for deep, expected in ((False, [("CVAT408", 3)]), (True, [("CVAT408", 3), ("CVAT501", 5)])):
        local, _ = lint(manifest, "cvat", deep=deep)
        remote, notes = lint(manifest, "cvat", deep=deep, media_root=f"s3://{bucket}/video/")
        assert codes(local) == codes(remote) == expected
        assert notes == []


@pytest.mark.parametrize(("source", "args", "golden"), [
    ("images/", [], "images_lexicographical.jsonl"),
    ("images", ["--sorting", "natural"], "images_natural.jsonl"),
    ("clip.mp4", [], "video.jsonl"),
])
def test_create_cvat_from_the_bucket_is_byte_identical(
        tmp_path: Path, s3: Any, endpoint: str, source: str, args: list[str],
        golden: str) -> None:
    name = f"create-{next(_BUCKETS)}"
    s3.create_bucket(Bucket=name)
    upload_folder(s3, GOLDEN / "images", name, "images/")
    s3.upload_file(str(GOLDEN / "clip.mp4"), name, "clip.mp4")
    out = tmp_path / "out"
    got = run_cli("create", "cvat", f"s3://{name}/{source}", "--output-dir", out, *args,
                  env=cli_env(endpoint))
    assert got.code == 0, got.stderr
    assert (out / "manifest.jsonl").read_bytes() == (GOLDEN / golden).read_bytes()
    root = f"s3://{name}/" + ("images/" if source.startswith("images") else "")
    assert f"names in it are relative to {root}: lint it with `manifest-lint lint " \
           f"--media-root {root} " in got.stdout  # the bucket, never our private copy
    assert "manifest-lint-create" not in got.stdout + got.stderr


# --- failures -----------------------------------------------------------------------------------

def test_missing_bucket_is_one_note_not_a_diagnostic_per_line(tmp_path: Path,
                                                              endpoint: str) -> None:
    manifest = tmp_path / "data.manifest"
    manifest.write_text("".join(lfv_line("no-such-bucket", f"{i}.jpg") for i in range(5)))
    diags, notes = lint(manifest, "lfv", remote=True)
    assert codes(diags) == []
    assert notes == ["5 media references not checked: bucket s3://no-such-bucket/ does not "
                     "exist (or not at this endpoint/region); check the bucket name and the "
                     "endpoint"]
    cvat, notes = lint(GOLDEN / "images_lexicographical.jsonl", "cvat",
                       media_root="s3://no-such-bucket/ds/")
    assert codes(cvat) == []
    assert len(notes) == 1 and notes[0].startswith("7 image records not checked: bucket "
                                                   "s3://no-such-bucket/ does not exist")


def test_access_denied_is_one_note(tmp_path: Path) -> None:
    """A second moto server that enforces authentication: our keys are unknown to it, so
    every request gets a real 403."""
    manifest = tmp_path / "data.manifest"
    manifest.write_text("".join(lfv_line("locked", f"{i}.jpg") for i in range(4)))
    port = free_port()
    exe = Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)],
                            env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        diags, notes = lint(manifest, "lfv", remote=True,
                            s3_endpoint=f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(10)
    assert codes(diags) == []
    assert len(notes) == 1
    assert notes[0].startswith("4 media references not checked: access to s3://locked/ denied")
    assert "s3:ListBucket and s3:GetObject" in notes[0]


def test_object_deleted_between_listing_and_reading(tmp_path: Path, s3: Any, bucket: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from manifest_lint.media import objects

    for i in range(5):
        jpeg(tmp_path / "m" / "train" / f"{i}.jpg")
    upload_folder(s3, tmp_path / "m", bucket)
    manifest = tmp_path / "data.manifest"
    manifest.write_text("".join(lfv_line(bucket, f"{i}.jpg") for i in range(5)))
    real = objects.read_head

    def delete_first(store: Any, url: str, size: int | None) -> Any:
        if url.endswith("/4.jpg"):  # listed with its folder (third name on), then deleted
            s3.delete_object(Bucket=bucket, Key="train/4.jpg")
        return real(store, url, size)

    monkeypatch.setattr(objects, "read_head", delete_first)
    diags, _ = lint(manifest, "lfv", remote=True)
    assert codes(diags) == [("LFV401", 5)]

    shutil.copy(GOLDEN / "images_lexicographical.jsonl", tmp_path / "manifest.jsonl")
    upload_folder(s3, GOLDEN / "images", bucket, "cvat/")

    def delete_cvat(store: Any, url: str, size: int | None) -> Any:
        if url.endswith("/img_2.jpg"):
            s3.delete_object(Bucket=bucket, Key="cvat/img_2.jpg")
        return real(store, url, size)

    monkeypatch.setattr(objects, "read_head", delete_cvat)
    diags, _ = lint(tmp_path / "manifest.jsonl", "cvat", media_root=f"s3://{bucket}/cvat/")
    assert [(d.code, d.message.split(" not found")[0]) for d in diags] == [
        ("CVAT401", "image 'img_2.jpg'")]


def test_slow_throttling_and_breaking_endpoint_is_retried(lfv_case: tuple[Path, Path, str],
                                                 endpoint: str) -> None:
    remote, _, _ = lfv_case
    proxy = Proxy(endpoint, fail_every=3, delay=0.02, cut_every=4)
    proxy.start()
    try:
        diags, notes = lint(remote, "lfv", remote=True, s3_endpoint=proxy.url)
        deep, deep_notes = lint(remote, "lfv", remote=True, deep=True, jobs=1,
                                s3_endpoint=proxy.url)
    finally:
        proxy.shutdown()
    assert codes(diags) == codes(deep) == LFV_EXPECTED
    assert notes == deep_notes == []
    assert proxy.failed >= 3 and proxy.cut >= 3


def test_failing_endpoint_is_a_note_not_missing_media(lfv_case: tuple[Path, Path, str],
                                                     endpoint: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    remote, _, bucket = lfv_case
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    proxy = Proxy(endpoint, fail_every=1, delay=0)
    proxy.start()
    try:
        diags, notes = lint(remote, "lfv", remote=True, s3_endpoint=proxy.url)
    finally:
        proxy.shutdown()
    assert codes(diags) == [("LFV209", 9), ("LFV409", 12)]
    assert len(notes) == 1
    assert notes[0] == (f"15 media references not checked: s3://{bucket}/ kept answering "
                        "SlowDown (Please reduce your request rate.) after 2 tries with "
                        "backoff; lower s3-concurrency or try again later")


def _wait_for(port: int) -> None:
    import urllib.request

    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("moto_server did not start")


# --- switches: config, environment, public buckets ------------------------------------------

def test_config_remote_and_per_kind_media_root(cvat_case: tuple[Path, str],
                                               lfv_case: tuple[Path, Path, str]) -> None:
    manifest, root = cvat_case
    (manifest.parent / "manifest-lint.toml").write_text(f'[cvat]\nmedia-root = "{root}"\n')
    diags, _ = lint(manifest, "cvat")
    assert ("CVAT403", 3) in codes(diags) and "in s3://" in diags[0].message
    remote, _, _ = lfv_case
    (remote.parent / "manifest-lint.toml").write_text(
        'remote = true\ns3-endpoint = "http://127.0.0.1:9"\ns3-concurrency = 4\n')
    cfg = load_config(None, remote)
    assert (cfg.remote, cfg.s3_endpoint, cfg.s3_concurrency) == (True, "http://127.0.0.1:9", 4)


def test_remote_from_the_environment_through_the_cli(lfv_case: tuple[Path, Path, str],
                                                      endpoint: str) -> None:
    remote, _, _ = lfv_case
    env = {**cli_env(endpoint), "MANIFEST_LINT_REMOTE": "1"}
    got = run_cli("lint", remote, "--format", "json", "--no-cache", env=env)
    found = [(d["code"], d["line"]) for d in json.loads(got.stdout)["diagnostics"]]
    assert ("LFV401", 4) in found and ("LFV402", 5) in found
    assert "S3: " in got.stderr and " GET)" in got.stderr
    offline = run_cli("lint", remote, "--format", "json", "--no-cache", env=cli_env(endpoint))
    assert "LFV401" not in offline.stdout and "S3: " not in offline.stderr


def test_public_bucket_without_credentials(tmp_path: Path, s3: Any, bucket: str,
                                           endpoint: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any credentials requests go unsigned: public objects are read, private ones
    are refused with a note that says credentials are needed."""
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    for name in ("pub.jpg", "small.jpg"):
        path = jpeg(tmp_path / name, size=(64, 64) if name == "pub.jpg" else (32, 32))
        s3.put_object(Bucket=bucket, Key=f"train/{name}", Body=path.read_bytes(),
                      ACL="public-read")
    manifest = tmp_path / "data.manifest"
    manifest.write_text(lfv_line(bucket, "pub.jpg") + lfv_line(bucket, "small.jpg")
                        + lfv_line(bucket, "gone.jpg"))
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-role lookup
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    anonymous = endpoint + "/"  # a client of its own
    diags, notes = lint(manifest, "lfv", remote=True, s3_endpoint=anonymous)
    assert codes(diags) == [("LFV403", 2), ("LFV405", 2), ("LFV401", 3)]
    assert notes == []
    assert s3client.shared_client(s3client.options_from_env(anonymous)).signed is False
    closed = f"private-{next(_BUCKETS)}"
    s3.create_bucket(Bucket=closed)
    s3.put_object(Bucket=closed, Key="train/p.jpg", Body=(tmp_path / "pub.jpg").read_bytes())
    private = tmp_path / "private.manifest"
    private.write_text(lfv_line(closed, "p.jpg"))
    diags, notes = lint(private, "lfv", remote=True, s3_endpoint=anonymous)
    assert codes(diags) == []
    assert notes == [f"1 media reference not checked: s3://{closed}/ needs credentials and none "
                     "were found; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (in "
                     "CI: the job's role or secrets)"]
