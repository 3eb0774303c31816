"""A small real DuckDB with ``runs`` and ``logs`` (the real column names and types from
``orcaops.warehouse.schema``) plus stub ``flaky_keys``/``anomalous_runs`` views, and a
``search`` fixture that returns the job_ids a query selects."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from orcaops.query import compile_query
from orcaops.warehouse.schema import LOGS, RUNS

QUERY_NOW = datetime(2026, 11, 8, 12, 0, tzinfo=timezone.utc)


def _ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _run(job_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"job_id": job_id, **values}
    if isinstance(row.get("metadata"), dict):
        row["metadata"] = json.dumps(row["metadata"])
    row["started_at"] = _ts(row.get("started_at"))
    if row["started_at"] is not None:
        row["day"] = row["started_at"].date()
    return row


RUN_ROWS = [
    _run("r-py311", status="failed", image="python:3.11-slim", command="pytest -q",
         tags=["ci", "pr"], metadata={"branch": "main", "commit": "ab12cd", "retries": 3},
         intent="Run pytest for PR #123", started_at="2026-11-05T10:00:00", duration_s=45.0,
         memory_peak_mb=512.0, exit_code=1, triggered_by="cli", failure_category="test",
         first_error="AssertionError: expected 3", error_message="exit code 1",
         baseline_key="python:3.11-slim|h1", cpu_seconds=40.1, estimated_cost_usd=0.002,
         queue_wait_s=3.0, host="ci-1", executor="docker"),
    _run("r-cpy", status="success", image="cpython:3.12", command="make test", tags=["nightly"],
         metadata={"branch": "dev"}, intent="", started_at="2026-10-20T08:00:00",
         duration_s=120.0, memory_peak_mb=2048.0, exit_code=0, parent_job_id="r-py311",
         triggered_by="scheduler", cpu_seconds=300.0, estimated_cost_usd=0.05, queue_wait_s=1.0),
    _run("r-node", status="timeout", image="node:20", command="npm test", tags=["CI"],
         metadata={"branch": "main", "build": {"os": "linux"}}, started_at="2026-11-07T23:00:00",
         duration_s=600.0, memory_peak_mb=1500.0, exit_code=137, failure_category="timeout",
         triggered_by="mcp:claude", queue_wait_s=30.0, baseline_key="node:20|h2"),
    _run("r-go", status="running", image="golang:1.22", command="go test ./...", tags=[],
         intent="nightly build", started_at="2026-11-08T11:00:00", triggered_by="api"),
    _run("r-queued", status="queued", image="python:3.12", command="python -m build",
         metadata={}, intent="Build wheel", triggered_by="cli"),
    _run("r-err", status="error", image="alpine:3", command="sh -c 'exit 2'", exit_code=2,
         error_message="Connection refused by upstream", started_at="2026-11-06T00:00:00",
         duration_s=90.0, memory_peak_mb=64.0, intent="Deploy service", parent_job_id="",
         metadata={"a-b": "y", "weird key": "x", "sql": "'; DROP TABLE runs; --"},
         triggered_by="api", tags=["deploy"]),
    _run("r-pct", status="success", image="busybox", command="echo 100% done",
         started_at="2026-11-02T00:00:00", duration_s=1.5, metadata="not json",
         triggered_by="cli"),
]

LOG_ROWS = [
    ("r-py311", "INFO", "collected 10 items", False),
    ("r-py311", "ERROR", "E   AssertionError: expected 3", True),
    ("r-py311", "WARN", "DeprecationWarning: pkg_resources is deprecated", False),
    ("r-node", "INFO", "npm WARN deprecated glob", False),
    ("r-node", "ERROR", "Error: connect ECONNREFUSED 127.0.0.1:5432", True),
    ("r-node", "ERROR", "Timeout waiting for server", True),
    ("r-err", "ERROR", "dial tcp: connection refused", True),
    ("r-err", "INFO", "retrying in 5s", False),
    ("r-cpy", "INFO", "request time out after 30s, retrying", False),
    ("r-go", "DEBUG", "go: downloading example.com/mod v1.0.0", False),
    # Lines whose run row never committed (a crash between commits) must never surface.
    ("r-orphan", "ERROR", "connection refused", True),
]

ALL_IDS = frozenset(row["job_id"] for row in RUN_ROWS)


def _logs_table() -> pa.Table:
    # A line's day is its run's day, as the warehouse writes it (RunBatch): the compiler
    # bounds log scans by the query's day window on that ground.
    days = {row["job_id"]: row.get("day") for row in RUN_ROWS}
    rows = [
        {"job_id": job, "line_number": n, "level": level, "message": message, "is_error": err,
         "stream": "stderr" if err else "stdout", "day": days.get(job) or date(2026, 11, 1)}
        for n, (job, level, message, err) in enumerate(LOG_ROWS, start=1)
    ]
    return pa.Table.from_pylist(rows, schema=LOGS)


@pytest.fixture(scope="session")
def query_db() -> Iterator[duckdb.DuckDBPyConnection]:
    """In-memory DuckDB with the test history; views named as in the warehouse."""
    con = duckdb.connect()
    runs_arrow = pa.Table.from_pylist(RUN_ROWS, schema=RUNS)
    logs_arrow = _logs_table()
    con.register("runs_arrow", runs_arrow)
    con.register("logs_arrow", logs_arrow)
    con.execute("CREATE TABLE runs AS SELECT * FROM runs_arrow")
    con.execute("CREATE TABLE logs AS SELECT * FROM logs_arrow")
    # Stand-ins for the analytics layer's views, which is:flaky / is:anomalous read.
    con.execute("CREATE TABLE flaky_keys AS SELECT 'python:3.11-slim|h1' AS baseline_key")
    con.execute("CREATE TABLE anomalous_runs AS SELECT 'r-node' AS job_id")
    yield con
    con.close()


@pytest.fixture(scope="session")
def search(query_db: duckdb.DuckDBPyConnection) -> Callable[[str], set[str]]:
    """Compile a query (now fixed at QUERY_NOW), run it, return the selected job_ids."""

    def run(text: str) -> set[str]:
        compiled = compile_query(text, now=QUERY_NOW)
        cursor = query_db.cursor()
        rows = cursor.execute(
            f"SELECT job_id FROM runs WHERE {compiled.where}", list(compiled.params)
        ).fetchall()
        return {job_id for (job_id,) in rows}

    return run
