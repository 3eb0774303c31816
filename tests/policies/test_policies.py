"""Run policies end to end: an applied timeout recommendation is used by a real `orcaops run`
(local executor) and rolls back by itself when runs under it time out more than before."""

from __future__ import annotations

import json
import shlex
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import orcaops
from orcaops.api import Warehouse
from orcaops.core.models import RunRecord, make_baseline_key
from orcaops.executors import JobSpec
from orcaops.policies import judge
from tests.conftest import NOW, make_run

# A job whose length the environment sets (NAP seconds): the same baseline key either way.
CODE = "import os, time; time.sleep(float(os.environ.get('NAP', '0')))"
ARGV = [sys.executable, "-c", CODE]
KEY = make_baseline_key(None, ARGV)


@pytest.fixture(autouse=True)
def history_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Histories are dated around ``NOW``: windows and staleness are measured from it too,
    whatever today's date (live runs still record the real clock)."""
    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())


def _history(runs: int = 14, timeouts: tuple[int, ...] = (3, 9)) -> list[dict]:
    """Runs of the local job before any policy: ~0.9 s each (p99 + 50 %: a 2 s timeout, a
    margin a loaded machine keeps), a few killed after 30 s."""
    out = []
    for i in range(runs):
        start = NOW - timedelta(hours=runs - i)
        timed_out = i in timeouts
        took = 30.0 if timed_out else 0.8 + 0.01 * i
        out.append(make_run(f"before-{i}", image=None, command=shlex.join(ARGV),
                            status="timeout" if timed_out else "success",
                            exit_code=124 if timed_out else 0, started_at=start.isoformat(),
                            finished_at=(start + timedelta(seconds=took)).isoformat()))
    return out


def _timeout_rec(wh: Warehouse):
    return next(r for r in wh.recommendations() if r.evidence["rule"] == "timeout")


def _last_run(wh: Warehouse) -> dict:
    return wh.runs(limit=1, sort="-recorded_at").to_dicts()[0]


def test_applied_timeout_policy_is_used_and_rolled_back_on_degradation(cli, wh, home):
    """The issue's done-when: used by real runs, rolled back when they time out more."""
    wh.import_records(_history())
    rec = _timeout_rec(wh)
    assert rec.evidence["baseline_key"] == KEY and rec.evidence["suggested_timeout_s"] == 2

    applied = cli("recommendations", "apply", rec.id)
    assert applied.exit_code == 0
    assert f"orcaops run now uses the policy for {KEY}: timeout 2s" in applied.stdout
    policy = wh.policy(KEY)
    assert (policy.timeout_s, policy.memory_mb, policy.state) == (2.0, None, "trial")
    assert (policy.runs_before, policy.limit_failures_before) == (14, 2)
    change = wh.policy_history(KEY)[0]
    assert (change.change, change.changed_by, change.recommendation_id) == (
        "applied", "recommendation", rec.id)
    assert change.before.timeout_s is None and change.after.timeout_s == 2.0
    assert change.evidence["duration_p99"] == rec.evidence["duration_p99"]
    assert change.evidence["suggested_timeout_s"] == 2

    # A run without --timeout takes the policy and says so; the run records it.
    used = cli("run", "--local", "--env", "NAP=0", "--", *ARGV)
    assert used.exit_code == 0
    assert (f"using policy for {KEY}: timeout 2s (applied from recommendation {rec.id} at "
            in used.stderr)
    stamp = json.loads(_last_run(wh)["metadata"])["policy"]
    assert stamp["version"] == policy.version and stamp["timeout_s"] == 2.0

    # The Python API takes it too; an explicit timeout wins (nothing noted).
    api = orcaops.run(command=ARGV, home=str(home), env={"NAP": "0"})
    assert api.metadata["policy"]["version"] == policy.version
    own = orcaops.run(command=ARGV, home=str(home), env={"NAP": "0"}, timeout=30)
    assert own.status == "success" and "policy" not in own.metadata

    # One more run under the policy finished fine (history), then it starts killing runs.
    wh.import_records([make_run("under-0", image=None, command=shlex.join(ARGV),
                                metadata={"policy": stamp})])
    first = cli("run", "--local", "--env", "NAP=5", "--", *ARGV)
    assert first.exit_code == 124 and "rolled back" not in first.stderr
    assert wh.policy(KEY).state == "trial"  # 4 runs under it: still on trial
    second = cli("run", "--local", "--env", "NAP=5", "--", *ARGV)
    assert second.exit_code == 124
    assert f"policy for {KEY} rolled back (timeout 2s -> no limits): 2 of 5 runs" \
        in second.stderr

    rollback = wh.policy_history(KEY)[-1]
    assert (rollback.change, rollback.changed_by, rollback.undoes) == (
        "rolled_back", "automatic", change.change_id)
    assert rollback.before.timeout_s == 2.0 and rollback.after.timeout_s is None
    ev = rollback.evidence
    assert (ev["runs_under"], ev["limit_failures_under"], ev["runs_before"],
            ev["limit_failures_before"]) == (5, 2, 14, 2)
    assert ev["job_id"] == _last_run(wh)["job_id"] and ev["max_rise"] == judge.MAX_RISE
    assert wh.policy(KEY).state == "removed" and wh.policies() == []

    log = (home / "alerts" / "alerts.log").read_text().splitlines()
    assert len(log) == 1
    assert (f" policy rolled back for {KEY}: timeout 2s -> no limits: 2 of 5 runs under the "
            "policy ended by a limit (timeout or out of memory), 40% against 14%") in log[0]
    assert rec.id in log[0]

    after = cli("run", "--local", "--env", "NAP=0", "--", *ARGV)
    assert after.exit_code == 0 and "using policy" not in after.stderr


