"""Media in a bucket with ``--scheduler``: the cluster's workers read the objects themselves
(with the credentials and endpoint of their own environment), the client only lists, judges
and writes; the reports and files are those of a run without the cluster.

A moto server on loopback holds the buckets. The workers of this module's ``LocalCluster`` (2
processes) reach it through a loopback proxy of their own (their environment names the
proxy, the CLI's names the server): the proxy counts the workers' requests and can refuse
them all (403), as a cluster whose workers lack the client's access would.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from manifest_lint.kinds.cvat.create import create_manifest
from tests.cloud_servers import Provider, ServerUnavailable, provider
from tests.conftest import FIXTURES, run_cli
from tests.lfv_media_factory import jpeg, mask, webp
from tests.media_factory import make_jpeg, make_png, write_bytes
from tests.s3_server import KEYS, Proxy, client, moto_server, upload_folder
from tests.test_s3 import lfv_line as s3_lfv_line

distributed = pytest.importorskip("distributed")

GOLDEN = FIXTURES / "cvat" / "golden"


@dataclass
class World:
    endpoint: str  # the S3 server, as the CLI reaches it
    proxy: Proxy  # the S3 server, as the workers reach it
    address: str  # the cluster's scheduler
    s3: Any
    gcs: Provider | None  # a GCS emulator (None where it cannot run)
    azure: Provider | None = None  # Azurite (None where it cannot run)
    unavailable: str = ""  # why an emulator could not start

    def env(self) -> dict[str, str]:
        return {**KEYS, "AWS_ENDPOINT_URL": self.endpoint,
                **(self.gcs.env if self.gcs is not None else {}),
                **(self.azure.env if self.azure is not None else {})}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with moto_server() as endpoint, ExitStack() as stack:
        unavailable = []
        try:
            gcs: Provider | None = stack.enter_context(provider("gcs"))
        except ServerUnavailable as exc:
            gcs, _ = None, unavailable.append(f"gcs: {exc}")
        try:
            azure: Provider | None = stack.enter_context(provider("azure"))
        except ServerUnavailable as exc:
            azure, _ = None, unavailable.append(f"azure: {exc}")
        proxy = Proxy(endpoint, fail_every=0, delay=0)
        proxy.start()
        stack.callback(proxy.shutdown)
        env = {**KEYS, "AWS_ENDPOINT_URL": proxy.url, "AWS_ENDPOINT_URL_S3": "",
               "MANIFEST_LINT_S3_ENDPOINT": "", **(gcs.env if gcs is not None else {}),
               **(azure.env if azure is not None else {})}
        cluster = stack.enter_context(distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=logging.ERROR, env=env))
        dask_client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
        s3 = client(endpoint)
        for bucket in ("cvat", "lfv", "create"):
            s3.create_bucket(Bucket=bucket)
        yield World(endpoint, proxy, str(dask_client.scheduler.address), s3, gcs, azure,
                    "; ".join(unavailable))


def both(world: World, *args: str | os.PathLike[str]) -> tuple[Any, Any, int]:
    """The same command on the local pool and on the cluster; how many requests the
    workers made."""
    pool = run_cli(*args, "--jobs", "2", env=world.env())
    before = world.proxy.count
    remote = run_cli(*args, "--scheduler", world.address, env=world.env())
    return pool, remote, world.proxy.count - before


def client_cost(stderr: str, provider: str = "S3") -> tuple[int, int, int]:
    """The client's (LIST, HEAD, GET) requests, from its cost line on stderr."""
    line = next(x for x in stderr.splitlines() if x.startswith(f"manifest-lint: {provider}: "))
    found = re.search(r"\(([\d,]+) LIST, ([\d,]+) HEAD, ([\d,]+) GET\)", line)
    assert found is not None, line
    lists, heads, gets = (int(g.replace(",", "")) for g in found.groups())
    return lists, heads, gets


# ------------------------------------------------------------------ CVAT


