"""Media in Google Cloud Storage and Azure Blob Storage, against real emulators on loopback
(``gcp-storage-emulator`` and Azurite, started once per session): the S3 cases of
``test_s3.py`` (their datasets, expectations and helpers) run on each provider. Set
``CLOUD_PROVIDERS=s3,gcs,azure`` to run them on moto's S3 server too."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from lfv_media_factory import jpeg

from manifest_lint import cloud
from manifest_lint.kinds.lfv import media as lfv_media
from manifest_lint.media.clients import client_for
from tests.cloud_servers import (
    AZURITE_ACCOUNT,
    Provider,
    ServerUnavailable,
    provider,
)
from tests.conftest import FIXTURES, run_cli
from tests.media_factory import make_video
from tests.s3_server import Proxy
from tests.test_s3 import (
    LFV_EXPECTED,
    codes,
    cvat_images,
    lfv_dataset,
    lfv_line,
    lint,
)

GOLDEN = FIXTURES / "cvat" / "golden"
PROVIDERS = os.environ.get("CLOUD_PROVIDERS", "gcs,azure").split(",")
_NAMES = itertools.count()


@pytest.fixture(scope="session", params=PROVIDERS)
def store(request: pytest.FixtureRequest) -> Iterator[Provider]:
    """A running store per provider, for the whole session."""
    try:
        with provider(request.param) as running:
            yield running
    except ServerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{request.param} emulator cannot start under CI: {exc}")
        pytest.skip(str(exc))


@pytest.fixture
def bucket(store: Provider) -> str:
    name = f"bucket-{next(_NAMES)}"
    store.create_bucket(name)
    return name


def counters(store: Provider) -> Any:
    return client_for(store.scheme + "x/").counters


# --- CVAT images and video ---------------------------------------------------------------------

@pytest.fixture
def cvat_case(tmp_path: Path, store: Provider, bucket: str) -> tuple[Path, str]:
    manifest = cvat_images(tmp_path)
    store.upload_folder(manifest.parent, bucket, "ds/")
    return manifest, store.url(bucket, "ds/")


@pytest.mark.parametrize("deep", [False, True])
def test_cvat_image_rules_from_the_container_as_from_a_local_copy(
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


def test_cvat_manifest_in_the_container_lint_and_fix(cvat_case: tuple[Path, str],
                                                     store: Provider, tmp_path: Path) -> None:
    manifest, root = cvat_case
    url = root + "manifest.jsonl"
    got = run_cli("lint", url, "--format", "json", env=store.env)
    assert got.code == 1, got.stderr
    report = json.loads(got.stdout)
    assert [(d["path"], d["line"], d["code"]) for d in report["diagnostics"]] == [
        (url, 1, "CVAT402"), (url, 1, "CVAT402"), (url, 3, "CVAT403"), (url, 4, "CVAT404"),
        (url, 5, "CVAT401"), (url, 5, "DS201")]  # rot.jpg has a.jpg's pixels (and checksum)
    assert {"s3": "S3: ", "gcs": "GCS: ", "azure": "Azure: "}[store.name] in got.stderr
    refused = run_cli("fix", url, env=store.env)
    assert refused.code == 2 and "never writes to a bucket" in refused.stderr
    diff = run_cli("fix", url, "--diff", env=store.env)
    assert diff.code == 1 and f"+++ b/{url}" in diff.stdout and '"width":40' in diff.stdout
    copy = tmp_path / "copy.jsonl"
    shutil.copy(manifest, copy)
    assert run_cli("fix", copy, "--media-root", root, env=store.env).code == 1
    assert run_cli("fix", manifest).code == 1
    assert copy.read_bytes() == manifest.read_bytes()


def test_cvat_video_from_the_container(tmp_path: Path, store: Provider, bucket: str) -> None:
    from manifest_lint.kinds.cvat.create import create_manifest

    root = tmp_path / "clip"
    make_video(root / "clip.mp4", frames=40, gop=10)
    create_manifest(root / "clip.mp4", root)
    manifest = root / "manifest.jsonl"
    objs = [json.loads(x) for x in manifest.read_text().splitlines()]
    objs[2]["properties"]["length"] = 41
    objs[4]["checksum"] = "0" * 32
    manifest.write_text("".join(json.dumps(o, separators=(",", ":")) + "\n" for o in objs))
    store.upload_folder(root, bucket, "video/")
    for deep, expected in ((False, [("CVAT408", 3)]), (True, [("CVAT408", 3), ("CVAT501", 5)])):
        local, _ = lint(manifest, "cvat", deep=deep)
        remote, notes = lint(manifest, "cvat", deep=deep, media_root=store.url(bucket, "video/"))
        assert codes(local) == codes(remote) == expected
        assert notes == []


@pytest.mark.parametrize(("source", "args", "golden"), [
    ("images/", [], "images_lexicographical.jsonl"),
    ("images", ["--sorting", "natural"], "images_natural.jsonl"),
    ("clip.mp4", [], "video.jsonl"),
])
def test_create_cvat_from_the_container_is_byte_identical(
        tmp_path: Path, store: Provider, bucket: str, source: str, args: list[str],
        golden: str) -> None:
    store.upload_folder(GOLDEN / "images", bucket, "images/")
    store.put(bucket, "clip.mp4", (GOLDEN / "clip.mp4").read_bytes())
    out = tmp_path / "out"
    got = run_cli("create", "cvat", store.url(bucket, source), "--output-dir", out, *args,
                  env=store.env)
    assert got.code == 0, got.stderr
    assert (out / "manifest.jsonl").read_bytes() == (GOLDEN / golden).read_bytes()


def test_warm_run_reads_nothing_and_a_changed_object_is_read_again(
        cvat_case: tuple[Path, str], store: Provider, tmp_path: Path) -> None:
    """The cache is keyed by URL + size + the provider's change token (GCS generation,
    Azure ETag): a warm run only lists; re-uploading one object gives it a new token."""
    manifest, root = cvat_case
    count = counters(store)
    cache = tmp_path / "cache"
    cold, _ = lint(manifest, "cvat", media_root=root, cache_dir=cache)
    gets = count.gets
    warm, _ = lint(manifest, "cvat", media_root=root, cache_dir=cache)
    assert codes(warm) == codes(cold)
    assert count.gets == gets
    bucket = cloud.split(root)[1]
    store.put(bucket, "ds/c.jpg", (manifest.parent / "c.jpg").read_bytes())  # same bytes
    again, _ = lint(manifest, "cvat", media_root=root, cache_dir=cache)
    assert codes(again) == codes(cold)
    # a new generation / ETag: only the re-uploaded object is read again (S3's ETag is the
    # MD5 of the same bytes, so there nothing is)
    assert count.gets == gets + (0 if store.name == "s3" else 1)


# --- Lookout for Vision: s3:// references, mirrors elsewhere ------------------------------------

def test_lfv_media_map_to_a_mirror_in_the_container(tmp_path: Path, store: Provider,
                                                    bucket: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Every LfV media rule, the references in S3 and their mirror in GCS / Azure."""
    monkeypatch.setattr(lfv_media, "MAX_FILE_BYTES", 8000)
    manifest = lfv_dataset(tmp_path, "source-bucket")
    store.upload_folder(tmp_path / "media", bucket, "mirror/")
    mirror = store.url(bucket, "mirror/")
    (tmp_path / "manifest-lint.toml").write_text(
        f'[lfv]\nmedia-map = {{ "s3://source-bucket/" = "{mirror}" }}\n')
    diags, notes = lint(manifest, "lfv", remote=True, jobs=1)
    assert codes(diags) == LFV_EXPECTED
    assert notes == []
    assert f"no object {mirror}train/gone.jpg" in diags[0].message