def test_a_policy_that_holds_becomes_active_and_stays(wh):
    """Runs under it end by a limit no more often than before: judged, kept."""
    wh.import_records(_history())
    wh.apply_recommendation(_timeout_rec(wh).id)
    stamp = {"key": KEY, "version": wh.policy(KEY).version, "timeout_s": 2.0}
    under = [make_run(f"ok-{i}", image=None, command=shlex.join(ARGV),
                      status="timeout" if i == 2 else "success", exit_code=124 if i == 2 else 0,
                      metadata={"policy": stamp}) for i in range(6)]
    wh.import_records(under)
    last = RunRecord.model_validate({**under[-1], "command": shlex.join(ARGV)})
    assert wh.check_policy(last) is None
    policy = wh.policy(KEY)
    assert (policy.state, policy.runs_under, policy.limit_failures_under) == ("active", 6, 1)
    assert policy.timeout_s == 2.0 and len(policy.history) == 1
    # A run that carries an older version (the policy changed since) is not judged again.
    stale = last.model_copy(update={"metadata": {"policy": {**stamp, "version": "old"}}})
    assert wh.check_policy(stale) is None


def test_two_runs_finishing_together_roll_back_once(wh, home):
    """Two processes' warehouses judge the same degraded policy at once: one rollback."""
    import threading

    wh.import_records(_history())
    wh.apply_recommendation(_timeout_rec(wh).id)
    stamp = {"key": KEY, "version": wh.policy(KEY).version, "timeout_s": 2.0}
    under = [make_run(f"bad-{i}", image=None, command=shlex.join(ARGV),
                      status="timeout" if i < 3 else "success", exit_code=124 if i < 3 else 0,
                      metadata={"policy": stamp}) for i in range(5)]
    wh.import_records(under)
    last = RunRecord.model_validate({**under[-1], "command": shlex.join(ARGV)})
    judges = [orcaops.open(home) for _ in range(2)]
    for other in judges:
        other.policies()  # views built before the race, so both read at once
    results: list = []
    threads = [threading.Thread(target=lambda w=w: results.append(w.check_policy(last)))
               for w in judges]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1
    assert [c.change for c in wh.policy_history(KEY)] == ["applied", "rolled_back"]
    assert len((home / "alerts" / "alerts.log").read_text().splitlines()) == 1


