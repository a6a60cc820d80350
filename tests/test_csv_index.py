"""The manifest sync's CSV index says exactly what ``load_csv`` (the CSV read row by row as a
source) says: the same images with the same line and class, in the same order, the same
problems, the same bare names and the prefix they are placed under."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_lint.config import load_config
from manifest_lint.kinds.csv.rows import CLASS_SLOTS
from manifest_lint.kinds.lfv.csvsource import CsvIndex, index_csv, load_csv
from manifest_lint.kinds.lfv.serialize import CLASSES

ROWS = [
    "s3://bkt/x/a.jpg,normal", "s3://bkt/x/b.jpg,anomaly", "s3://bkt/x/a.jpg,normal",
    "s3://bkt/x/a.jpg,anomaly", "s3://bkt/x/c.png,defect", "s3://bkt/x/c.png,normal",
    "s3://bkt/x/d.jpg,Normal", " s3://bkt/x/e.jpg ,normal", "s3://other/f.jpg,normal",
    "s3://other/g.jpg,anomaly", "a.jpg,normal", "b.jpg,anomaly", "/c.png,normal",
    "a.jpg,anomaly", "image,label", "", " , ", "s3://bkt/x/h.gif,normal",
    "s3://bkt/x/i.jpg,normal,extra", "s3://bkt/x/j.jpg", "S3://bkt/x/k.jpg,normal",
    "s3://bkt//l.jpg,normal", '"s3://bkt/x/m,n.jpg",normal', '"s3://bkt/x/o\np.jpg",normal',
    '"s3://bkt/x/q.jpg,normal', "s3://bkt/x/r\xe9.jpg,anomaly", "http://bkt/s.jpg,normal",
    ",normal", "s3://bkt/x/t.jpg, anomaly ", "s3://bkt/x/b.jpg,anomaly",
]
MANIFEST_LINE = ('{"source-ref": "%s", "anomaly-label": 0, "anomaly-label-metadata": '
                 '{"class-name": "normal", "human-annotated": "yes", '
                 '"type": "groundtruth/image-classification"}}\n')


def expected(path: Path, manifest: Path) -> CsvIndex:
    src = load_csv(path, load_config(None, path), display="t.csv", infer_from=manifest)
    index = CsvIndex({e.uri: e.line * CLASS_SLOTS + CLASSES.index(e.cls)
                      for e in src.entries}, problems=len(src.problems),
                     unplaced=src.unplaced, first_unplaced=src.first_unplaced)
    if src.problems:
        index.first_problem = (src.problems[0].line, src.problems[0].rule)
    return index


def same(path: Path, manifest: Path) -> None:
    want = expected(path, manifest)
    got = index_csv(path, load_config(None, path), display="t.csv", infer_from=manifest)
    assert list(got.images.items()) == list(want.images.items())
    assert (got.problems, got.first_problem, got.unplaced, got.first_unplaced) == (
        want.problems, want.first_problem, want.unplaced, want.first_unplaced)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.sampled_from(ROWS), max_size=12),
       crlf=st.booleans(), bom=st.booleans(), latin1=st.booleans(),
       prefix_manifest=st.booleans())
def test_index_is_what_load_csv_says(tmp_path: Path, rows: list[str], crlf: bool, bom: bool,
                                     latin1: bool, prefix_manifest: bool) -> None:
    path, manifest = tmp_path / "t.csv", tmp_path / "t.manifest"
    text = ("\r\n" if crlf else "\n").join(rows) + "\n"
    data = text.encode("latin-1" if latin1 else "utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    refs = ["s3://bkt/in/a.jpg", "s3://bkt/in/b.jpg", "s3://bkt/in/c.png"]
    manifest.write_text("".join(MANIFEST_LINE % r for r in refs) if prefix_manifest else "")
    same(path, manifest)


def test_index_with_a_configured_prefix(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text('[csv]\ns3-path = "s3://bkt/in/"\n')
    path, manifest = tmp_path / "t.csv", tmp_path / "t.manifest"
    path.write_text("a.jpg,normal\ns3://bkt/in/a.jpg,normal\nb.jpg,defect\nc.png,anomaly\n")
    manifest.write_text("")
    same(path, manifest)
    got = index_csv(path, load_config(None, path), display="t.csv", infer_from=manifest)
    assert list(got.images) == ["s3://bkt/in/a.jpg", "s3://bkt/in/c.png"]
    assert (got.problems, got.first_problem) == (2, (2, "CSV301 duplicate-image"))


def test_index_of_a_clean_csv_is_the_duplicate_map(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("s3://bkt/x/a.jpg,normal\ns3://bkt/x/b.jpg,anomaly\n")
    got = index_csv(path, load_config(None, path), display="t.csv",
                    infer_from=tmp_path / "t.manifest")
    assert got.images == {"s3://bkt/x/a.jpg": 1 * CLASS_SLOTS + 0,
                          "s3://bkt/x/b.jpg": 2 * CLASS_SLOTS + 1}
    assert got.ok and not got.unplaced


def test_repeats_of_csv_images_are_found_with_the_sync_on(tmp_path: Path) -> None:
    """With the sync on, the first line of a CSV image is kept in the sync's slot instead
    of the duplicate map: repeats, their first lines and the media note stay the same."""
    import json

    from tests.conftest import run_cli
    from tests.report_datasets import lfv_line

    rows = [f"s3://bkt/x/img{i}.jpg,{'anomaly' if i % 3 == 0 else 'normal'}"
            for i in range(40)]
    lines = [lfv_line(r.split(",")[0], r.split(",")[1]) for r in rows]
    lines += [lines[5], lfv_line("s3://bkt/x/img7.jpg", "anomaly"), lines[0],
              lfv_line("s3://bkt/x/other.jpg"), lfv_line("s3://bkt/x/other.jpg")]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "t.manifest").write_text("\n".join(lines) + "\n")

    def run() -> tuple[list[tuple[int, str, str]], list[str]]:
        r = run_cli("lint", "-f", "json", "--no-media", "t.manifest", cwd=tmp_path)
        data = json.loads(r.stdout)
        return ([(d["line"], d["code"], d["message"]) for d in data["diagnostics"]
                 if d["code"] == "LFV301"], [n["message"] for n in data["notes"]])

    with_sync = run()
    (tmp_path / "manifest-lint.toml").write_text("[lfv]\nsync-csv = false\n")
    assert with_sync == run()
    assert [(line, code) for line, code, _ in with_sync[0]] == [
        (41, "LFV301"), (42, "LFV301"), (43, "LFV301"), (45, "LFV301")]
    assert "already on line 6" in with_sync[0][0][2]
