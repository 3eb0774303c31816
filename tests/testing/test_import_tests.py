"""The ``tests`` table filled at import: "junit" documents, "tests" entries, or the log."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import make_run

DATA = Path(__file__).parent / "data"


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_import_with_junit_fills_the_tests_table(tmp_path, cli, wh):
    xml = (DATA / "pytest-report.xml").read_text()
    src = _write(tmp_path / "r.jsonl", [make_run("j1", status="failed", exit_code=1,
                                                 junit=[xml])])
    res = cli("import", str(src))
    assert res.exit_code == 0, res.stderr
    df = wh.sql("select * from tests order by name")
    assert df.height == 7
    assert set(df.columns) == {"job_id", "day", "suite", "classname", "name", "file", "status",
                               "duration_s", "message", "failure_type", "stack", "retries",
                               "properties"}
    assert df.filter(df["status"] == "failed")["name"].to_list() == [
        "test_create_order", "test_even[1]"]
    assert str(df["day"][0]) == "2026-11-18"


def test_tests_entries_and_their_errors(tmp_path, cli, wh):
    src = _write(tmp_path / "r.jsonl", [
        make_run("t1", tests=[{"suite": "tests.test_api", "name": "test_create_order",
                               "file": "tests/test_api.py", "status": "failed",
                               "duration_s": 0.42, "message": "assert 500 == 201"}]),
        make_run("t2", tests=[{"name": "x", "status": "broken-ish"}]),
        make_run("t3", tests=[{"name": "x", "duration": 1}]),
        make_run("t4", junit=["<testsuite><testcase"]),
    ])
    res = cli("import", str(src))
    assert res.exit_code == 2
    assert (f"{src}:2: tests[0].status must be one of passed, failed, error, skipped; "
            "got 'broken-ish'") in res.stderr
    assert f"{src}:3: tests[0]: unknown field 'duration'" in res.stderr
    assert f"{src}:4: junit[0]: not well-formed XML" in res.stderr
    row = wh.sql("select * from tests").row(0, named=True)
    assert (row["job_id"], row["status"], row["duration_s"]) == ("t1", "failed", 0.42)


def test_without_xml_the_log_gives_the_tests(tmp_path, wh):
    lines = (DATA / "pytest-console.txt").read_text().splitlines()
    logs = [{"ts": "2026-11-18T10:00:05Z", "stream": "stdout", "line": ln} for ln in lines]
    src = _write(tmp_path / "r.jsonl", [make_run("l1", status="failed", exit_code=1, logs=logs)])
    assert wh.import_jsonl(src).imported == 1
    names = wh.sql("select name from tests where job_id = 'l1' order by name")["name"].to_list()
    assert names == ["test_create_order", "test_even[1]", "test_with_db"]


def test_replace_swaps_the_test_rows(tmp_path, wh):
    xml = (DATA / "jest-junit.xml").read_text()
    _write(tmp_path / "a.jsonl", [make_run("r1", junit=[xml])])
    wh.import_jsonl(tmp_path / "a.jsonl")
    assert wh.sql("select count(*) n from tests")["n"][0] == 4
    _write(tmp_path / "b.jsonl", [make_run("r1", tests=[{"name": "only", "status": "passed"}])])
    wh.import_jsonl(tmp_path / "b.jsonl", replace=True)
    assert wh.sql("select name from tests")["name"].to_list() == ["only"]
    # the superseded rows are gone from storage, not just hidden
    assert wh.sql("select count(*) n from tests_all")["n"][0] == 1
