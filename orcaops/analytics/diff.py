"""``orcaops runs diff A [B]``: two runs side by side, and the log lines new in A.

B defaults to the last successful run of A's job (same ``baseline_key``) that started before
A. A line is *new* when its template never appears in B's log: what changed since the run
that worked, which is usually far less than the whole log (the CiDiff paper's point).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from orcaops.core.errors import NotFoundError
from orcaops.warehouse.onerun import FrameRows, RunRows
from orcaops.warehouse.reads import logs_sql

if TYPE_CHECKING:
    import polars as pl

    from orcaops.analytics.common import Source
    from orcaops.core.models import RunDiff

# Run columns compared, in the order a person reads them.
COMPARED = ("status", "exit_code", "failure_category", "duration_s", "queue_wait_s",
            "cpu_seconds", "memory_peak_mb", "network_rx_bytes", "network_tx_bytes",
            "disk_usage_mb", "estimated_cost_usd", "log_lines", "n_error", "n_warn", "image",
            "image_digest", "command", "host", "executor", "first_error")
NUMERIC = {"duration_s", "queue_wait_s", "cpu_seconds", "memory_peak_mb", "network_rx_bytes",
           "network_tx_bytes", "disk_usage_mb", "estimated_cost_usd", "log_lines", "n_error",
           "n_warn"}
MAX_NEW_LINES = 200


def last_success_sql(run: dict[str, Any]) -> tuple[str, list[Any]]:
    """The last successful run of ``run``'s job that started before it (else the latest):
    its whole row, so the diff needs no second look-up."""
    return ("SELECT * FROM runs WHERE baseline_key = ? AND status = 'success' "
            "AND job_id <> ? ORDER BY (started_at < ?) DESC, started_at DESC NULLS LAST "
            "LIMIT 1", [run["baseline_key"], run["job_id"], run["started_at"]])


def new_lines(lines: Sequence[dict[str, Any]], other: Sequence[dict[str, Any]]
              ) -> list[dict[str, Any]]:
    """The ``lines`` (in their order) whose template never appears in ``other``'s lines; a
    line without a template is new (it equals nothing)."""
    seen = {r["template_id"] for r in other if r["template_id"] is not None}
    return [r for r in lines if r["template_id"] is None or r["template_id"] not in seen]


def _env(run: dict[str, Any]) -> dict[str, Any]:
    raw = run.get("environment")
    env = json.loads(raw) if isinstance(raw, str) else raw or {}
    return env.get("env") or {} if isinstance(env, dict) else {}


def _change(name: str, a: Any, b: Any) -> str:
    if a == b:
        return "same"
    if name in NUMERIC and isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return f"{(a - b) / abs(b):+.0%}"
    return "changed"


def diff_fields(a: dict[str, Any], b: dict[str, Any] | None,
                new: Sequence[dict[str, Any]] | None, reason: str) -> dict[str, Any]:
    """The fields of the ``RunDiff`` of two run rows as plain data (pure: the rows and A's
    new lines, as dicts in line order, are given; ``fields`` as dicts too)."""
    fields = [{"name": n, "a": a.get(n), "b": b.get(n) if b else None,
               "change": _change(n, a.get(n), b.get(n)) if b else "no other run"}
              for n in COMPARED]
    env_a, env_b = _env(a), _env(b) if b else {}
    lines = new[:MAX_NEW_LINES] if new is not None else []
    total = int(a.get("log_lines") or 0)
    return {
        "job_id": a["job_id"], "other_job_id": b["job_id"] if b else None,
        "other_reason": reason, "fields": fields,
        "env_added": sorted(set(env_a) - set(env_b)),
        "env_removed": sorted(set(env_b) - set(env_a)),
        "env_changed": sorted(k for k in set(env_a) & set(env_b) if env_a[k] != env_b[k]),
        "new_lines": [{"line_number": r["line_number"], "level": r["level"],
                       "text": r["message"]} for r in lines],
        "new_line_count": len(new) if new is not None else total, "log_lines": total}


def compare(a: dict[str, Any], b: dict[str, Any] | None, new: pl.DataFrame | None,
            reason: str) -> RunDiff:
    """The diff of two run rows (pure: the rows and A's new lines are given)."""
    from orcaops.core.models import RunDiff

    return RunDiff(**diff_fields(a, b, new.to_dicts() if new is not None else None, reason))


def diff_rows(src: RunRows, a: dict[str, Any], other: str | None = None) -> dict[str, Any]:
    """:func:`diff_fields` of run ``a`` and ``other`` (default: its job's last success
    before it), read through ``src``.

    Raises:
        NotFoundError: the other run does not exist.
        InputError: an ambiguous job id prefix.
    """
    return diff_and_lines(src, a, other)[0]


def diff_and_lines(src: RunRows, a: dict[str, Any], other: str | None = None
                   ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """:func:`diff_rows`, and ``a``'s log lines in order (read with the other run's, in one
    query: ``debug`` needs both).

    Raises:
        NotFoundError: the other run does not exist.
        InputError: an ambiguous job id prefix.
    """
    b: dict[str, Any] | None
    if other is not None:
        b, reason = src.run(other), "given"
    else:
        found = src.dicts(*last_success_sql(a))
        b, reason = (found[0], "last success of the same job") if found else (None, "")
    if b is not None and b["job_id"] == a["job_id"]:
        raise NotFoundError(f"{a['job_id']} is the run itself: give another run to compare")
    ids = [a["job_id"]] + ([b["job_id"]] if b is not None else [])
    lines = src.dicts(*logs_sql(job_ids=ids))
    mine = [r for r in lines if r["job_id"] == a["job_id"]]
    if b is None:
        return diff_fields(a, None, None, "no successful run of this job to compare with"), mine
    theirs = [r for r in lines if r["job_id"] == b["job_id"]]
    return diff_fields(a, b, new_lines(mine, theirs), reason), mine


def load_diff(wh: Source, job_id: str, other: str | None = None) -> RunDiff:
    """Compare run ``job_id`` with ``other`` (default: its job's last success before it).

    Raises:
        NotFoundError: either run does not exist.
        InputError: an ambiguous job id prefix.
    """
    from orcaops.core.models import RunDiff

    return RunDiff(**diff_rows(FrameRows(wh), wh.run(job_id), other))
