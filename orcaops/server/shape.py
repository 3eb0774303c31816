"""Library results → JSON for the wire, and trimmed to a size an agent can read.

Both servers share these helpers; neither knows any SQL. JSON has no NaN or infinity, so
non-finite floats (a standard deviation of one sample, an empty mean) become ``null`` here
rather than failing the response.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from orcaops.core.render import finite, jsonable

# The page size every MCP tool that lists takes.
Limit = Annotated[int, Field(ge=0, le=500, description="At most this many items.")]

# What an agent sees of a run in a listing: enough to choose which one to open.
RUN_BRIEF = ("job_id", "status", "image", "command", "started_at", "duration_s", "exit_code",
             "tags", "intent", "failure_category", "first_error", "baseline_key")
TEXT_CLIP = 300


def clean(data: Any) -> Any:
    """``data`` as plain JSON values: models, frames, dates converted; NaN/inf as None."""
    return finite(jsonable(data))


def clip(text: Any, limit: int = TEXT_CLIP) -> Any:
    """Long text cut to ``limit`` characters with a marker saying how much was cut."""
    if isinstance(text, str) and len(text) > limit:
        return f"{text[:limit]}… [{len(text) - limit} more characters]"
    return text


def page(items: list[Any], limit: int, total: int | None = None,
         name: str = "items") -> dict[str, Any]:
    """The first ``limit`` items with the total, so an agent knows what it is not seeing.

    Args:
        items: the items (already JSON values), possibly more than ``limit``.
        limit: how many to keep.
        total: how many exist, when more than ``items`` were found; defaults to len(items).
        name: the key the items go under.
    """
    count = len(items) if total is None else total
    kept = items[:max(limit, 0)]
    return {"total": count, "returned": len(kept), "truncated": count > len(kept), name: kept}


def brief_run(run: dict[str, Any]) -> dict[str, Any]:
    """The listing fields of one run record, long text clipped."""
    return {k: clip(run.get(k)) for k in RUN_BRIEF if k in run}


def run_detail(run: dict[str, Any]) -> dict[str, Any]:
    """One run for an agent: everything but the bulky environment, whose env is summarised."""
    out = {k: clip(v, 2000) for k, v in run.items() if k not in ("environment", "analysis")}
    env = run.get("environment")
    if isinstance(env, dict):
        out["environment"] = {k: v for k, v in env.items() if k != "env"}
        out["environment"]["env_names"] = sorted((env.get("env") or {}).keys())
    analysis = run.get("analysis")
    if isinstance(analysis, dict):
        out["analysis"] = {k: analysis[k] for k in ("level_counts", "has_stacktrace",
                                                    "n_stack_traces", "stalled", "max_gap_s",
                                                    "top_patterns") if k in analysis}
    return out


def cap(data: dict[str, Any], limit: int) -> dict[str, Any]:
    """Lists in ``data`` longer than ``limit`` cut to it, with ``<name>_total`` beside them."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, list) and len(value) > limit:
            out[key] = value[:limit]
            out[f"{key}_total"] = len(value)
        else:
            out[key] = value
    return out
