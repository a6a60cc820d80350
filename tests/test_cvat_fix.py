"""``fix`` on CVAT manifests through the real CLI: structure without media, regeneration from
the media (sizes, checksums, video properties and key frames), idempotence. Expected files are
CVAT's golden manifests (made by CVAT's own tool); every fix family runs on LF, CRLF and CR
files with and without a final newline: ``fix`` writes LF and a final newline (CVAT007), and
keeps the file's line ends byte for byte when CVAT007 is ignored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, fix_file, run_cli, with_ending

GOLDEN = FIXTURES / "cvat" / "golden"
LEXICOGRAPHICAL = (GOLDEN / "images_lexicographical.jsonl").read_bytes()
NATURAL = (GOLDEN / "images_natural.jsonl").read_bytes()
VIDEO = (GOLDEN / "video.jsonl").read_bytes()


def golden_images(tmp_path: Path, manifest: bytes = LEXICOGRAPHICAL) -> Path:
    """A copy of the golden images with ``manifest`` as images/manifest.jsonl."""
    root = tmp_path / "images"
    shutil.copytree(GOLDEN / "images", root)
    (root / "manifest.jsonl").write_bytes(manifest)
    return root / "manifest.jsonl"


def golden_video(tmp_path: Path, manifest: bytes = VIDEO) -> Path:
    root = tmp_path / "video"
    root.mkdir()
    shutil.copy(GOLDEN / "clip.mp4", root / "clip.mp4")
    (root / "manifest.jsonl").write_bytes(manifest)
    return root / "manifest.jsonl"


def objs(data: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in data.decode().splitlines()]


def dump(items: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(o, separators=(",", ":")) + "\n" for o in items).encode()


def assert_second_fix_is_a_no_op(manifest: Path, *args: str) -> None:
    before = manifest.read_bytes()
    r = run_cli("fix", *args, manifest)
    assert manifest.read_bytes() == before
    assert "fixed" not in r.stderr


# --- without media -----------------------------------------------------------------------

def in_ending(data: bytes, ending: tuple[str, bool]) -> bytes:
    """``data`` (LF with a final newline) in a line-ending variant."""
    return with_ending(data.decode("utf-8"), *ending)


def messy_structure() -> bytes:
    """The golden images manifest with every structure problem fix repairs without media
    (LF form): a BOM, a float version, spaces and key order, blank lines, a raw UTF-8 name."""
    lines = LEXICOGRAPHICAL.decode().splitlines()
    first = json.loads(lines[2])
    messy = [
        '{"version": 1.1}',
        '{"type": "images"}',
        "",
        json.dumps(dict(reversed(list(first.items())))),  # spaces and key order
        lines[3],
        "   ",
        *lines[4:6],
        json.dumps(json.loads(lines[6]), ensure_ascii=False),  # raw UTF-8 name
        *lines[7:],
    ]
    return b"\xef\xbb\xbf" + "".join(ln + "\n" for ln in messy).encode()


def test_fix_without_media_repairs_structure(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(in_ending(messy_structure(), ("\r\n", False)))
    r = run_cli("fix", "--no-media", manifest)
    assert r.code == 0, r.stdout + r.stderr
    assert manifest.read_bytes() == LEXICOGRAPHICAL
    assert_second_fix_is_a_no_op(manifest, "--no-media")


def test_structure_fixes_with_every_line_ending(tmp_path: Path,
                                                ending: tuple[str, bool]) -> None:
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(in_ending(messy_structure(), ending))
    fix_file(manifest, "cvat", no_media=True, ignore=["CVAT007"])
    assert manifest.read_bytes() == in_ending(LEXICOGRAPHICAL, ending)
    assert fix_file(manifest, "cvat", no_media=True, ignore=["CVAT007"]).fixed == 0
    assert manifest.read_bytes() == in_ending(LEXICOGRAPHICAL, ending)
    manifest.write_bytes(in_ending(messy_structure(), ending))
    fix_file(manifest, "cvat", no_media=True)
    assert manifest.read_bytes() == LEXICOGRAPHICAL


def test_fix_splits_a_combined_header_and_inserts_a_missing_version(tmp_path: Path) -> None:
    body = b"".join(line + b"\n" for line in VIDEO.splitlines()[2:])
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(b'{"version":"1.1","type":"video"}\n' + body)
    assert run_cli("fix", "--no-media", manifest).code == 0
    assert manifest.read_bytes() == VIDEO
    manifest.write_bytes(b'{"type":"video"}\n' + body)
    # without a version line the kind is not recognised from the content: force it
    (tmp_path / "manifest-lint.toml").write_text('[kinds]\n"*.jsonl" = "cvat"\n')
    assert run_cli("fix", "--no-media", manifest).code == 0
    assert manifest.read_bytes() == VIDEO


def test_the_header_split_keeps_line_ends_when_cvat007_is_ignored(
        tmp_path: Path, ending: tuple[str, bool]) -> None:
    body = b"".join(line + b"\n" for line in VIDEO.splitlines()[2:])
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(in_ending(b'{"version":"1.1","type":"video"}\n' + body, ending))
    fix_file(manifest, "cvat", no_media=True, ignore=["CVAT007"])
    assert manifest.read_bytes() == in_ending(VIDEO, ending)


def test_fix_without_media_leaves_what_needs_a_decision(tmp_path: Path) -> None:
    items = objs(LEXICOGRAPHICAL)
    items.append(dict(items[3]))  # a duplicate
    items[4]["name"] = "sub\\deeper\\depth16"
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(dump(items))
    r = run_cli("fix", "--no-media", "-f", "concise", manifest)
    assert r.code == 1
    assert [ln.split()[1] for ln in r.stdout.splitlines()] == ["CVAT206"]
    assert manifest.read_bytes() == LEXICOGRAPHICAL + dump(items[3:4])


def test_fix_diff_writes_nothing(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(LEXICOGRAPHICAL.replace(b'{"version":"1.1"}', b'{"version":1.1}'))
    before = manifest.read_bytes()
    r = run_cli("fix", "--no-media", "--diff", manifest)
    assert r.code == 1
    assert '-{"version":1.1}' in r.stdout and '+{"version":"1.1"}' in r.stdout
    assert manifest.read_bytes() == before


# --- with media: images ---------------------------------------------------------------------

def broken_images() -> bytes:
    """The golden manifest with a wrong width, a wrong checksum and missing checksums."""
    items = objs(LEXICOGRAPHICAL)
    items[2]["width"] = 999
    items[3]["checksum"] = "f" * 32
    del items[5]["checksum"]
    del items[6]["checksum"]
    return dump(items)


def test_fix_deep_regenerates_the_golden_images_manifest(tmp_path: Path) -> None:
    manifest = golden_images(tmp_path, broken_images())
    r = run_cli("fix", "--deep", manifest)
    assert r.code == 0, r.stdout + r.stderr
    assert manifest.read_bytes() == LEXICOGRAPHICAL
    assert_second_fix_is_a_no_op(manifest, "--deep")


def test_fix_keeps_the_record_order(tmp_path: Path) -> None:
    items = objs(NATURAL)
    items[3]["height"] = 1
    del items[2]["checksum"]
    manifest = golden_images(tmp_path, dump(items))
    assert run_cli("fix", "--deep", manifest).code == 0
    assert manifest.read_bytes() == NATURAL


def test_fix_with_media_root(tmp_path: Path) -> None:
    manifest = tmp_path / "elsewhere.jsonl"
    manifest.write_bytes(broken_images())
    root = golden_images(tmp_path).parent
    r = run_cli("fix", "--deep", "--media-root", root, manifest)
    assert r.code == 0, r.stdout
    assert manifest.read_bytes() == LEXICOGRAPHICAL


@pytest.mark.parametrize("cache", ["cold", "none"])
def test_fix_without_deep_repairs_sizes_and_fills_missing_checksums(tmp_path: Path,
                                                                    cache: str) -> None:
    # Run explicitly with a cold cache (an empty folder) and with none: the checksums must
    # come from decoding the images, not from results an earlier run left behind.
    folder = tmp_path / "cold-cache"
    opts = ["--cache-dir", str(folder)] if cache == "cold" else ["--no-cache"]
    manifest = golden_images(tmp_path, broken_images())
    r = run_cli("fix", *opts, "-f", "concise", manifest)
    assert r.code == 0, r.stdout + r.stderr
    # Sizes and the missing checksums come from the media; the wrong checksum can only
    # be seen by decoding every image, which is --deep's job.
    expected = objs(LEXICOGRAPHICAL)
    expected[3]["checksum"] = "f" * 32
    assert manifest.read_bytes() == dump(expected)
    assert r.stdout == ""
    assert folder.is_dir() == (cache == "cold")
    assert_second_fix_is_a_no_op(manifest, *opts)
    deep = run_cli("fix", *opts, "--deep", manifest)
    assert deep.code == 0 and manifest.read_bytes() == LEXICOGRAPHICAL


def test_media_fixes_with_every_line_ending(tmp_path: Path, ending: tuple[str, bool]) -> None:
    manifest = golden_images(tmp_path, in_ending(broken_images(), ending))
    fix_file(manifest, "cvat", deep=True, jobs=1, ignore=["CVAT007"])
    assert manifest.read_bytes() == in_ending(LEXICOGRAPHICAL, ending)
    assert fix_file(manifest, "cvat", deep=True, jobs=1, ignore=["CVAT007"]).fixed == 0
    fix_file(manifest, "cvat", deep=True, jobs=1)
    assert manifest.read_bytes() == LEXICOGRAPHICAL


def test_lint_without_media_says_fix_fills_checksums(tmp_path: Path) -> None:
    items = objs(LEXICOGRAPHICAL)
    del items[5]["checksum"]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(dump(items))
    r = run_cli("lint", "--no-media", "-f", "json", manifest)
    found = json.loads(r.stdout)["diagnostics"]
    assert [(d["code"], d["line"]) for d in found] == [("CVAT205", 6)]
    assert "`manifest-lint fix` computes it" in found[0]["message"]


def test_fix_adds_missing_sizes_and_meta(tmp_path: Path) -> None:
    items = objs(LEXICOGRAPHICAL)
    for item in items[2:]:
        item.pop("width")
        item.pop("height")
    manifest = golden_images(tmp_path, dump(items))
    assert run_cli("fix", manifest).code == 0
    assert manifest.read_bytes() == LEXICOGRAPHICAL


def test_fix_drops_a_missing_related_image(tmp_path: Path) -> None:
    items = objs(LEXICOGRAPHICAL)
    items[3]["meta"] = {"related_images": ["related_images/img_2_jpg/gone.jpg"]}
    manifest = golden_images(tmp_path, dump(items))
    assert run_cli("fix", manifest).code == 0
    assert manifest.read_bytes() == LEXICOGRAPHICAL


def test_fix_leaves_missing_files_alone(tmp_path: Path) -> None:
    manifest = golden_images(tmp_path, broken_images())
    (manifest.parent / "img_10.png").unlink()
    r = run_cli("fix", "--deep", "-f", "concise", manifest)
    assert r.code == 1
    assert [ln.split()[1] for ln in r.stdout.splitlines()] == ["CVAT401"]
    fixed = objs(manifest.read_bytes())
    assert fixed[2]["width"] == 999  # its record is kept as it was
    assert manifest.read_bytes().splitlines()[3:] == LEXICOGRAPHICAL.splitlines()[3:]


# --- with media: video ----------------------------------------------------------------------

def test_fix_deep_repairs_a_broken_key_frame(tmp_path: Path) -> None:
    items = objs(VIDEO)
    items[4]["number"] = 11
    manifest = golden_video(tmp_path, dump(items))
    r = run_cli("fix", "--deep", manifest)
    assert r.code == 0, r.stdout + r.stderr
    assert manifest.read_bytes() == VIDEO
    assert_second_fix_is_a_no_op(manifest, "--deep")


def broken_video() -> bytes:
    """The golden video manifest with wrong properties, a key frame without checksum and a
    missing key frame."""
    items = objs(VIDEO)
    items[2]["properties"] = {"name": "old.mp4", "resolution": [640, 480], "length": 41}
    del items[5]
    del items[3]["checksum"]
    return dump(items)


def test_fix_regenerates_wrong_video_properties_and_missing_records(tmp_path: Path) -> None:
    manifest = golden_video(tmp_path, broken_video())
    r = run_cli("fix", manifest)
    assert r.code == 0, r.stdout + r.stderr
    assert manifest.read_bytes() == VIDEO


def test_video_regeneration_with_every_line_ending(tmp_path: Path,
                                                   ending: tuple[str, bool]) -> None:
    manifest = golden_video(tmp_path, in_ending(broken_video(), ending))
    fix_file(manifest, "cvat", ignore=["CVAT007"])
    assert manifest.read_bytes() == in_ending(VIDEO, ending)
    fix_file(manifest, "cvat")
    assert manifest.read_bytes() == VIDEO


def test_fix_keeps_extra_video_properties(tmp_path: Path) -> None:
    items = objs(VIDEO)
    items[2]["properties"]["length"] = 7  # type: ignore[index]
    items[2]["properties"]["chapters"] = []  # type: ignore[index]
    manifest = golden_video(tmp_path, dump(items))
    assert run_cli("fix", manifest).code == 0
    assert manifest.read_bytes() == VIDEO.replace(b'"length":40}', b'"length":40,"chapters":[]}')


def test_video_structure_errors_are_regenerated_with_media(tmp_path: Path) -> None:
    items = objs(VIDEO)
    items[3], items[4] = items[4], items[3]  # numbers and pts out of order
    manifest = golden_video(tmp_path, dump(items))
    no_media = run_cli("fix", "--no-media", "-f", "concise", manifest)
    assert no_media.code == 1 and "CVAT302" in no_media.stdout
    assert run_cli("fix", manifest).code == 0
    assert manifest.read_bytes() == VIDEO


def test_fix_counts_every_video_problem_it_repairs(tmp_path: Path) -> None:
    items = objs(VIDEO)
    items[2]["properties"] = {"name": "old.mp4", "resolution": [640, 480], "length": 41}
    items[4]["number"] = 11
    manifest = golden_video(tmp_path, dump(items))
    lint = run_cli("lint", "--deep", "-f", "json", manifest)
    fixable = json.loads(lint.stdout)["summary"]["fixable"]
    assert fixable >= 2
    r = run_cli("fix", "--deep", manifest)
    assert r.code == 0, r.stdout + r.stderr
    assert manifest.read_bytes() == VIDEO
    assert f"fixed {fixable} problems" in r.stdout + r.stderr


def test_fixable_count_of_missing_checksums_does_not_depend_on_the_cache(
        tmp_path: Path) -> None:
    items = objs(LEXICOGRAPHICAL)
    for i in (3, 5, 6):
        del items[i]["checksum"]
    items[4]["width"] = 999
    manifest = golden_images(tmp_path, dump(items))
    env = {"MANIFEST_LINT_CACHE_DIR": str(tmp_path / "cache")}

    def fixable() -> list[tuple[int, str, bool]]:
        r = run_cli("lint", "-f", "json", manifest, env=env)
        return [(d["line"], d["code"], d["fixable"])
                for d in json.loads(r.stdout)["diagnostics"]]

    cold = fixable()
    assert cold == [(4, "CVAT205", True), (5, "CVAT403", True), (6, "CVAT205", True),
                    (7, "CVAT205", True)]
    run_cli("fix", "--diff", manifest, env=env)  # decodes the images: warms the cache
    assert fixable() == cold
