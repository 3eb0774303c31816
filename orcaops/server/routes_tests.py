"""HTTP routes over test results and artifacts: each calls one Warehouse method."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, JSONResponse

from orcaops.server.deps import WH, ok

router = APIRouter(prefix="/orcaops")


@router.get("/tests", response_model=list[dict[str, Any]], tags=["tests"])
def tests(wh: WH, q: str = Query("", description="Search query over runs (image:python*)."),
          status: Literal["passed", "failed", "error", "skipped"] | None = None
          ) -> JSONResponse:
    """Test results of the runs a query matches, newest first."""
    return ok(wh.tests(q, status))


@router.get("/tests/{report}", response_model=list[dict[str, Any]], tags=["tests"])
def tests_report(wh: WH, report: Literal["list", "flaky", "slow", "failing"],
                 since: str | None = Query(None, description="2026-11-01, ISO or -7d."),
                 job: str | None = Query(None, description="A job key or its prefix."),
                 limit: int | None = Query(None, ge=0, le=100_000)) -> JSONResponse:
    """Flaky tests (both outcomes on one commit, pass on retry), the slowest, the most
    failing, or every result."""
    return ok(wh.tests_report(report, since=since, job=job, limit=limit))


@router.get("/runs/{job_id}/tests", response_model=list[dict[str, Any]], tags=["tests"])
def run_tests(wh: WH, job_id: str) -> JSONResponse:
    """One run's test results, failures first, with known_flaky and new_since_green."""
    return ok(wh.summary_tests(wh.run(job_id)["job_id"]))


@router.get("/runs/{job_id}/artifacts", response_model=dict[str, Any], tags=["artifacts"])
def artifacts(wh: WH, job_id: str) -> JSONResponse:
    """A run's stored artifacts: name, size and sha256 of each, and collection problems."""
    return ok(wh.artifacts(job_id))


@router.get("/runs/{job_id}/artifacts/{name:path}", tags=["artifacts"],
            response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {}},
                             "description": "The file's bytes."}})
def artifact(wh: WH, job_id: str, name: str) -> FileResponse:
    """One artifact's bytes (its name as listed, e.g. ``reports/junit.xml``)."""
    path = wh.artifact_path(job_id, name)
    return FileResponse(path, media_type="application/octet-stream",
                        filename=path.name)
