"""Media work on a Dask cluster (``--scheduler``): the same reports and files as the process
pool, batches retried when a worker dies, clear errors (exit 2, nothing written) when the
scheduler cannot be reached, goes away, or its workers cannot see the dataset.

One ``LocalCluster`` (2 worker processes, loopback only) serves the whole session; the CLI
runs connect to it by its ``tcp://127.0.0.1:PORT`` address, as to a remote cluster.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from manifest_lint.media import ClusterError
from manifest_lint.media.executor import OrderedWork, backend_for
from tests import cluster_work
from tests.conftest import FIXTURES, ROOT, run_cli
from tests.lfv_media_factory import jpeg, mask
from tests.media_factory import make_jpeg, make_png, truncate

distributed = pytest.importorskip("distributed")

GOLDEN = FIXTURES / "cvat" / "golden"
FAST_FAIL = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}
IMAGES = 600  # batches of 16, 16, 32, 32, 64, 64, 128, 128 and 120


@pytest.fixture(scope="session")
def cluster() -> Iterator[distributed.Client]:
    """A local cluster of two worker processes; a batch may kill at most one worker in a
    row before the scheduler gives up on it (``allowed-failures``)."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=logging.ERROR)
    client = distributed.Client(local, set_as_default=False)
    yield client
    from manifest_lint.media.cluster import close_all

    close_all()
    client.close()
    local.close()


@pytest.fixture
def address(cluster: distributed.Client) -> str:
    cluster.wait_for_workers(2, timeout=60)  # a killed worker is restarted by its nanny
    return str(cluster.scheduler.address)


