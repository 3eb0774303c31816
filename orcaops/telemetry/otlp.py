"""Runs to an OTLP/HTTP collector through the OpenTelemetry SDK and its protobuf exporters.

Each run becomes one span (its start and end, ``orcaops.*`` attributes, an event for the first
error line), one log record per log line (linked to the span by trace and span id), and a
gauge data point per resource sample (CPU, memory). The SDK's data classes are built directly
rather than through a tracer or meter: a run that already happened keeps its own times (a
meter would stamp a sample with the time of export) and its trace id, derived from the job id.

The exporters read the SDK's variables themselves (endpoints, ``OTEL_EXPORTER_OTLP_HEADERS``,
timeouts, certificates, compression); the resource reads ``OTEL_SERVICE_NAME`` and
``OTEL_RESOURCE_ATTRIBUTES`` (service name ``orcaops`` unless they name one).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from orcaops.core.errors import TelemetryError
from orcaops.telemetry import signals as sig
from orcaops.telemetry.settings import INSTALL_HINT, otel_signals

try:  # the otel extra: this module is imported only when export is asked for
    from opentelemetry import trace as trace_api
    from opentelemetry._logs import LogRecord, SeverityNumber
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs import ReadableLogRecord
    from opentelemetry.sdk.metrics.export import (
        Gauge,
        Metric,
        MetricExportResult,
        MetricsData,
        NumberDataPoint,
        ResourceMetrics,
        ScopeMetrics,
    )
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExportResult
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags
except ImportError as e:  # pragma: no cover - exercised without the extra
    raise TelemetryError(f"OTLP export needs the OpenTelemetry SDK ({e.name} is missing): "
                         f"{INSTALL_HINT}") from None

# Records per request: a run of 100k log lines goes in several requests, none too large.
LOGS_PER_REQUEST = 5000
SPANS_PER_REQUEST = 500
POINTS_PER_REQUEST = 10000
PROTOCOL_VARIABLES = ("OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                      "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL")
TIMEOUT_VARIABLES = ("OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
                     "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT")


@dataclass
class ExportCounts:
    """What was sent: runs (spans), log records and metric data points."""

    spans: int = 0
    logs: int = 0
    points: int = 0

    def add(self, other: ExportCounts) -> None:
        self.spans += other.spans
        self.logs += other.logs
        self.points += other.points


class OtlpExporter:
    """Exports runs to the endpoints the environment names, one request per batch.

    Args:
        timeout: seconds per request (retries included) when no ``OTEL_EXPORTER_OTLP_*TIMEOUT``
            variable says otherwise; None keeps the SDK's default (10 s).
        env: the variables to read (default ``os.environ``).

    Raises:
        TelemetryError: no endpoint is configured.
    """

    def __init__(self, *, timeout: float | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.signals = otel_signals(env)
        if not self.signals:
            raise TelemetryError("no OTLP endpoint is configured: set "
                                 "OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://localhost:4318)")
        protocol = _protocol(env)
        if protocol is not None:
            raise TelemetryError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported: "
                                 "orcaops exports over http/protobuf (port 4318 by default)")
        if any(env.get(name) for name in TIMEOUT_VARIABLES):
            timeout = None
        self.resource = service_resource()
        self.scope = InstrumentationScope("orcaops", _version())
        self._spans = OTLPSpanExporter(timeout=timeout) if "traces" in self.signals else None
        self._logs = OTLPLogExporter(timeout=timeout) if "logs" in self.signals else None
        self._metrics = (OTLPMetricExporter(timeout=timeout) if "metrics" in self.signals
                         else None)

    def export(self, runs: Sequence[sig.RunSignals]) -> ExportCounts:
        """Send the runs' spans, then their log records, then their samples.

        Raises:
            TelemetryError: a request failed (the first failure stops the rest).
        """
        counts = ExportCounts()
        with _sdk_messages() as messages:
            if self._spans is not None:
                for chunk in _chunks([span(r, self.resource, self.scope) for r in runs],
                                     SPANS_PER_REQUEST):
                    _check(self._spans.export(chunk) == SpanExportResult.SUCCESS, "spans",
                           messages)
                    counts.spans += len(chunk)
            if self._logs is not None:
                for chunk in _chunks(self._log_records(runs), LOGS_PER_REQUEST):
                    _check(_log_ok(self._logs.export(chunk)), "logs", messages)
                    counts.logs += len(chunk)
            if self._metrics is not None:
                points = [p for r in runs for p in sample_points(r)]
                for chunk in _chunks(iter(points), POINTS_PER_REQUEST):
                    data = metrics_data(chunk, self.resource, self.scope)
                    _check(self._metrics.export(data) == MetricExportResult.SUCCESS,
                           "metrics", messages)
                    counts.points += len(chunk)
        return counts

    def _log_records(self, runs: Sequence[sig.RunSignals]) -> Iterator[ReadableLogRecord]:
        for run in runs:
            yield from log_records(run, self.resource, self.scope)

    def shutdown(self) -> None:
        for exporter in (self._spans, self._logs, self._metrics):
            if exporter is not None:
                exporter.shutdown()


def service_resource() -> Resource:
    """The SDK's resource from the environment, named ``orcaops`` unless it names a service."""
    resource = Resource.create()
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": "orcaops"}))
    return resource


