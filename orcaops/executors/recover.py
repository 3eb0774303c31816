"""``recover_spooled``: finish runs whose recorder died, from their spool and container.

A spool directory whose lock is free belongs to a recorder that is gone. What is known:
    - Docker, container still there: the container's own state and complete logs are the
      truth. A still-running container is supervised again (its remaining timeout applies);
      an ended one is inspected.
    - Otherwise (local jobs, or the container was removed): the spooled lines and samples,
      and result.json if the job had ended before the recorder died.
A run already in the warehouse (the recorder died after its commit) is only cleaned up.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from typing import Any

from orcaops.core.errors import ExecutorError
from orcaops.core.models import EnvironmentSnapshot, RunRecord, utcnow
from orcaops.executors import docker as docker_exec
from orcaops.executors import docker_state
from orcaops.executors.record import (
    Outcome,
    Recorder,
    build_record,
    commit,
    is_committed,
    resource_usage,
)
from orcaops.executors.sampling import SampleSink
from orcaops.executors.secrets import secret_values
from orcaops.executors.signals import CancelToken, cancel_on_signals
from orcaops.executors.spool import META, Spool, list_spools
from orcaops.executors.stale import stop_stale_group
from orcaops.executors.streams import (
    LineCollector,
    number_lines,
    parse_docker_time,
    rows_from_spool,
    split_docker_log,
)

DIED_RUNNING = ("the recorder died while the job was running; recovered from its spool "
                "(output after the crash was not captured)")
DIED_BEFORE_START = "the recorder died before the job started"


def recover_spooled(wh: Recorder, token: CancelToken | None = None) -> list[RunRecord]:
    """Store every spooled run that no live process is recording and is not committed.

    Docker spools are left alone (for a later call) when no engine is reachable.

    Args:
        wh: the Warehouse whose ``settings.spool`` is scanned and that receives the runs.
        token: cancels waiting for a still-running container (SIGINT/SIGTERM do too).

    Returns:
        The records stored, oldest spool first.
    """
    token = token or CancelToken()
    stored = []
    with cancel_on_signals(token):
        for path in list_spools(wh.settings.spool):
            try:
                spool = Spool.try_open(path)
            except OSError:  # no lock file can be made (a full disk): judge by meta.json
                if not (path / META).exists():
                    shutil.rmtree(path, ignore_errors=True)
                continue
            if spool is None:
                continue  # its recorder is alive and holds the lock
            try:
                record = _recover_one(wh, spool, token)
            finally:
                spool.close()
            if record is not None:
                stored.append(record)
    return stored


def _recover_one(wh: Recorder, spool: Spool, token: CancelToken) -> RunRecord | None:
    meta = spool.read_meta()
    if "spec" not in meta:
        spool.remove()  # died while writing its first file: nothing ran
        return None
    if meta.get("executor") == "docker" and not docker_exec.docker_available():
        return None  # its container can only be judged by the engine: leave it for later
    container_id = str(meta.get("container_id") or "")
    if meta.get("executor") == "docker" and not container_id:
        # Died between create and writing the id down: the label still finds the container.
        container_id = _container_by_label(meta["job_id"]) or ""
        meta["container_id"] = container_id or None
    is_docker = bool(container_id)
    if is_committed(wh, meta["job_id"]):
        if is_docker:
            docker_exec.remove_container(docker_exec.connect(), container_id)
        spool.remove()
        return None
    if is_docker:
        try:
            return _recover_docker(wh, spool, meta, token)
        except ExecutorError:
            pass  # the container is gone: fall back to what was spooled
    return _recover_from_spool(wh, spool, meta)


def _recover_docker(wh: Recorder, spool: Spool, meta: dict[str, Any],
                    token: CancelToken) -> RunRecord:
    engine = docker_exec.connect()
    cid = meta["container_id"]
    info = docker_state.inspect(engine.control, cid)
    secrets = _container_secrets(info, meta)
    sink = SampleSink(spool)
    sink.preload(spool.read_samples())
    state = info.get("State") or {}
    result = spool.read_result()
    if state.get("Running"):
        # Logs follow from the container's start, so the collector sees every line again.
        collector = LineCollector(None, secrets)
        reason = docker_exec.supervise(engine, cid, collector, sink, token,
                                       _deadline(state, meta), 1.0)
        return docker_exec.finish(engine, wh, spool, meta, cid, collector, sink, reason, token)
    collector = LineCollector(None, secrets)
    _read_all_logs(engine, cid, collector)
    ended: Outcome | str = Outcome.from_json(result) if result else "exited"
    if not result and not state.get("StartedAt", "").startswith("2"):
        ended = Outcome("error", error_message=DIED_BEFORE_START)
    return docker_exec.finish(engine, wh, spool, meta, cid, collector, sink, ended, token)


def _recover_from_spool(wh: Recorder, spool: Spool, meta: dict[str, Any]) -> RunRecord:
    rows = rows_from_spool(spool.read_logs())
    samples = spool.read_samples()
    result = spool.read_result()
    stopped = None if result else stop_stale_group(meta)
    if result:
        outcome = Outcome.from_json(result)
    elif stopped is not None:
        outcome = stopped
    else:
        started = meta.get("started_at") or meta.get("container_id")
        outcome = Outcome("error", error_message=DIED_RUNNING if started else DIED_BEFORE_START)
        times = [r[0] for r in rows] + [s.ts for s in samples]
        outcome.finished_at = max(times) if times else utcnow()
    sink = SampleSink(None)
    sink.preload(samples)
    duration = _duration(meta, outcome)
    usage = resource_usage(samples, sink.cpu_seconds, sink.peak_mb, duration, None,
                           wh.settings.cost)
    env = meta.get("environment")
    record = build_record(meta, outcome, usage,
                          EnvironmentSnapshot.model_validate(env) if env else None)
    return commit(wh, record, number_lines(rows), samples, spool)


def _container_by_label(job_id: str) -> str | None:
    found = docker_exec.connect().control.api.containers(
        all=True, filters={"label": f"{docker_exec.LABEL_JOB}={job_id}"})
    return str(found[0]["Id"]) if found else None


def _read_all_logs(engine: docker_exec.Engine, cid: str, collector: LineCollector) -> None:
    for stream in ("stdout", "stderr"):
        data = engine.control.api.logs(cid, stdout=stream == "stdout",
                                       stderr=stream == "stderr", timestamps=True)
        for ts, line in split_docker_log([data]):
            collector.add(stream, ts, line)


def _container_secrets(info: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    # The spool holds only redacted env values; the container still has the real ones.
    names = set((meta["spec"].get("env") or {}).keys())
    env = dict(e.partition("=")[::2] for e in (info.get("Config") or {}).get("Env") or [])
    return secret_values({k: v for k, v in env.items() if k in names})


def _deadline(state: dict[str, Any], meta: dict[str, Any]) -> float | None:
    timeout = meta["spec"].get("timeout")
    started = parse_docker_time(state.get("StartedAt") or "")
    if not timeout or started is None:
        return None
    remaining = timeout - (utcnow() - started).total_seconds()
    return time.monotonic() + max(remaining, 0.0)


def _duration(meta: dict[str, Any], outcome: Outcome) -> float | None:
    start = outcome.started_at or _time(meta.get("started_at"))
    if start is None or outcome.finished_at is None:
        return None
    return max((outcome.finished_at - start).total_seconds(), 0.0)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