@pytest.mark.parametrize(("under", "before", "verdict"), [
    ((4, 4), (14, 0), None),          # on trial: 4 runs are too few to judge
    ((5, 1), (14, 0), None),          # one limit failure is not a trend
    ((10, 3), (20, 3), None),         # 30 % against 15 %: +15 points, under the threshold
    ((5, 2), (14, 2), "2 of 5"),      # 40 % against 14 %
    ((5, 2), (0, 0), "2 of 5"),       # no runs before: compared with none failing
])
def test_degradation_threshold(under, before, verdict):
    ev = judge.Evidence(runs_before=before[0], limit_failures_before=before[1],
                        runs_under=under[0], limit_failures_under=under[1])
    reason = judge.degraded(ev)
    assert (reason is None) == (verdict is None)
    if verdict:
        assert reason.startswith(f"{verdict} runs under the policy ended by a limit")


def _memory_history(image: str, command: str, prefix: str) -> list[dict]:
    """A key that uses 400 MB of a 4 GB limit and timed out twice: both kinds of
    recommendation (memory_lower, timeout)."""
    out = []
    for i in range(14):
        start = NOW - timedelta(hours=20 - i)
        timed_out = i in (2, 8)
        took = 600.0 if timed_out else 60.0 + i
        out.append(make_run(
            f"{prefix}-{i}", image=image, command=command,
            status="timeout" if timed_out else "success", exit_code=124 if timed_out else 0,
            started_at=start.isoformat(),
            finished_at=(start + timedelta(seconds=took)).isoformat(),
            resources={"memory_peak_mb": 400.0},
            samples=[{"ts": (start + timedelta(seconds=1)).isoformat(), "memory_mb": 400.0,
                      "memory_limit_mb": 4096.0}]))
    return out


@pytest.fixture
def two_keys(wh: Warehouse) -> Warehouse:
    wh.import_records(_memory_history("python:3.11", "pytest -q", "py")
                      + _memory_history("python:3.11", "pytest -q tests/e2e", "e2e"))
    return wh


def test_memory_policy_stacks_and_manual_rollback_restores_previous_values(two_keys):
    wh = two_keys
    key = make_baseline_key("python:3.11", "pytest -q")
    recs = {r.evidence["rule"]: r for r in wh.recommendations()
            if r.evidence.get("baseline_key") == key}
    job = JobSpec(image="python:3.11", command=["pytest", "-q"])
    assert wh.apply_run_policy(job, "docker") == (job, None)  # no policy anywhere: one stat
    assert not (wh.settings.state / "policies").exists()
    wh.apply_recommendation(recs["timeout"].id)
    wh.apply_recommendation(recs["memory_lower"].id)
    policy = wh.policy(key)
    assert (policy.timeout_s, policy.memory_mb) == (recs["timeout"].evidence[
        "suggested_timeout_s"], 512)
    assert wh.apply_recommendation(recs["memory_lower"].id).state == "applied"
    assert len(wh.policy_history(key)) == 2  # the same value again is no new change

    spec, use = wh.apply_run_policy(JobSpec(image="python:3.11", command=["pytest", "-q"]),
                                    "docker")
    assert (spec.memory, spec.timeout) == ("512m", policy.timeout_s) and use is not None
    assert spec.metadata["policy"]["version"] == policy.version
    mine, use = wh.apply_run_policy(JobSpec(image="python:3.11", command=["pytest", "-q"],
                                            memory="1g"), "docker")
    assert (mine.memory, mine.timeout) == ("1g", policy.timeout_s)
    assert use is not None and use.memory_mb is None

    undo = wh.rollback_policy(key, reason="release week")
    assert (undo.changed_by, undo.reason, undo.after.memory_mb) == ("manual", "release week",
                                                                    None)
    assert undo.after.timeout_s == policy.timeout_s  # the earlier change stays
    assert undo.recommendation_id == recs["memory_lower"].id
    wh.rollback_policy(key)
    assert wh.policy(key).state == "removed"
    spec, use = wh.apply_run_policy(JobSpec(image="python:3.11", command=["pytest", "-q"]),
                                    "docker")
    assert use is None and spec.timeout is None and "policy" not in spec.metadata


