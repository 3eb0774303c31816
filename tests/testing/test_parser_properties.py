"""Open-ended input never crashes the test parsers: logs give rows or nothing, XML gives rows
or an InputError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orcaops.core.errors import InputError
from orcaops.testing.junit import parse_junit
from orcaops.testing.logresults import log_test_rows

RUNNER_WORDS = st.sampled_from([
    "=== 3 passed in 0.1s ===", "FAILED a/b.py::t - x", "--- FAIL: TestX (0.1s)", "ok  \tpkg\t0.1s",
    "Tests:       1 failed, 2 total", "test result: ok.", "test a::b ... ok", "3 passing (4ms)",
    "  1) name", "rspec ./spec/a_spec.rb:3 # d", "1 example, 1 failure", "✓ t (3 ms)",
    "PASS x.test.js", "Tests run: 1, Failures: 1", "[WARNING] Flakes:", "[ERROR]   Run 2: x",
    "C > m() FAILED", "> Task :test"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(RUNNER_WORDS, st.text(max_size=60)), max_size=40))
def test_log_rows_never_crash(lines):
    for row in log_test_rows(lines):
        assert row["status"] in ("passed", "failed", "error", "skipped") and row["name"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), st.builds(
    lambda a, b: f"<testsuite name='{a}'><testcase name='{b}' time='{a}'/></testsuite>",
    st.text(alphabet="abc019.,s-", max_size=8), st.text(alphabet="xyz ", max_size=8))))
def test_junit_rows_or_an_input_error(text):
    try:
        rows = parse_junit(text)
    except InputError:
        return
    for row in rows:
        assert row["duration_s"] is None or row["duration_s"] >= 0
