"""``orcaops otel export``: stored history to a real OTLP/HTTP receiver; its errors; a run
whose collector is down or whose SDK is missing still succeeds, with one warning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import orcaops
from orcaops.telemetry.signals import trace_ids
from tests.conftest import NOW, make_run

from .conftest import Receiver, attrs

OTEL_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                  "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                  "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
                  "OTEL_SDK_DISABLED")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())


def history(home: Path) -> None:
    """Two runs this week (one failed, with logs and samples) and one a month before NOW."""
    orcaops.open(home).import_records([
        make_run("hist-ok", started_at="2026-11-18T10:00:00Z", finished_at="2026-11-18T10:01:00Z",
                 tags=["ci", "nightly"]),
        make_run("hist-fail", status="failed", exit_code=2, started_at="2026-11-19T08:00:00Z",
                 finished_at="2026-11-19T08:00:30Z",
                 logs=[{"ts": "2026-11-19T08:00:01Z", "stream": "stdout",
                        "line": "INFO collecting"},
                       {"ts": "2026-11-19T08:00:02Z", "stream": "stderr",
                        "line": "ERROR ImportError: cannot import name 'x' from 'y'"}],
                 samples=[{"ts": "2026-11-19T08:00:05Z", "cpu_percent": 75.0,
                           "memory_mb": 256.0},
                          {"ts": "2026-11-19T08:00:10Z", "cpu_percent": 25.0,
                           "memory_mb": 300.0}]),
        make_run("hist-old", started_at="2026-10-01T10:00:00Z",
                 finished_at="2026-10-01T10:01:00Z"),
    ])


def test_export_sends_the_window_s_runs_logs_and_samples(
        home: Path, cli: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    history(home)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=ci")
    result = cli("otel", "export", "--since", "7d")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ("exported 2 runs, 2 log records and 4 metric points "
                             "(since 2026-11-13 12:00 UTC)\n")
    spans = {attrs(s.attributes)["orcaops.job_id"]: (r, s) for r, s in receiver.spans()}
    assert set(spans) == {"hist-ok", "hist-fail"}
    resource, failed = spans["hist-fail"]
    assert attrs(resource.attributes)["service.name"] == "orcaops"
    assert attrs(resource.attributes)["deployment.environment"] == "ci"
    a = attrs(failed.attributes)
    assert (a["orcaops.status"], a["orcaops.exit_code"], a["orcaops.image"]) == (
        "failed", 2, "python:3.11")
    assert a["orcaops.cpu_percent_peak"] == 75.0
    assert a["orcaops.failure_category"] == "dependency"
    assert "cannot import name" in a["orcaops.root_cause"]
    assert failed.status.code == 2
    assert failed.start_time_unix_nano == 1_795_075_200 * 10**9  # 2026-11-19T08:00:00Z
    assert failed.end_time_unix_nano == 1_795_075_230 * 10**9
    assert [e.name for e in failed.events] == ["orcaops.first_error"]
    assert failed.events[0].time_unix_nano == 1_795_075_202 * 10**9
    ok = spans["hist-ok"][1]
    assert ok.status.code == 1 and not ok.events  # STATUS_CODE_OK
    assert attrs(ok.attributes)["orcaops.tags"] == ["ci", "nightly"]

    logs = receiver.logs()
    assert [(r.severity_number, r.time_unix_nano) for r in logs] == [
        (9, 1_795_075_201 * 10**9), (17, 1_795_075_202 * 10**9)]
    assert {r.trace_id for r in logs} == {trace_ids("hist-fail")[0].to_bytes(16, "big")}
    points = receiver.metrics()
    assert [(p.time_unix_nano, p.as_double) for p in points["orcaops.job.cpu.percent"]] == [
        (1_795_075_205 * 10**9, 75.0), (1_795_075_210 * 10**9, 25.0)]
    assert [p.as_double for p in points["orcaops.job.memory.usage"]] == [256.0, 300.0]
    assert attrs(points["orcaops.job.memory.usage"][0].attributes) == {
        "orcaops.job_id": "hist-fail", "orcaops.image": "python:3.11",
        "orcaops.baseline_key": a["orcaops.baseline_key"], "orcaops.status": "failed"}


def test_export_takes_a_query_and_per_signal_endpoints(
        home: Path, cli: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    history(home)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{receiver.url}/v1/traces")
    result = cli("otel", "export", "--since", "all", "status:success")
    assert result.exit_code == 0, result.stderr
    assert sorted(attrs(s.attributes)["orcaops.job_id"] for _, s in receiver.spans()) == [
        "hist-ok", "hist-old"]
    assert receiver.received["/v1/logs"] == receiver.received["/v1/metrics"] == []


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--since", "soon"], {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"},
     "error: bad --since 'soon': use a date"),
    ([], {}, "error: no OTLP endpoint is configured: set OTEL_EXPORTER_OTLP_ENDPOINT"),
    ([], {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_SDK_DISABLED": "true"},
     "error: OTEL_SDK_DISABLED=true: unset it to export"),
    (["status:"], {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}, "error: "),
])
def test_export_errors_are_one_message_and_exit_2(
        home: Path, cli: Any, monkeypatch: pytest.MonkeyPatch, args: list[str],
        env: dict[str, str], message: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = cli("otel", "export", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def test_a_refusing_collector_is_an_error_of_export(
        home: Path, cli: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    history(home)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{receiver.url}/wrong/path")
    result = cli("otel", "export")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: could not export spans over OTLP")
    assert "404" in result.stderr and result.stderr.count("\n") == 1


def run_cli(home: Path, env: dict[str, str], *args: str,
            prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = f"{prelude}import sys; from orcaops.cli import run; sys.argv[1:] = {list(args)!r}; run()"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if k not in OTEL_VARIABLES},
             "ORCAOPS_HOME": str(home), **env})


JOB = ["run", "--local", "--", sys.executable, "-c", "print('ERROR one'); print('ERROR two')"]


def test_a_live_run_whose_collector_is_down_warns_once_and_is_stored(home: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    result = run_cli(home, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
                            "OTEL_EXPORTER_OTLP_TIMEOUT": "1"}, *JOB)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("warning: could not export spans over OTLP")
    assert "Traceback" not in result.stderr
    assert orcaops.open(home).runs().height == 1


def test_without_the_sdk_a_live_run_says_what_to_install(home: Path) -> None:
    # The otel extra not installed: the import fails as it would (a None entry in sys.modules).
    result = run_cli(home, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}, *JOB,
                     prelude="import sys; sys.modules['opentelemetry'] = None; ")
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if "warning" in line] == [
        "warning: OTLP export needs the OpenTelemetry SDK (opentelemetry is missing): "
        "pip install 'orcaops[otel]'"]
    assert orcaops.open(home).runs().height == 1


def test_export_without_the_sdk_names_the_extra(home: Path) -> None:
    orcaops.open(home)
    result = run_cli(home, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"},
                     "otel", "export", prelude="import sys; sys.modules['opentelemetry'] = None; ")
    assert (result.returncode, result.stderr) == (
        2, "error: orcaops otel export needs the otel extra: pip install 'orcaops[otel]'\n")


def test_without_the_variables_nothing_of_opentelemetry_is_imported(home: Path) -> None:
    orcaops.open(home)
    for args in (["runs", "search", "x"], JOB):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "orcaops", "--home", str(home), *args],
            capture_output=True, text=True, timeout=60,
            env={k: v for k, v in os.environ.items() if k not in OTEL_VARIABLES})
        assert result.returncode == 0, result.stderr
        imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                    if line.startswith("import time:")]
        assert "orcaops" in imported
        assert not [m for m in imported if m.startswith(("opentelemetry", "prometheus_client",
                                                         "google.protobuf"))]


def test_large_runs_go_in_several_requests(receiver: Receiver,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from orcaops.telemetry import otlp
    from orcaops.telemetry.signals import RunSignals

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setattr(otlp, "LOGS_PER_REQUEST", 2)
    monkeypatch.setattr(otlp, "POINTS_PER_REQUEST", 3)
    run = RunSignals(run={"job_id": "big", "status": "success", "started_at": NOW,
                          "finished_at": NOW},
                     logs=[{"line_number": i, "message": f"line {i}", "level": None}
                           for i in range(1, 6)],
                     samples=[{"ts": NOW, "cpu_percent": 1.0, "memory_mb": 2.0}] * 2)
    exporter = otlp.OtlpExporter()
    counts = exporter.export([run])
    exporter.shutdown()
    assert (counts.spans, counts.logs, counts.points) == (1, 5, 4)
    assert [len(req.resource_logs[0].scope_logs[0].log_records)
            for req in receiver.received["/v1/logs"]] == [2, 2, 1]
    assert len(receiver.received["/v1/metrics"]) == 2
    # A line without a timestamp keeps time 0 (unknown) and is observed at the run's end.
    first = receiver.logs()[0]
    assert (first.time_unix_nano, first.severity_number) == (0, 0)
    assert first.observed_time_unix_nano == int(NOW.timestamp()) * 10**9
