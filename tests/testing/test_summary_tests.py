"""Summaries and debug name the failed tests, the rerun command and known-flaky failures;
the per-test analytics find the flaky test of a history with its flip count."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
T0 = datetime(2026, 11, 1, 10, tzinfo=timezone.utc)
# One commit, 16 runs: test_create_order fails on 5 of them (the case).
FLIPS = (1, 4, 7, 10, 13)


def _run(i: int, *, failed: bool, commit: str = "abc123", **extra) -> dict:
    start = T0 + timedelta(hours=i)
    return {"job_id": f"r{i:02d}", "status": "failed" if failed else "success",
            "image": "python:3.12", "command": "pytest -q tests", "exit_code": int(failed),
            "metadata": {"commit": commit}, "started_at": start.isoformat(),
            "finished_at": (start + timedelta(seconds=71)).isoformat(), **extra}


@pytest.fixture
def history(tmp_path, wh):
    recs = []
    for i in range(16):
        bad = i in FLIPS
        recs.append(_run(i, failed=bad, tests=[
            {"name": "test_create_order", "classname": "tests.test_api",
             "file": "tests/test_api.py", "status": "failed" if bad else "passed",
             "duration_s": 0.4 + i / 100, "message": "assert 500 == 201" if bad else None,
             "failure_type": "AssertionError" if bad else None},
            {"name": "test_login", "classname": "tests.test_api.TestUsers",
             "file": "tests/test_api.py", "status": "passed", "duration_s": 2.0}]))
    recs.append(_run(20, failed=True, commit="def456",
                     junit=[(DATA / "pytest-report.xml").read_text()]))
    (tmp_path / "h.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    wh.import_jsonl(tmp_path / "h.jsonl")
    return wh


def test_flaky_test_found_with_its_flip_count(history):
    flaky = history.flaky_tests()
    assert flaky["test_id"].to_list() == ["tests.test_api::test_create_order"]
    row = flaky.row(0, named=True)
    # r00 pass, r01 fail, r02 pass ... r13 fail, r14 pass: 10 flips, then r20 fails again
    assert (row["runs"], row["failures"], row["flips"], row["flip_commits"]) == (17, 6, 11, 1)
    assert row["image"] == "python:3.12" and row["command"] == "pytest -q tests"
    assert row["flip_rate"] == pytest.approx(11 / 16)


def test_window_narrows_the_history(history):
    # from r12: r13 failed and r12, r14 passed on commit abc123: still flaky
    assert history.tests_report("flaky", since="2026-11-01T22:00:00Z").height == 1
    # from r14: passes on abc123, a failure on def456 only: no commit with both outcomes
    assert history.tests_report("flaky", since="2026-11-02T00:00:00Z").height == 0
    assert history.tests_report("flaky", job="python:3.12").height == 1
    assert history.tests_report("flaky", job="node:").height == 0


def test_slow_and_failing(history):
    slow = history.tests_report("slow")
    assert slow["name"].to_list()[:1] == ["test_login"]
    trend = slow.filter(slow["name"] == "test_create_order")["trend_s_per_day"][0]
    # least squares over (day, seconds): 16 runs growing 0.01 s an hour, then r20's 0.001 s
    import numpy as np

    days = [i / 24 for i in range(16)] + [20 / 24]
    secs = [0.4 + i / 100 for i in range(16)] + [0.001]
    assert trend == pytest.approx(np.polyfit(days, secs, 1)[0], rel=1e-6)
    failing = history.tests_report("failing")
    assert failing.row(0, named=True)["name"] == "test_create_order"
    assert failing.row(0, named=True)["failures"] == 6


def test_summary_names_failed_tests_with_rerun_and_flakiness(history):
    s = history.summary("r20")
    assert s.one_liner == (
        "Tests failed in 1m 11s: 3 of 7 failed — tests/test_api.py::TestUsers::test_even[1] "
        "(AssertionError: assert (1 % 2) == 0), tests/test_api.py::test_with_db "
        "(ConnectionError: failed on setup with \"ConnectionError: database unavailable\"), "
        "tests/test_api.py::test_create_order (AssertionError: assert 500 == 201; known flaky)")
    assert ("Rerun the 3 failed tests: pytest 'tests/test_api.py::TestUsers::test_even[1]' "
            "tests/test_api.py::test_with_db tests/test_api.py::test_create_order") in s.key_events
    assert any(e.startswith("Known flaky (1 of 3 failures): tests/test_api.py::test_create_order")
               for e in s.key_events)


def test_debug_lists_failed_tests_and_new_failures(history):
    report = history.debug("r20")
    by_name = {t["name"]: t for t in report["failed_tests"]}
    assert set(by_name) == {"test_create_order", "test_even[1]", "test_with_db"}
    assert by_name["test_create_order"]["known_flaky"] is True
    assert by_name["test_even[1]"]["new_since_green"] is True
    assert report["next_steps"][0].startswith("Rerun the 3 failed tests: pytest ")
    new = history.new_test_failures("r20")
    assert new["green_job_id"].unique().to_list() == ["r15"]


def test_cli_tests_reports(history, cli):
    res = cli("tests", "flaky", "--format", "json")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert rows[0]["flips"] == 11 and rows[0]["command"] == "pytest -q tests"
    table = cli("tests", "failing", "--limit", "1")
    assert "test_create_order" in table.stdout and "1 failing tests" in table.stdout
    bad = cli("tests", "flakey")
    assert bad.exit_code == 2 and "unknown report 'flakey'" in bad.stderr
    assert "Traceback" not in bad.stderr
    since = cli("tests", "list", "--since", "yesterdayish")
    assert since.exit_code == 2 and "Traceback" not in since.stderr


def test_python_tests_by_query_and_status(history):
    failed = history.tests("id:r2*", status="failed")
    assert sorted(failed["name"].to_list()) == ["test_create_order", "test_even[1]"]
    with pytest.raises(ValueError, match="unknown test status 'borked'"):
        history.tests(status="borked")


def test_events_separate_new_failures_from_old_ones():
    from orcaops.testing.summary import test_events

    rows = [{"name": "test_a", "file": "t/test_x.py", "classname": "t.test_x", "status": "failed",
             "new_since_green": True, "known_flaky": False},
            {"name": "test_b", "file": "t/test_x.py", "classname": "t.test_x", "status": "error",
             "new_since_green": False, "known_flaky": True},
            {"name": "test_c", "file": "t/test_x.py", "classname": "t.test_x", "status": "passed"}]
    assert test_events(rows, "python -m pytest") == [
        "Rerun the 2 failed tests: pytest t/test_x.py::test_a t/test_x.py::test_b",
        "New since the job's last green run (1 of 2): t/test_x.py::test_a",
        "Known flaky (1 of 2 failures): t/test_x.py::test_b; see `orcaops tests flaky`"]


def test_one_runs_outcomes_over_its_key_equal_the_whole_view(history, tmp_path):
    # A second job key whose runs share test ids with the first: the per-key form must
    # read only its own key's history, and give each run exactly the view's rows.
    recs = [_run(30 + i, failed=i % 2 == 1, image="python:3.13", commit=f"c{i // 2}", tests=[
        {"name": "test_create_order", "classname": "tests.test_api",
         "status": "failed" if i % 2 else "passed", "message": "boom" if i % 2 else None}])
        for i in range(6)]
    (tmp_path / "k2.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    history.import_jsonl(tmp_path / "k2.jsonl")
    from orcaops.testing.queries import run_outcomes_sql

    runs = history.frame("SELECT DISTINCT job_id, baseline_key FROM test_results ORDER BY 1")
    assert runs["baseline_key"].n_unique() == 2
    order = "ORDER BY status IN ('failed', 'error') DESC, known_flaky, test_id"
    # a green run, a flaky failure, the other commit's failure, and the second key's two
    for job_id, key in runs.filter(runs["job_id"].is_in(["r00", "r01", "r20", "r30", "r31"])
                                   ).iter_rows():
        whole = history.frame(f"SELECT * FROM run_test_outcomes WHERE job_id = ? {order}",
                              [job_id])
        assert history.frame(*run_outcomes_sql(job_id, key)).equals(whole), job_id
        assert history.summary_tests(job_id).equals(whole), job_id
    keys = dict(runs.iter_rows())
    assert keys["r31"] != keys["r01"]
    # r31 fails after the green r30 of its key, on a commit where it passed: both flags set
    r31 = history.frame(*run_outcomes_sql("r31", keys["r31"]))
    assert r31["known_flaky"].to_list() == [True] and r31["new_since_green"].to_list() == [True]
