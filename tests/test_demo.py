"""The demo history looks like a real one: mix of outcomes, rhythm, regressions, flaky jobs."""

from __future__ import annotations

import pytest

from orcaops.demo.history import DemoHistory
from tests.conftest import NOW


@pytest.fixture(scope="module")
def demo_wh(tmp_path_factory):
    import orcaops

    wh = orcaops.open(tmp_path_factory.mktemp("demo"))
    report = wh.import_records(DemoHistory(runs=3000, seed=5, now=NOW, days=21).records())
    assert report.errors == [] and report.imported == 3000
    return wh


def test_same_seed_same_history():
    a = [r["job_id"] + r["status"] for r in DemoHistory(300, seed=1, now=NOW).records()]
    b = [r["job_id"] + r["status"] for r in DemoHistory(300, seed=1, now=NOW).records()]
    assert a == b


def test_outcomes_and_variety(demo_wh):
    statuses = dict(demo_wh.sql("select status, count(*) from runs group by 1").rows())
    assert statuses["success"] > 0.8 * 3000
    assert {"failed", "timeout", "cancelled", "error"} <= set(statuses)
    assert demo_wh.sql("select count(distinct image) n from runs")["n"][0] >= 15
    assert demo_wh.sql("select count(distinct baseline_key) n from runs")["n"][0] >= 20


def test_weekly_and_daily_rhythm(demo_wh):
    per = dict(demo_wh.sql(
        "select isodow(started_at) >= 6 weekend, count(*) / count(distinct day) from runs "
        "where status <> 'running' group by 1").rows())
    assert per[False] > 2.5 * per[True]
    hours = dict(demo_wh.sql("select hour(started_at) h, count(*) from runs group by 1").rows())
    assert hours.get(14, 0) > 4 * hours.get(3, 1)


def test_failures_carry_real_log_lines(demo_wh):
    failed = demo_wh.sql("select * from runs where status = 'failed'")
    assert failed["log_lines"].min() > 0
    assert (failed["first_error"].is_not_null().sum()) > 0.9 * failed.height
    traces = demo_wh.sql("select count(distinct stacktrace_id) n from logs "
                         "where stacktrace_id is not null")["n"][0]
    assert traces > 10


def test_a_regression_and_flaky_jobs_exist(demo_wh):
    slow = demo_wh.sql(
        "select median(duration_s) filter (where started_at >= ?) / "
        "median(duration_s) filter (where started_at < ?) ratio from runs "
        "where command = 'python etl/load_orders.py' and status = 'success'",
        [NOW.replace(day=NOW.day - 3), NOW.replace(day=NOW.day - 10)])
    assert slow["ratio"][0] > 1.8
    both = demo_wh.sql(
        "select baseline_key from runs group by baseline_key, json_extract_string(metadata, "
        "'$.commit') having count(distinct status) filter (where status in ('success', "
        "'failed')) = 2")
    assert both.height > 0


def test_no_run_is_left_running_forever(demo_wh):
    """A demo has no recorder to finish a run, so none may be stored as still running."""
    assert demo_wh.sql("select count(*) n from runs where status in ('running', 'queued')"
                       )["n"][0] == 0


# Lines that give away another ecosystem's tools, per image family.
FOREIGN = {"golang": (".rs:", "error[E", "tests/test_", ".py\""),
           "rust": (".go:", "tests/test_", "--- FAIL:"),
           "node": (".rs:", ".go:", "tests/test_", "FAILURES"),
           "python": (".rs:", ".go:", "--- FAIL:", "error[E"),
           "maven": (".rs:", ".go:", "tests/test_", "FAILURES"),
           "gradle": (".rs:", ".go:", "tests/test_", "FAILURES"),
           "ruby": (".rs:", ".go:", "tests/test_", "FAILURES"),
           "debian": (".rs:", ".go:", "tests/test_", "FAILURES")}


def test_failure_logs_fit_their_job(demo_wh):
    logs = demo_wh.sql("select r.image, r.job_id, l.message from runs r join logs l "
                       "using (job_id) where r.status in ('failed', 'timeout')")
    wrong = [(image, msg) for image, _, msg in logs.rows()
             for family, markers in FOREIGN.items() if image.startswith(family)
             for marker in markers if marker in msg]
    assert wrong == []


def test_test_counts_add_up(demo_wh):
    import re

    runs = demo_wh.sql("select job_id, string_agg(message, '\n' order by line_number) text "
                       "from logs where message similar to '.*(collected|passed).*' "
                       "group by job_id")
    checked = 0
    for _, text in runs.rows():
        collected = re.search(r"collected (\d+) items", text)
        summary = re.search(r"(?:(\d+) failed, )?(\d+) passed", text)
        if collected and summary:
            failed = int(summary.group(1) or 0)
            assert failed + int(summary.group(2)) == int(collected.group(1)), text
            checked += 1
    assert checked > 100


def test_the_readmes_search_finds_both_kinds(demo_wh):
    found = demo_wh.search('log:"connection refused" OR category:timeout', limit=None).runs
    assert {"failed", "timeout"} <= set(found["status"])
