"""A live ``orcaops run`` exported to a real OTLP/HTTP receiver, decoded with the OTLP protobufs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import orcaops
from orcaops.telemetry.signals import nanos, trace_ids

from .conftest import Receiver, attrs

SCRIPT = ("import sys, time\n"
          "print('2026-11-20T12:00:00Z INFO starting the job', flush=True)\n"
          "time.sleep(0.6)\n"
          "print('2026-11-20T12:00:01Z WARN disk almost full', file=sys.stderr, flush=True)\n"
          "print('2026-11-20T12:00:02Z ERROR database connection refused', file=sys.stderr)\n"
          "sys.exit(3)\n")


@pytest.fixture
def otel_env(monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> Receiver:
    for name in ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                 "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_SDK_DISABLED",
                 "OTEL_RESOURCE_ATTRIBUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=builds")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "ci-runner")
    return receiver


def test_a_failed_live_run_is_a_span_with_linked_logs_and_metrics(
        otel_env: Receiver, cli: Any, home: Path) -> None:
    result = cli("run", "--local", "--tag", "nightly", "--", sys.executable, "-c", SCRIPT)
    assert result.exit_code == 3, result.stderr
    assert "warning" not in result.stderr.lower()

    [(resource, span)] = otel_env.spans()
    a = attrs(span.attributes)
    job_id = a["orcaops.job_id"]
    trace_id, span_id = trace_ids(job_id)
    assert span.trace_id == trace_id.to_bytes(16, "big")
    assert span.span_id == span_id.to_bytes(8, "big")
    assert attrs(resource.attributes)["service.name"] == "ci-runner"
    assert span.status.code == 2  # STATUS_CODE_ERROR
    assert span.status.message == "exit code 3"
    assert (a["orcaops.status"], a["orcaops.exit_code"], a["orcaops.executor"]) == (
        "failed", 3, "local")
    assert a["orcaops.tags"] == ["nightly"]
    assert a["orcaops.command"].startswith(sys.executable)
    assert a["orcaops.failure_category"]
    assert "database connection refused" in a["orcaops.root_cause"]
    assert a["orcaops.memory_peak_mb"] > 0
    assert 0.5 < a["orcaops.duration_s"] < 30
    assert span.end_time_unix_nano - span.start_time_unix_nano == pytest.approx(
        a["orcaops.duration_s"] * 1e9, abs=2e6)
    [event] = span.events
    assert event.name == "orcaops.first_error"
    assert "database connection refused" in attrs(event.attributes)["orcaops.message"]
    stored = orcaops.open(home).logs(job_id).sort("line_number").to_dicts()
    assert event.time_unix_nano == nanos(stored[2]["ts"])  # the line's own timestamp

    logs = otel_env.logs()
    assert [(r.severity_text, r.body.string_value) for r in logs] == [
        ("INFO", "starting the job"), ("WARN", "disk almost full"),
        ("ERROR", "database connection refused")]
    assert [r.severity_number for r in logs] == [9, 13, 17]
    assert {(r.trace_id, r.span_id) for r in logs} == {(span.trace_id, span.span_id)}
    assert [r.time_unix_nano for r in logs] == [nanos(line["ts"]) for line in stored]
    assert attrs(logs[2].attributes)["log.iostream"] == "stderr"

    points = otel_env.metrics()
    assert points["orcaops.job.memory.usage"], "no memory samples exported"
    assert 0 < max(p.as_double for p in points["orcaops.job.memory.usage"]) <= (
        a["orcaops.memory_peak_mb"] + 0.01)
    assert attrs(points["orcaops.job.memory.usage"][0].attributes)["orcaops.job_id"] == job_id
    assert all(h.get("x-team") == "builds" for h in otel_env.headers)


def test_otel_sdk_disabled_exports_nothing(otel_env: Receiver, cli: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    result = cli("run", "--local", "--", sys.executable, "-c", "print('hi')")
    assert result.exit_code == 0, result.stderr
    assert all(requests == [] for requests in otel_env.received.values())
