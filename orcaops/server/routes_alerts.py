"""HTTP routes over alert rules: list, add, show, remove, silence, check, history. Each calls
one Warehouse method (``orcaops.alerts``); writes take the app's write lock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from starlette.convertors import Convertor, register_url_convertor

from orcaops.server.deps import WH, WriteLock, ok
from orcaops.server.schemas import AlertRuleRequest, SilenceRequest

router = APIRouter(prefix="/orcaops")


class RuleName(Convertor[str]):
    """A rule's name in a path, never ``history`` or ``check`` (reserved for the routes of
    those names, so ``/alerts/history`` is not also the rule ``history``)."""

    regex = r"(?!(?:history|check)(?:/|$))[A-Za-z0-9][A-Za-z0-9_.\-]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("rule", RuleName())


@router.get("/alerts", response_model=list[dict[str, Any]], tags=["alerts"])
def alerts(wh: WH) -> JSONResponse:
    """Every alert rule with its state (ok, firing, resolved), last value and any silence."""
    return ok(wh.alerts())


@router.post("/alerts", response_model=dict[str, Any], tags=["alerts"])
def add_alert(wh: WH, lock: WriteLock, rule: AlertRuleRequest) -> JSONResponse:
    """Add a rule: a search query, a window (1h) and a condition (``count > 5``,
    ``error_rate > 5%``, ``p95(duration) > 10m``), notified through its channels."""
    with lock:
        return ok(wh.add_alert(rule.name, query=rule.query, window=rule.window,
                               when=rule.when, notify=rule.notify or None,
                               remind=rule.remind, replace=rule.replace))


@router.get("/alerts/history", response_model=list[dict[str, Any]], tags=["alerts"])
def alert_history(wh: WH, name: str | None = Query(None, description="Only this rule."),
                  limit: int | None = Query(100, ge=0, le=10_000)) -> JSONResponse:
    """Transitions and reminders, newest first, with the channels each reached."""
    return ok(wh.alert_history(name, limit=limit))


@router.post("/alerts/check", response_model=dict[str, Any], tags=["alerts"])
def check_alerts(wh: WH, lock: WriteLock) -> JSONResponse:
    """Evaluate every rule now: what fired or resolved, and how each delivery went."""
    with lock:
        return ok(wh.check_alerts().as_dict())


@router.get("/alerts/{name:rule}", response_model=dict[str, Any], tags=["alerts"])
def alert(wh: WH, name: str) -> JSONResponse:
    """One rule with its state."""
    return ok(wh.alert(name))


@router.delete("/alerts/{name:rule}", response_model=dict[str, Any], tags=["alerts"])
def remove_alert(wh: WH, lock: WriteLock, name: str) -> JSONResponse:
    """Remove a rule (its history stays); returns what it was."""
    with lock:
        return ok(wh.remove_alert(name))


@router.post("/alerts/{name:rule}/silence", response_model=dict[str, Any], tags=["alerts"])
def silence_alert(wh: WH, lock: WriteLock, name: str, body: SilenceRequest) -> JSONResponse:
    """Send nothing for this rule for a while (``2h``; ``0`` ends it); state is still kept."""
    with lock:
        return ok(wh.silence_alert(name, body.duration))
