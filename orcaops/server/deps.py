"""What every HTTP route shares: the warehouse, the write lock, JSON answers, error mapping
and the API-key check."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException
from starlette.routing import Match

from orcaops.api import Warehouse
from orcaops.core.errors import InputError, NotFoundError, OrcaOpsError
from orcaops.server.auth import key_matches
from orcaops.server.schemas import ErrorBody
from orcaops.server.shape import clean

# Documented on every route so clients (and schemathesis) know the error bodies.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad input: a query, date or argument."},
    404: {"model": ErrorBody, "description": "No such run, baseline, anomaly…"},
    500: {"model": ErrorBody, "description": "The warehouse could not be read or written."},
}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong API key."}}
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class Unauthorized(Exception):
    """A request without the configured API key."""


def warehouse(request: Request) -> Warehouse:
    """The app's one Warehouse; its DuckDB reads are serialised by the Reader's lock."""
    wh: Warehouse = request.app.state.wh
    return wh


def write_lock(request: Request) -> threading.Lock:
    """Held around acks, resets and decisions: the Warehouse is not safe for threaded writes."""
    lock: threading.Lock = request.app.state.write_lock
    return lock


WH = Annotated[Warehouse, Depends(warehouse)]
WriteLock = Annotated[threading.Lock, Depends(write_lock)]


def ok(data: Any) -> JSONResponse:
    """A JSON answer of library results (models, frames, dates; NaN as null)."""
    return JSONResponse(clean(data))


def status_for(exc: OrcaOpsError) -> int:
    """HTTP status of a library error: NotFound 404, other bad input 400, the rest 500."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, InputError):
        return 400
    return 500


async def orcaops_error(request: Request, exc: Exception) -> JSONResponse:
    """The one place library errors become HTTP answers; the message (caret too) is kept."""
    assert isinstance(exc, OrcaOpsError)
    return JSONResponse({"error": str(exc), "type": type(exc).__name__},
                        status_code=status_for(exc))


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Framework errors (unknown path, wrong method, unreadable body) in the same shape."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the first route matching the path; a path served by two
        # routes (GET and DELETE of a baseline) must list both.
        headers["Allow"] = ", ".join(allowed_methods(request))
    return JSONResponse({"error": str(exc.detail), "type": "HTTPError"},
                        status_code=exc.status_code, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this request's path (asked of the routes through
    ``matches``, so routers included into the app are asked too)."""
    routes = request.app.router.routes
    return [method for method in HTTP_METHODS
            if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
                   for route in routes)]


async def unauthorized(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "missing or wrong API key: send 'Authorization: Bearer "
                                  "<key>' or 'X-API-Key: <key>'", "type": "Unauthorized"},
                        status_code=401, headers={"WWW-Authenticate": "Bearer"})


_bearer = HTTPBearer(auto_error=False, description="The key given to `orcaops serve`.")
_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                       description="The key given to `orcaops serve`.")


async def require_key(request: Request,
                      bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
                      header: Annotated[str | None, Security(_header)]) -> None:
    """Let the request through when it carries the configured key (either header)."""
    expected: str | None = request.app.state.api_key
    if not expected:
        return
    token = bearer.credentials if bearer is not None else None
    if not (key_matches(token, expected) or key_matches(header, expected)):
        raise Unauthorized()
