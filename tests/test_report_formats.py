"""SARIF, GitLab Code Quality, JUnit and --statistics through the real entry point, on a
dataset with errors and warnings in all three kinds and on a clean one."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import run_cli
from tests.report_datasets import clean_dataset, demo_dataset

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json")
                    .read_text(encoding="utf-8"))
KIND_OF = {"train.csv": "csv", "test.csv": "csv", "labels.manifest": "lfv",
           "images.manifest": "lfv", "cvat/manifest.jsonl": "cvat"}


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return demo_dataset(tmp_path / "demo")


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    return clean_dataset(tmp_path / "clean")


def lint_json(folder: Path, *args: str) -> list[dict[str, Any]]:
    r = run_cli("lint", "--format", "json", *args, ".", cwd=folder)
    return json.loads(r.stdout)["diagnostics"]  # type: ignore[no-any-return]


def validate_sarif(text: str) -> dict[str, Any]:
    log = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log  # type: ignore[no-any-return]


def test_demo_has_errors_and_warnings_in_every_kind(demo: Path) -> None:
    found = {(KIND_OF[d["path"]], d["severity"]) for d in lint_json(demo)}
    assert found == {(k, s) for k in ("csv", "lfv", "cvat") for s in ("error", "warning")}


# ------------------------------------------------------------------------------ SARIF


def test_sarif_matches_the_diagnostics_and_the_schema(demo: Path) -> None:
    expected = lint_json(demo)
    r = run_cli("lint", "--format", "sarif", ".", cwd=demo)
    assert r.code == 1
    log = validate_sarif(r.stdout)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "manifest-lint" and driver["version"]
    assert driver["informationUri"].startswith("https://")
    codes = [rule["id"] for rule in driver["rules"]]
    assert sorted(codes) == sorted({d["code"] for d in expected})  # every rule that fired
    results = run["results"]
    got = [(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            res["locations"][0]["physicalLocation"]["region"]["startLine"],
            res["locations"][0]["physicalLocation"]["region"]["startColumn"],
            res["ruleId"], res["level"], res["message"]["text"]) for res in results]
    assert got == [(d["path"], d["line"], d["column"], d["code"], d["severity"], d["message"])
                   for d in expected]
    for res in results:
        rule = driver["rules"][res["ruleIndex"]]
        assert rule["id"] == res["ruleId"]
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] \
            == "%SRCROOT%"
    fingerprints = [res["partialFingerprints"]["manifestLintRecord/v1"] for res in results]
    assert len(set(fingerprints)) == len(fingerprints)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == demo.resolve().as_uri() + "/"


def test_sarif_rules_carry_the_rule_docs(demo: Path) -> None:
    log = validate_sarif(run_cli("lint", "-f", "sarif", "train.csv", cwd=demo).stdout)
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "CSV301")
    assert rule["name"] == "duplicate-image"
    assert rule["shortDescription"]["text"] == "The same image is listed again with the same class."
    assert "All training and test images must be unique" in rule["fullDescription"]["text"]
    assert "Bad\n    s3://bucket/img1.jpg,normal\n    s3://bucket/img1.jpg,normal" \
        in rule["help"]["text"]
    assert "```\ns3://bucket/img1.jpg,normal\n```" in rule["help"]["markdown"]
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rule["properties"] == {"tags": ["csv"], "fixable": True}


def test_sarif_fingerprints_do_not_move_with_the_rows(demo: Path) -> None:
    def fingerprints() -> Counter[tuple[str, str]]:
        log = validate_sarif(run_cli("lint", "-f", "sarif", "train.csv", cwd=demo).stdout)
        return Counter((res["ruleId"], res["partialFingerprints"]["manifestLintRecord/v1"])
                       for res in log["runs"][0]["results"])

    before = fingerprints()
    csv = demo / "train.csv"
    header, *rows = csv.read_bytes().splitlines(keepends=True)
    csv.write_bytes(header + b"s3://example-bucket/new/first.jpg,normal\n"
                    + b"".join(reversed(rows)))
    assert fingerprints() == before


def test_sarif_clean_dataset_and_output_file(clean: Path) -> None:
    r = run_cli("lint", "-f", "sarif", "-o", "report.sarif", ".", cwd=clean)
    assert (r.code, r.stdout) == (0, "")
    log = validate_sarif((clean / "report.sarif").read_text(encoding="utf-8"))
    run = log["runs"][0]
    assert (run["results"], run["tool"]["driver"]["rules"]) == ([], [])
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": [
        {"level": "note", "message": {"text": note}, "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}}]}
        for uri, note in [
            ("images.manifest",
             "3 media references not checked: no media-map entry for s3://lfv-demo/ "
             "(--remote checks them in the bucket)"),
            ("train.csv", "20 media references not checked: no media-map entry maps their "
             "bucket to a local folder ([tool.manifest-lint.lfv] media-map; --remote checks "
             "them in the bucket)"),
        ]]}]


def test_sarif_uris_are_relative_to_the_repository_and_percent_encoded(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    data = repo / "data sets" / "déjà"
    data.mkdir(parents=True)
    (data / "a#b.csv").write_text("s3://bkt/x.jpg,normal\ns3://bkt/x.jpg,normal\n")
    r = run_cli("lint", "-f", "sarif", "déjà", cwd=repo / "data sets")
    log = validate_sarif(r.stdout)
    loc = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "data%20sets/d%C3%A9j%C3%A0/a%23b.csv",
                                       "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 2, "startColumn": 1}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = validate_sarif(run_cli("lint", "-f", "sarif", data, cwd=elsewhere).stdout)
    loc = outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": (data / "a#b.csv").as_uri()}


# ----------------------------------------------------------------------------- GitLab


def test_gitlab_code_quality(demo: Path) -> None:
    expected = lint_json(demo)
    r = run_cli("lint", "--format", "gitlab", ".", cwd=demo)
    assert r.code == 1
    issues = json.loads(r.stdout)
    assert [(i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"],
             i["severity"]) for i in issues] \
        == [(d["path"], d["line"], d["code"], {"error": "major", "warning": "minor"}[
            d["severity"]]) for d in expected]
    for issue, d in zip(issues, expected, strict=True):
        assert set(issue) == {"description", "check_name", "fingerprint", "severity",
                              "location"}
        assert issue["description"] == f"{d['code']} {d['name']}: {d['message']}"
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_gitlab_clean_dataset(clean: Path) -> None:
    r = run_cli("lint", "--format", "gitlab", ".", cwd=clean)
    assert (r.code, json.loads(r.stdout)) == (0, [])


# ------------------------------------------------------------------------------ JUnit


def junit(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    return root


def test_junit_one_case_per_file_one_failure_per_problem(demo: Path) -> None:
    expected = lint_json(demo)
    r = run_cli("lint", "--format", "junit", ".", cwd=demo)
    assert r.code == 1
    root = junit(r.stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["labels.manifest", "test.csv", "train.csv",
                                              "cvat/manifest.jsonl"]
    assert [c.get("classname") for c in cases] == ["manifest-lint.lfv", "manifest-lint.csv",
                                                   "manifest-lint.csv", "manifest-lint.cvat"]
    per_file = Counter(d["path"] for d in expected)
    for c in cases:
        failures = c.findall("failure")
        assert len(failures) == per_file[c.get("name")]
    by_file = {c.get("name"): c for c in cases}
    first = by_file["train.csv"].findall("failure")[0]
    d = next(d for d in expected if d["path"] == "train.csv")
    assert first.get("type") == d["code"]
    assert first.get("message") == (f"line {d['line']}, column {d['column']}: {d['code']} "
                                    f"{d['name']}: {d['message']}")
    assert first.text == f"train.csv:{d['line']}:{d['column']}: {d['code']} [error] " \
                         f"{d['message']} [*]"
    # test.csv is clean on its own; the dataset pass finds the image it shares with train.csv
    assert [f.get("type") for f in by_file["test.csv"].findall("failure")] == ["DS101"]
    out = by_file["labels.manifest"].find("system-out")
    assert out is not None and out.text and out.text.startswith("note: 8 media references")
    for el in (root, suite):
        assert (el.get("tests"), el.get("failures"), el.get("errors")) == ("4", "4", "0")


def test_junit_clean_dataset(clean: Path) -> None:
    r = run_cli("lint", "--format", "junit", ".", cwd=clean)
    assert r.code == 0
    root = junit(r.stdout)
    assert (root.get("tests"), root.get("failures")) == ("3", "0")
    assert [c.findall("failure") for c in root.iter("testcase")] == [[], [], []]


def test_junit_no_files(tmp_path: Path) -> None:
    r = run_cli("lint", "--format", "junit", ".", cwd=tmp_path)
    assert r.code == 0
    assert r.stdout == ('<?xml version="1.0" encoding="UTF-8"?>\n'
                        '<testsuites name="manifest-lint" tests="0" failures="0" errors="0">\n'
                        '  <testsuite name="manifest-lint" tests="0" failures="0" errors="0" '
                        'skipped="0"/>\n</testsuites>\n')


HOSTILE = 'a&<b>"\'\x01\x1b]\n\tz.csv'


@pytest.mark.skipif(os.name == "nt", reason="file names with control characters")
def test_hostile_names_and_messages(tmp_path: Path) -> None:
    """XML metacharacters, control characters, a newline and bytes that are not UTF-8 in
    file names and in messages: every format stays parseable."""
    images = "s3://bkt/x<&>'\x02\x7f]]>.jpg"
    row = f'"{images}",normal\n'.encode()
    (tmp_path / HOSTILE).write_bytes(row * 2)
    (tmp_path / os.fsdecode(b"\xff\xfe-latin1-\xe9.csv")).write_bytes(row * 2)
    r = run_cli("lint", "--format", "junit", ".", cwd=tmp_path)
    assert r.code == 1
    root = junit(r.stdout)
    cases = list(root.iter("testcase"))
    names = sorted(c.get("name") or "" for c in cases)
    # a name that is not UTF-8 is shown with its bytes escaped (issue 10)
    assert names == ["\\xff\\xfe-latin1-\\xe9.csv", 'a&<b>"\'\ufffd\ufffd]\n\tz.csv']
    for c in cases:
        failures = c.findall("failure")
        assert [f.get("type") for f in failures] == ["CSV205", "CSV205", "CSV301"]
        text = failures[2].text or ""
        shown = "image \"s3://bkt/x<&>'\\x02\\x7f]]>.jpg\" is already listed"
        assert text.startswith(f"{c.get('name')}:2:1: CSV301 [error] {shown}")
        assert shown in (failures[2].get("message") or "")
    assert "]]>" not in r.stdout.replace("]]&gt;", "")
    gitlab = json.loads(run_cli("lint", "--format", "gitlab", ".", cwd=tmp_path).stdout)
    assert sorted({i["location"]["path"] for i in gitlab}) == [
        'a&<b>"\'\x01\x1b]\n\tz.csv', "\ufffd\ufffd-latin1-\ufffd.csv"]
    log = validate_sarif(run_cli("lint", "--format", "sarif", ".", cwd=tmp_path).stdout)
    uris = sorted({res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   for res in log["runs"][0]["results"]})
    assert uris == ["%FF%FE-latin1-%E9.csv", "a%26%3Cb%3E%22%27%01%1B%5D%0A%09z.csv"]


def test_xml_escaping_functions() -> None:
    from manifest_lint.reporters.junit import xml_attr, xml_text

    assert xml_text('a<b>&"c"\r\n\x00\x0b\ud800\ufffe') == 'a&lt;b&gt;&amp;"c"&#13;\n' + \
        "\ufffd" * 4
    assert xml_attr('a<b>&"c"\t\n\r') == "a&lt;b&gt;&amp;&quot;c&quot;&#9;&#10;&#13;"
    assert xml_text("\U0001f600 é") == "\U0001f600 é"


# ------------------------------------------------------------------------- statistics

STATS_CSV = (
    "s3://bkt/a.jpg,normal\ns3://bkt/a.jpg,normal\ns3://bkt/a.jpg,normal\n"  # 2 x CSV301
    "\n\n\n"  # 3 x CSV103
    "s3://bkt/c.jpg,scratch\n"  # CSV203
    "s3://bkt/d.jpg,Normal\n"  # CSV204
    "s3://bkt/e.jpg,anomaly\n"
)


def test_statistics_text(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text(STATS_CSV)
    for fmt in ("full", "concise"):
        r = run_cli("lint", "--statistics", "--format", fmt, "s.csv", cwd=tmp_path)
        assert r.code == 1
        assert r.stdout.splitlines() == [
            "3\tCSV103\t[*] blank-row",
            "2\tCSV301\t[*] duplicate-image",
            "1\tCSV203\t[ ] unknown-class",
            "1\tCSV204\t[*] class-not-canonical",
        ]


def test_statistics_without_fixable_rules_has_no_marks(tmp_path: Path) -> None:
    rows = [f"s3://bkt/a{i}.jpg,cat\n" for i in range(10)] + ["s3://bkt/c.tif,normal\n"]
    (tmp_path / "s.csv").write_text("".join(rows))
    r = run_cli("lint", "--statistics", "-f", "concise", "s.csv", cwd=tmp_path)
    assert r.stdout.splitlines() == [
        "10\tCSV203\tunknown-class",
        " 1\tCSV207\tunsupported-extension",
    ]


def test_statistics_json_adds_a_key(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text(STATS_CSV)
    data = json.loads(run_cli("lint", "--statistics", "-f", "json", "s.csv",
                              cwd=tmp_path).stdout)
    assert list(data) == ["diagnostics", "summary", "notes", "statistics"]
    assert len(data["diagnostics"]) == 7
    assert data["summary"] == {"files": 1, "errors": 3, "warnings": 4, "fixable": 6}
    assert data["statistics"] == [
        {"count": 3, "code": "CSV103", "name": "blank-row", "fixable": True},
        {"count": 2, "code": "CSV301", "name": "duplicate-image", "fixable": True},
        {"count": 1, "code": "CSV203", "name": "unknown-class", "fixable": False},
        {"count": 1, "code": "CSV204", "name": "class-not-canonical", "fixable": True},
    ]


def test_statistics_with_other_formats_go_to_stderr(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text(STATS_CSV)
    r = run_cli("lint", "--statistics", "-f", "github", "s.csv", cwd=tmp_path)
    problems = [ln for ln in r.stdout.splitlines() if ln.startswith(("::error", "::warning"))]
    assert len(problems) == 7  # and a ::notice for the note on media
    assert all(line.startswith("::") for line in r.stdout.splitlines())
    assert "3\tCSV103\t[*] blank-row\n" in r.stderr


def test_statistics_clean_dataset(clean: Path) -> None:
    r = run_cli("lint", "--statistics", "-f", "concise", ".", cwd=clean)
    assert (r.code, r.stdout) == (0, "")
    data = json.loads(run_cli("lint", "--statistics", "-f", "json", ".", cwd=clean).stdout)
    assert data["statistics"] == [] and data["diagnostics"] == []


# ------------------------------------------------------------------------ fix + formats


@pytest.mark.parametrize("fmt", ["sarif", "gitlab", "junit", "json"])
def test_fix_reports_what_remains_in_every_format(demo: Path, fmt: str) -> None:
    r = run_cli("fix", "--format", fmt, ".", cwd=demo)
    assert r.code == 1
    assert "fixed " in r.stderr
    remaining = lint_json(demo)
    assert remaining and not any(d["code"] == "CSV104" for d in remaining)
    if fmt == "sarif":
        results = validate_sarif(r.stdout)["runs"][0]["results"]
        assert [(res["ruleId"], res["locations"][0]["physicalLocation"]["region"][
            "startLine"]) for res in results] == [(d["code"], d["line"]) for d in remaining]
    elif fmt == "gitlab":
        assert [(i["check_name"], i["location"]["lines"]["begin"])
                for i in json.loads(r.stdout)] == [(d["code"], d["line"]) for d in remaining]
    elif fmt == "junit":
        assert len(list(junit(r.stdout).iter("failure"))) == len(remaining)
    else:
        assert json.loads(r.stdout)["diagnostics"] == remaining


def test_fix_statistics(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text(STATS_CSV)
    r = run_cli("fix", "--statistics", "-f", "concise", "s.csv", cwd=tmp_path)
    assert (r.code, r.stdout) == (1, "1\tCSV203\tunknown-class\n")