def span(run: sig.RunSignals, resource: Resource, scope: InstrumentationScope) -> ReadableSpan:
    """The run as one finished span."""
    trace_id, span_id = sig.trace_ids(str(run.run["job_id"]))
    start = sig.nanos(run.run.get("started_at")) or sig.nanos(run.run.get("queued_at"))
    end = sig.nanos(run.run.get("finished_at")) or start
    code, description = sig.status_of(run.run)
    event = sig.error_event(run)
    events = [Event(sig.FIRST_ERROR_EVENT, event[1], timestamp=event[0])] if event else []
    return ReadableSpan(
        name=sig.span_name(run.run), context=_context(trace_id, span_id), resource=resource,
        attributes=sig.span_attributes(run), events=events, kind=SpanKind.INTERNAL,
        status=Status(StatusCode[code], description), start_time=start or end, end_time=end,
        instrumentation_scope=scope)


def log_records(run: sig.RunSignals, resource: Resource, scope: InstrumentationScope
                ) -> Iterator[ReadableLogRecord]:
    """One record per log line, in the run's trace, at the line's time."""
    job_id = str(run.run["job_id"])
    trace_id, span_id = sig.trace_ids(job_id)
    ctx = trace_api.set_span_in_context(trace_api.NonRecordingSpan(_context(trace_id, span_id)))
    fallback = sig.nanos(run.run.get("finished_at"))
    for line in run.logs:
        level = line.get("level")
        at = sig.nanos(line.get("ts"))
        record = LogRecord(
            timestamp=at, observed_timestamp=at or fallback, context=ctx,
            severity_text=level, body=line.get("message"),
            severity_number=SeverityNumber(sig.SEVERITY.get(level or "", 0)),
            attributes=sig.log_attributes(job_id, line))
        yield ReadableLogRecord(record, resource=resource, instrumentation_scope=scope)


def sample_points(run: sig.RunSignals) -> Iterator[tuple[str, NumberDataPoint]]:
    """Each sample's CPU and memory as (metric name, data point) with the job's attributes."""
    attrs = sig.metric_attributes(run.run)
    start = sig.nanos(run.run.get("started_at")) or 0
    for sample in run.samples:
        at = sig.nanos(sample.get("ts"))
        if at is None:
            continue
        for column, name, _, _ in sig.GAUGES:
            if sample.get(column) is not None:
                yield name, NumberDataPoint(attributes=attrs, start_time_unix_nano=start,
                                            time_unix_nano=at, value=float(sample[column]))


def metrics_data(points: Sequence[tuple[str, NumberDataPoint]], resource: Resource,
                 scope: InstrumentationScope) -> MetricsData:
    """Gauges of the given points, one metric per name."""
    metrics = [Metric(name=name, description=description, unit=unit,
                      data=Gauge(data_points=[p for n, p in points if n == name]))
               for _, name, unit, description in sig.GAUGES
               if any(n == name for n, _ in points)]
    return MetricsData(resource_metrics=[ResourceMetrics(
        resource=resource, scope_metrics=[ScopeMetrics(scope=scope, metrics=metrics,
                                                       schema_url="")], schema_url="")])


def _protocol(env: Mapping[str, str]) -> str | None:
    """The first OTLP protocol variable asking for something other than http/protobuf."""
    for name in PROTOCOL_VARIABLES:
        value = env.get(name, "").strip().lower()
        if value and value != "http/protobuf":
            return value
    return None


def _version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("orcaops")
    except PackageNotFoundError:
        return None


def _context(trace_id: int, span_id: int) -> SpanContext:
    return SpanContext(trace_id, span_id, is_remote=False,
                       trace_flags=TraceFlags(TraceFlags.SAMPLED))


def _log_ok(result: Any) -> bool:
    return getattr(result, "name", "") == "SUCCESS"


def _chunks(items: Any, size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check(ok: bool, what: str, messages: list[str]) -> None:
    if not ok:
        why = f": {messages[-1]}" if messages else ""
        raise TelemetryError(f"could not export {what} over OTLP{why}")


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage().splitlines()[0][:300])


@contextmanager
def _sdk_messages() -> Iterator[list[str]]:
    """Keep the SDK's own warnings (one per failed request and retry) for our one error,
    instead of letting them reach stderr through logging's last-resort handler."""
    logger = logging.getLogger("opentelemetry")
    messages: list[str] = []
    handler = _Collect(messages)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
