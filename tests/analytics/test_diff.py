"""runs diff: two runs side by side, and only the log lines new since the run that worked."""

from __future__ import annotations

import json

import pytest

from orcaops.core.errors import NotFoundError
from tests.conftest import make_run

OK_LINES = ["collected 12 items", "tests/test_api.py ............ [100%]",
            "12 passed in 3.21s"]
FAILED_LINES = ["collected 12 items", "tests/test_api.py .....F...... [100%]",
                "E       AssertionError: assert 500 == 201",
                "FAILED tests/test_api.py::test_create - AssertionError: assert 500 == 201",
                "1 failed, 11 passed in 3.40s"]


@pytest.fixture
def history(wh):
    def run(job_id, day, status="success", lines=OK_LINES, **kw):
        return make_run(job_id, status=status, exit_code=0 if status == "success" else 1,
                        image="python:3.11", command="pytest -q",
                        started_at=f"2026-11-{day:02d}T10:00:00Z",
                        finished_at=f"2026-11-{day:02d}T10:01:00Z",
                        logs=[{"stream": "stdout", "line": line} for line in lines], **kw)

    wh.import_records([
        run("ok-1", 10, environment={"env": {"CI": "true", "DEBUG": "0"}}),
        run("ok-2", 12, environment={"env": {"CI": "true", "DEBUG": "0"}}),
        run("bad-1", 13, "failed", FAILED_LINES,
            environment={"env": {"CI": "true", "DEBUG": "1", "NEW": "x"}}),
        run("ok-3", 14),
        make_run("lonely-1", status="failed", exit_code=1, image="node:20", command="npm test",
                 started_at="2026-11-13T10:00:00Z", finished_at="2026-11-13T10:01:00Z",
                 logs=["npm ERR! test failed"]),
    ])
    return wh


def test_compares_with_the_last_success_before_it(history):
    diff = history.diff("bad-1")
    assert (diff.other_job_id, diff.other_reason) == ("ok-2", "last success of the same job")
    assert [line["text"] for line in diff.new_lines] == FAILED_LINES[1:]
    assert (diff.new_line_count, diff.log_lines) == (4, 5)
    fields = {f.name: f for f in diff.fields}
    assert (fields["status"].a, fields["status"].b, fields["status"].change) == (
        "failed", "success", "changed")
    assert fields["image"].change == "same"
    assert (diff.env_added, diff.env_removed, diff.env_changed) == (["NEW"], [], ["DEBUG"])


def test_other_run_given_and_missing(history):
    assert history.diff("bad-1", "ok-3").other_reason == "given"
    lonely = history.diff("lonely-1")
    assert lonely.other_job_id is None
    assert lonely.other_reason == "no successful run of this job to compare with"
    with pytest.raises(NotFoundError):
        history.diff("bad-1", "nope")


def test_cli_table_and_json(history, cli):
    table = cli("runs", "diff", "bad-1")
    assert table.exit_code == 0, table.stderr
    assert "bad-1 against ok-2 (last success of the same job)" in table.stdout
    assert "4 of 5 log lines are new" in table.stdout
    assert "AssertionError: assert 500 == 201" in table.stdout
    assert "collected 12 items" not in table.stdout
    doc = json.loads(cli("runs", "diff", "bad-1", "--format", "json").stdout)
    assert doc["other_job_id"] == "ok-2" and len(doc["new_lines"]) == 4
    missing = cli("runs", "diff", "nope")
    assert missing.exit_code == 2 and "no run with job id 'nope'" in missing.stderr


def test_debug_says_when_the_root_cause_was_there_when_it_worked(wh):
    """Noise a job survives is not the cause: history points at what is new."""
    noise = ["ERROR cache server unreachable, building without it", "compiling 40 files"]
    ok = noise + ["all 40 files compiled", "done"]
    bad = noise + ["src/app.c:12:5: error: 'cfg' undeclared", "make: *** [all] Error 1"]
    wh.import_records([
        make_run("w-ok", image="gcc:13", command="make", started_at="2026-11-10T10:00:00Z",
                 finished_at="2026-11-10T10:01:00Z", logs=ok),
        make_run("w-bad", status="failed", exit_code=2, image="gcc:13", command="make",
                 started_at="2026-11-11T10:00:00Z", finished_at="2026-11-11T10:01:00Z",
                 logs=bad)])
    since = wh.debug("w-bad")["new_since_success"]
    assert since["other_job_id"] == "w-ok" and since["new_lines"] == 2
    assert since["first_new_error_line"] == 3
    assert since["root_cause_is_new"] is True
    assert wh.debug("w-ok")["new_since_success"] is None


def test_debug_lists_are_bounded(history, cli):
    many = [make_run(f"rep-{i}", status="failed", exit_code=1, image="python:3.11",
                     command="pytest -q", started_at=f"2026-11-{i + 1:02d}T08:00:00Z",
                     finished_at=f"2026-11-{i + 1:02d}T08:01:00Z",
                     logs=["E   AssertionError: assert 500 == 201"]) for i in range(9)]
    history.import_records(many)
    shown = cli("debug", "rep-8", "--limit", "2").stdout
    past = shown.split("similar past failures")[1].strip().splitlines()[1:]
    assert len(past) == 2 and all(line.strip().startswith("rep-") for line in past)
