"""The regex fast path of the LfV checker (kinds/lfv/fast.py) against the per-line checks.

Files are mostly canonical lines (so that blocks go through the learned shape) with lines
that look canonical but are not: escapes and non-ASCII in the key, bad dates, repeated keys,
numbers written differently, spaces, CRLF, keys with empty segments. Each file is linted as
usual and with every fast path off (each line parsed and checked by kinds/lfv/record.py),
and the diagnostics (line, column, code, message, fix) and the facts the dataset pass and the
reports read must be the same. Small blocks make the files span many blocks, so that blocks
where every line matched, blocks where some did and blocks where none did all occur.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_lint.config import load_config
from manifest_lint.engine import Selection, Settings, lint_file
from manifest_lint.kinds.lfv import fast
from manifest_lint.kinds.lfv import reading as lfv_reading
from manifest_lint.kinds.lfv.serialize import parse_date

CLS = "groundtruth/image-classification"


def line(img: str, cls: str = "normal", *, date: Any = "2024-05-01T12:00:00.000000",
         confidence: Any = 1, bucket: str = "bucket", sep: tuple[str, str] = (",", ":"),
         ascii_only: bool = True) -> str:
    """A line as the AWS script writes it (compact here, as in the seed layout)."""
    return json.dumps({
        "source-ref": f"s3://{bucket}/{img}",
        "anomaly-label": 1 if cls == "anomaly" else 0,
        "anomaly-label-metadata": {
            "confidence": confidence, "job-name": "labeling-job/anomaly-classification",
            "class-name": cls, "human-annotated": "yes", "creation-date": date, "type": CLS,
        },
    }, separators=sep, ensure_ascii=ascii_only)


GOOD = line("train/a.jpg")
# lines that look canonical but are not (or are canonical but written another way)
ODD = [
    GOOD.replace("train/a.jpg", "tr\\u0061in/a.jpg"),  # an escape: the same key
    GOOD.replace("train/a.jpg", "train\\/a.jpg"),  # an escaped slash: the same key
    GOOD.replace("train/a.jpg", 'x\\"y.jpg'),
    GOOD.replace("train/a.jpg", "x\\ty.jpg"),
    line("train/ü.jpg", ascii_only=False), line("train/ü.jpg"),
    line("train/e\u0301.jpg", ascii_only=False),  # decomposed accent
    line("train/\uf03a.jpg", ascii_only=False),  # Ground Truth's ':'
    line("train//a.jpg"), line("/a.jpg"), line("train/"), line("a.JPG"), line("a.png"),
    line("a.jpeg"), line("a.gif"), line("a .jpg"), line("a.jpg", bucket="other"),
    line("a.jpg", bucket="Bad_Bucket"), line(".jpg"), line("a/.jpg"),
    line("a.jpg", date="2024-13-01T12:00:00"), line("a.jpg", date="2023-02-29T12:00:00"),
    line("a.jpg", date="2024-02-29T12:00:00"), line("a.jpg", date="1900-02-29T00:00:00"),
    line("a.jpg", date="2000-02-29T00:00:00"), line("a.jpg", date="2024-04-31T00:00:00"),
    line("a.jpg", date="2024-05-01T24:00:00"), line("a.jpg", date="2024-05-01T12:60:00"),
    line("a.jpg", date="2024-05-01T12:00:61"), line("a.jpg", date="0000-01-01T00:00:00"),
    line("a.jpg", date="2024-05-01T12:00:00Z"), line("a.jpg", date="2024-05-01T12:00:00+05:30"),
    line("a.jpg", date="2024-05-01T12:00:00.1234567"), line("a.jpg", date="2024-05-01"),
    line("a.jpg", date="2024-05-01 12:00:00"), line("a.jpg", date="٢٠٢٤-05-01T12:00:00"),
    line("a.jpg", date="2024-05-01T12:00:00.1"), line("a.jpg", date=20240501),
    line("a.jpg", date="Wed May 01 2024 12:00:00 GMT+0000"), line("a.jpg", date=""),
    line("a.jpg", confidence=1.0), line("a.jpg", confidence=0.5), line("a.jpg", confidence=0),
    line("a.jpg", confidence=1.5), line("a.jpg", confidence="1"), line("a.jpg", confidence=-0.0),
    line("a.jpg", confidence=None), line("a.jpg", confidence=True),
    GOOD.replace('"confidence":1', '"confidence":1e0'),
    GOOD.replace('"confidence":1', '"confidence":1.00'),
    GOOD.replace('"confidence":1', '"confidence":0.99999999999999999999'),
    GOOD.replace('"anomaly-label":0', '"anomaly-label":1'),
    GOOD.replace('"anomaly-label":0', '"anomaly-label":0.0'),
    GOOD.replace('"anomaly-label":0', '"anomaly-label":"0"'),
    GOOD.replace('"normal"', '"Normal"'), GOOD.replace('"normal"', '"anomaly"'),
    GOOD.replace('"yes"', '"no"'),
    GOOD.replace('{"source-ref":"s3://bucket/train/a.jpg",',
                 '{"source-ref":"s3://bucket/train/a.jpg","source-ref":"s3://bucket/z.jpg",'),
    GOOD.replace('"anomaly-label":0,', '"anomaly-label":0,"anomaly-label":1,'),
    GOOD.replace('"type":', '"type":"x","type":'),
    GOOD.replace('"job-name"', '"job-name":"j","job-name"'),
    GOOD.replace(",", ", "), GOOD.replace(":", ": ", 1), " " + GOOD, GOOD + " ",
    GOOD.replace("}}", "} }"), GOOD[:-1], GOOD + "}", "", "  ", "[]", "{", "not json",
    GOOD.replace('"anomaly-label":0,', ""),
    GOOD[:-2] + ',"extra":1}}', GOOD[:-1] + ',"extra":1}',
    line("train/a.jpg", sep=(", ", ": ")), line("train/b.jpg", "anomaly"),
    json.dumps(json.loads(GOOD), indent=1),
]


def _manifest(draw: st.DrawFn) -> bytes:
    n = draw(st.integers(1, 60))
    imgs = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))  # repeats happen
    out = []
    for i, img in enumerate(imgs):
        kind = draw(st.integers(0, 9))
        if kind == 0 and i > 0:
            out.append(draw(st.sampled_from(ODD)).encode())
        else:
            cls = "anomaly" if img % 3 == 0 else "normal"
            out.append(line(f"train/{cls}/img_{img:03d}.jpg", cls,
                            date=f"2024-05-{1 + img % 28:02d}T12:00:{img % 60:02d}."
                                 f"{img:06d}").encode())
    ends = draw(st.lists(st.sampled_from([b"\n", b"\n", b"\n", b"\r\n"]),
                         min_size=len(out), max_size=len(out)))
    data = b"".join(body + end for body, end in zip(out, ends, strict=True))
    return data if draw(st.booleans()) else data.rstrip(b"\r\n")


manifests = st.composite(_manifest)


def _csv(draw: st.DrawFn) -> bytes | None:
    if not draw(st.booleans()):
        return None
    imgs = draw(st.lists(st.integers(0, 40), max_size=40))
    rows = []
    for img in imgs:
        cls = draw(st.sampled_from(["anomaly" if img % 3 == 0 else "normal", "normal",
                                    "anomaly", "defect"]))
        folder = "anomaly" if img % 3 == 0 else "normal"
        rows.append(f"s3://bucket/train/{folder}/img_{img:03d}.jpg,{cls}\n")
    return "".join(rows).encode()


csvs = st.composite(_csv)


def _slow_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fast path off: no shape is learned, and parsed blocks go line by line."""
    monkeypatch.setattr(fast, "learn", lambda *_: None)

    def by_lines(self: Any, objs: list[Any], lines: list[bytes], escapes: bool
                 ) -> Iterator[Any]:
        return self._lines(lines)  # type: ignore[no-any-return]

    monkeypatch.setattr(fast.FastPaths, "_fast", by_lines)