@pytest.fixture(scope="module")
def cvat_manifest(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Images in s3://cvat/ds/ and a manifest beside a local copy: a wrong width (CVAT403),
    a wrong checksum (CVAT501 with --deep), a renamed file (CVAT401), a context image gone
    (CVAT404), an unlisted image (CVAT402)."""
    root = tmp_path_factory.mktemp("cvat") / "data"
    make_jpeg(root / "a.jpg", size=(40, 20))
    make_png(root / "sub" / "b.png", size=(16, 12), mode="L")
    make_jpeg(root / "rot.jpg", size=(40, 20), exif_orientation=6)
    make_jpeg(root / "c.jpg", size=(10, 10))
    make_jpeg(root / "related_images" / "a_jpg" / "ctx.jpg", size=(8, 8))
    make_jpeg(root / "related_images" / "c_jpg" / "ctx.jpg", size=(8, 8))
    for i in range(40):
        make_png(root / "many" / f"{i:02d}.png", size=(8 + i % 3, 8), color=(i, 9, 9))
    create_manifest(root, root)
    manifest = root / "manifest.jsonl"
    objs = [json.loads(x) for x in manifest.read_text().splitlines()]
    objs[2]["width"] = 99  # a.jpg
    objs[-1]["checksum"] = "f" * 32  # sub/b.png
    manifest.write_text("".join(json.dumps(o, separators=(",", ":")) + "\n" for o in objs))
    os.unlink(root / "related_images" / "c_jpg" / "ctx.jpg")
    make_jpeg(root / "extra.jpg", size=(8, 8))
    os.rename(root / "rot.jpg", root / "rot2.jpg")
    upload_folder(world.s3, root, "cvat", "ds/")
    return manifest


@pytest.mark.parametrize("deep", [False, True])
def test_cvat_lint_on_the_workers_gives_the_pool_s_report(world: World, cvat_manifest: Path,
                                                          deep: bool) -> None:
    pool, remote, worker_requests = both(
        world, "lint", cvat_manifest, "--media-root", "s3://cvat/ds/", "--format", "json",
        "--no-cache", *(["--deep"] if deep else []))
    assert (remote.code, remote.stdout) == (pool.code, pool.stdout) == (1, pool.stdout)
    found = [(d["code"], d["line"]) for d in json.loads(pool.stdout)["diagnostics"]]
    assert found[:5] == [("CVAT402", 1), ("CVAT402", 1), ("CVAT403", 3), ("CVAT404", 4),
                         ("CVAT401", 45)]  # many/ sorts before rot.jpg
    assert (("CVAT501", 46) in found) == deep
    assert client_cost(pool.stderr)[2] >= 43  # the client read every image
    assert client_cost(remote.stderr) == (1, 0, 0)  # the client only listed the root
    assert worker_requests >= 43  # a read per image in the listing
    assert "Traceback" not in remote.stderr


def test_the_client_fills_the_media_cache_from_the_workers_results(
        world: World, cvat_manifest: Path, lfv_files: tuple[Path, Path],
        tmp_path: Path) -> None:
    """A second run finds every result in the cache: no work for the workers at all."""
    manifest, _csv = lfv_files
    cache = ("--cache-dir", str(tmp_path / "cache"), "--format", "json", "--deep",
             "--scheduler", world.address)
    runs = []
    for _ in range(2):
        before = world.proxy.count
        cvat = run_cli("lint", cvat_manifest, "--media-root", "s3://cvat/ds/", *cache,
                       env=world.env())
        lfv = run_cli("lint", manifest, "--remote", *cache, env=world.env())
        runs.append((cvat.stdout, lfv.stdout, world.proxy.count - before))
    (cold_cvat, cold_lfv, cold_reads), (warm_cvat, warm_lfv, warm_reads) = runs
    assert (warm_cvat, warm_lfv) == (cold_cvat, cold_lfv)
    assert "CVAT501" in warm_cvat and "LFV402" in warm_lfv
    assert cold_reads >= 43 + 12 and warm_reads == 0


def test_cvat_lint_of_gcs_media_on_the_workers(world: World, cvat_manifest: Path) -> None:
    """gs:// goes through the same object-store interface: the workers read it too."""
    if world.gcs is None:
        pytest.skip("no GCS emulator here")
    world.gcs.create_bucket("cvat-gcs")
    world.gcs.upload_folder(cvat_manifest.parent, "cvat-gcs", "ds/")
    pool, remote, _ = both(world, "lint", cvat_manifest, "--media-root", "gs://cvat-gcs/ds/",
                           "--deep", "--no-cache", "--format", "json")
    assert (remote.code, remote.stdout) == (pool.code, pool.stdout) == (1, pool.stdout)
    assert "CVAT501" in pool.stdout and "gs://cvat-gcs/ds/" in pool.stdout
    assert client_cost(pool.stderr, "GCS")[2] >= 43
    assert client_cost(remote.stderr, "GCS") == (1, 0, 0)


def test_cvat_lint_of_azure_media_on_the_workers(world: World, cvat_manifest: Path) -> None:
    """az:// (Azurite) too: the workers read the blobs with their own connection string."""
    if world.azure is None:
        if os.environ.get("CI"):
            pytest.fail(f"Azurite cannot start under CI: {world.unavailable}")
        pytest.skip("no Azurite here")
    world.azure.create_bucket("cvat-azure")
    world.azure.upload_folder(cvat_manifest.parent, "cvat-azure", "ds/")
    pool, remote, _ = both(world, "lint", cvat_manifest, "--media-root", "az://cvat-azure/ds/",
                           "--deep", "--no-cache", "--format", "json")
    assert (remote.code, remote.stdout) == (pool.code, pool.stdout) == (1, pool.stdout)
    assert "CVAT501" in pool.stdout and "az://cvat-azure/ds/" in pool.stdout
    assert client_cost(pool.stderr, "Azure")[2] >= 43
    assert client_cost(remote.stderr, "Azure") == (1, 0, 0)


def test_cvat_fix_on_the_workers_writes_what_the_pool_writes(world: World, cvat_manifest: Path,
                                                            tmp_path: Path) -> None:
    copies = []
    for name in ("pool", "remote"):
        (tmp_path / name).mkdir()
        copies.append(shutil.copy(cvat_manifest, tmp_path / name))
    common = ("--deep", "--no-cache", "--format", "json", "--media-root", "s3://cvat/ds/")
    pool = run_cli("fix", copies[0], *common, "--jobs", "2", env=world.env())
    remote = run_cli("fix", copies[1], *common, "--scheduler", world.address, env=world.env())
    assert remote.code == pool.code == 1  # the renamed file remains missing
    assert remote.stdout.replace("remote", "pool") == pool.stdout
    assert Path(copies[1]).read_bytes() == Path(copies[0]).read_bytes()
    assert Path(copies[1]).read_bytes() != cvat_manifest.read_bytes()
    assert client_cost(remote.stderr)[2] == 0


def test_cvat_video_in_the_bucket_is_checked_on_a_worker(world: World, tmp_path: Path) -> None:
    root = tmp_path / "clip"
    root.mkdir()
    shutil.copy(GOLDEN / "clip.mp4", root)
    create_manifest(root / "clip.mp4", root)
    manifest = root / "manifest.jsonl"
    objs = [json.loads(x) for x in manifest.read_text().splitlines()]
    objs[2]["properties"]["length"] += 1
    objs[4]["checksum"] = "0" * 32
    manifest.write_text("".join(json.dumps(o, separators=(",", ":")) + "\n" for o in objs))
    world.s3.upload_file(str(root / "clip.mp4"), "cvat", "video/clip.mp4")
    pool, remote, worker_requests = both(
        world, "lint", manifest, "--deep", "--no-cache", "--media-root", "s3://cvat/video/",
        "--format", "json")
    assert (remote.code, remote.stdout) == (pool.code, pool.stdout) == (1, pool.stdout)
    found = [(d["code"], d["line"]) for d in json.loads(pool.stdout)["diagnostics"]]
    assert found == [("CVAT408", 3), ("CVAT501", 5)]
    assert client_cost(remote.stderr)[2] == 0 and worker_requests >= 1
    fixed = shutil.copy(manifest, tmp_path / "fixed.jsonl")  # the fixes came back
    r = run_cli("fix", fixed, "--deep", "--no-cache", "--media-root", "s3://cvat/video/",
                "--scheduler", world.address, env=world.env())
    assert r.code == 0, r.stderr
    assert Path(fixed).read_bytes() == (GOLDEN / "video.jsonl").read_bytes()


def test_an_object_deleted_before_the_worker_reads_it_is_missing(world: World,
                                                                tmp_path: Path) -> None:
    upload_folder(world.s3, GOLDEN / "images", "cvat", "gone/")
    manifest = shutil.copy(GOLDEN / "images_lexicographical.jsonl", tmp_path / "m.jsonl")

    def delete(method: str, path: str) -> None:  # the worker's read of img_2.jpg
        if method == "GET" and path.startswith("/cvat/gone/img_2.jpg"):
            world.s3.delete_object(Bucket="cvat", Key="gone/img_2.jpg")

    world.proxy.before = delete
    try:
        r = run_cli("lint", manifest, "--media-root", "s3://cvat/gone/", "--no-cache",
                    "--format", "json", "--scheduler", world.address, env=world.env())
    finally:
        world.proxy.before = None
    report = json.loads(r.stdout)
    assert [(d["code"], d["line"]) for d in report["diagnostics"]] == [("CVAT401", 4)]
    assert report["diagnostics"][0]["message"].startswith(
        "image 'img_2.jpg' not found in s3://cvat/gone/")
    assert report["notes"] == [] and client_cost(r.stderr)[2] == 0


# ------------------------------------------------------------------ Lookout for Vision


def lfv_line(img: str, mask_name: str | None = None) -> str:
    return s3_lfv_line("lfv", img, mask_name)


@pytest.fixture(scope="module")
def lfv_files(world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A manifest with a record per media rule and a CSV label file with bare names, their
    media in s3://lfv/."""
    folder = tmp_path_factory.mktemp("lfv")
    m = folder / "media"
    for name in ("a", "c", "d", "e", "f"):
        jpeg(m / "train" / f"{name}.jpg")
    mask(m / "masks" / "c.png", regions=[((5, 5, 20, 20), (0x23, 0xA4, 0x36))])
    webp(m / "train" / "fake.jpg")  # LFV402
    jpeg(m / "train" / "small.jpg", size=(32, 32))  # LFV403
    jpeg(m / "train" / "wide.jpg", size=(80, 64))  # LFV405
    mask(m / "masks" / "d.jpg", fmt="JPEG")  # LFV406
    mask(m / "masks" / "e.png", size=(32, 32))  # LFV407
    mask(m / "masks" / "f.png", regions=[((5, 5, 20, 20), (1, 2, 250))])  # LFV408
    upload_folder(world.s3, m, "lfv")
    manifest = folder / "data.manifest"
    manifest.write_text("".join([
        lfv_line("a.jpg"), lfv_line("c.jpg", "c.png"), lfv_line("gone.jpg"),
        lfv_line("fake.jpg"), lfv_line("small.jpg"), lfv_line("wide.jpg"),
        lfv_line("d.jpg", "d.jpg"), lfv_line("e.jpg", "e.png"), lfv_line("f.jpg", "f.png")]))
    csv = folder / "labels.csv"
    csv.write_bytes(b"a.jpg,normal\nsmall.jpg,anomaly\nmissing.jpg,normal\n")
    return manifest, csv


@pytest.mark.parametrize("deep", [False, True])
def test_lfv_and_csv_lint_on_the_workers_give_the_pool_s_report(
        world: World, lfv_files: tuple[Path, Path], deep: bool) -> None:
    manifest, csv = lfv_files
    pool, remote, worker_requests = both(
        world, "lint", manifest, csv, "--remote", "--media-root", "s3://lfv/train/",
        "--format", "json", "--no-cache", *(["--deep"] if deep else []))
    assert (remote.code, remote.stdout) == (pool.code, pool.stdout) == (1, pool.stdout)
    found = {(Path(d["path"]).name, d["code"], d["line"])
             for d in json.loads(pool.stdout)["diagnostics"]}
    assert {("data.manifest", "LFV401", 3), ("data.manifest", "LFV402", 4),
            ("data.manifest", "LFV403", 5), ("data.manifest", "LFV405", 6),
            ("data.manifest", "LFV406", 7), ("data.manifest", "LFV407", 8),
            ("data.manifest", "LFV408", 9), ("labels.csv", "LFV403", 2),
            ("labels.csv", "LFV401", 3)} <= found
    assert client_cost(remote.stderr)[2] == 0
    assert client_cost(pool.stderr)[2] >= 14
    assert worker_requests >= 14  # a read per object


# ------------------------------------------------------------------ create cvat


@pytest.mark.parametrize(("source", "args", "golden"), [
    ("images/", [], "images_lexicographical.jsonl"),
    ("images", ["--sorting", "natural"], "images_natural.jsonl"),
    ("clip.mp4", [], "video.jsonl"),
])
def test_create_cvat_from_the_bucket_on_the_workers(world: World, tmp_path: Path, source: str,
                                                    args: list[str], golden: str) -> None:
    if not world.s3.list_objects_v2(Bucket="create").get("KeyCount"):
        upload_folder(world.s3, GOLDEN / "images", "create", "images/")
        world.s3.upload_file(str(GOLDEN / "clip.mp4"), "create", "clip.mp4")
    before = world.proxy.count
    got = run_cli("create", "cvat", f"s3://create/{source}", "--output-dir", tmp_path, *args,
                  "--scheduler", world.address, env=world.env())
    assert got.code == 0, got.stderr
    assert (tmp_path / "manifest.jsonl").read_bytes() == (GOLDEN / golden).read_bytes()
    assert client_cost(got.stderr)[2] == 0
    assert world.proxy.count > before


def test_create_cvat_of_point_clouds_in_the_bucket_reads_nothing(world: World,
                                                                  tmp_path: Path) -> None:
    """Point clouds need no decoding: the records come from the listing (CVAT's 3D layouts),
    as create_manifest makes them from the same files on disk."""
    data = tmp_path / "data"
    write_bytes(data / "pointcloud" / "000001.pcd", b"pcd")
    make_png(data / "related_images" / "000001_pcd" / "cam.png")
    write_bytes(data / "flat" / "s1.pcd", b"pcd")
    make_jpeg(data / "flat" / "s1.jpg")
    write_bytes(data / "s2" / "s2.pcd", b"pcd")
    make_jpeg(data / "s2" / "left.jpg")
    write_bytes(data / "kitti" / "velodyne_points" / "data" / "0000.pcd", b"pcd")
    make_png(data / "kitti" / "image_00" / "data" / "0000.png")
    create_manifest(str(data), tmp_path / "local")
    upload_folder(world.s3, data, "create", "clouds/")
    before = world.proxy.count
    got = run_cli("create", "cvat", "s3://create/clouds/", "--output-dir", tmp_path / "out",
                  "--scheduler", world.address, env=world.env())
    assert got.code == 0, got.stderr
    written = (tmp_path / "out" / "manifest.jsonl").read_bytes()
    assert written == (tmp_path / "local" / "manifest.jsonl").read_bytes()
    assert written.count(b'"extension":".pcd"') == 4
    assert client_cost(got.stderr) == (1, 0, 0) and world.proxy.count == before
    world.s3.put_object(Bucket="create", Key="clouds/photo.jpg", Body=b"x")
    mixed = run_cli("create", "cvat", "s3://create/clouds/", "--output-dir", tmp_path / "mixed",
                    "--scheduler", world.address, env=world.env())
    assert (mixed.code, mixed.stdout) == (1, "")
    assert mixed.stderr.startswith("manifest-lint: error: Combined data types 2D and 3D are "
                                   "not supported: photo.jpg is an image next to point clouds")


# ------------------------------------------------------------------ workers without access


def test_workers_the_bucket_refuses_give_one_note(world: World, cvat_manifest: Path,
                                                   lfv_files: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    manifest, _csv = lfv_files
    on_workers = "(read by the Dask workers, with the credentials of their own environment)"
    denied = ("access to s3://{}/ denied (AccessDenied); the credentials in use need "
              "s3:ListBucket and s3:GetObject on it (check AWS_PROFILE or the role) " + on_workers)
    world.proxy.deny = True
    try:
        cvat = run_cli("lint", cvat_manifest, "--deep", "--no-cache", "--media-root",
                       "s3://cvat/ds/", "--format", "json", "--scheduler", world.address,
                       env=world.env())
        lfv = run_cli("lint", manifest, "--remote", "--no-cache", "--format", "json",
                      "--scheduler", world.address, env=world.env())
        create = run_cli("create", "cvat", "s3://cvat/ds/", "--output-dir", tmp_path,
                         "--scheduler", world.address, env=world.env())
    finally:
        world.proxy.deny = False
    for r in (cvat, lfv, create):
        assert "Traceback" not in r.stderr
    report = json.loads(cvat.stdout)
    assert cvat.code == 1  # the renamed file is missing from the listing: as without workers
    assert [(d["code"], d["line"]) for d in report["diagnostics"]] == [
        ("CVAT401", 45), ("DS201", 45)]  # DS201: the manifest's rot.jpg has a.jpg's checksum
    assert [n["message"] for n in report["notes"]] == [
        "43 image records not checked: " + denied.format("cvat")]
    report = json.loads(lfv.stdout)
    assert lfv.code == 1
    assert [(d["code"], d["line"]) for d in report["diagnostics"]] == [
        ("LFV401", 3), ("LFV209", 7)]  # from the listing, and a mask named .jpg
    assert [n["message"] for n in report["notes"]] == [
        "12 media references not checked: " + denied.format("lfv")]
    assert create.code == 1 and create.stdout == ""
    assert create.stderr.splitlines()[0] == "manifest-lint: error: " + denied.format("cvat")
    assert not (tmp_path / "manifest.jsonl").exists()