def test_csv_bare_names_under_a_container_media_root(tmp_path: Path, store: Provider,
                                                     bucket: str) -> None:
    jpeg(tmp_path / "media" / "a.jpg")
    jpeg(tmp_path / "media" / "b.jpg", size=(32, 32))
    store.upload_folder(tmp_path / "media", bucket, "csvds/")
    csv = tmp_path / "labels.csv"
    csv.write_bytes(b"a.jpg,normal\nb.jpg,anomaly\nmissing.jpg,normal\n")
    root = store.url(bucket, "csvds/")
    diags, _ = lint(csv, "csv", media_root=root)
    media = [d for d in diags if d.code.startswith("LFV")]
    assert codes(media) == [("LFV403", 2), ("LFV405", 2), ("LFV401", 3)]
    assert f"no object {root}missing.jpg" in media[2].message


# --- failures ------------------------------------------------------------------------------------

def test_missing_container_is_one_note(store: Provider) -> None:
    cvat, notes = lint(GOLDEN / "images_lexicographical.jsonl", "cvat",
                       media_root=store.url("no-such-bucket", "ds/"))
    assert codes(cvat) == []
    kind = "container" if store.name == "azure" else "bucket"
    assert len(notes) == 1 and notes[0].startswith(
        f"7 image records not checked: {kind} {store.url('no-such-bucket')} does not exist")
    got = run_cli("lint", store.url("no-such-bucket", "ds/manifest.jsonl"), env=store.env)
    assert got.code == 2 and "does not exist" in got.stderr
    created = run_cli("create", "cvat", store.url("no-such-bucket", "x/"), "--output-dir",
                      GOLDEN.parent / "never", env=store.env)
    assert created.code == 1 and "does not exist" in created.stderr


