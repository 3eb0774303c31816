"""HTTP routes over analytics: metrics, baselines, anomalies, flaky jobs, predictions,
forecasts, recommendations and known failure patterns. Each calls one Warehouse method."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from orcaops.core.models import (
    Anomaly,
    FailurePattern,
    PerformanceBaseline,
    Prediction,
    Recommendation,
)
from orcaops.server.deps import WH, WriteLock, ok
from orcaops.server.schemas import AckRequest, ForecastPoint

router = APIRouter(prefix="/orcaops")

SinceQ = Query(None, description="Start: 2026-11-01, an ISO timestamp or -7d.")
UntilQ = Query(None, description="End (exclusive).")


@router.get("/metrics/{kind}", response_model=list[dict[str, Any]], tags=["metrics"])
def metrics(wh: WH, kind: Literal["jobs", "resources", "sandboxes"],
            since: str | None = Query(None, alias="from",
                                      description="Start: 2026-11-01, ISO or -7d."),
            until: str | None = Query(None, alias="to", description="End (exclusive)."),
            by: Literal["day", "hour", "image"] = "day") -> JSONResponse:
    """Jobs (success rate, durations, waits, cost), resources or sandboxes per day/hour/image."""
    return ok(wh.metrics(by=by, since=since, until=until, kind=kind))


@router.get("/baselines", response_model=list[PerformanceBaseline], tags=["baselines"])
def baselines(wh: WH, all: bool = Query(False, description="Include stale baselines.")
              ) -> JSONResponse:
    """What is normal per image + command: percentiles, EMA, memory, success rate."""
    frame = wh.baselines(include_stale=all)
    return ok([PerformanceBaseline(**row) for row in frame.iter_rows(named=True)])


@router.get("/baselines/{key:path}", response_model=PerformanceBaseline, tags=["baselines"])
def baseline(wh: WH, key: str) -> JSONResponse:
    """One baseline by key (``image|command_hash``; ``/`` and ``:`` may stay as they are,
    ``|`` is sent percent-encoded as ``%7C``)."""
    return ok(wh.baseline(key))


@router.delete("/baselines/{key:path}", response_model=PerformanceBaseline, tags=["baselines"])
def reset_baseline(wh: WH, lock: WriteLock, key: str,
                   note: str | None = Query(None, description="Why.")) -> JSONResponse:
    """Restart a baseline from now (its runs stay in the history); returns it emptied."""
    with lock:
        return ok(wh.reset_baseline(key, note))


@router.get("/anomalies", response_model=list[Anomaly], tags=["anomalies"])
def anomalies(wh: WH, since: str | None = SinceQ, until: str | None = UntilQ,
              severity: Literal["info", "warning", "critical"] | None = None,
              type: Literal["duration", "regression", "memory", "error_pattern",
                            "flaky", "stalled"] | None = None,
              all: bool = Query(False, description="Include acknowledged ones.")) -> JSONResponse:
    """Runs that deviate from what is normal for their job, newest first."""
    frame = wh.anomalies(since=since, until=until, severity=severity, type=type,
                         include_acknowledged=all)
    return ok([Anomaly(**row) for row in frame.iter_rows(named=True)])


@router.post("/anomalies/{anomaly_id}/ack", response_model=Anomaly, tags=["anomalies"])
def ack_anomaly(wh: WH, lock: WriteLock, anomaly_id: str,
                body: Annotated[AckRequest | None, Body()] = None) -> JSONResponse:
    """Acknowledge an anomaly so it stops being listed."""
    with lock:
        return ok(wh.ack_anomaly(anomaly_id, body.resolution if body else None))


@router.get("/flaky", response_model=list[dict[str, Any]], tags=["anomalies"])
def flaky(wh: WH) -> JSONResponse:
    """Jobs that both pass and fail on the same commit, with how often they flip."""
    return ok(wh.flaky())


@router.get("/forecast", response_model=list[ForecastPoint], tags=["forecast"])
def forecast(wh: WH, metric: Literal["runs", "duration", "cost"] = "runs",
             horizon: str = Query("7d", description="How far ahead: 24h, 7d, 2w."),
             key: str | None = Query(None, description="Only this baseline key.")) -> JSONResponse:
    """Runs per hour, median duration or cost per day ahead, with a 90% band."""
    return ok(wh.forecast(metric=metric, horizon=horizon, key=key))


@router.get("/predict", response_model=Prediction, tags=["forecast"])
def predict(wh: WH, command: str = Query(..., description="The command as typed."),
            image: str | None = Query(None, description="The image (omit: a local run)."),
            ) -> JSONResponse:
    """Duration, memory need and failure risk of a command before running it."""
    return ok(wh.predict(image, command))


@router.get("/recommendations", response_model=list[Recommendation],
            tags=["recommendations"])
def recommendations(wh: WH, all: bool = Query(False, description="Include dismissed and "
                                                          "applied.")) -> JSONResponse:
    """Improvements with evidence: timeouts, memory, caching, slim images, flaky jobs."""
    return ok(wh.recommendations(include_closed=all))


@router.post("/recommendations/{rec_id}/{decision}", response_model=Recommendation,
             tags=["recommendations"])
def decide(wh: WH, lock: WriteLock, rec_id: str,
           decision: Literal["dismiss", "apply"]) -> JSONResponse:
    """Dismiss a recommendation, or mark it applied."""
    with lock:
        if decision == "dismiss":
            return ok(wh.dismiss_recommendation(rec_id))
        return ok(wh.apply_recommendation(rec_id))


@router.get("/failure-patterns", response_model=list[FailurePattern], tags=["anomalies"])
def failure_patterns(wh: WH) -> JSONResponse:
    """Known kinds of failure seen in the history, with their solutions."""
    return ok(wh.failure_patterns())  # type: ignore[attr-defined]
