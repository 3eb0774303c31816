"""Tests and artifacts over HTTP and MCP, against a served demo history."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import orcaops
from orcaops.artifacts.store import ArtifactStore, Collected
from tests.server.test_server_mcp import call, session_calls

REPORT = b"<testsuite name='s'><testcase classname='C' name='t'/></testsuite>"


@pytest.fixture(scope="module")
def with_artifacts(served_home: Path) -> Path:
    ArtifactStore(served_home).save("srv-fail-01", Collected(
        files={"reports/junit.xml": REPORT}, problems=["*.log: no file matched"]))
    return served_home


def test_flaky_slow_failing_and_list(client: httpx.Client, served_home: Path) -> None:
    wh = orcaops.open(served_home)
    flaky = client.get("/orcaops/tests/flaky").json()
    assert [r["test_id"] for r in flaky] == wh.flaky_tests()["test_id"].to_list()
    assert flaky[0]["flips"] >= 2 and flaky[0]["image"] and flaky[0]["command"]
    slow = client.get("/orcaops/tests/slow", params={"limit": 2, "since": "2026-01-01"}).json()
    assert len(slow) == 2 and slow[0]["p50_s"] >= slow[1]["p50_s"]
    failing = client.get("/orcaops/tests/failing", params={"job": flaky[0]["baseline_key"]})
    assert {r["baseline_key"] for r in failing.json()} == {flaky[0]["baseline_key"]}
    failed = client.get("/orcaops/tests", params={"q": "test.status:failed",
                                                  "status": "failed"}).json()
    assert failed and {r["status"] for r in failed} == {"failed"}


def test_bad_report_and_since_are_400s(client: httpx.Client) -> None:
    assert client.get("/orcaops/tests/flakey").status_code == 422
    bad = client.get("/orcaops/tests/flaky", params={"since": "last tuesday"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]


def test_run_tests_and_artifacts(client: httpx.Client, with_artifacts: Path,
                                 served_home: Path) -> None:
    failed_run = orcaops.open(served_home).tests(status="failed")["job_id"][0]
    rows = client.get(f"/orcaops/runs/{failed_run}/tests").json()
    assert rows[0]["status"] in ("failed", "error") and "known_flaky" in rows[0]
    listed = client.get("/orcaops/runs/srv-fail-01/artifacts").json()
    assert listed["artifacts"] == [{"name": "reports/junit.xml", "size": len(REPORT),
                                    "sha256": hashlib.sha256(REPORT).hexdigest()}]
    assert listed["problems"] == ["*.log: no file matched"]
    got = client.get("/orcaops/runs/srv-fail/artifacts/reports/junit.xml")
    assert got.status_code == 200 and got.content == REPORT
    missing = client.get("/orcaops/runs/srv-fail-01/artifacts/nope.xml")
    assert missing.status_code == 404
    assert "its artifacts: reports/junit.xml" in missing.json()["error"]
    assert client.get("/orcaops/runs/nope-123/artifacts").status_code == 404


async def _tools(session: Any) -> dict[str, Any]:
    return {"flaky": await call(session, "orcaops_tests", report="flaky", limit=2),
            "run": await call(session, "orcaops_run_tests", job_id="srv-fail-01"),
            "artifacts": await call(session, "orcaops_artifacts", job_id="srv-fail")}


def test_mcp_tools(with_artifacts: Path) -> None:
    seen = anyio.run(session_calls, with_artifacts, _tools)
    assert seen["flaky"]["returned"] == 2 and seen["flaky"]["tests"][0]["flips"] >= 2
    assert seen["run"]["total"] == 0  # srv-fail-01 ran no tests
    assert seen["artifacts"]["artifacts"][0]["name"] == "reports/junit.xml"