def test_object_deleted_between_listing_and_reading(tmp_path: Path, store: Provider,
                                                    bucket: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from manifest_lint.media import objects

    shutil.copy(GOLDEN / "images_lexicographical.jsonl", tmp_path / "manifest.jsonl")
    store.upload_folder(GOLDEN / "images", bucket, "cvat/")
    real = objects.read_head

    def delete_first(s: Any, url: str, size: int | None) -> Any:
        if url.endswith("/img_2.jpg"):
            store.delete(bucket, "cvat/img_2.jpg")
        return real(s, url, size)

    monkeypatch.setattr(objects, "read_head", delete_first)
    diags, _ = lint(tmp_path / "manifest.jsonl", "cvat", media_root=store.url(bucket, "cvat/"))
    assert [(d.code, d.message.split(" not found")[0]) for d in diags] == [
        ("CVAT401", "image 'img_2.jpg'")]


def _through(store: Provider, endpoint: str, monkeypatch: pytest.MonkeyPatch,
             **extra: str) -> None:
    """Point the provider's clients at ``endpoint`` (a proxy in front of the emulator)."""
    for name, value in store.env_through(endpoint, **extra).items():
        monkeypatch.setenv(name, value)


def test_slow_and_throttling_endpoint_is_retried(cvat_case: tuple[Path, str], store: Provider,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    manifest, root = cvat_case
    expected, _ = lint(manifest, "cvat", media_root=root)
    proxy = Proxy(store.endpoint, fail_every=2, delay=0.02)
    proxy.start()
    try:
        _through(store, proxy.url, monkeypatch)
        diags, notes = lint(manifest, "cvat", media_root=root)
    finally:
        proxy.shutdown()
    assert codes(diags) == codes(expected)
    assert notes == []
    assert proxy.failed >= 2


def test_failing_endpoint_is_one_note_not_missing_media(cvat_case: tuple[Path, str],
                                                        store: Provider,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    manifest, root = cvat_case
    for name in ("AWS_MAX_ATTEMPTS", "MANIFEST_LINT_GCS_ATTEMPTS",
                 "MANIFEST_LINT_AZURE_ATTEMPTS"):
        monkeypatch.setenv(name, "2")
    proxy = Proxy(store.endpoint, fail_every=1, delay=0)
    proxy.start()
    try:
        _through(store, proxy.url, monkeypatch)
        diags, notes = lint(manifest, "cvat", media_root=root)
    finally:
        proxy.shutdown()
    assert codes(diags) == []
    assert len(notes) == 1
    assert notes[0].startswith(f"4 image records not checked: {cloud.root_of(root)} kept "
                               "answering ")
    assert notes[0].endswith("after 2 tries with backoff; lower s3-concurrency or try again "
                             "later")


@pytest.mark.parametrize("store", ["azure"], indirect=True)
def test_access_denied_is_one_note(cvat_case: tuple[Path, str], store: Provider,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Azurite checks the shared-key signature: a wrong account key gets real 403s. (The GCS
    emulator checks no credentials: see the next test; S3: test_s3.py.)"""
    manifest, root = cvat_case
    wrong = "A" * 86 + "=="
    _through(store, store.endpoint, monkeypatch, key=wrong)
    diags, notes = lint(manifest, "cvat", media_root=root)
    assert codes(diags) == []
    assert notes == [f"4 image records not checked: access to {cloud.root_of(root)} denied "
                     "(AuthorizationFailure); the credentials in use need to list and read "
                     "blobs in it (role Storage Blob Data Reader, or a key/SAS with read and "
                     "list)"]


class _Refusing(BaseHTTPRequestHandler):
    """Answers every request as GCS answers a caller without the permission."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = json.dumps({"error": {"code": 403, "message": "caller does not have "
                                     "storage.objects.list access"}}).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_gcs_access_denied_is_one_note(monkeypatch: pytest.MonkeyPatch) -> None:
    """gcp-storage-emulator checks no credentials, so the 403s come from a loopback server
    that answers them for every request, as GCS does for an identity without the role."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{server.server_port}")
        diags, notes = lint(GOLDEN / "images_lexicographical.jsonl", "cvat",
                            media_root="gs://locked/ds/")
    finally:
        server.shutdown()
    assert codes(diags) == []
    assert notes == ["7 image records not checked: access to gs://locked/ denied (403: caller "
                     "does not have storage.objects.list access); the credentials in use need "
                     "storage.objects.list and storage.objects.get on it (role Storage Object "
                     "Viewer)"]


@pytest.mark.parametrize("store", ["azure"], indirect=True)
def test_azure_portal_https_urls(cvat_case: tuple[Path, str], store: Provider) -> None:
    """``https://<account>.blob.core.windows.net/<container>/`` as copied from the portal:
    the connection string of that account (here Azurite's) serves it; reports name it."""
    manifest, root = cvat_case
    https = f"https://{AZURITE_ACCOUNT}.blob.core.windows.net/{cloud.split(root)[1]}/ds/"
    diags, notes = lint(manifest, "cvat", media_root=https)
    assert codes(diags) == [("CVAT402", 1), ("CVAT402", 1), ("CVAT403", 3), ("CVAT404", 4),
                            ("CVAT401", 5)]
    assert notes == []
    assert diags[4].message.startswith(f"image 'rot.jpg' not found in {https}")
    got = run_cli("lint", https + "manifest.jsonl", "--format", "json", env=store.env)
    assert got.code == 1 and json.loads(got.stdout)["diagnostics"][0]["path"] == \
        https + "manifest.jsonl"


# --- without a server -----------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("s3://b/k/x.jpg", ("s3", "s3://b/", "b", "k/x.jpg")),
    ("gs://b/k/x.jpg", ("gcs", "gs://b/", "b", "k/x.jpg")),
    ("az://c/x.jpg", ("azure", "az://c/", "c", "x.jpg")),
    ("https://acct1.blob.core.windows.net/c/k/x.jpg",
     ("azure", "https://acct1.blob.core.windows.net/c/", "c", "k/x.jpg")),
    ("https://example.com/c/x.jpg", (None, None, None, None)),
    ("data/x.jpg", (None, None, None, None)),
])
def test_urls_name_provider_root_bucket_and_key(url: str, expected: tuple[Any, ...]) -> None:
    found = cloud.provider(url)
    assert (found, *(cloud.split(url) if found else (None, None, None))) == expected


