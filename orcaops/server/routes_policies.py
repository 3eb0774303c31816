"""HTTP routes over run policies (``orcaops policies``): each calls one Warehouse method.

Keys (``image|command_hash``) hold ``:`` and ``/``, so they are paths as for baselines
(``|`` is sent percent-encoded as ``%7C``); but a plain ``{key:path}`` on ``GET`` would also
claim ``…/{key}/rollback`` (and advertise GET there), so the key converter here never ends
in ``/rollback`` (a key cannot: its command hash holds no ``/``).
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from starlette.convertors import PathConvertor, register_url_convertor

from orcaops.policies.model import PolicyChange, PolicyDetail, RunPolicy
from orcaops.server.deps import WH, WriteLock, ok



class PolicyKeyConvertor(PathConvertor):
    """A path that does not end in ``/rollback``."""

    regex = r".*(?<!/rollback)"


register_url_convertor("policy_key", PolicyKeyConvertor())
router = APIRouter(prefix="/orcaops")


@router.get("/policies", response_model=list[RunPolicy], tags=["policies"])
def policies(wh: WH, all: bool = Query(False, description="Include policies rolled back to "
                                                           "no limits.")) -> JSONResponse:
    """Per-job limits `orcaops run` uses when no --timeout/--memory is given, with the runs
    under them and before them."""
    return ok(wh.policies(include_removed=all))


@router.post("/policies/{key:path}/rollback", response_model=PolicyChange, tags=["policies"])
def rollback_policy(wh: WH, lock: WriteLock, key: str,
                    reason: str | None = Query(None, description="Why.")) -> JSONResponse:
    """Undo the latest applied change of a job's policy; returns the change logged."""
    with lock:
        return ok(wh.rollback_policy(key, reason=reason))


@router.get("/policies/{key:policy_key}", response_model=PolicyDetail, tags=["policies"])
def policy(wh: WH, key: str) -> JSONResponse:
    """One job's policy (its key, or a unique prefix) and every change of it, with evidence."""
    return ok(wh.policy(key))
