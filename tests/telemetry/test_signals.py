"""What a run exports, decided without the SDK: ids, status, attributes, severities, and
which variables turn export on."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from orcaops.telemetry.settings import otel_enabled, otel_signals
from orcaops.telemetry.signals import (
    SEVERITY,
    RunSignals,
    error_event,
    nanos,
    span_attributes,
    span_name,
    status_of,
    trace_ids,
)

T0 = datetime(2026, 11, 19, 8, 0, tzinfo=timezone.utc)


def test_ids_are_stable_per_job_and_differ_between_jobs() -> None:
    assert trace_ids("r-1") == trace_ids("r-1") != trace_ids("r-2")
    trace_id, span_id = trace_ids("r-1")
    assert 0 < trace_id < 2**128 and 0 < span_id < 2**64


@pytest.mark.parametrize(("status", "expected"), [
    ("success", ("OK", None)), ("failed", ("ERROR", "exit code 1")),
    ("timeout", ("ERROR", "exit code 1")), ("error", ("ERROR", "exit code 1")),
    ("cancelled", ("UNSET", None))])
def test_span_status_follows_the_run(status: str, expected: tuple[str, str | None]) -> None:
    assert status_of({"status": status, "error_message": "exit code 1"}) == expected


def test_attributes_leave_out_what_is_unknown_and_keep_the_root_cause() -> None:
    run = RunSignals(
        run={"job_id": "r-1", "status": "failed", "image": None, "command": "make",
             "exit_code": 2, "tags": ["a"], "root_cause_first_line": 2, "executor": "local",
             "first_error": "E1"},
        logs=[{"line_number": 1, "message": "ok", "is_error": False},
              {"line_number": 2, "message": "boom", "is_error": True, "level": "ERROR",
               "ts": T0, "stream": "stderr"}],
        samples=[{"cpu_percent": 10.0}, {"cpu_percent": None}, {"cpu_percent": 30.0}])
    assert span_attributes(run) == {
        "orcaops.job_id": "r-1", "orcaops.status": "failed", "orcaops.command": "make",
        "orcaops.exit_code": 2, "orcaops.executor": "local", "orcaops.first_error": "E1",
        "orcaops.tags": ["a"], "orcaops.cpu_percent_peak": 30.0, "orcaops.root_cause": "boom"}
    assert span_name(run.run) == "orcaops run local"
    assert error_event(run) == (nanos(T0), {
        "orcaops.message": "boom", "orcaops.line_number": 2, "orcaops.level": "ERROR",
        "log.iostream": "stderr"})


def test_a_successful_run_has_no_root_cause_or_event() -> None:
    run = RunSignals(run={"job_id": "r", "status": "success", "first_error": "x"},
                     logs=[{"line_number": 1, "message": "m", "is_error": False}])
    assert "orcaops.root_cause" not in span_attributes(run)
    assert error_event(run) is None


def test_severities_are_opentelemetry_s() -> None:
    assert SEVERITY == {"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}


@pytest.mark.parametrize(("env", "signals"), [
    ({}, ()),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, ("traces", "logs", "metrics")),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": " "}, ()),
    ({"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://c/v1/logs"}, ("logs",)),
])
def test_which_variables_turn_export_on(env: dict[str, str], signals: tuple[str, ...]) -> None:
    assert otel_signals(env) == signals
    assert otel_enabled(env) is bool(signals)
    assert otel_enabled({**env, "OTEL_SDK_DISABLED": "TRUE"}) is False


@pytest.mark.parametrize(("env", "message"), [
    ({}, "no OTLP endpoint is configured"),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
     "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: orcaops exports over http/protobuf"),
])
def test_an_exporter_refuses_what_it_cannot_do(env: dict[str, str], message: str) -> None:
    from orcaops.core.errors import TelemetryError
    from orcaops.telemetry.otlp import OtlpExporter

    with pytest.raises(TelemetryError, match=message):
        OtlpExporter(env=env)
