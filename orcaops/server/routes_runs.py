"""HTTP routes over runs: search, export, one run, its logs and samples, summaries, debugging,
read-only SQL and the HTML report. Each calls one Warehouse method, as the CLI does."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse

import orcaops
from orcaops.api import Warehouse
from orcaops.core.errors import InputError
from orcaops.core.models import JobSummary, RunDiff
from orcaops.core.vocabulary import DEFAULT_SORT
from orcaops.server.deps import WH, ok
from orcaops.server.schemas import (
    MAX_PAGE,
    Health,
    LogsResponse,
    LogText,
    SearchRequest,
    SearchResponse,
    SqlRequest,
    SqlResponse,
)
from orcaops.server.shape import clean, page

router = APIRouter(prefix="/orcaops")

EXPORT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv",
                "parquet": "application/vnd.apache.parquet"}
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "description": "JSON by default; a file of the runs for the export formats.",
    "content": {media: {"schema": {"type": "string", "format": "binary"}}
                for media in EXPORT_TYPES.values()}}}


@router.get("/health", response_model=Health, tags=["meta"])
def health() -> Health:
    """Whether the server is up (and the key accepted)."""
    return Health(status="ok", version=orcaops.__version__)


def _search(wh: Warehouse, query: str, limit: int | None, sort: str,
            facets: bool | list[str]) -> Response:
    if limit is None or limit > MAX_PAGE:
        raise InputError(f"a JSON page holds at most {MAX_PAGE} runs; use an export format "
                         "(jsonl, csv, parquet) for more")
    fields = facets if isinstance(facets, list) else None
    result = wh.search(query, limit=limit, sort=sort, facets=facets is True)
    body = result.to_dict()
    if fields:
        body["facets"] = clean(wh.facets(query, fields))
    return ok(body)


@router.get("/runs", response_model=SearchResponse, tags=["runs"])
def search_runs(wh: WH, q: str = Query("", description='A search query: "status:failed".'),
                limit: int = Query(50, ge=0, le=MAX_PAGE), sort: str = DEFAULT_SORT,
                facets: bool = Query(True, description="Also count by status, image, tag…"),
                ) -> Response:
    """Search runs with the query language: ``{total, runs, facets}``, newest first."""
    return _search(wh, q, limit, sort, facets)


@router.get("/runs/search", response_model=SearchResponse, tags=["runs"])
def search_runs_get(wh: WH, q: str = Query("", description='A search query: "status:failed".'),
                    limit: int = Query(50, ge=0, le=MAX_PAGE), sort: str = DEFAULT_SORT,
                    facets: bool = True) -> Response:
    """The same as ``GET /orcaops/runs`` (the planning documents name both)."""
    return _search(wh, q, limit, sort, facets)


@router.post("/runs/search", response_model=SearchResponse, responses=EXPORT_RESPONSES,
             tags=["runs"])
def search_runs_post(wh: WH, body: SearchRequest) -> Response:
    """Advanced search: chosen facets, or the matching runs as jsonl, csv or parquet."""
    if body.format == "json":
        return _search(wh, body.query, body.limit, body.sort, body.facets)
    frame = wh.runs(body.query, limit=body.limit, sort=body.sort)
    return Response(content=_export(frame, body.format), media_type=EXPORT_TYPES[body.format],
                    headers={"Content-Disposition":
                             f'attachment; filename="runs.{body.format}"'})


def _export(frame: Any, fmt: str) -> bytes:
    """The file ``orcaops runs export`` would write, through the same renderer."""
    from orcaops.core.render import write_frame

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"runs.{fmt}"
        write_frame(frame, fmt, path)
        return path.read_bytes()


@router.get("/runs/{job_id}", response_model=dict[str, Any], tags=["runs"])
def get_run(wh: WH, job_id: str) -> Response:
    """Everything stored about one run (a unique job id prefix is enough)."""
    return ok(wh.run(job_id))


@router.get("/runs/{job_id}/logs", response_model=LogsResponse, tags=["runs"])
def get_logs(wh: WH, job_id: str,
             level: str | None = Query(None, description="Lines at this level or worse."),
             grep: str | None = Query(None, description="Lines containing this text."),
             stream: str | None = Query(None, pattern="^(stdout|stderr)$"),
             limit: int = Query(1000, ge=0, le=100_000)) -> Response:
    """The log lines of one run, in order, with whether more were left off."""
    full = wh.run(job_id)["job_id"]
    frame = wh.logs(job_id=full, grep=grep, level=level,
                    limit=None if stream else limit + 1)
    lines = clean(frame)
    if stream:
        lines = [line for line in lines if line["stream"] == stream]
    body = page(lines, limit, name="lines")
    del body["total"]  # unknown: only limit + 1 lines were read
    return ok({"job_id": full, **body})


@router.get("/runs/{job_id}/samples", response_model=list[dict[str, Any]], tags=["runs"])
def get_samples(wh: WH, job_id: str) -> Response:
    """The resource samples of one run, in time order."""
    return ok(wh.samples(job_id))


@router.get("/jobs/{job_id}/summary", response_model=JobSummary, tags=["runs"])
def job_summary(wh: WH, job_id: str) -> Response:
    """A human-readable account of one run: one-liner, key events, errors, suggestions."""
    return ok(wh.summary(job_id))


@router.get("/jobs/{job_id}/debug", response_model=dict[str, Any], tags=["runs"])
def job_debug(wh: WH, job_id: str) -> Response:
    """Failure analysis: likely causes, fixes, similar past failures, next steps."""
    return ok(wh.debug(job_id))


@router.get("/runs/{job_id}/diff", response_model=RunDiff, tags=["runs"])
def run_diff(wh: WH, job_id: str, other: str | None = Query(
        None, description="The run to compare with; default: the job's last success before it.")
             ) -> Response:
    """Two runs side by side and the log lines new in the first (templates the other lacks)."""
    return ok(wh.diff(job_id, other))


@router.post("/sql", response_model=SqlResponse, tags=["runs"])
def run_sql(wh: WH, body: SqlRequest) -> Response:
    """Read-only SQL over the views (``orcaops sql``); writes are refused."""
    frame, total = wh.sql_page(body.sql, body.params, limit=body.limit)
    rows = page(clean(frame), body.limit, total=total, name="rows")
    return ok({"columns": frame.columns, **rows})


# The route's media type is HTML; its errors are still JSON, so say so explicitly.
_JSON_ERRORS: dict[int | str, dict[str, Any]] = {code: {"content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/ErrorBody"}}}} for code in (400, 500)}


@router.get("/report", response_class=HTMLResponse, responses=_JSON_ERRORS, tags=["report"])
def report(wh: WH, since: str = Query("30d", description="How far back: 7d, 30d, "
                                      "2026-10-01.")) -> HTMLResponse:
    """The HTML report of ``orcaops report``: one self-contained page with charts."""
    from orcaops.report import build_report

    return HTMLResponse(build_report(wh, since=since))


@router.post("/logs/analyze", response_model=dict[str, Any], tags=["logs"])
def analyze_log(body: LogText) -> JSONResponse:
    """Analyse a log given as text (``orcaops logs analyze``): first error, failure category,
    stack traces, level counts, top patterns. Nothing is stored."""
    from orcaops.logs import analyze_text

    return ok(analyze_text(body.text))


@router.get("/doctor", response_model=dict[str, Any], tags=["meta"])
def doctor(wh: WH) -> JSONResponse:
    """The home, table versions, sizes, file counts and any problems (``orcaops doctor``)."""
    return ok(wh.doctor())
