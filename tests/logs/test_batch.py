"""``parse_run_logs`` (many runs in one pass) returns exactly what ``parse_run_log`` does per run."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orcaops.core.errors import InputError
from orcaops.demo.history import DemoHistory
from orcaops.ingest.records import _logs
from orcaops.logs import RunLines, parse_run_log, parse_run_logs, split_lines

DATA = Path(__file__).parent / "data"
# Lines like the property tests': arbitrary text, trace/format fragments and their mixtures.
FRAGMENTS = ["Traceback (most recent call last):", '  File "/a.py", line 1, in f', "ValueError: x",
             "\tat com.x.Y.f(Y.java:1)", "Caused by: java.io.IOException: y", "panic: boom",
             "npm ERR! code E1", '{"level":"error","msg":"m"}', "level=info msg=x",
             "081109 203615 148 INFO a.B: c", "\x1b[31m", "\r", "-----BEGIN PRIVATE KEY-----",
             "-----END PRIVATE KEY-----", "password=x", "hunter22", "\x00", "é", "{", "}"]
line = st.one_of(st.text(max_size=60), st.sampled_from(FRAGMENTS),
                 st.lists(st.sampled_from(FRAGMENTS + [" ", "=", ":"]), max_size=5).map("".join))


def _single(run: RunLines) -> dict:
    return dataclasses.asdict(parse_run_log(run.lines, run.streams, run.timestamps,
                                            status=run.status, exit_code=run.exit_code,
                                            secrets=run.secrets))


def _assert_same(runs: list[RunLines]) -> None:
    batch = parse_run_logs(runs)
    assert len(batch) == len(runs)
    for k, (run, got) in enumerate(zip(runs, batch)):
        assert dataclasses.asdict(got) == _single(run), f"run {k} differs"


def _fixture_runs() -> list[RunLines]:
    runs = []
    for k, path in enumerate(sorted(DATA.glob("*.log"))):
        status, code = [("failed", 1), ("success", 0), (None, None), ("timeout", 124)][k % 4]
        runs.append(RunLines(split_lines(path.read_text()), status=status, exit_code=code))
    return runs


def _demo_runs(n: int = 120) -> list[RunLines]:
    runs = []
    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    for rec in DemoHistory(runs=n, seed=5, now=now).records():
        lines, streams, stamps = _logs(rec.get("logs") or [])
        runs.append(RunLines(lines, streams, stamps, status=rec["status"],
                             exit_code=rec.get("exit_code"), secrets=("hunter22",)))
    return runs


def test_batch_matches_per_run_on_fixtures_and_demo_logs():
    runs = _fixture_runs() + _demo_runs()
    _assert_same(runs)
    _assert_same(runs[::-1])  # order in the batch must not matter


def test_batch_handles_empty_runs_secrets_pem_and_years():
    pem = ["-----BEGIN RSA PRIVATE KEY-----", "MIIEow", "-----END RSA PRIVATE KEY-----",
           "password=hunter2 token=abc", "ghp_" + "a" * 36]
    yearless = ["Jun  9 06:06:20 combo kernel: boot", "Jun  9 06:06:21 combo kernel: ERROR x"]
    t = datetime(2019, 6, 9, tzinfo=timezone.utc)
    runs = [RunLines([]), RunLines(pem, secrets=("MIIEow",)), RunLines(["password=x"]),
            RunLines(yearless, timestamps=[t, None]),
            RunLines(yearless, timestamps=[t.replace(year=2023), t + timedelta(days=1)]),
            RunLines(yearless), RunLines(["plain", "ERROR: boom"], status="failed", exit_code=1)]
    _assert_same(runs)
    assert parse_run_logs([]) == []


def test_batch_rejects_a_run_with_mismatched_columns():
    with pytest.raises(InputError):
        parse_run_logs([RunLines(["a"]), RunLines(["a", "b"], streams=["stdout"])])


run_lines = st.builds(RunLines, st.lists(line, max_size=25),
                      status=st.sampled_from([None, "failed", "success", "timeout"]),
                      exit_code=st.sampled_from([None, 0, 1, 137]),
                      secrets=st.sampled_from([(), ("hunter22",), ("x",)]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(run_lines, max_size=6))
def test_batch_matches_per_run_on_random_runs(runs):
    _assert_same(runs)


def test_an_empty_json_object_has_null_fields():
    log = parse_run_log(["{}", "{ }", '{"level":"warn","msg":"x"}', "plain"])
    assert log.parsed[:2] == [None, None] and log.parsed[3] is None
    assert log.parsed[2] is not None
