"""``GET /metrics``: the warehouse in the Prometheus exposition format (the HTTP twin of
nothing on the CLI: it is for Prometheus to scrape). Guarded by the API key like every
``/orcaops`` route when one is set (Prometheus sends it with ``authorization:``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from orcaops.server.deps import WH

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(wh: WH, request: Request) -> Response:
    """Runs by status, image and failure category, duration histograms per baseline key,
    open anomalies by severity and alert states (``orcaops.telemetry.prometheus``)."""
    from orcaops.telemetry.prometheus import WarehouseCollector, exposition

    state = request.app.state
    if getattr(state, "metrics", None) is None:  # one collector (and cache) per app
        state.metrics = WarehouseCollector(wh)
    body, content_type = exposition(state.metrics)
    return Response(body, media_type=content_type)
