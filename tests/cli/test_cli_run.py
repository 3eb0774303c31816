"""`orcaops run` end to end with the local executor: live output, record, exit code."""

from __future__ import annotations

import json
import sys


def test_run_local_records_and_exits_with_the_jobs_code(cli, wh):
    res = cli("run", "--local", "--tag", "t1", "--intent", "check", "--", sys.executable, "-c",
              "import sys; print('hello'); print('oops', file=sys.stderr); sys.exit(3)")
    assert res.exit_code == 3
    assert "hello" in res.stdout
    assert "oops" in res.stderr and "failed" in res.stderr
    doc = json.loads(cli("runs", "search", "tag:t1", "-f", "json").stdout)
    run = doc["runs"][0]
    assert (doc["total"], run["status"], run["exit_code"], run["intent"]) == (1, "failed", 3,
                                                                               "check")
    streams = dict(wh.sql("select stream, string_agg(message, '|') from logs group by 1").rows())
    assert streams == {"stdout": "hello", "stderr": "oops"}


def test_run_timeout_exit_code(cli):
    res = cli("run", "--local", "--timeout", "0.5", "--", sys.executable, "-c",
              "import time; time.sleep(30)")
    assert res.exit_code == 124
    assert "timeout" in res.stderr


def test_run_bad_options_are_bad_input(cli):
    assert cli("run", "--local", "--env", "NOEQUALS", "--", "true").exit_code == 2
    assert cli("run", "--local", "--image", "x", "--", "true").exit_code == 2
    res = cli("run", "--local", "--memory", "12XB", "--", "true")
    assert res.exit_code == 2 and "memory" in res.stderr