def batches_for(n: int, workers: int = 2) -> int:
    """Batches of a cluster run of ``n`` tasks: 16 per worker, doubling up to 256."""
    count = 0
    while n > 0:
        n -= min(256, 16 << (count // workers))
        count += 1
    return count


def batches_done(cluster: distributed.Client, prefix: str) -> int:
    """How many tasks named ``prefix-...`` the scheduler has finished so far."""
    def count(dask_scheduler: object) -> int:
        tp = dask_scheduler.task_prefixes.get(prefix)  # type: ignore[attr-defined]
        return 0 if tp is None else int(tp.state_counts["memory"])

    return int(cluster.run_on_scheduler(count))


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 images in 6 folders and a CVAT manifest with size, checksum and missing-file
    problems (made by `create cvat` on the process pool, then damaged)."""
    root = tmp_path_factory.mktemp("cluster") / "ds"
    for i in range(IMAGES):
        folder = root / f"d{i // 100}"
        if i % 2:
            make_jpeg(folder / f"img{i:04d}.jpg", size=(16 + i % 7, 12), color=(i % 256, 9, 9))
        else:
            make_png(folder / f"img{i:04d}.png", size=(12, 10 + i % 5), color=(i % 256, 9, 9))
    r = run_cli("create", "cvat", root, "--output-dir", root, "--jobs", "2")
    assert r.code == 0, r.stderr
    lines = (root / "manifest.jsonl").read_bytes().splitlines(keepends=True)
    out = lines[:2]
    for i, line in enumerate(lines[2:]):
        obj = json.loads(line)
        if i % 37 == 0:
            obj["width"] += 1
        if i % 53 == 0:
            obj["checksum"] = "0" * 32
        if i % 101 == 0:
            obj["name"] += "_gone"
        out.append(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
    (root / "manifest.jsonl").write_bytes(b"".join(out))
    return root


# ------------------------------------------------------------------ same results


def test_lint_deep_gives_the_pool_s_report(cluster: distributed.Client, address: str,
                                           dataset: Path) -> None:
    manifest = dataset / "manifest.jsonl"
    common = ("lint", manifest, "--deep", "--no-cache", "--format", "json")
    pool = run_cli(*common, "--jobs", "2")
    before = batches_done(cluster, "inspect_images")
    remote = run_cli(*common, "--scheduler", address)
    assert (remote.code, remote.stdout) == (pool.code, pool.stdout) == (1, pool.stdout)
    assert remote.stderr == ""
    assert batches_done(cluster, "inspect_images") - before == batches_for(IMAGES) == 9
    codes = {d["code"] for d in json.loads(pool.stdout)["diagnostics"]}
    # DS201: the dataset repeats its pictures under other names (checksums alike).
    assert codes == {"CVAT401", "CVAT402", "CVAT403", "CVAT501", "DS201"}


def test_lint_fills_the_media_cache_on_the_client(cluster: distributed.Client, address: str,
                                                  dataset: Path, tmp_path: Path) -> None:
    manifest = dataset / "manifest.jsonl"
    common = ("lint", manifest, "--deep", "--format", "json", "--cache-dir", tmp_path,
              "--scheduler", address)
    before = batches_done(cluster, "inspect_images")
    first = run_cli(*common)
    assert batches_done(cluster, "inspect_images") - before == 9
    again = run_cli(*common)  # only the 6 missing files are not in the cache: one batch
    assert batches_done(cluster, "inspect_images") - before == 10
    assert (again.code, again.stdout) == (first.code, first.stdout) == (1, first.stdout)


def test_fix_writes_what_the_pool_writes(address: str, dataset: Path, tmp_path: Path) -> None:
    copies = []
    for name in ("pool", "remote"):
        (tmp_path / name).mkdir()
        copies.append(shutil.copy(dataset / "manifest.jsonl", tmp_path / name))
    common = ("fix", "--deep", "--no-cache", "--format", "json", "--media-root", dataset)
    pool = run_cli(*common, copies[0], "--jobs", "2")
    remote = run_cli(*common, copies[1], "--scheduler", address)
    assert remote.code == pool.code == 1  # missing files remain
    assert remote.stdout.replace("remote", "pool") == pool.stdout
    assert Path(copies[1]).read_bytes() == Path(copies[0]).read_bytes()
    assert Path(copies[1]).read_bytes() != (dataset / "manifest.jsonl").read_bytes()


@pytest.mark.parametrize(("sorting", "golden"), [
    ("lexicographical", "images_lexicographical.jsonl"),
    ("natural", "images_natural.jsonl"),
])
def test_create_cvat_reproduces_the_golden_manifest(cluster: distributed.Client, address: str,
                                                    tmp_path: Path, sorting: str,
                                                    golden: str) -> None:
    images = shutil.copytree(GOLDEN / "images", tmp_path / "images")
    before = batches_done(cluster, "probe_batch")
    r = run_cli("create", "cvat", images, "--sorting", sorting, "--output-dir", tmp_path / "o",
                "--scheduler", address)
    assert r.code == 0, r.stderr
    assert (tmp_path / "o" / "manifest.jsonl").read_bytes() == (GOLDEN / golden).read_bytes()
    assert batches_done(cluster, "probe_batch") - before == 1  # 7 images, one batch


def test_create_reports_progress_from_the_cluster(address: str, tmp_path: Path) -> None:
    from manifest_lint.kinds.cvat.create import create_manifest

    done: list[int] = []
    result = create_manifest(GOLDEN / "images", tmp_path, progress=done.append,
                             scheduler=address)
    assert result.records == 7 and done == [1, 2, 3, 4, 5, 6, 7]
    assert (tmp_path / "manifest.jsonl").read_bytes() == (
        GOLDEN / "images_lexicographical.jsonl").read_bytes()


def test_create_cvat_of_600_images_matches_the_pool(address: str, dataset: Path,
                                                    tmp_path: Path) -> None:
    pool = run_cli("create", "cvat", dataset, "--output-dir", tmp_path / "p", "--jobs", "2")
    remote = run_cli("create", "cvat", dataset, "--output-dir", tmp_path / "r",
                     "--scheduler", address)
    assert (remote.code, pool.code) == (0, 0), remote.stderr
    written = (tmp_path / "r" / "manifest.jsonl").read_bytes()
    assert written == (tmp_path / "p" / "manifest.jsonl").read_bytes()
    assert written.count(b"\n") == IMAGES + 2


def test_lfv_lint_deep_gives_the_pool_s_report(cluster: distributed.Client, address: str,
                                               tmp_path: Path) -> None:
    """A Lookout for Vision manifest through media-map: odd sizes, truncated and missing
    images, masks."""
    (tmp_path / "manifest-lint.toml").write_text(
        '[lfv]\nmedia-map = { "s3://bucket/" = "media" }\n', encoding="utf-8")
    lines = []
    for i in range(300):
        record: dict[str, object] = {
            "source-ref": f"s3://bucket/train/{i}.jpg", "anomaly-label": 0,
            "anomaly-label-metadata": {"class-name": "normal", "human-annotated": "yes",
                                       "type": "groundtruth/image-classification"}}
        if i % 41 != 7:
            image = jpeg(tmp_path / "media" / "train" / f"{i}.jpg",
                         size=(80, 80) if i % 29 == 3 else (64, 64), color=(i % 256, 5, 5))
            if i % 31 == 5:
                truncate(image)
        if i % 10 == 0:
            mask(tmp_path / "media" / "masks" / f"{i}.png")
            record["anomaly-label"] = 1
            record["anomaly-label-metadata"]["class-name"] = "anomaly"  # type: ignore[index]
            record["anomaly-mask-ref"] = f"s3://bucket/masks/{i}.png"
            record["anomaly-mask-ref-metadata"] = {
                "internal-color-map": {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff",
                                             "confidence": 0},
                                       "1": {"class-name": "scratch", "hex-color": "#23a436",
                                             "confidence": 0}},
                "human-annotated": "yes",
                "type": "groundtruth/semantic-segmentation"}
        lines.append(json.dumps(record))
    manifest = tmp_path / "train.manifest"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    common = ("lint", manifest, "--deep", "--no-cache", "--format", "json")
    pool = run_cli(*common, "--jobs", "2")
    before = batches_done(cluster, "probe_files")
    remote = run_cli(*common, "--scheduler", address)
    assert (remote.code, remote.stdout, remote.stderr) == (pool.code, pool.stdout, pool.stderr)
    assert batches_done(cluster, "probe_files") - before == batches_for(300) == 7
    codes = {d["code"] for d in json.loads(pool.stdout)["diagnostics"]}
    assert {"LFV401", "LFV402", "LFV405"} <= codes


# ------------------------------------------------------------------ faults


def test_a_worker_killed_mid_batch_has_its_batch_run_again(address: str,
                                                           tmp_path: Path) -> None:
    marker = tmp_path / "killed"
    work: OrderedWork[int, int] = OrderedWork(
        partial(cluster_work.square_or_die, str(marker)), workers=1, batch=4,
        backend=backend_for(address))
    tasks = list(range(40))
    got = [*(p for t in tasks for p in work.submit(t)), *work.finish()]
    assert got == [(t, t * t) for t in tasks]
    assert marker.read_text() != str(os.getpid())  # a worker died, not this process


def test_a_batch_that_kills_every_worker_is_a_cluster_error(address: str) -> None:
    work: OrderedWork[int, int] = OrderedWork(cluster_work.always_die, workers=1,
                                              backend=backend_for(address))
    with pytest.raises(ClusterError, match="lost worker after worker"):
        for t in range(3):
            list(work.submit(t))
        list(work.finish())


def test_an_error_in_the_work_itself_is_not_blamed_on_the_cluster(address: str) -> None:
    work: OrderedWork[int, int] = OrderedWork(cluster_work.fail, workers=1,
                                              backend=backend_for(address))
    with pytest.raises(ValueError, match="cannot square 1 numbers"):
        list(work.submit(1))
        list(work.finish())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_scheduler_is_exit_2_and_nothing_is_written(
        dataset: Path, tmp_path: Path) -> None:
    gone = f"tcp://127.0.0.1:{_closed_port()}"
    manifest = Path(shutil.copy(dataset / "manifest.jsonl", tmp_path))
    before = manifest.read_bytes()
    lint = run_cli("lint", manifest, "--deep", "--no-cache", "--media-root", dataset,
                   "--format", "json", env={**FAST_FAIL, "MANIFEST_LINT_SCHEDULER": gone})
    fix = run_cli("fix", manifest, "--deep", "--no-cache", "--media-root", dataset,
                  "--scheduler", gone, env=FAST_FAIL)
    create = run_cli("create", "cvat", dataset, "--output-dir", tmp_path / "out",
                     "--scheduler", gone, env=FAST_FAIL)
    for r in (lint, fix, create):
        assert r.code == 2 and r.stdout == ""
        assert r.stderr.startswith(f"manifest-lint: error: cannot reach the Dask scheduler "
                                   f"at {gone}"), r.stderr
        assert "Traceback" not in r.stderr
    assert manifest.read_bytes() == before
    assert not (tmp_path / "out" / "manifest.jsonl").exists()


def test_a_scheduler_that_goes_away_mid_run_is_a_cluster_error(tmp_path: Path) -> None:
    """A scheduler and a worker of their own: the first batch kills the scheduler. (Both
    unpickle the batch function, so both need this repository on their path.)"""
    import dask

    from manifest_lint.media.cluster import close_all

    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scheduler_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", scheduler_file],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    worker = None
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
            client = distributed.Client(scheduler_file=str(scheduler_file), timeout="20s",
                                        set_as_default=False)
        address = str(client.scheduler.address)
        worker = subprocess.Popen(
            [bin_dir / "dask", "worker", address, "--nthreads", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        client.wait_for_workers(1, timeout=30)
        client.close()
        (tmp_path / "pid").write_text(str(scheduler.pid))
        with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
            work: OrderedWork[int, int] = OrderedWork(
                partial(cluster_work.square_then_kill_scheduler, str(tmp_path / "pid")),
                workers=1, backend=backend_for(address))
            with pytest.raises(ClusterError, match=f"lost the Dask scheduler at {address}"):
                for t in range(3):
                    list(work.submit(t))
                list(work.finish())
    finally:
        close_all()
        for proc in (worker, scheduler):
            if proc is not None:
                proc.kill()
                proc.wait()


# ------------------------------------------------------------------ visibility


def _private_namespace() -> list[str] | None:
    """``unshare`` arguments for a private mount namespace, or None where not allowed."""
    if shutil.which("unshare") is None:
        return None
    for args in (["unshare", "--mount"], ["unshare", "--map-root-user", "--mount"]):
        if subprocess.run([*args, "true"], capture_output=True, check=False).returncode == 0:
            return args
    return None


INSIDE = r"""
import json, os, shutil, subprocess, sys
private, golden, cli, scheduler = sys.argv[1:5]
subprocess.run(["mount", "-t", "tmpfs", "tmpfs", private], check=True)
ds = shutil.copytree(os.path.join(golden, "images"), os.path.join(private, "ds"))
manifest = shutil.copy(os.path.join(golden, "images_lexicographical.jsonl"),
                       os.path.join(ds, "manifest.jsonl"))
with open(manifest, "rb+") as f:  # something for fix to do
    data = f.read().replace(b'"width":', b'"width":1', 1)
    f.seek(0); f.write(data); f.truncate()
out = {}
for name, args in {
    "lint": ["lint", manifest, "--deep", "--format", "json", "--no-cache"],
    "fix": ["fix", manifest, "--deep", "--no-cache"],
    "create": ["create", "cvat", ds, "--output-dir", os.path.join(private, "out")],
}.items():
    r = subprocess.run([*cli.split("\0"), *args, "--scheduler", scheduler],
                       capture_output=True, text=True)
    out[name] = [r.returncode, r.stdout, r.stderr]
out["unchanged"] = open(manifest, "rb").read() == data
out["created"] = os.path.exists(os.path.join(private, "out", "manifest.jsonl"))
print(json.dumps(out))
"""


def test_a_dataset_the_workers_cannot_see_is_one_error_before_any_work(
        cluster: distributed.Client, address: str, tmp_path: Path) -> None:
    """The CLI runs in a private mount namespace with the dataset on a tmpfs mounted there:
    the client sees the files, the workers (outside the namespace) see an empty folder
    with no ``ds`` in it: two machines that do not share that storage."""
    unshare = _private_namespace()
    if unshare is None:
        pytest.skip("no private mount namespace (unshare) here")
    private = tmp_path / "private"
    private.mkdir()
    cli = shutil.which("manifest-lint", path=str(Path(sys.executable).parent))
    assert cli is not None
    before = batches_done(cluster, "inspect_images") + batches_done(cluster, "probe_batch")
    proc = subprocess.run([*unshare, sys.executable, "-c", INSIDE, private, GOLDEN, cli,
                           address], capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout)
    folder = private / "ds"
    for name in ("lint", "fix", "create"):
        code, stdout, stderr = out[name]
        assert (code, stdout) == (2, ""), (name, stderr)
        assert stderr.startswith(
            f"manifest-lint: error: the media folder {folder} does not exist on 2 of 2 "
            f"workers of the Dask cluster at {address} (e.g. tcp://127.0.0.1:"), stderr
        assert "no work was sent" in stderr and stderr.count("\n") == 1
    assert out["unchanged"] and not out["created"]
    after = batches_done(cluster, "inspect_images") + batches_done(cluster, "probe_batch")
    assert after == before


# ------------------------------------------------------------------ options


def test_dask_is_not_imported_without_a_scheduler(dataset: Path) -> None:
    script = (
        "import sys\n"
        "from manifest_lint.cli import main\n"
        "try:\n"
        f"    main(['lint', {str(dataset / 'manifest.jsonl')!r}, '--deep', '--no-cache',\n"
        "          '--jobs', '2', '--format', 'json'])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')\n"
        "                or m == 'manifest_lint.media.cluster')\n"
        "print('RESULT', code, loaded, file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MANIFEST_LINT_SCHEDULER"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False, env=env, cwd=ROOT)
    assert "RESULT 1 []" in proc.stderr, proc.stderr
    assert json.loads(proc.stdout)["summary"]["errors"] > 0  # the pool did the media work


@pytest.mark.parametrize("value", ["localhost", "local:0", "local:x", "tcp:/x:1", "a b:1"])
def test_a_bad_scheduler_address_is_a_usage_error(tmp_path: Path, value: str) -> None:
    for args in (("lint", tmp_path), ("create", "cvat", GOLDEN / "images")):
        r = run_cli(*args, "--scheduler", value)
        assert r.code == 2
        assert r.stderr.startswith(f"manifest-lint: error: --scheduler: scheduler {value!r} "
                                   "is not a scheduler address: give tcp://HOST:PORT"), r.stderr


def test_scheduler_from_the_config(dataset: Path, tmp_path: Path) -> None:
    gone = f"tcp://127.0.0.1:{_closed_port()}"
    manifest = shutil.copy(dataset / "manifest.jsonl", tmp_path)
    (tmp_path / "manifest-lint.toml").write_text(
        f'scheduler = "{gone}"\n[cvat]\n', encoding="utf-8")
    r = run_cli("lint", manifest, "--deep", "--media-root", dataset, env=FAST_FAIL)
    assert r.code == 2 and f"cannot reach the Dask scheduler at {gone}" in r.stderr
    (tmp_path / "manifest-lint.toml").write_text('scheduler = "nowhere"\n', encoding="utf-8")
    r = run_cli("lint", manifest, "--deep", "--media-root", dataset)
    assert r.code == 2 and "scheduler 'nowhere' is not a scheduler address" in r.stderr
