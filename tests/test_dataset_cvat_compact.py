"""The CVAT side of the dataset pass from the checker's compact facts (hashes, line runs):
the same diagnostics and note as a full walk over every record, hash collisions never
reported, and the majority-size tie shared by LFV405 and DS301."""

from __future__ import annotations

import json
import random
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from manifest_lint.config import load_config
from manifest_lint.context import Settings
from manifest_lint.datasets import rules as DR
from manifest_lint.datasets.checks import image_sizes
from manifest_lint.datasets.entries import FileEntries
from manifest_lint.discovery import discover
from manifest_lint.kinds.cvat import dataset as D
from manifest_lint.kinds.lfv.sizes import majority_size
from manifest_lint.runner import run_lint

Row = tuple[str, int, str, str]


def lint_ds(folder: Path, settings: Settings | None = None,
            paths: list[Path] | None = None) -> tuple[list[Row], list[str]]:
    """DS diagnostics (display, line, code, message) and notes of a run over ``folder``."""
    config = load_config(None, folder)
    targets = list(discover(paths or [Path(".")], config))
    results = run_lint(targets, config, settings or Settings(no_media=True))
    rows = [(r.display, d.line, d.code, d.message) for r in results for d in r.diagnostics
            if d.code.startswith("DS")]
    notes = [n for r in results for n in r.notes if n.startswith("dataset")]
    return sorted(rows), notes


def reference(manifests: list[Path], displays: list[str], base: Path | None
              ) -> tuple[list[Row], dict[str, int]]:
    """What the pass reported before it kept compact facts: a walk over every record with
    a map of every file and every checksum (the code it replaced)."""
    files: dict[str, tuple[int, int]] = {}
    sums: dict[str, tuple[int, int]] = {}
    rows: list[Row] = []
    records = 0
    for i, path in enumerate(manifests):
        for rec in D.records(path, D.Resolver(path, base)):
            records += 1
            first = files.setdefault(rec.file, (i, rec.line))
            if first != (i, rec.line):
                if first[0] != i:
                    rows.append((displays[i], rec.line, "DS102", DR.DUPLICATE_REFERENCE.diag(
                        displays[i], rec.line,
                        f"image {rec.name!r} ({Path(rec.file).relative_to(Path.cwd())}) is "
                        "also listed by another manifest of the group (also in "
                        f"{displays[first[0]]}:{first[1]}); list each image in one manifest",
                    ).message))
                continue
            if rec.checksum is None:
                continue
            earlier = sums.setdefault(rec.checksum, (i, rec.line))
            if earlier != (i, rec.line):
                rows.append((displays[i], rec.line, "DS201", DR.DUPLICATE_CONTENT.diag(
                    displays[i], rec.line,
                    f"image {rec.name!r} has the same pixels (checksum {rec.checksum}) as the "
                    f"image also in {displays[earlier[0]]}:{earlier[1]}; one picture under "
                    "two names is labelled twice: keep one").message))
    return sorted(rows), {"records": records, "checksums": len(sums)}


def canonical(name: str, checksum: str) -> str:
    return json.dumps({"name": name, "extension": ".jpg", "width": 8, "height": 8,
                       "meta": {"related_images": []}, "checksum": checksum},
                      separators=(",", ":"))


def random_lines(rng: random.Random, names: list[str], sums: list[str]) -> Iterator[str]:
    """Image record lines, canonical and not: repeats, unclean names, bad checksums."""
    for _ in range(rng.randint(1, 30)):
        name, checksum = rng.choice(names), rng.choice(sums)
        roll = rng.random()
        if roll < 0.1:
            checksum = "NOT-A-CHECKSUM"
        elif roll < 0.2:
            name = "./" + name  # not clean: the same file as `name`
        elif roll < 0.25:
            name = name.replace("/", "//")
        elif roll < 0.3:
            yield ""  # a blank line
            continue
        line = canonical(name, checksum)
        if rng.random() < 0.2:
            line = line.replace(",", ", ")  # not canonical: the slow path
        yield line


