"""A stored run as telemetry, pure: its span's ids, name, attributes and status, its first error
event, its log records' severities and its samples' data points.

No OpenTelemetry import here (``otlp`` turns these plain values into SDK objects), so what a
run exports can be read and tested without the SDK. A run is given as rows of the tables
(``runs``, ``logs``, ``samples``), whether just recorded or read back from history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from orcaops.core.vocabulary import FAILED_STATUSES

AttrValue = str | bool | int | float | list[str]

# OpenTelemetry's SeverityNumber for each of our levels (the first of each range).
SEVERITY: dict[str, int] = {"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}
# The run columns a span carries, as orcaops.<column> (None values are left out).
SPAN_COLUMNS = ("job_id", "status", "image", "command", "exit_code", "duration_s",
                "queue_wait_s", "baseline_key", "executor", "host", "triggered_by", "intent",
                "cpu_seconds", "memory_peak_mb", "estimated_cost_usd", "log_lines", "n_error",
                "n_warn", "failure_category", "first_error", "error_message")
# The sample columns exported as gauges: (column, metric name, unit, description).
GAUGES = (("cpu_percent", "orcaops.job.cpu.percent", "%",
           "CPU use of the job, percent of one core"),
          ("memory_mb", "orcaops.job.memory.usage", "MiB", "Memory the job used"))
FIRST_ERROR_EVENT = "orcaops.first_error"


@dataclass
class RunSignals:
    """One run as rows: its ``runs`` row, its ``logs`` rows in line order, its ``samples``."""

    run: Mapping[str, Any]
    logs: Sequence[Mapping[str, Any]] = field(default_factory=list)
    samples: Sequence[Mapping[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.run.get("status") in FAILED_STATUSES

    def peak_cpu_percent(self) -> float | None:
        values = [s["cpu_percent"] for s in self.samples if s.get("cpu_percent") is not None]
        return max(values) if values else None

    def first_error_line(self) -> Mapping[str, Any] | None:
        """The first log line parsed as an error (ERROR or FATAL, or part of a trace)."""
        return next((line for line in self.logs if line.get("is_error")), None)

    def root_cause(self) -> str | None:
        """The first line of the block of log lines that made the run fail (failed runs)."""
        if not self.failed:
            return None
        first = self.run.get("root_cause_first_line")
        if first is not None:
            for line in self.logs:
                if line.get("line_number") == first:
                    return str(line.get("message"))
        return self.run.get("first_error") or None


def trace_ids(job_id: str) -> tuple[int, int]:
    """The run's trace id (128 bits) and span id (64 bits), derived from its job id, so a
    run exported twice (live, then again with ``otel export``) is the same span."""
    digest = hashlib.sha256(job_id.encode()).digest()
    trace_id = int.from_bytes(digest[:16], "big") or 1  # all zeros is invalid in OTLP
    span_id = int.from_bytes(digest[16:24], "big") or 1
    return trace_id, span_id


def nanos(moment: datetime | None) -> int | None:
    """Nanoseconds since the epoch (a naive datetime is UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1_000_000) * 1000


def span_name(run: Mapping[str, Any]) -> str:
    """Low-cardinality: what ran (the image, or the executor), not which run."""
    return f"orcaops run {run.get('image') or run.get('executor') or 'job'}"


def span_attributes(signals: RunSignals) -> dict[str, AttrValue]:
    """``orcaops.*`` attributes of the run's span: the columns in ``SPAN_COLUMNS``, its tags,
    its peak CPU and, for a failed run, its root cause line."""
    run = signals.run
    attrs: dict[str, AttrValue] = {}
    for column in SPAN_COLUMNS:
        value = run.get(column)
        if value is not None and value != "":
            attrs[f"orcaops.{column}"] = value
    if run.get("tags"):
        attrs["orcaops.tags"] = [str(t) for t in run["tags"]]
    peak = signals.peak_cpu_percent()
    if peak is not None:
        attrs["orcaops.cpu_percent_peak"] = round(float(peak), 3)
    cause = signals.root_cause()
    if cause:
        attrs["orcaops.root_cause"] = cause
    return attrs


def status_of(run: Mapping[str, Any]) -> tuple[str, str | None]:
    """The span status: ``ERROR`` (with the run's error message) for a failed, timed-out or
    errored run, ``OK`` for a success, ``UNSET`` otherwise (cancelled)."""
    if run.get("status") in FAILED_STATUSES:
        return "ERROR", run.get("error_message") or f"run {run.get('status')}"
    return ("OK", None) if run.get("status") == "success" else ("UNSET", None)


def error_event(signals: RunSignals) -> tuple[int, dict[str, AttrValue]] | None:
    """The first error line as a span event: its time (the line's, else the run's start)
    and attributes. None when no line was an error."""
    line = signals.first_error_line()
    if line is None:
        return None
    at = nanos(line.get("ts")) or nanos(signals.run.get("started_at")) or 0
    attrs: dict[str, AttrValue] = {"orcaops.message": str(line.get("message")),
                                   "orcaops.line_number": int(line.get("line_number") or 0)}
    if line.get("level"):
        attrs["orcaops.level"] = str(line["level"])
    if line.get("stream"):
        attrs["log.iostream"] = str(line["stream"])
    return at, attrs


def log_attributes(job_id: str, line: Mapping[str, Any]) -> dict[str, AttrValue]:
    """A log record's attributes: the run, the line number, the stream, its template."""
    attrs: dict[str, AttrValue] = {"orcaops.job_id": job_id,
                                   "orcaops.line_number": int(line.get("line_number") or 0)}
    if line.get("stream"):
        attrs["log.iostream"] = str(line["stream"])
    if line.get("template_id"):
        attrs["orcaops.template_id"] = str(line["template_id"])
    return attrs


def metric_attributes(run: Mapping[str, Any]) -> dict[str, AttrValue]:
    """The job attributes every sample's data point carries."""
    attrs: dict[str, AttrValue] = {"orcaops.job_id": str(run["job_id"])}
    for column in ("image", "baseline_key", "status", "executor"):
        if run.get(column):
            attrs[f"orcaops.{column}"] = str(run[column])
    return attrs