def test_cli_lists_shows_and_refuses_bad_keys(two_keys, cli):
    wh = two_keys
    for rec in wh.recommendations():
        if rec.evidence["rule"] == "timeout":
            wh.apply_recommendation(rec.id)
    listed = json.loads(cli("policies", "--format", "json").stdout)
    assert {p["baseline_key"] for p in listed} == {make_baseline_key("python:3.11", c)
                                                   for c in ("pytest -q", "pytest -q tests/e2e")}
    assert listed == json.loads(cli("policies", "list", "--format", "json").stdout)
    key = listed[0]["baseline_key"]
    shown = json.loads(cli("policies", "show", key.split("|")[1][:6], "-f", "json").stdout)
    assert shown["baseline_key"] == key and shown["history"][0]["change"] == "applied"
    assert shown["history"][0]["evidence"]["rule"] == "timeout"
    history = json.loads(cli("policies", "history", "--format", "json").stdout)
    assert len(history) == 2

    ambiguous = cli("policies", "show", "python:3.11|")
    assert ambiguous.exit_code == 2 and "is ambiguous: it matches" in ambiguous.stderr
    assert "Traceback" not in ambiguous.stderr
    unknown = cli("policies", "rollback", "node:20|nope")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: no run policy for key 'node:20|nope'")

    done = cli("policies", "rollback", key, "--reason", "flaky network")
    assert done.exit_code == 0 and f"policy for {key} rolled back" in done.stdout
    again = cli("policies", "rollback", key)
    assert again.exit_code == 2 and "nothing to roll back" in again.stderr
    assert len(json.loads(cli("policies", "--all", "-f", "json").stdout)) == 2
    assert len(json.loads(cli("policies", "-f", "json").stdout)) == 1


def test_notify_goes_through_the_alert_channels_and_never_raises(home: Path, caplog,
                                                                  monkeypatch):
    from orcaops.policies.notify import notify

    monkeypatch.delenv("ORCAOPS_ALERT_CHANNELS", raising=False)
    notify(home, "policy rolled back for a|b", "because\nit got worse")
    notify(orcaops.open(home), "second", "x")
    lines = (home / "alerts" / "alerts.log").read_text().splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "policy rolled back for a|b: because | it got worse", "second: x"]
    assert [r.getMessage() for r in caplog.records if r.name == "orcaops.policies"] == [
        "policy rolled back for a|b: because\nit got worse", "second: x"]

    caplog.clear()
    monkeypatch.setenv("ORCAOPS_ALERT_RETRIES", "1")
    monkeypatch.setenv("ORCAOPS_ALERT_CHANNELS", "webhook:http://127.0.0.1:9/hook")
    notify(home, "third", "y")  # nothing listens on port 9 (discard): reported, not raised
    monkeypatch.setenv("ORCAOPS_ALERT_CHANNELS", "pigeon:coop")
    notify(home, "fourth", "z")
    errors = [r.getMessage() for r in caplog.records
              if r.name == "orcaops.policies" and r.levelname == "ERROR"]
    assert errors[0].startswith("could not send 'third' to webhook:http://127.0.0.1:9/hook")
    assert errors[1].startswith("could not send 'fourth': ")
    assert len((home / "alerts" / "alerts.log").read_text().splitlines()) == 2
