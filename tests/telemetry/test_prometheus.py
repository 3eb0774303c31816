"""``/metrics``: the warehouse in the Prometheus exposition format, read back with
prometheus_client's own parser and checked against the warehouse; and scraped by a real
Prometheus server (Debian's ``prometheus``, installed by .ci/install-prometheus.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

import orcaops
from orcaops.server.http import create_app
from orcaops.telemetry.prometheus import DURATION_BUCKETS, AlertState, WarehouseCollector, \
    exposition
from tests.conftest import NOW, make_run
from tests.server.conftest import free_port, start_server, stop_server

IMAGE = "ghcr.io/acme/build:2.1"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())


def runs() -> list[dict[str, Any]]:
    """Twelve quick runs of one job, one ten times slower (a duration anomaly), two failures
    of another image with different categories, and a run of a third."""
    out = [make_run(f"ok-{i:02d}", image=IMAGE, command="make test",
                    started_at=f"2026-11-{8 + i:02d}T10:00:00Z",
                    finished_at=f"2026-11-{8 + i:02d}T10:01:0{i % 10}Z") for i in range(12)]
    out.append(make_run("slow-1", image=IMAGE, command="make test",
                        started_at="2026-11-20T09:00:00Z", finished_at="2026-11-20T09:10:00Z"))
    out.append(make_run("fail-dep", status="failed", exit_code=1, started_at="2026-11-19T08:00:00Z",
                        finished_at="2026-11-19T08:00:30Z",
                        logs=[{"ts": "2026-11-19T08:00:01Z", "stream": "stderr",
                               "line": "ModuleNotFoundError: No module named 'requests'"}]))
    out.append(make_run("fail-timeout", status="timeout", exit_code=137,
                        started_at="2026-11-19T09:00:00Z", finished_at="2026-11-19T10:00:00Z"))
    out.append(make_run("other-1", image="node:20", command="npm test",
                        started_at="2026-11-19T11:00:00Z", finished_at="2026-11-19T11:00:03Z"))
    return out


@pytest.fixture
def wh(home: Path) -> orcaops.Warehouse:
    wh = orcaops.open(home)
    report = wh.import_records(runs())
    assert not report.errors, report.errors
    return wh


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_metrics_match_the_warehouse(wh: orcaops.Warehouse) -> None:
    client = TestClient(create_app(wh))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    found = families(response.text)

    stored = wh.runs()
    runs_total = {(s.labels["status"], s.labels["image"], s.labels["failure_category"]): s.value
                  for s in found["orcaops_runs"].samples}
    assert sum(runs_total.values()) == stored.height == 16
    assert runs_total[("success", IMAGE, "")] == 13
    assert runs_total[("failed", "python:3.11", "dependency")] == 1, runs_total
    assert runs_total[("timeout", "python:3.11", "timeout")] == 1
    assert found["orcaops_runs"].type == "counter"

    hist = found["orcaops_run_duration_seconds"]
    assert hist.type == "histogram"
    key = stored.filter(stored["job_id"] == "slow-1")["baseline_key"][0]
    mine = [s for s in hist.samples if s.labels["baseline_key"] == key]
    buckets = {s.labels["le"]: s.value for s in mine if s.name.endswith("_bucket")}
    assert list(buckets) == [*(str(float(b)) for b in DURATION_BUCKETS), "+Inf"]
    assert buckets["60.0"] == 2  # ok-00 and ok-10 took exactly 60 s
    assert buckets["120.0"] == 12 and buckets["600.0"] == buckets["+Inf"] == 13
    durations = stored.filter(stored["baseline_key"] == key)["duration_s"]
    [total] = [s.value for s in mine if s.name.endswith("_sum")]
    [count] = [s.value for s in mine if s.name.endswith("_count")]
    assert (count, total) == (13, pytest.approx(durations.sum()))
    assert len({s.labels["baseline_key"] for s in hist.samples}) == 3

    anomalies = {s.labels["severity"]: s.value for s in found["orcaops_anomalies_open"].samples}
    expected = wh.anomalies()["severity"].value_counts()
    assert anomalies == {"info": 0, "warning": 0, "critical": 0,
                         **dict(expected.iter_rows())}
    assert sum(anomalies.values()) >= 1  # slow-1 at least
    assert found["orcaops_alert_state"].samples == []  # no alert rules yet


def test_scrapes_are_cached_for_ttl_seconds(wh: orcaops.Warehouse) -> None:
    cached, fresh = WarehouseCollector(wh, ttl=3600), WarehouseCollector(wh, ttl=0)
    for collector in (cached, fresh):
        exposition(collector)
    wh.import_records([make_run("late-1", started_at="2026-11-20T11:00:00Z",
                                finished_at="2026-11-20T11:00:05Z")])

    def total(collector: WarehouseCollector) -> float:
        return sum(s.value for s in families(exposition(collector)[0].decode())[
            "orcaops_runs"].samples)

    assert (total(cached), total(fresh)) == (16, 17)


def test_alert_rules_are_scraped_with_their_state(wh: orcaops.Warehouse,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCAOPS_NOW", "2026-11-20T12:00:00Z")
    wh.add_alert("any-failure", query="status:failed", window="30d", when="count > 0",
                 notify=["log"])
    wh.add_alert("many-runs", query="", window="30d", when="count > 1000", notify=["log"])
    wh.check_alerts()
    samples = families(exposition(WarehouseCollector(wh))[0].decode())[
        "orcaops_alert_state"].samples
    assert sorted((s.labels["rule"], s.labels["state"], s.value) for s in samples) == [
        ("any-failure", "firing", 1), ("many-runs", "ok", 1)]


def test_alert_states_come_from_one_function(wh: orcaops.Warehouse) -> None:
    collector = WarehouseCollector(wh, alerts=lambda _: [AlertState("failures", "firing"),
                                                         AlertState("slow-p95", "resolved")])
    samples = families(exposition(collector)[0].decode())["orcaops_alert_state"].samples
    assert sorted((s.labels["rule"], s.labels["state"], s.value) for s in samples) == [
        ("failures", "firing", 1), ("slow-p95", "resolved", 1)]


def test_metrics_need_the_api_key_when_one_is_set(wh: orcaops.Warehouse) -> None:
    client = TestClient(create_app(wh, api_key="k-123456789"))
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", headers={"Authorization": "Bearer k-123456789"})
    assert response.status_code == 200 and "orcaops_runs_total" in response.text


def prometheus_binary() -> str:
    found = shutil.which("prometheus")
    if found:
        return found
    reason = "the prometheus binary is not installed (sh .ci/install-prometheus.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def test_a_real_prometheus_scrapes_the_served_metrics(wh: orcaops.Warehouse, home: Path,
                                                      tmp_path: Path) -> None:
    binary = prometheus_binary()
    serve_port, prom_port = free_port(), free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n  - job_name: orcaops\n    metrics_path: /metrics\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{serve_port}']\n")
    # Prometheus starts first: it scrapes the target as soon as the server answers.
    prom = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = None
    try:
        server, _ = start_server(home, port=serve_port)
        series = query_until(f"http://127.0.0.1:{prom_port}", "orcaops_runs_total", prom)
        values = {(s["metric"]["status"], s["metric"]["image"]): float(s["value"][1])
                  for s in series}
        assert values[("success", IMAGE)] == 13
        assert sum(values.values()) == 16
        assert {s["metric"]["job"] for s in series} == {"orcaops"}
        buckets = query_until(f"http://127.0.0.1:{prom_port}",
                              'orcaops_run_duration_seconds_bucket{le="+Inf"}', prom)
        assert sum(float(s["value"][1]) for s in buckets) == 16
    finally:
        stop_server(prom)  # any process: terminate, then kill; its pipes closed
        if server is not None:
            stop_server(server)


def query_until(prometheus: str, query: str, proc: subprocess.Popen[bytes],
                deadline_s: float = 30.0) -> list[dict[str, Any]]:
    """Ask Prometheus's HTTP API until the query has series (its first scrapes take a
    second or two), or fail at the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"prometheus exited {proc.returncode}: "
                                 f"{proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": query},
                               timeout=2).json()
            if answer["status"] == "success" and answer["data"]["result"]:
                return list(answer["data"]["result"])
        except (httpx.TransportError, ValueError):
            pass
        time.sleep(0.25)
    raise AssertionError(f"no {query} series in Prometheus after {deadline_s:g} s")
