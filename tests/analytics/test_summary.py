"""JobSummary: one-liners that read well, test results, errors, suggestions."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from orcaops.analytics.summary import build_summary, human_duration
from orcaops.core.models import JobSummary
from orcaops.logs import parse_run_log, parse_text
from orcaops.logs.testresults import parse_test_results

DATA = Path(__file__).parents[1] / "logs" / "data"


def _run(log, **row):
    base = {"job_id": "r-1", "status": "failed", "duration_s": 45.2, "exit_code": 1,
            "first_error": log.first_error, "failure_category": log.failure_category,
            "error_fingerprint": log.error_fingerprint, "analysis": json.dumps(log.analysis,
                                                                                 default=str)}
    return base | row


@pytest.mark.parametrize("seconds,text", [(None, "unknown"), (0.25, "250ms"), (45.2, "45s"),
                                          (123, "2m 03s"), (600, "10m"), (3720, "1h 02m"),
                                          (7200, "2h")])
def test_human_duration(seconds, text):
    assert human_duration(seconds) == text


def test_failed_tests_one_liner_from_log_dataframe():
    log = parse_text((DATA / "pytest_fail.log").read_text())
    logs = pl.DataFrame(log.to_dict(), strict=False)
    s = build_summary(_run(log), logs)
    assert isinstance(s, JobSummary)
    assert s.one_liner == "Tests failed in 45s: 1 of 120 failed (AssertionError in test_api.py)"
    assert s.status_emoji == "❌" and s.duration_human == "45s"
    assert s.errors[0] == "E       AssertionError: assert 500 == 201"
    assert "Run the failing test locally" in s.suggestions
    assert any("pytest: 119 passed, 1 failed" in e for e in s.key_events)


@pytest.mark.parametrize("row,text,emoji", [
    ({"status": "success", "duration_s": 123}, "Succeeded in 2m 03s", "✅"),
    ({"status": "timeout", "duration_s": 600}, "Timed out after 10m", "⏱️"),
    ({"status": "failed", "duration_s": 192, "exit_code": 137}, "Killed: out of memory after 3m 12s",
     "❌"),
    ({"status": "cancelled", "duration_s": 62}, "Cancelled after 1m 02s", "🚫"),
    ({"status": "failed", "duration_s": 12, "exit_code": 3}, "Failed in 12s with exit code 3", "❌"),
])
def test_one_liners_without_logs(row, text, emoji):
    s = build_summary({"job_id": "x", **row})
    assert (s.one_liner, s.status_emoji) == (text, emoji)


def test_failure_one_liner_names_category_and_error():
    log = parse_run_log(["Traceback (most recent call last):", '  File "/app/m.py", line 1, in <module>',
                         "ModuleNotFoundError: No module named 'yaml'"], status="failed", exit_code=1)
    s = build_summary(_run(log, duration_s=8), log)
    assert s.one_liner == "Failed in 8s (dependency): ModuleNotFoundError: No module named 'yaml'"
    assert s.suggestions[0] == "pip install yaml"


def test_successful_tests_and_warnings():
    lines = ["npm WARN deprecated request@2.88.2: no longer supported",
             "Tests:       120 passed, 120 total", "Time:        4.2 s"]
    log = parse_run_log(lines, status="success", exit_code=0)
    s = build_summary(_run(log, status="success", exit_code=0, duration_s=5), log)
    assert s.one_liner == "Tests passed in 5s: 120 of 120 passed"
    assert s.warnings == ["npm WARN deprecated request@2.88.2: no longer supported"]
    assert s.errors == []


@pytest.mark.parametrize("lines,framework,passed,failed,first", [
    (["===== 3 failed, 117 passed, 2 skipped in 12.3s ====="], "pytest", 117, 3, None),
    (["Tests:       3 failed, 117 passed, 120 total", "FAIL src/cart.test.js"], "jest", 117, 3,
     "cart.test.js"),
    (["Tests run: 120, Failures: 2, Errors: 1, Skipped: 0"], "junit", 117, 2, None),
    (["Ran 10 tests in 0.5s", "", "FAILED (failures=2)"], "unittest", 8, 2, None),
    (["test result: FAILED. 8 passed; 2 failed; 0 ignored; 0 measured"], "cargo", 8, 2, None),
    (["--- FAIL: TestCart (0.00s)", "--- PASS: TestOrder (0.00s)", "FAIL"], "go test", 1, 1,
     "TestCart"),
])
def test_test_runner_results(lines, framework, passed, failed, first):
    res = parse_test_results(lines)
    assert (res.framework, res.passed, res.failed) == (framework, passed, failed)
    if first:
        assert first in (res.first_failed_file, res.first_failed)


def test_no_test_output_means_no_results():
    assert parse_test_results(["building", "done"]) is None


def test_a_run_without_times_names_no_duration():
    from orcaops.analytics.summary import build_summary

    run = {"job_id": "t-1", "status": "failed", "exit_code": 1, "failure_category": "test",
           "first_error": "AssertionError: boom"}
    assert build_summary(run, None).one_liner == "Failed (test): AssertionError: boom"