def test_command_line_paths_folded_by_pathlib_are_urls_again() -> None:
    assert cloud.from_path(Path("gs://b/ds/manifest.jsonl")) == "gs://b/ds/manifest.jsonl"
    assert cloud.from_path(Path("az://c/ds/")) == "az://c/ds"
    assert cloud.from_path(Path("https://a1b.blob.core.windows.net/c/m.jsonl")) == \
        "https://a1b.blob.core.windows.net/c/m.jsonl"
    assert cloud.from_path(Path("https://example.com/m.jsonl")) is None
    assert cloud.from_path(Path("gsx/m.jsonl")) is None


def test_lfv_references_in_gcs_or_azure_say_only_s3_works(tmp_path: Path) -> None:
    manifest = tmp_path / "data.manifest"
    lines = [lfv_line("b", "a.jpg").replace("s3://b/", prefix)
             for prefix in ("gs://b/", "az://c/", "https://acct1.blob.core.windows.net/c/")]
    manifest.write_text("".join(lines))
    diags, _ = lint(manifest, "lfv")
    assert codes(diags) == [("LFV102", 1), ("LFV102", 2), ("LFV102", 3)]
    assert "Lookout for Vision and Ground Truth read only S3, not GCS" in diags[0].message
    assert "read only S3, not Azure" in diags[1].message
    assert "read only S3, not Azure" in diags[2].message
    config = tmp_path / "manifest-lint.toml"
    config.write_text('[lfv]\nmedia-map = { "gs://b/" = "media" }\n')
    got = run_cli("lint", manifest, "--config", config)
    assert got.code == 2 and "read only S3, not GCS" in got.stderr


def test_a_local_lint_imports_no_cloud_library(tmp_path: Path) -> None:
    """``python -X importtime``: a local run loads none of boto3, google-cloud-storage or the
    Azure SDK (nor our clients for them)."""
    got = subprocess.run([sys.executable, "-X", "importtime", "-m", "manifest_lint", "lint",
                          str(GOLDEN / "images_lexicographical.jsonl"), "--no-cache"],
                         capture_output=True, text=True, check=False)
    modules = {line.rsplit("|", 1)[-1].strip() for line in got.stderr.splitlines()
               if line.startswith("import time:")}
    assert "manifest_lint.cli" in modules
    loaded = {m for m in modules if m.split(".")[0] in ("boto3", "botocore", "google", "azure")
              or m.startswith("manifest_lint.media.") and m.endswith("client")}
    assert loaded == set()
