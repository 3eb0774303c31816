"""Recommendations with evidence, and their dismissed/applied state (``actions`` table).

Ids are a hash of the rule and its key (a baseline_key or a host), so dismissing one holds
across processes and while its evidence changes. ``created_at`` is the newest evidence
behind it (the key's last run), so the same history gives the same recommendation.
"""

from __future__ import annotations

from typing import Any

from orcaops.analytics.common import Frames, Source, stable_id, utcnow
from orcaops.analytics.rules import RULES
from orcaops.core.errors import NotFoundError
from orcaops.core.models import Recommendation

_PRIORITY = {"high": 0, "medium": 1, "low": 2}


def build_recommendations(wh: Frames) -> list[Recommendation]:
    """Every recommendation the history supports, open or not, most important first."""
    states = {r["recommendation_id"]: r["state"]
              for r in wh.frame("SELECT * FROM recommendation_states").to_dicts()}
    recs = []
    for rule, view in RULES:
        rows = wh.frame(f"SELECT * FROM {view}").to_dicts()
        created = {_key(r): r.get("last_run_at") or r.get("window_end") for r in rows}
        for name, key, fields in rule(rows):
            rid = stable_id(name, key)
            fields["evidence"] = {"rule": name, **fields["evidence"]}
            recs.append(Recommendation(id=rid, created_at=created.get(key) or utcnow(),
                                       state=states.get(rid, "open"), **fields))
    return sorted(recs, key=lambda r: (_PRIORITY[r.priority], r.type, r.title))


def _key(row: dict[str, Any]) -> str:
    return row.get("baseline_key") or row.get("host") or ""


def load_recommendations(wh: Frames, include_closed: bool = False) -> list[Recommendation]:
    """Open recommendations (and dismissed/applied ones with ``include_closed``)."""
    recs = build_recommendations(wh)
    return recs if include_closed else [r for r in recs if r.state == "open"]


def decide(wh: Source, rec_id: str, decision: str) -> Recommendation:
    """Record ``dismiss`` or ``apply`` for one recommendation; returns it with its new state.

    Raises:
        NotFoundError: no current recommendation has this id.
    """
    for rec in build_recommendations(wh):
        if rec.id == rec_id:
            wh.add_action(f"recommendation_{decision}", rec_id, None)
            state = "dismissed" if decision == "dismiss" else "applied"
            return rec.model_copy(update={"state": state})
    raise NotFoundError(f"no recommendation with id {rec_id!r} "
                        "(see `orcaops recommendations --all`)")
