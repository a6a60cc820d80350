"""CSV label file rules: a bad and a good case per rule, asserting exact codes and lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import lint_diagnostics, lint_file_codes, write_file

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
    enc = [d for d in diags if d.code == "CSV001"]
    assert [(d.line, d.column) for d in enc] == [(2, 16)]
    assert "1 more line has invalid bytes" in enc[0].message


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
    assert "CSV002" not in {c for c, _ in codes(tmp_path, GOOD)}


# --- structure ----------------------------------------------------------------------------

def test_unterminated_quote_is_a_syntax_error_at_its_first_line(tmp_path: Path) -> None:
    data = 's3://bucket/a.jpg,normal\n"s3://bucket/b.jpg,normal\ns3://bucket/c.jpg,anomaly\n'
    assert codes(tmp_path, data) == [("CSV003", 2)]


def test_stray_quote_inside_quoted_field(tmp_path: Path) -> None:
    data = 's3://bucket/a.jpg,normal\n"s3://bucket/b"x.jpg,normal\ns3://bucket/c.jpg,anomaly\n'
    assert codes(tmp_path, data) == [("CSV003", 2)]


@pytest.mark.parametrize("data", ["", "\n\n", "\r\n"])
def test_empty_file(tmp_path: Path, data: str) -> None:
    got = codes(tmp_path, data)
    assert ("CSV004", 1) in got
    assert {c for c, _ in got} <= {"CSV004", "CSV103"}


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
    assert any(d.code == "CSV203" and "swapped" in d.message for d in diags)


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
    "uri",
    ["s3: //bucket/c.jpg", "S3://bucket/c.jpg", "s3://bucket", "s3://bucket/a//c.jpg",
     "s3://s3://bucket/c.jpg", "https://bucket/c.jpg", "s3:/bucket/c.jpg"],
)
def test_invalid_s3_uri(tmp_path: Path, uri: str) -> None:
    got = codes(tmp_path, GOOD + f"{uri},normal\n")
    assert ("CSV205", 3) in got
    assert {c for c, _ in got} <= {"CSV205", "CSV207"}


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
    dup = [d for d in diags if d.code == "CSV301"]
    assert [(d.line, d.fixable) for d in dup] == [(4, True)]
    assert "line 1" in dup[0].message


def test_duplicate_after_case_normalisation(tmp_path: Path) -> None:
    got = codes(tmp_path, GOOD + "s3://bucket/train/a.jpg,Normal\n")
    assert got == [("CSV301", 3), ("CSV204", 3)]


def test_conflicting_class_names_both_lines(tmp_path: Path) -> None:
    diags = lint_diagnostics(write(tmp_path, GOOD + "s3://bucket/train/a.jpg,anomaly\n"))
    assert [(d.code, d.line, d.fixable) for d in diags] == [("CSV302", 3, False)]
    assert "line 1" in diags[0].message and "'anomaly'" in diags[0].message


def test_multiple_buckets_reported_once_per_bucket(tmp_path: Path) -> None:
    data = GOOD + "s3://other/c.jpg,normal\ns3://other/d.jpg,normal\ns3://third/e.jpg,normal\n"
    diags = lint_diagnostics(write(tmp_path, data))
    assert [(d.code, d.line) for d in diags] == [("CSV303", 3), ("CSV303", 5)]
    assert "2 rows" in diags[0].message


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
