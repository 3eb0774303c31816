"""The local executor: one job as a subprocess of this process, sampled with psutil.

The job runs in its own session (process group) so a timeout or cancel can stop the whole
tree, not just the first process -- otherwise ``sh -c 'sleep 100'`` would leave ``sleep``
holding the output pipes open. CPU time comes from ``wait4``'s rusage, which counts every
descendant that was waited for, even ones too short-lived to be sampled.
"""

from __future__ import annotations

import getpass
import os
import platform
import shutil
import signal
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from orcaops.artifacts.collect import collect_local
from orcaops.artifacts.runs import store_artifacts
from orcaops.core.errors import InputError
from orcaops.core.models import EnvironmentSnapshot, ResourceUsage, RunRecord, utcnow
from orcaops.executors.job import RunContext
from orcaops.executors.record import (
    Outcome,
    Recorder,
    build_record,
    commit,
    exit_outcome,
    resource_usage,
    wait_for_exit,
)
from orcaops.executors.sampling import SampleSink, sample_process, start_thread
from orcaops.executors.secrets import redact_env
from orcaops.executors.spool import Spool
from orcaops.executors.stale import group_identity
from orcaops.executors.streams import LineCollector, read_pipe

STOP_GRACE_S = 2.0
DRAIN_S = 5.0


class _Exit:
    """The reaped child's status and rusage, filled by the waiter thread."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.code: int | None = None
        self.cpu_seconds: float | None = None


def run_local(ctx: RunContext, wh: Recorder) -> RunRecord:
    """Run ``ctx.spec.command`` on this machine and record it through ``wh``.

    Raises:
        InputError: the spec asks for mounts, or its workdir does not exist.
    """
    spec = ctx.spec
    if spec.mounts:
        raise InputError("--mount needs a container; the local executor cannot mount")
    if spec.workdir and not os.path.isdir(spec.workdir):
        raise InputError(f"working directory {spec.workdir!r} does not exist")
    env = {**os.environ, **spec.env}
    meta = ctx.meta("local")
    program = shutil.which(spec.command[0], path=env.get("PATH"))
    if program is None:
        failed = Outcome("error", 127, f"command not found: {spec.command[0]}")
        return commit(wh, build_record(meta, failed), [], [], None)
    spool = Spool.create(wh.settings.spool, ctx.job_id, meta)
    try:
        proc = subprocess.Popen(
            [program, *spec.command[1:]], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, cwd=spec.workdir, start_new_session=True)
    except OSError as e:
        spool.remove()
        failed = Outcome("error", 126, f"cannot start {spec.command[0]}: {e.strerror or e}")
        return commit(wh, build_record(meta, failed), [], [], None)
    started = utcnow()
    try:
        meta = spool.update_meta(pid=proc.pid, **group_identity(proc.pid),
                                 started_at=started.isoformat(),
                                 environment=_environment(ctx, program).model_dump(mode="json"))
        return _supervise(ctx, wh, spool, meta, proc)
    finally:
        spool.close()  # a no-op after a commit; otherwise frees the spool for recover


def _supervise(ctx: RunContext, wh: Recorder, spool: Spool, meta: dict[str, Any],
               proc: subprocess.Popen[bytes]) -> RunRecord:
    collector = LineCollector(spool, ctx.secrets, ctx.on_line)
    sink = SampleSink(spool)
    stop = threading.Event()
    readers = [start_thread(read_pipe, pipe, name, collector, name=f"orcaops-{name}")
               for pipe, name in ((proc.stdout, "stdout"), (proc.stderr, "stderr"))]
    exited = _Exit()
    start_thread(_reap, proc, exited, name="orcaops-wait")
    start_thread(sample_process, proc.pid, sink, stop, ctx.sample_interval,
                 name="orcaops-sample")
    deadline = time.monotonic() + ctx.spec.timeout if ctx.spec.timeout else None
    try:
        reason = wait_for_exit(exited.done, deadline, ctx.token)
        if reason != "exited":
            _halt(proc, reason, exited)
        # As in a container when its main process ends: what it left running in the
        # background is killed (and stops holding the output pipes open).
        _signal_group(proc.pid, signal.SIGKILL)
    finally:
        stop.set()
    for reader in readers:
        reader.join(DRAIN_S)
    outcome = exit_outcome(reason, exited.code, ctx.spec.timeout, ctx.token)
    outcome.started_at = datetime.fromisoformat(meta["started_at"])
    outcome.finished_at = utcnow()
    spool.write_result(outcome.to_json())
    record = build_record(meta, outcome, _usage(outcome, sink, exited, wh),
                          EnvironmentSnapshot.model_validate(meta["environment"]))
    workdir = Path(ctx.spec.workdir or os.getcwd())
    tests = store_artifacts(wh.settings.home, ctx.job_id, ctx.spec.artifacts,
                            lambda limit: collect_local(workdir, ctx.spec.artifacts, limit))
    return commit(wh, record, collector.entries(), sink.samples, spool, tests)


def _usage(outcome: Outcome, sink: SampleSink, exited: _Exit, wh: Recorder) -> ResourceUsage:
    # Not ru_maxrss: it counts this (large) Python process's pages copied into the child
    # before exec, so the sampled tree RSS is the honest peak.
    duration = None
    if outcome.started_at and outcome.finished_at:
        duration = (outcome.finished_at - outcome.started_at).total_seconds()
    cpu = exited.cpu_seconds if exited.cpu_seconds is not None else sink.cpu_seconds
    return resource_usage(sink.samples, cpu, sink.peak_mb, duration, None,
                          wh.settings.cost)


def _reap(proc: subprocess.Popen[bytes], exited: _Exit) -> None:
    # wait4 rather than Popen.wait: it also returns the rusage of the whole waited-for tree.
    try:
        _, status, usage = os.wait4(proc.pid, 0)
        exited.code = _shell_code(os.waitstatus_to_exitcode(status))
        proc.returncode = exited.code
        exited.cpu_seconds = usage.ru_utime + usage.ru_stime
    except ChildProcessError:
        exited.code = proc.poll()
    finally:
        exited.done.set()


def _halt(proc: subprocess.Popen[bytes], reason: str, exited: _Exit) -> None:
    # A timeout kills at once (as docker kill does); a cancel lets the job clean up first.
    first = signal.SIGKILL if reason == "timeout" else signal.SIGTERM
    _signal_group(proc.pid, first)
    if not exited.done.wait(STOP_GRACE_S):
        _signal_group(proc.pid, signal.SIGKILL)
        exited.done.wait(STOP_GRACE_S)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _shell_code(code: int) -> int:
    """A signal death as a shell reports it (128 + signal), like Docker's exit codes."""
    return 128 - code if code < 0 else code


def _environment(ctx: RunContext, program: str) -> EnvironmentSnapshot:
    spec = ctx.spec
    path = {**os.environ, **spec.env}.get("PATH", "")
    ignored = [k for k in ("memory", "cpus", "network") if getattr(spec, k) is not None]
    config: dict[str, Any] = {
        "executable": program, "cwd": os.path.abspath(spec.workdir or os.getcwd()),
        "user": getpass.getuser(), "platform": platform.platform()}
    if ignored:
        config["not_enforced"] = ignored  # limits that only a container can apply
    return EnvironmentSnapshot(env=redact_env({**spec.env, "PATH": path}),
                               container_config=config)
