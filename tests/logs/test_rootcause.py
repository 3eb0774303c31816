"""Root cause, failure category and fingerprints."""

from __future__ import annotations

import pytest

from orcaops.logs import analyze_text, parse_run_log, parse_text

RECOVERED_THEN_REAL = """Installing dependencies
WARN retrying request to registry (attempt 1/3)
ERROR: connection reset by peer, retrying in 2s
Dependencies installed
Running app
Traceback (most recent call last):
  File "/app/main.py", line 3, in <module>
    import yaml
ModuleNotFoundError: No module named 'yaml'
"""


def test_recovered_errors_are_not_the_root_cause():
    log = parse_text(RECOVERED_THEN_REAL)
    assert log.first_error_line == 9
    assert log.first_error == "ModuleNotFoundError: No module named 'yaml'"
    assert log.failure_category == "dependency"


def test_consequence_lines_are_not_the_root_cause():
    lines = ["src/app.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
             "npm ERR! code ELIFECYCLE", "npm ERR! errno 2", "make: *** [Makefile:4: build] Error 2"]
    log = parse_run_log(lines, status="failed", exit_code=2)
    assert log.first_error_line == 1
    assert log.failure_category == "build"


def test_all_recovered_failed_run_blames_last_error():
    lines = ["ERROR connection refused, retrying", "ERROR connection refused, retrying"]
    log = parse_run_log(lines, status="failed", exit_code=1)
    assert log.first_error_line == 2
    assert log.failure_category == "network"


def test_successful_run_has_no_category():
    log = parse_run_log(["ERROR transient", "all good"], status="success", exit_code=0)
    assert log.failure_category is None
    assert log.first_error_line == 1


@pytest.mark.parametrize("lines,status,exit_code,category", [
    (["running"], "timeout", None, "timeout"),
    (["running", "Killed"], "failed", 137, "oom"),
    (["<--- JS stacktrace --->", "FATAL ERROR: Reached heap limit Allocation failed - "
      "JavaScript heap out of memory"], "failed", 134, "oom"),
    (["Traceback (most recent call last):", '  File "/app/a.py", line 1, in <module>',
      "MemoryError"], "failed", 1, "oom"),
    (["curl: (7) Failed to connect to db port 5432: Connection refused"], "failed", 7, "network"),
    (["mkdir: cannot create directory '/data': Permission denied"], "failed", 1, "permission"),
    (["FAILED tests/test_a.py::test_x - AssertionError: assert 1 == 2",
      "===== 1 failed, 3 passed in 0.12s ====="], "failed", 1, "test"),
    (["--- FAIL: TestOrders (0.00s)", "    orders_test.go:12: got 3, want 4", "FAIL"],
     "failed", 1, "test"),
    (["Error: environment variable DATABASE_URL is not set"], "failed", 1, "config"),
    (["npm ERR! code ERESOLVE", "npm ERR! ERESOLVE could not resolve"], "failed", 1,
     "dependency"),
    (["sh: 1: jest: not found"], "failed", 127, "dependency"),
    (["something odd happened"], "failed", 3, "unknown"),
    (["ERROR: boom"], "error", None, "unknown"),
])
def test_categories(lines, status, exit_code, category):
    assert parse_run_log(lines, status=status, exit_code=exit_code).failure_category == category


def _with_noise(prefix: list[str], job: str) -> list[str]:
    return prefix + [
        f"2024-03-0{len(prefix) % 9 + 1} 10:00:00,000 INFO job {job} starting",
        "Traceback (most recent call last):",
        f'  File "/app/jobs/{job}.py", line {len(prefix) + 40}, in run' if False else
        '  File "/app/jobs/sync.py", line 40, in run',
        "    fetch(order_id)",
        '  File "/usr/local/lib/python3.11/site-packages/httpx/_client.py", line 1001, in get',
        "    raise ConnectError(msg)",
        f"httpx.ConnectError: [Errno 111] Connection refused to 10.0.{len(job)}.5:5432",
    ]


def test_fingerprint_is_stable_across_runs():
    a = parse_run_log(_with_noise(["setup"], "a-17"))
    b = parse_run_log(_with_noise(["setup", "more setup", "even more"], "job-9912"))
    assert a.first_error_line != b.first_error_line
    assert a.error_fingerprint == b.error_fingerprint is not None


def test_fingerprint_differs_for_different_errors():
    a = parse_run_log(["Traceback (most recent call last):", '  File "/app/x.py", line 1, in f',
                       "ValueError: bad"])
    b = parse_run_log(["Traceback (most recent call last):", '  File "/app/x.py", line 1, in f',
                       "KeyError: 'x'"])
    assert a.error_fingerprint != b.error_fingerprint


def test_message_fingerprint_ignores_numbers_and_ids():
    a = parse_run_log(["ERROR: upload of part 3 of 550e8400-e29b-41d4-a716-446655440000 failed"])
    b = parse_run_log(["ERROR: upload of part 17 of 6ba7b810-9dad-11d1-80b4-00c04fd430c8 failed"])
    assert a.error_fingerprint == b.error_fingerprint


def test_analyze_document_shape(fixture_text):
    doc = analyze_text(fixture_text("pytest_fail.log"))
    assert doc["first_error"] == {"line_number": 18,
                                  "text": "E       AssertionError: assert 500 == 201"}
    assert doc["failure_category"] == "test"
    assert doc["has_stacktrace"] is True
    assert set(doc["level_counts"]) == {"DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
    assert doc["lines"] == 24 and doc["lines_per_s"] is None


def test_output_rate_and_stall():
    from datetime import datetime, timedelta, timezone
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    ts = [t0, t0 + timedelta(seconds=1), t0 + timedelta(seconds=2), t0 + timedelta(seconds=302)]
    log = parse_run_log(["a", "b", "c", "d"], timestamps=ts)
    assert log.analysis["lines_per_s"] == round(4 / 302, 3)
    assert log.analysis["max_gap_s"] == 300.0 and log.analysis["max_gap_line"] == 4
    assert log.analysis["stalled"] is True
