"""What summaries and ``debug`` say about runs that errored, succeeded or still run, through
the CLI: the stored error message, no literal placeholders, no "failure is new" for a success."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import make_run

PLACEHOLDER = re.compile(r"<job_id>|\?=|Set \? |\(\?\)|exit code None")


@pytest.fixture
def filled(cli, wh):
    wh.import_records([
        make_run("r-err", status="error", exit_code=None,
                 error_message="container failed to start: no space left on device"),
        make_run("r-cfg", status="failed", exit_code=1,
                 logs=["loading settings", "Error: missing required configuration value"]),
        make_run("r-ok", logs=["all good"]),
        make_run("r-run", status="running", finished_at=None, exit_code=None),
    ])
    return cli


def test_errored_run_says_why_from_its_error_message(filled):
    out = filled("jobs", "summary", "r-err")
    assert out.exit_code == 0, out.stderr
    assert "Error after 1m" in out.stdout and "no space left on device" in out.stdout
    assert "unknown" not in out.stdout and "exit code None" not in out.stdout
    debug = json.loads(filled("debug", "r-err", "--format", "json").stdout)
    assert debug["summary"].startswith("Error after")
    assert "no space left on device" in debug["summary"]
    assert any("no space left on device" in s for s in debug["next_steps"])
    assert not any("failure is new" in s for s in debug["next_steps"])


def test_no_literal_placeholders_reach_a_person(filled):
    for job in ("r-err", "r-cfg"):
        for args in (("jobs", "summary", job), ("debug", job),
                     ("debug", job, "--format", "json")):
            out = filled(*args)
            assert out.exit_code == 0, out.stderr
            assert not PLACEHOLDER.search(out.stdout), (args, out.stdout)
    summary = json.loads(filled("jobs", "summary", "r-cfg", "--format", "json").stdout)
    assert "Run `orcaops debug r-cfg` for root-cause lines and similar past failures" in \
        summary["suggestions"]
    debug = json.loads(filled("debug", "r-cfg", "--format", "json").stdout)
    cause = next(c for c in debug["likely_causes"] if c["pattern_id"] == "missing-env")
    assert cause["description"] == "Configuration missing."


def test_debug_of_a_success_or_a_running_run_says_what_it_is(filled):
    ok = json.loads(filled("debug", "r-ok", "--format", "json").stdout)
    assert ok["next_steps"] == ["This run succeeded: there is no failure to debug"]
    running = filled("debug", "r-run")
    assert running.exit_code == 0, running.stderr
    assert "still running" in running.stdout and "orcaops runs logs r-run" in running.stdout
    assert "failure is new" not in running.stdout + ok["summary"]


def test_a_new_failure_is_still_called_new(filled):
    debug = json.loads(filled("debug", "r-cfg", "--format", "json").stdout)
    assert any("This failure is new" in s for s in debug["next_steps"])
