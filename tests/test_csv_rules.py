"""CSV label file rules: a bad and a good case per rule, asserting exact codes and lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import lint_diagnostics, lint_file_codes, with_ending, write_file

GOOD = "s3://bucket/train/a.jpg,normal\ns3://bucket/train/b.png,anomaly\n"


def write(tmp_path: Path, data: str | bytes, name: str = "train.csv") -> Path:
    return write_file(tmp_path, data, name)


def codes(tmp_path: Path, data: str | bytes, **kw: object) -> list[tuple[str, int]]:
    return lint_file_codes(write(tmp_path, data), **kw)  # type: ignore[arg-type]


def test_good_file_is_clean(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD) == []


def test_crlf_file_is_clean(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD.replace("\n", "\r\n")) == []


# --- encoding ---------------------------------------------------------------------------

def test_invalid_utf8_reports_first_bad_line_and_column(tmp_path: Path) -> None:
    data = b"s3://bucket/a.jpg,normal\ns3://bucket/caf\xe9.jpg,normal\ns3://bucket/\xff.jpg,normal\n"
    diags = lint_diagnostics(write(tmp_path, data))
    # each image name with a byte that is not UTF-8 is also CSV208 (it names no S3 object)
    assert [(d.code, d.line, d.column) for d in diags] == [
        ("CSV208", 2, 1), ("CSV001", 2, 16), ("CSV208", 3, 1)]
    assert "byte 0xe9" in diags[1].message and "1 more line has invalid bytes" in diags[1].message


def test_utf16_file_is_an_encoding_error(tmp_path: Path) -> None:
    data = "s3://bucket/a.jpg,normal\n".encode("utf-16")
    assert codes(tmp_path, data) == [("CSV001", 1)]


def test_nul_bytes_are_an_encoding_error(tmp_path: Path) -> None:
    assert codes(tmp_path, b"s3://bucket/a.jpg,normal\nab\x00cd\n") == [("CSV001", 2)]


def test_bom_is_a_fixable_warning(tmp_path: Path) -> None:
    diags = lint_diagnostics(write(tmp_path, "\ufeff" + GOOD))
    assert [(d.code, d.line, d.severity.value, d.fixable) for d in diags] == [
        ("CSV002", 1, "warning", True)
    ]


def test_no_bom_no_warning(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD) == []


# --- structure ----------------------------------------------------------------------------

def test_unterminated_quote_is_a_syntax_error_at_its_first_line(tmp_path: Path) -> None:
    data = 's3://bucket/a.jpg,normal\n"s3://bucket/b.jpg,normal\ns3://bucket/c.jpg,anomaly\n'
    assert codes(tmp_path, data) == [("CSV003", 2)]


def test_stray_quote_inside_quoted_field(tmp_path: Path) -> None:
    data = 's3://bucket/a.jpg,normal\n"s3://bucket/b"x.jpg,normal\ns3://bucket/c.jpg,anomaly\n'
    assert codes(tmp_path, data) == [("CSV003", 2)]


@pytest.mark.parametrize(("data", "expected"), [
    ("", [("CSV004", 1)]),
    ("\n\n", [("CSV004", 1), ("CSV103", 1), ("CSV103", 2)]),
    ("\r\n", [("CSV004", 1), ("CSV103", 1)]),
    (" \r \n", [("CSV004", 1), ("CSV103", 1), ("CSV103", 2)]),
])
def test_empty_file(tmp_path: Path, data: str, expected: list[tuple[str, int]]) -> None:
    assert codes(tmp_path, data) == expected


def test_too_few_fields(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD + "s3://bucket/c.jpg\n") == [("CSV101", 3)]


def test_too_many_fields(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD + "s3://bucket/c,d.jpg,normal\n") == [("CSV102", 3)]


def test_quoted_comma_is_one_field(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD + '"s3://bucket/c,d.jpg",normal\n') == []


def test_blank_rows_are_reported_by_physical_line(tmp_path: Path) -> None:
    data = "s3://bucket/a.jpg,normal\n\n   \ns3://bucket/b.jpg,anomaly\n"
    assert codes(tmp_path, data) == [("CSV103", 2), ("CSV103", 3)]


def test_header_row(tmp_path: Path) -> None:
    assert codes(tmp_path, "image,label\n" + GOOD) == [("CSV104", 1)]


def test_header_only_checked_on_first_row(tmp_path: Path) -> None:
    # A later row named like a header is an unknown class, not a header.
    got = codes(tmp_path, GOOD + "s3://bucket/image.jpg,label\n")
    assert got == [("CSV203", 3)]


def test_multiline_quoted_field_shifts_following_lines(tmp_path: Path) -> None:
    # The newline inside the quoted name is itself a problem (a control character in
    # the key), reported on the row's first line; the next row is on physical line 3.
    data = '"s3://bucket/a\nb.jpg",normal\ns3://bucket/c.jpg,bad\n'
    assert codes(tmp_path, data) == [("CSV205", 1), ("CSV203", 3)]


# --- values -------------------------------------------------------------------------------

def test_empty_image(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD + ",normal\n") == [("CSV201", 3)]


def test_image_whitespace(tmp_path: Path) -> None:
    diags = lint_diagnostics(write(tmp_path, GOOD + " s3://bucket/c.jpg ,normal\n"))
    assert [(d.code, d.line, d.fixable) for d in diags] == [("CSV202", 3, True)]


def test_unknown_class(tmp_path: Path) -> None:
    diags = lint_diagnostics(write(tmp_path, GOOD + "s3://bucket/c.jpg,defect\n"))
    assert [(d.code, d.line, d.column) for d in diags] == [("CSV203", 3, 19)]
    assert "normal, anomaly" in diags[0].message


def test_swapped_columns_hint(tmp_path: Path) -> None:
    diags = lint_diagnostics(write(tmp_path, GOOD + "normal,s3://bucket/c.jpg\n"))
    assert [(d.code, d.line) for d in diags] == [("CSV206", 3), ("CSV207", 3), ("CSV203", 3)]
    assert diags[2].message.endswith("; the columns look swapped (image first, then class)")


def test_configured_classes(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text('[csv]\nclasses = ["ok", "ng"]\n')
    assert codes(tmp_path, "s3://bucket/a.jpg,ok\ns3://bucket/b.jpg,normal\n") == [
        ("CSV203", 2)
    ]


@pytest.mark.parametrize("cls", ["Anomaly", "NORMAL", " normal", "anomaly "])
def test_class_not_canonical(tmp_path: Path, cls: str) -> None:
    diags = lint_diagnostics(write(tmp_path, GOOD + f"s3://bucket/c.jpg,{cls}\n"))
    assert [(d.code, d.line, d.severity.value, d.fixable) for d in diags] == [
        ("CSV204", 3, "warning", True)
    ]


@pytest.mark.parametrize(
    ("uri", "why"),
    [("s3: //bucket/c.jpg", "malformed scheme"), ("S3://bucket/c.jpg", "must be lowercase"),
     ("s3://bucket/a//c.jpg", "empty path segment"), ("s3://s3://bucket/c.jpg", "doubled"),
     ("https://bucket/c.jpg", "not an s3:// URI"), ("s3:/bucket/c.jpg", "malformed scheme")],
)
def test_invalid_s3_uri(tmp_path: Path, uri: str, why: str) -> None:
    diags = lint_diagnostics(write(tmp_path, GOOD + f"{uri},normal\n"))
    assert [(d.code, d.line) for d in diags] == [("CSV205", 3)]
    assert diags[0].message.startswith(f"image location {uri!r}: ") and why in diags[0].message


def test_bucket_without_key_is_an_invalid_uri_and_extension(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD + "s3://bucket,normal\n") == [("CSV205", 3), ("CSV207", 3)]


def test_bare_name_without_prefix(tmp_path: Path) -> None:
    assert codes(tmp_path, "a.jpg,normal\n") == [("CSV206", 1)]


def test_bare_name_with_configured_prefix(tmp_path: Path) -> None:
    (tmp_path / "manifest-lint.toml").write_text('[csv]\ns3-path = "s3://bucket/train"\n')
    assert codes(tmp_path, "a.jpg,normal\nsub/b.png,anomaly\n") == []


def test_unsupported_extension(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD + "s3://bucket/c.tif,normal\n") == [("CSV207", 3)]


def test_extension_case_insensitive(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD + "s3://bucket/c.JPEG,normal\n") == []


# --- dataset level ------------------------------------------------------------------------

def test_duplicate_same_class_names_first_line(tmp_path: Path) -> None:
    data = GOOD + "\n" + "s3://bucket/train/a.jpg,normal\n"
    diags = lint_diagnostics(write(tmp_path, data))
    assert [(d.code, d.line, d.fixable) for d in diags] == [
        ("CSV103", 3, True), ("CSV301", 4, True)]
    assert diags[1].message == ("image 's3://bucket/train/a.jpg' is already listed on line 1 "
                                "with the same class; delete this row")


def test_duplicate_after_case_normalisation(tmp_path: Path) -> None:
    got = codes(tmp_path, GOOD + "s3://bucket/train/a.jpg,Normal\n")
    assert got == [("CSV301", 3), ("CSV204", 3)]


def test_conflicting_class_names_both_lines(tmp_path: Path) -> None:
    diags = lint_diagnostics(write(tmp_path, GOOD + "s3://bucket/train/a.jpg,anomaly\n"))
    assert [(d.code, d.line, d.fixable) for d in diags] == [("CSV302", 3, False)]
    assert diags[0].message == ("image 's3://bucket/train/a.jpg' is 'anomaly' here but 'normal' "
                                "on line 1; keep the right label and delete the other row")


def test_first_line_named_by_a_duplicate_is_not_a_prefix_match(tmp_path: Path) -> None:
    # The first row is on line 12: the message must say 12, not just contain "line 1".
    rows = [f"s3://bucket/train/{i}.jpg,normal\n" for i in range(12)]
    diags = lint_diagnostics(write(tmp_path, "".join(rows) + rows[11] + rows[11].replace(
        "normal", "anomaly")))
    assert [(d.code, d.line) for d in diags] == [("CSV301", 13), ("CSV302", 14)]
    assert "already listed on line 12 with the same class" in diags[0].message
    assert "'normal' on line 12;" in diags[1].message


def test_multiple_buckets_reported_once_per_bucket(tmp_path: Path) -> None:
    data = GOOD + "s3://other/c.jpg,normal\ns3://other/d.jpg,normal\ns3://third/e.jpg,normal\n"
    diags = lint_diagnostics(write(tmp_path, data))
    assert [(d.code, d.line) for d in diags] == [("CSV303", 3), ("CSV303", 5)]
    assert diags[0].message.startswith("image in bucket 'other' (2 rows from here on) but the "
                                       "first image (line 1) is in 'bucket'")
    assert diags[1].message.startswith("image in bucket 'third' (1 row from here on)")


def test_one_bucket_is_fine(tmp_path: Path) -> None:
    assert codes(tmp_path, GOOD * 1 + "s3://bucket/other/c.jpg,normal\n") == []


def test_select_and_ignore(tmp_path: Path) -> None:
    p = write(tmp_path, "image,label\ns3://bucket/a.tif,normal\n")
    assert lint_file_codes(p, select=["CSV207"]) == [("CSV207", 2)]
    assert lint_file_codes(p, ignore=["header-row"]) == [("CSV207", 2)]
    assert lint_file_codes(p, ignore=["CSV1"]) == [("CSV207", 2)]


def test_field_too_long_is_a_syntax_error_and_reading_goes_on(tmp_path: Path) -> None:
    data = GOOD + "s3://bucket/" + "x" * 200_000 + ".jpg,normal\n" + "s3://bucket/z.jpg,bad\n"
    diags = lint_diagnostics(write(tmp_path, data))
    assert [(d.code, d.line) for d in diags] == [("CSV003", 3), ("CSV203", 4)]
    assert "far too long" in diags[0].message


# --- rows spanning lines ------------------------------------------------------------------
# Every rule that reports a row, on a quoted row spanning lines 2-3 (the newline inside a
# quoted field) between a clean row and a row with an unknown class: the row's problems are
# reported on its FIRST line, and the next row keeps its physical line number (4).
FIRST = "s3://bucket/a.jpg,normal\n"
LAST = "s3://bucket/z.jpg,bad\n"
MULTILINE_ROWS = [
    ("CSV003", '"s3://bucket/b\nc"x.jpg",normal\n', [("CSV003", 2)]),
    ("CSV101", '"s3://bucket/b\nc.jpg"\n', [("CSV101", 2)]),
    ("CSV102", 's3://bucket/b.jpg,normal,"x\ny"\n', [("CSV102", 2)]),
    ("CSV103", '"\n",\n', [("CSV103", 2)]),
    ("CSV201", '"  \n",normal\n', [("CSV201", 2)]),
    ("CSV202", '" s3://bucket/b.jpg\n",normal\n', [("CSV202", 2)]),
    ("CSV203", 's3://bucket/b.jpg,"def\nect"\n', [("CSV203", 2)]),
    ("CSV204", 's3://bucket/b.jpg,"normal\n"\n', [("CSV204", 2)]),
    ("CSV205", '"s3://bucket/b\nc.jpg",normal\n', [("CSV205", 2)]),
    ("CSV206", 'b.jpg,"normal\n"\n', [("CSV206", 2), ("CSV204", 2)]),
    ("CSV207", 's3://bucket/b.tif,"normal\n"\n', [("CSV207", 2), ("CSV204", 2)]),
    ("CSV301", 's3://bucket/a.jpg,"normal\n"\n', [("CSV301", 2), ("CSV204", 2)]),
    ("CSV302", 's3://bucket/a.jpg,"anomaly\n"\n', [("CSV302", 2), ("CSV204", 2)]),
    ("CSV303", 's3://other/b.jpg,"normal\n"\n', [("CSV303", 2), ("CSV204", 2)]),
]


@pytest.mark.parametrize(("row", "expected"), [m[1:] for m in MULTILINE_ROWS],
                         ids=[m[0] for m in MULTILINE_ROWS])
def test_rule_on_a_row_spanning_lines(tmp_path: Path, ending: tuple[str, bool], row: str,
                                      expected: list[tuple[str, int]]) -> None:
    data = with_ending(FIRST + row + LAST, *ending)
    assert codes(tmp_path, data) == [*expected, ("CSV203", 4)]


def test_header_spanning_lines(tmp_path: Path, ending: tuple[str, bool]) -> None:
    data = with_ending('"image\n",label\n' + LAST, *ending)
    assert codes(tmp_path, data) == [("CSV104", 1), ("CSV203", 3)]


def test_duplicate_of_a_row_spanning_lines_names_its_first_line(
        tmp_path: Path, ending: tuple[str, bool]) -> None:
    row = '"s3://bucket/a\nb.jpg",normal\n'
    data = with_ending(FIRST + row + "s3://bucket/c.jpg,normal\n" + row + LAST, *ending)
    diags = lint_diagnostics(write(tmp_path, data))
    assert [(d.code, d.line) for d in diags] == [
        ("CSV205", 2), ("CSV205", 5), ("CSV301", 5), ("CSV203", 7)]
    assert "is already listed on line 2 with the same class" in diags[2].message
    fix = diags[2].fix
    assert fix is not None and [(e.start, e.end, e.content) for e in fix.edits] == [
        (5, 6, None)]


def test_conflict_after_a_row_spanning_lines_names_its_first_line(tmp_path: Path) -> None:
    data = FIRST + 's3://bucket/b.jpg,"Normal\n\n"\n' + "s3://bucket/b.jpg,anomaly\n"
    diags = lint_diagnostics(write(tmp_path, data))
    assert [(d.code, d.line) for d in diags] == [("CSV204", 2), ("CSV302", 5)]
    assert "is 'anomaly' here but 'normal' on line 2;" in diags[1].message
