"""Job-level flaky rule: one commit with both outcomes is flaky; listings name the job."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

T0 = datetime(2026, 11, 1, 8, tzinfo=timezone.utc)


def _import(wh, tmp_path, outcomes: list[bool], commit_of=lambda i: "abc123") -> None:
    recs = []
    for i, passed in enumerate(outcomes):
        start = T0 + timedelta(minutes=30 * i)
        recs.append({"job_id": f"j{i:02d}", "status": "success" if passed else "failed",
                     "exit_code": 0 if passed else 1, "image": "python:3.12",
                     "command": "pytest -q tests", "metadata": {"commit": commit_of(i)},
                     "started_at": start.isoformat(),
                     "finished_at": (start + timedelta(seconds=60)).isoformat()})
    (tmp_path / "j.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    wh.import_jsonl(tmp_path / "j.jsonl")


def test_one_commit_with_both_outcomes_is_flaky(wh, tmp_path, cli):
    # the case: 16 runs of one commit, 5 failures
    _import(wh, tmp_path, [i not in (2, 5, 8, 11, 14) for i in range(16)])
    flaky = wh.flaky()
    assert flaky.height == 1
    row = flaky.row(0, named=True)
    assert (row["runs"], row["failures"], row["flip_commits"]) == (16, 5, 1)
    assert (row["image"], row["command"]) == ("python:3.12", "pytest -q tests")
    assert wh.runs("is:flaky").height == 16
    table = cli("flaky")
    assert "python:3.12" in table.stdout and "pytest -q tests" in table.stdout


def test_a_fix_on_a_new_commit_is_not_flaky(wh, tmp_path):
    # fails on commit a, passes from commit b on: a fix, not flakiness
    _import(wh, tmp_path, [False, False, True, True, True], lambda i: "a" if i < 2 else "b")
    assert wh.flaky().height == 0