def write(path: Path, lines: list[str], newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(newline.join(['{"version":"1.1"}', '{"type":"images"}', *lines,
                                   ""]).encode())
    return path


@pytest.mark.parametrize(("seed", "no_media"), [(s, s % 3 != 0) for s in range(24)])
def test_compact_facts_report_what_a_full_walk_reports(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, no_media: bool) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(seed)
    folders = ["g", "g/sub", "g/sub/deeper", "g/other"]
    names = ["a", "b", "sub/a", "sub/c", "sub/deeper/a", "other/x", "d/e"]
    sums = [f"{i:032x}" for i in range(1, 9)]
    paths: list[Path] = []
    for folder in rng.sample(folders, rng.randint(1, len(folders))):
        lines = list(random_lines(rng, names, sums))
        if rng.random() < 0.5:  # a clean manifest: each name once, canonical lines
            picked = rng.sample(names, rng.randint(1, len(names)))
            lines = [canonical(n, rng.choice(sums)) for n in picked]
        newline = rng.choice(["\n", "\n", "\r\n", "\r"])
        paths.append(write(tmp_path / folder / "manifest.jsonl", lines, newline))
    media = rng.random() < 0.3
    if media:
        (tmp_path / "manifest-lint.toml").write_text('[cvat]\nmedia-root = "g"\n')
    paths.sort()
    displays = [p.relative_to(tmp_path).as_posix() for p in paths]
    want, counts = reference(paths, displays, tmp_path / "g" if media else None)
    got, notes = lint_ds(tmp_path, Settings(no_media=no_media))  # media: the checker's
    assert got == want  # block path with the media check (no images here: CVAT401s)
    if len(paths) > 1:
        assert (f"{len(paths)} CVAT manifests, {counts['records']:,} image records, "
                f"{counts['checksums']:,} distinct checksums") in notes[0]


def collide(monkeypatch: pytest.MonkeyPatch, fake: Callable[[bytes], int]) -> None:
    """Make the kept values of files and checksums ``fake`` of their bytes."""
    monkeypatch.setattr(D, "digest", fake)
    monkeypatch.setattr(D, "checksum_value", fake)
    monkeypatch.setattr(D, "checksum_values", lambda xs: array("q", map(fake, xs)))


@pytest.mark.parametrize("fake", [lambda b: 7, lambda b: b[-1] % 3])
def test_hash_collisions_are_never_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            fake: Callable[[bytes], int]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "d" / "manifest.jsonl",
          [canonical("a", "1" * 32), canonical("sub/b", "2" * 32), canonical("c", "3" * 32)])
    write(tmp_path / "d" / "sub" / "manifest.jsonl",
          [canonical("x", "4" * 32), canonical("y", "5" * 32)])
    clean, note = lint_ds(tmp_path)
    assert clean == [] and "5 image records, 5 distinct checksums" in note[0]
    collide(monkeypatch, fake)  # checksums and files "collide"
    assert lint_ds(tmp_path) == (clean, note)
    write(tmp_path / "d" / "sub" / "manifest.jsonl",
          [canonical("b", "4" * 32), canonical("y", "1" * 32)])
    dirty = lint_ds(tmp_path)
    assert [r[:3] for r in dirty[0]] == [("d/sub/manifest.jsonl", 3, "DS102"),
                                         ("d/sub/manifest.jsonl", 4, "DS201")]
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    assert lint_ds(tmp_path) == dirty


def test_a_lone_manifest_with_repeated_records(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # CVAT206 reports the repeated record; its checksum is not a second picture (DS201)
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "manifest.jsonl",
          [canonical("a", "1" * 32), canonical("b", "2" * 32), canonical("a", "1" * 32),
           canonical("./c", "2" * 32)])
    rows, notes = lint_ds(tmp_path)
    assert [r[:3] for r in rows] == [("manifest.jsonl", 6, "DS201")]
    assert "also in manifest.jsonl:4" in rows[0][3] and notes == []


def test_read_lines_counts_every_kind_of_line_end(tmp_path: Path) -> None:
    path = tmp_path / "m"
    path.write_bytes(b"\xef\xbb\xbfone\ntwo\r\nthree\nfour")
    assert D.read_lines(path, [1, 2, 4, 9]) == {1: b"one", 2: b"two", 4: b"four"}
    path.write_bytes(b"one\rtwo\r\nthree\nfour\n")
    assert D.read_lines(path, [2, 3]) == {2: b"two", 3: b"three"}
    big = b"".join(b"%d\n" % i for i in range(1, 400_001))
    path.write_bytes(big)
    assert D.read_lines(path, [1, 300_000, 400_000]) == {
        1: b"1", 300_000: b"300000", 400_000: b"400000"}


def test_read_lines_from_anchors(tmp_path: Path) -> None:
    path = tmp_path / "m"
    lines = [b"line %d" % i for i in range(1, 200_001)]
    path.write_bytes(b"\n".join(lines))  # no LF after the last line
    anchors = D.Anchors()
    offset = 0
    for n, body in enumerate(lines, 1):
        if n % 5_000 == 1:
            anchors.add(n, offset)
        offset += len(body) + 1
    wanted = [1, 2, 4_999, 5_000, 5_001, 123_457, 199_999, 200_000, 200_001]
    got = D.read_lines(path, wanted, anchors)
    assert got == {n: lines[n - 1] for n in wanted if n <= 200_000}
    assert D.read_lines(path, wanted) == got


def test_block_checksums_of_lines_of_one_length_and_of_many() -> None:
    sums = [f"{i * 7919:032x}" for i in range(1, 40)]
    same = "".join(canonical(f"img_{i:03d}", c) + "\n" for i, c in enumerate(sums)).encode()
    mixed = "".join(canonical("i" * (i % 4 + 1), c) + "\n" for i, c in enumerate(sums)).encode()
    want = [D.checksum_value(c.encode()) for c in sums]
    assert list(D.block_checksums(same, len(sums))) == want
    assert list(D.block_checksums(mixed, len(sums))) == want


def test_runs_map_indexes_to_lines() -> None:
    runs = D.Runs()
    runs.add(3, 4)  # lines 3-6
    runs.add(7)
    runs.add(10, 2)
    assert [runs.line(i) for i in range(7)] == [3, 4, 5, 6, 7, 10, 11]


