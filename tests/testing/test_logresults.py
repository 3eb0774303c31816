"""Per-test results read from real runners' console output (data/*-console.txt)."""

from __future__ import annotations

from pathlib import Path

from orcaops.testing.logresults import log_test_rows

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> dict[str, dict]:
    return {r["name"]: r for r in log_test_rows((DATA / name).read_text().splitlines())}


def test_pytest_short_summary():
    rows = _rows("pytest-console.txt")
    assert rows["test_create_order"]["file"] == "tests/test_api.py"
    assert rows["test_create_order"]["message"] == "assert 500 == 201"
    assert rows["test_even[1]"]["classname"] == "tests.test_api.TestUsers"
    assert rows["test_with_db"]["status"] == "error"


def test_jest_console():
    rows = _rows("jest-console.txt")
    assert rows["adds negative numbers"]["status"] == "failed"
    assert rows["adds 1 + 2 to equal 3"]["duration_s"] == 0.012
    assert rows["skipped case"]["status"] == "skipped"
    assert {r["file"] for r in rows.values()} == {"./sum.test.js"}


def test_mocha_console():
    rows = _rows("mocha-console.txt")
    assert [rows[n]["status"] for n in ("adds an item", "computes the total",
                                        "applies a coupon", "charges the card")] == [
        "passed", "failed", "skipped", "passed"]
    assert len(rows) == 4  # the numbered failure details after the summary are not tests


def test_cargo_console():
    rows = _rows("cargo-console.txt")
    assert rows["rejects_out_of_range"]["status"] == "failed"
    assert rows["slow_network_check"]["status"] == "skipped"
    assert rows["parses_valid_port"]["classname"] == "tests"


def test_surefire_console_with_reruns():
    rows = _rows("surefire-console.txt")
    assert rows["comparesStrings"]["status"] == "failed" and rows["comparesStrings"]["retries"] == 2
    assert rows["dividesByZero"]["status"] == "error"
    assert rows["passesOnRetry"]["status"] == "passed" and rows["passesOnRetry"]["retries"] == 1


GO_LOG = """=== RUN   TestParse
--- PASS: TestParse (0.00s)
=== RUN   TestTotal
    order_test.go:21: total = 3, want 4
--- FAIL: TestTotal (0.12s)
=== RUN   TestSlow
    order_test.go:30: skipping in short mode
--- SKIP: TestSlow (0.00s)
FAIL
FAIL	example.com/shop/order	0.130s
ok  	example.com/shop/cart	0.010s
"""


def test_go_test_verbose():
    rows = _rows_text(GO_LOG)
    assert rows["TestTotal"]["status"] == "failed"
    assert rows["TestTotal"]["message"] == "total = 3, want 4"
    assert rows["TestTotal"]["classname"] == "example.com/shop/order"
    assert rows["TestTotal"]["duration_s"] == 0.12
    assert rows["TestSlow"]["status"] == "skipped" and rows["TestSlow"]["message"] is None


def test_rspec_failed_examples():
    log = ("Failures:\n  1) Order total adds tax\n\n3 examples, 1 failure\n\nFailed examples:\n\n"
           "rspec ./spec/order_spec.rb:12 # Order total adds tax\n")
    (row,) = log_test_rows(log.splitlines())
    assert (row["name"], row["file"], row["status"]) == (
        "Order total adds tax", "./spec/order_spec.rb", "failed")


def test_a_log_without_a_runner_summary_yields_nothing():
    lines = ["test foo ... ok", "✓ looks like jest", "FAILED a/b.py::c - no pytest marker"]
    assert log_test_rows(lines) == []


def _rows_text(text: str) -> dict[str, dict]:
    return {r["name"]: r for r in log_test_rows(text.splitlines())}
