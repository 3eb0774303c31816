"""The HTTP API (``orcaops serve``): a FastAPI app over one ``Warehouse``.

Routes live in ``routes_runs``, ``routes_analytics``, ``routes_tests``, ``routes_alerts`` and
``routes_metrics`` (Prometheus ``/metrics``); this module assembles them, maps library errors
to statuses in one handler (bad input 400, unknown ids 404, warehouse failures 500, each
``{"error": message, "type": name}`` with the CLI's message and caret), and guards every
``/orcaops`` route and ``/metrics`` with the API key when one is configured.

Endpoints are plain ``def`` functions, so FastAPI runs them on its thread pool; reads run
each on its own cursor of the Warehouse's DuckDB connection (they do not wait for each
other; a refresh of the views waits for running queries, see ``warehouse/gate.py``), every
query is stopped after ``query_timeout`` seconds, and writes (acks, resets, decisions) take
the app's write lock.
"""

from __future__ import annotations

import threading

from fastapi import Depends, FastAPI
from starlette.exceptions import HTTPException

import orcaops
from orcaops.api import Warehouse
from orcaops.core.errors import OrcaOpsError
from orcaops.server import (
    routes_alerts,
    routes_analytics,
    routes_metrics,
    routes_policies,
    routes_runs,
    routes_tests,
)
from orcaops.server.deps import (
    AUTH_RESPONSES,
    ERROR_RESPONSES,
    Unauthorized,
    http_error,
    orcaops_error,
    require_key,
    unauthorized,
)

DESCRIPTION = """Run history, search, analytics and log intelligence of OrcaOps.

Every `/orcaops` route calls the same library function as the matching CLI command. Errors
answer `{"error": message, "type": name}`: 400 for bad input (a query error keeps its caret),
404 for an unknown id or key, 500 when the warehouse fails.
"""

def create_app(wh: Warehouse, api_key: str | None = None, *,
               query_timeout: float | None = 30.0,
               alert_interval: float | None = None) -> FastAPI:
    """The API over ``wh``; with ``api_key`` every ``/orcaops`` route requires it.

    Args:
        wh: the warehouse to serve (kept open for the life of the app).
        api_key: the key clients send as ``Authorization: Bearer <key>`` or ``X-API-Key``.
        query_timeout: seconds a query may run before DuckDB interrupts it (a 400 error
            saying so); None for no limit.
        alert_interval: check the alert rules every this many seconds while serving
            (``orcaops.server.alert_loop``); None: only on request and after runs.
    """
    lifespan = None
    if alert_interval:
        from orcaops.server.alert_loop import check_every

        lifespan = check_every(alert_interval)
    app = FastAPI(title="OrcaOps", version=orcaops.__version__, description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.wh = wh
    app.state.api_key = api_key or None
    app.state.write_lock = threading.Lock()
    # Open the DuckDB reader now: two first requests at once would otherwise each build one.
    wh.reader.refresh()
    wh.reader.timeout = wh.user_sql.timeout = query_timeout
    app.add_exception_handler(OrcaOpsError, orcaops_error)
    app.add_exception_handler(Unauthorized, unauthorized)
    app.add_exception_handler(HTTPException, http_error)
    guard = [Depends(require_key)] if api_key else []
    responses = {**ERROR_RESPONSES, **(AUTH_RESPONSES if api_key else {})}
    for router in (routes_runs.router, routes_analytics.router, routes_tests.router,
                   routes_alerts.router, routes_policies.router, routes_metrics.router):
        app.include_router(router, dependencies=guard, responses=responses)
    return app