def _findings(path: Path) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    cfg, s = load_config(None, path), Settings(no_media=True)
    facts: dict[str, Any] = {}
    diags = lint_file(path, path.name, "lfv", cfg, s, Selection(cfg, s), facts=facts)
    found = [(d.line, d.column, d.code, d.message,
              d.fix.edits if d.fix is not None else None) for d in diags]
    kept = {k: (list(v.items()) if isinstance(v, dict) else v) for k, v in facts.items()}
    return found, kept


def test_the_regex_path_reports_what_the_per_line_checks_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lfv_reading, "BLOCK_BYTES", 1200)  # ~5 lines a block
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the date of regenerated lines
    taken = {"bulk": 0}
    bulk = fast.FastPaths._bulk

    def counted(self: Any, refs: list[str], ones: list[Any]) -> Iterator[Any]:
        taken["bulk"] += len(refs)
        return bulk(self, refs, ones)

    @settings(max_examples=250, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
    @given(manifests(), csvs())
    def run(data: bytes, csv: bytes | None) -> None:
        p = tmp_path / "train.manifest"
        p.write_bytes(data)
        side = tmp_path / "train.csv"
        side.unlink(missing_ok=True)
        if csv is not None:
            side.write_bytes(csv)
        with monkeypatch.context() as m:
            m.setattr(fast.FastPaths, "_bulk", counted)
            fast_run = _findings(p)
        with monkeypatch.context() as m:
            _slow_only(m)
            slow_run = _findings(p)
        assert fast_run == slow_run

    run()
    assert taken["bulk"] > 1000  # the regex path was taken, and often


def test_a_file_of_one_shape_goes_through_the_regex_in_bulk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [line(f"train/{i}.jpg", "anomaly" if i % 4 == 0 else "normal",
                  date=f"2024-02-{1 + i % 29:02d}T01:02:03.{i:06d}") for i in range(3000)]
    lines[2500] = line("train/7.jpg")  # a repeat of line 8
    lines[2600] = line("train/x.jpg", date="2023-02-29T00:00:00")  # not a date
    p = tmp_path / "train.manifest"
    p.write_text("\n".join(lines) + "\n")
    seen: list[int] = []
    bulk = fast.FastPaths._bulk

    def counted(self: Any, refs: list[str], ones: list[Any]) -> Iterator[Any]:
        seen.append(len(refs))
        return bulk(self, refs, ones)

    monkeypatch.setattr(fast.FastPaths, "_bulk", counted)
    found, facts = _findings(p)
    assert [(f[0], f[2]) for f in found] == [(2501, "LFV301"), (2601, "LFV110")]
    # all but the two odd lines and the first block (parsed: the shape is learned there)
    assert sum(seen) > 2700 and max(seen) > 100
    assert facts["anomaly"] == 750 - 2 and facts["normal"] == 2250 + 1  # lines 2501, 2601
    refs = dict(facts["refs"])
    assert list(refs)[:3] == ["s3://bucket/train/0.jpg", "s3://bucket/train/1.jpg",
                              "s3://bucket/train/2.jpg"] and refs["s3://bucket/train/7.jpg"] == 8
    monkeypatch.undo()
    _slow_only(monkeypatch)
    assert _findings(p) == (found, facts)


# --- the date pattern --------------------------------------------------------------------

def test_the_date_pattern_accepts_only_what_the_date_check_accepts() -> None:
    import re

    date = re.compile(fast.DATE)
    for year in (1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999, 1, 0):
        for month in range(0, 14):
            for day in range(0, 33):
                text = f"{year:04d}-{month:02d}-{day:02d}T23:59:59.123456"
                assert bool(date.fullmatch(text)) == parse_date(text), text
    for bad in ("2024-05-01T24:00:00", "2024-05-01T12:60:00", "2024-05-01T12:00:60",
                "0000-01-01T00:00:00", "٢٠٢٤-05-01T12:00:00", "2024-05-01T12:00:00.1234567",
                "2024-05-01T12:00:00+24:00", "2024-05-01 12:00:00"):
        assert not date.fullmatch(bad), bad


@settings(max_examples=500, deadline=None)
@given(st.from_regex(fast.DATE, fullmatch=True))
def test_every_date_the_pattern_matches_is_a_date(text: str) -> None:
    assert parse_date(text)
    datetime.fromisoformat(text)  # what the per-line fast path calls


@settings(max_examples=300, deadline=None)
@given(st.from_regex(fast.REF, fullmatch=True))
def test_every_key_the_pattern_matches_is_a_clean_key(key: str) -> None:
    from manifest_lint.s3 import S3Uri, check_s3_uri, hidden_character

    uri = f"s3://bucket/{key}"
    assert isinstance(check_s3_uri(uri), S3Uri) and hidden_character(uri) is None
    assert "//" not in key and key.endswith((".png", ".jpg", ".jpeg"))


def test_the_image_limit_is_crossed_inside_a_run(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from manifest_lint.kinds.lfv import check as lfv_check

    monkeypatch.setitem(lfv_check.LIMITS, "train", 250)
    monkeypatch.setattr(lfv_reading, "BLOCK_BYTES", 4000)  # line 251 inside a block
    lines = [line(f"train/{i}.jpg", date=f"2024-01-01T00:00:{i % 60:02d}") for i in range(600)]
    lines[100] = line("train/3.jpg")  # a repeat still counts as an object
    p = tmp_path / "train.manifest"
    p.write_text("\n".join(lines) + "\n")
    found, facts = _findings(p)
    assert [(f[0], f[2]) for f in found] == [(1, "LFV305"), (101, "LFV301"), (251, "LFV303")]
    with monkeypatch.context() as m:
        _slow_only(m)
        assert _findings(p) == (found, facts)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 1)), max_size=30),
       st.integers(0, 5))
def test_images_the_manifest_lacks_go_where_the_loop_put_them(
        rows: list[tuple[bool, int]], extra: int) -> None:
    """``Sync.finish`` finds the unseen images in C; the insertion points are those of a
    plain reversed loop over the map."""
    from manifest_lint.kinds.lfv.csvsource import CsvIndex
    from manifest_lint.kinds.lfv.sync import Sync

    images: dict[str, int] = {}
    shown = 0
    for i, (seen, cls) in enumerate(rows):
        if seen:
            shown += 1 + extra
            images[f"s3://b/{i}.jpg"] = -shown
        else:
            images[f"s3://b/{i}.jpg"] = (i + 1) * 1024 + cls
    last = shown + extra
    want: list[tuple[str, int]] = []
    before = last + 1
    for uri, packed in reversed(images.items()):
        if packed < 0:
            before = -packed
        else:
            want.append((uri, max(1, min(before, last)), before))
    want.reverse()
    sync = Sync("x.manifest", CsvIndex(dict(images)), "x.csv")
    got = [(d.message.split("'")[1], d.line, d.fix.edits[0].start if d.fix else None)
           for d in sync.finish(last, "\n")]
    order = [w[0] for w in want]
    assert sorted(got, key=lambda x: order.index(x[0])) == want