# --- one majority size for LFV405 and DS301 -----------------------------------------------

def test_majority_size_on_a_tie_is_the_size_seen_first() -> None:
    assert majority_size([((64, 64), 2, (5,)), ((32, 32), 2, (2,))]) == ((32, 32), 2)
    assert majority_size([((64, 64), 3, (5,)), ((32, 32), 2, (2,))]) == ((64, 64), 3)
    assert majority_size([((64, 64), 1, (1, 1)), ((32, 32), 1, (0, 9))]) == ((32, 32), 1)


def sized(name: str, sizes: dict[tuple[int, int], list[int]]) -> FileEntries:
    return FileEntries(Path(name), name, "lfv",
                       sizes={s: array("L", lines) for s, lines in sizes.items()})


def test_ds301_tie_within_a_file_agrees_with_lfv405() -> None:
    # 1:1 in train; the size of line 2 came first in the file, whatever the map's order:
    # LFV405 calls it the file's majority, so DS301 must not call it the minority
    train = sized("train.manifest", {(64, 64): [5], (32, 32): [2]})
    assert list(image_sizes([train, sized("test.manifest", {})])) == []


def test_ds301_tie_across_files_goes_to_the_training_size() -> None:
    train = sized("train.manifest", {(64, 64): [3]})
    test = sized("test.manifest", {(32, 32): [1]})
    found = [(p.name, d.line, d.code) for p, d, _ in image_sizes([train, test])]
    assert found == [("test.manifest", 1, "DS301")]


def test_video_manifests_stay_out_of_the_group(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "images" / "manifest.jsonl", [canonical("a", "1" * 32)])
    video = tmp_path / "video" / "manifest.jsonl"
    video.parent.mkdir()
    video.write_text('{"version":"1.1"}\n{"type":"video"}\n'
                     '{"properties":{"name":"v.mp4","resolution":[8,8],"length":10}}\n'
                     f'{{"number":0,"pts":0,"checksum":"{"1" * 32}"}}\n')
    rows, notes = lint_ds(tmp_path)
    assert rows == [] and "1 image records, 1 distinct checksums" in notes[0]


def test_fix_reports_the_group_on_the_fixed_lines(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    write(tmp_path / "t1" / "manifest.jsonl", [canonical("a", "1" * 32)])
    t2 = write(tmp_path / "t2" / "manifest.jsonl",
               ["", canonical("b", "2" * 32), "", canonical("copy", "1" * 32)])
    res = run_cli("fix", "--format", "json", "--no-media", "--no-cache", cwd=tmp_path)
    report = json.loads(res.stdout)
    found = [(d["path"], d["line"], d["code"]) for d in report["diagnostics"]]
    assert found == [("t2/manifest.jsonl", 4, "DS201")]  # line 6 before the blanks went
    assert t2.read_bytes().count(b"\n") == 4


@pytest.mark.parametrize("max_dirty", [0, 64])
def test_repeated_values_across_and_within_arrays(monkeypatch: pytest.MonkeyPatch,
                                                  max_dirty: int) -> None:
    from collections import Counter

    from manifest_lint.datasets import cvat as C

    monkeypatch.setattr(C, "MAX_DIRTY", max_dirty)  # 0: the chunk-by-chunk way
    rng = random.Random(5)
    arrays = [array("q", (rng.getrandbits(60) for _ in range(n))) for n in (9_000, 1, 0, 7_000)]
    arrays[0][8_500] = arrays[0][3]  # within one array, in another chunk
    arrays[0][10] = arrays[0][11]  # within one chunk
    arrays[3][6_999] = arrays[1][0]  # across arrays
    arrays[3][0] = arrays[3][1] = arrays[0][4_100]  # three times
    want = {v for v, n in Counter(v for a in arrays for v in a).items() if n > 1}
    assert len(want) == 4
    repeated, at = C._repeated(arrays)
    assert repeated == want
    assert at == [[i for i, v in enumerate(a) if v in want] for a in arrays]
    assert C._repeated([array("q", range(10_000))]) == (set(), [[]])


def test_fix_diff_reports_the_group_on_the_lines_of_the_file_as_it_is(tmp_path: Path) -> None:
    # fix --diff checks a fixed copy, then deletes it: the lines read back are the file's
    from tests.conftest import run_cli

    write(tmp_path / "t1" / "manifest.jsonl", [canonical("a", "1" * 32)])
    t2 = write(tmp_path / "t2" / "manifest.jsonl",
               ["", canonical("b", "2" * 32), "", canonical("copy", "1" * 32)])
    before = t2.read_bytes()
    res = run_cli("fix", "--diff", "--format", "json", "--no-media", "--no-cache",
                  cwd=tmp_path)
    report = json.loads(res.stdout)
    found = [(d["path"], d["line"], d["code"]) for d in report["diagnostics"]]
    assert found == [("t2/manifest.jsonl", 6, "DS201")]
    assert "2 image records" not in res.stderr and "3 image records, 2 distinct" in res.stderr
    assert t2.read_bytes() == before
