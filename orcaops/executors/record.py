"""From a finished job to a committed run: outcome, resource usage, record, commit.

Both executors and ``recover`` end here, so a recovered run is built exactly like a live one.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from orcaops.core.config import CostRates, Settings
from orcaops.core.errors import OrcaOpsError, WarehouseError
from orcaops.core.models import (
    EnvironmentSnapshot,
    LogEntry,
    ResourceSample,
    ResourceUsage,
    RunRecord,
    command_text,
    utcnow,
)
from orcaops.executors.signals import CancelToken
from orcaops.executors.spool import Spool

POLL_S = 0.05


class Recorder(Protocol):
    """Where executors store runs (``orcaops.Warehouse`` is one): its settings (spool, cost
    rates), whether a job id is stored, and recording one finished run."""

    settings: Settings

    def has_run(self, job_id: str) -> bool: ...

    def record(self, run: RunRecord, logs: list[LogEntry] | None = None,
               samples: list[ResourceSample] | None = None, *, replace: bool = False,
               tests: list[dict[str, Any]] | None = None) -> RunRecord: ...


@dataclass
class Outcome:
    """How a job ended, before anything is stored."""

    status: str
    exit_code: int | None = None
    error_message: str | None = None
    failure_category: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict for result.json."""
        data = asdict(self)
        for key in ("started_at", "finished_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        """The inverse of ``to_json``."""
        times = {k: datetime.fromisoformat(data[k]) if data.get(k) else None
                 for k in ("started_at", "finished_at")}
        return cls(**{**data, **times})


def wait_for_exit(done: threading.Event, deadline: float | None, token: CancelToken) -> str:
    """Block until the job exits, its deadline passes, or it is cancelled.

    Waits on ``done`` (set the moment the job exits) in short slices, so a cancel -- set by a
    signal handler, which only runs between bytecodes of the main thread -- or the deadline is
    acted on within ``POLL_S``.

    Returns:
        ``"exited"``, ``"timeout"`` or ``"cancelled"``.
    """
    while not done.is_set():
        if token.cancelled:
            return "cancelled"
        if deadline is not None and time.monotonic() >= deadline:
            return "timeout"
        done.wait(POLL_S)
    return "exited"


def exit_outcome(reason: str, exit_code: int | None, timeout: float | None,
                 token: CancelToken) -> Outcome:
    """Status, message and category from why the wait ended and the exit code."""
    if reason == "timeout":
        return Outcome("timeout", exit_code, f"timed out after {timeout:g}s", "timeout")
    if reason == "cancelled":
        return Outcome("cancelled", exit_code, token.reason or "cancelled")
    if exit_code == 0:
        return Outcome("success", 0)
    return Outcome("failed", exit_code, f"exit code {exit_code}")


def resource_usage(samples: list[ResourceSample], cpu_seconds: float | None,
                   peak_mb: float | None, duration_s: float | None,
                   disk_mb: float | None, rates: CostRates) -> ResourceUsage:
    """What the run consumed, with its estimated cost.

    Network counters are cumulative, so the last sample that has them is the total; they
    stay None when the job had no network interface at all (network mode ``none``).
    """
    rx = tx = None
    for sample in reversed(samples):
        if sample.network_rx_bytes is not None or sample.network_tx_bytes is not None:
            rx, tx = sample.network_rx_bytes, sample.network_tx_bytes
            break
    cost = rates.estimate(cpu_seconds or 0.0, peak_mb or 0.0, duration_s or 0.0,
                          (rx or 0) + (tx or 0))
    return ResourceUsage(
        cpu_seconds=round(cpu_seconds, 6) if cpu_seconds is not None else None,
        memory_peak_mb=round(peak_mb, 3) if peak_mb is not None else None,
        network_rx_bytes=rx, network_tx_bytes=tx,
        disk_usage_mb=round(disk_mb, 3) if disk_mb is not None else None,
        estimated_cost_usd=cost)


def build_record(meta: dict[str, Any], outcome: Outcome, usage: ResourceUsage | None = None,
                 environment: EnvironmentSnapshot | None = None) -> RunRecord:
    """The run record from the spool's meta (spec, executor, times) and the outcome."""
    spec = meta["spec"]
    return RunRecord(
        job_id=meta["job_id"], status=outcome.status,  # type: ignore[arg-type]
        image=spec.get("image") if meta.get("executor") == "docker" else None,
        command=command_text(list(spec["command"])), triggered_by=spec.get("triggered_by") or "cli",
        intent=spec.get("intent"), parent_job_id=spec.get("parent_job_id"),
        tags=list(spec.get("tags") or []), metadata=dict(spec.get("metadata") or {}),
        queued_at=meta.get("queued_at"),
        started_at=outcome.started_at or meta.get("started_at"),
        finished_at=outcome.finished_at or utcnow(), exit_code=outcome.exit_code,
        error_message=outcome.error_message, failure_category=outcome.failure_category,
        resources=usage or ResourceUsage(), executor=meta.get("executor"),
        host=meta.get("host") or socket.gethostname(), environment=environment)


def commit(wh: Recorder, record: RunRecord, logs: list[LogEntry],
           samples: list[ResourceSample], spool: Spool | None,
           tests: list[dict[str, Any]] | None = None) -> RunRecord:
    """Store the run (logs and samples first, the runs row last) and drop its spool.
    ``tests``: test rows from its JUnit artifacts (None: read from the log).

    If the warehouse refuses, the spool is kept (unlocked) for ``recover`` and the error is
    raised.

    Raises:
        WarehouseError: the commit failed; the run can be recovered later.
    """
    try:
        stored = wh.record(record, logs, samples, tests=tests)
    except OrcaOpsError:
        if spool is not None:
            spool.close()
        raise
    except Exception as e:
        if spool is not None:
            spool.close()
        raise WarehouseError(f"could not store run {record.job_id}: {e}") from e
    if spool is not None:
        spool.remove()
    return stored


def is_committed(wh: Recorder, job_id: str) -> bool:
    """Whether the runs table already holds ``job_id`` (its commit point)."""
    return wh.has_run(job_id)
