"""The local executor, against a real warehouse."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from orcaops.core.errors import InputError
from orcaops.executors import CancelToken, JobSpec, recover_spooled, run_job
from orcaops.executors.recover import DIED_RUNNING

from .helpers import kill9, lines, signal_me_later, start_recorder, wait_for_spooled_lines


@pytest.mark.parametrize(("code", "status"), [(0, "success"), (1, "failed"), (42, "failed")])
def test_exit_code_and_streams(wh: Any, code: int, status: str) -> None:
    spec = JobSpec(command=["sh", "-c", f"echo out; echo err >&2; exit {code}"], tags=["t"])
    run = run_job(spec, wh, executor="local")
    assert (run.status, run.exit_code, run.executor, run.image) == (status, code, "local", None)
    assert sorted(lines(wh, run.job_id)) == [("stderr", "err"), ("stdout", "out")]
    stored = wh.run(run.job_id)
    assert (stored["status"], stored["exit_code"], stored["tags"]) == (status, code, ["t"])
    assert not (wh.settings.spool / run.job_id).exists()  # spool dropped after the commit


def test_live_lines_and_samples(wh: Any) -> None:
    seen: list[tuple[str, str]] = []
    spec = JobSpec(command=["sh", "-c", "echo one; sleep 1.3; echo two >&2"])
    run = run_job(spec, wh, executor="local", sample_interval=0.25,
                  on_line=lambda stream, line: seen.append((stream, line)))
    assert seen == [("stdout", "one"), ("stderr", "two")]
    samples = wh.samples(run.job_id)
    assert samples.height >= 2
    assert samples["memory_mb"].max() > 0
    assert run.resources.cpu_seconds is not None and run.resources.memory_peak_mb > 0
    assert run.resources.estimated_cost_usd is not None
    assert 1.2 < run.duration_s < 5


def test_timeout_kills_the_whole_tree(wh: Any) -> None:
    started = time.monotonic()
    # `sleep` is a grandchild: only killing the process group frees the output pipes.
    run = run_job(JobSpec(command=["sh", "-c", "echo start; sleep 30; echo never"], timeout=0.5),
                  wh, executor="local")
    assert time.monotonic() - started < 5
    assert (run.status, run.exit_code, run.error_message) == ("timeout", 137,
                                                              "timed out after 0.5s")
    assert wh.run(run.job_id)["failure_category"] == "timeout"
    assert lines(wh, run.job_id) == [("stdout", "start")]


def test_background_leftovers_are_killed_like_in_a_container(wh: Any) -> None:
    started = time.monotonic()
    run = run_job(JobSpec(command=["sh", "-c", "sleep 60 & echo bg started"]), wh,
                  executor="local")
    assert run.status == "success" and time.monotonic() - started < 4
    assert lines(wh, run.job_id) == [("stdout", "bg started")]


def test_cancel_by_sigint_records_and_restores_handlers(wh: Any) -> None:
    before = signal.getsignal(signal.SIGINT)
    signal_me_later(0.5)
    run = run_job(JobSpec(command=["sh", "-c", "echo up; sleep 30"]), wh, executor="local")
    assert (run.status, run.error_message) == ("cancelled", "cancelled by SIGINT")
    assert wh.run(run.job_id)["status"] == "cancelled"
    assert signal.getsignal(signal.SIGINT) is before


def test_sigterm_cancels_too(wh: Any) -> None:
    signal_me_later(0.4, signal.SIGTERM)
    run = run_job(JobSpec(command=["sleep", "30"]), wh, executor="local")
    assert (run.status, run.error_message) == ("cancelled", "cancelled by SIGTERM")


def test_run_from_a_worker_thread_leaves_signals_alone(wh: Any) -> None:
    before = signal.getsignal(signal.SIGINT)
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(
        run_job(JobSpec(command=["echo", "hi"]), wh, executor="local")))
    worker.start()
    worker.join(30)
    assert result[0].status == "success"
    assert signal.getsignal(signal.SIGINT) is before


def test_cancel_by_token_from_another_thread(wh: Any) -> None:
    token = CancelToken()
    threading.Timer(0.3, token.cancel, args=("stopped by test",)).start()
    run = run_job(JobSpec(command=["sleep", "30"]), wh, executor="local", token=token)
    assert (run.status, run.error_message) == ("cancelled", "stopped by test")


def test_job_id_already_stored(wh: Any) -> None:
    run_job(JobSpec(command=["true"], job_id="dup-1"), wh, executor="local")
    with pytest.raises(InputError) as err:
        run_job(JobSpec(command=["echo", "again"], job_id="dup-1"), wh, executor="local")
    assert str(err.value) == "a run with job id 'dup-1' is already stored"


def test_missing_command(wh: Any) -> None:
    run = run_job(JobSpec(command=["no-such-command-xyz", "a"]), wh, executor="local")
    assert (run.status, run.exit_code) == ("error", 127)
    assert run.error_message == "command not found: no-such-command-xyz"
    assert wh.run(run.job_id)["status"] == "error"


def test_secrets_never_stored(wh: Any) -> None:
    secret = "s3cr3t-Value-9876"
    shown: list[str] = []
    spec = JobSpec(command=["sh", "-c", 'echo "token is $API_TOKEN"; echo "plain $GREETING"'],
                   env={"API_TOKEN": secret, "GREETING": "hello"})
    run = run_job(spec, wh, executor="local", on_line=lambda s, line: shown.append(line))
    stored = lines(wh, run.job_id)
    assert [m for _, m in stored][1] == "plain hello"
    assert secret not in repr(stored) and secret not in repr(shown)
    assert secret not in str(wh.run(run.job_id)["environment"])
    assert run.environment.env["GREETING"] == "hello"
    assert run.environment.env["API_TOKEN"] != secret


def test_workdir_and_env(wh: Any, tmp_path: Path) -> None:
    run = run_job(JobSpec(command=["sh", "-c", "pwd; echo $FOO"], workdir=str(tmp_path),
                          env={"FOO": "bar"}), wh, executor="local")
    assert [m for _, m in lines(wh, run.job_id)] == [str(tmp_path), "bar"]


def test_recover_after_killed_recorder(wh: Any) -> None:
    spec = {"job_id": "local-crash-1",
            "command": ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo line $i; sleep 0.3; done"]}
    proc = start_recorder(wh.home, "local", spec)
    spool = wh.settings.spool / "local-crash-1"
    wait_for_spooled_lines(spool, 2, proc)
    assert recover_spooled(wh) == []  # the recorder is alive and holds the spool's lock
    kill9(proc)
    [run] = recover_spooled(wh)
    # The job dies of SIGPIPE at its next echo after the recorder is gone; if recover comes
    # first, it stops the job itself and says so.
    assert (run.job_id, run.status) in {("local-crash-1", "error"), ("local-crash-1", "cancelled")}
    assert run.error_message == DIED_RUNNING or "recover` stopped it" in (run.error_message or "")
    got = [m for _, m in lines(wh, "local-crash-1")]
    assert got[:2] == ["line 1", "line 2"]  # everything spooled before the kill is kept
    assert not spool.exists()
    assert recover_spooled(wh) == []


def _running_in_group(pgid: int) -> list[int]:
    """Pids of group ``pgid`` that are not zombies, read from /proc (no psutil)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize(("timeout", "status"), [(1.0, "timeout"), (None, "cancelled")])
def test_recover_stops_the_job_a_dead_recorder_left_running(wh: Any, timeout: float | None,
                                                            status: str) -> None:
    """Killed recorder: the job's group (a background child too) ran on past --timeout;
    recover kills the group and records why, instead of recording a live job as ended."""
    job_id = f"local-orphan-{status}"
    spec = {"job_id": job_id, "timeout": timeout,
            "command": ["sh", "-c", "sleep 60 & echo started; wait"]}
    proc = start_recorder(wh.home, "local", spec)
    spool = wh.settings.spool / job_id
    wait_for_spooled_lines(spool, 1, proc)
    pgid = json.loads((spool / "meta.json").read_text())["pid"]  # its own session: pgid = pid
    kill9(proc)
    time.sleep(1.5)  # past the timeout: only the dead recorder would have enforced it
    assert _running_in_group(pgid), "the job should outlive its recorder"
    [run] = recover_spooled(wh)
    assert run.status == status and "recover" in (run.error_message or "")
    deadline = time.monotonic() + 5
    while _running_in_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running_in_group(pgid), "recover left the job running"
    assert [m for _, m in lines(wh, job_id)] == ["started"]
