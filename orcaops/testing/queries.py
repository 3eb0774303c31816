"""SQL of the per-test analytics: the views of ``queries/`` over a window of test results.

The views (``flaky_test_stats``, ``slow_tests``, ``failing_tests``) read ``test_window``,
which is every test result. A narrower window (``--since``, ``--job``) is the same SQL with
``test_window`` defined first as a CTE: the views' text is read from ``queries/`` and
inlined, so each statement lives in one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orcaops.core.errors import InputError
from orcaops.warehouse.views import ViewDef, load_views

WINDOW = "test_window"
REPORTS = ("list", "flaky", "slow", "failing")
# Which view answers each report, and how its rows are ordered.
_REPORT_VIEWS = {"flaky": ("flaky_tests", "flips DESC, flip_rate DESC, test_id"),
                 "slow": ("slow_tests", "p50_s DESC NULLS LAST, test_id"),
                 "failing": ("failing_tests", "failures DESC, last_failed_at DESC, test_id")}
_LIST_SQL = "SELECT * FROM test_results"
_LIST_ORDER = "started_at DESC, job_id, test_id"


@dataclass(frozen=True)
class Window:
    """Which test results a report reads: since a time, of one job key (or its prefix)."""

    since: datetime | None = None
    job: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The condition on ``test_results`` rows, with its parameters ('TRUE' when open)."""
        parts: list[str] = []
        params: list[Any] = []
        if self.since is not None:
            parts.append("started_at >= ?")
            params.append(self.since)
        if self.job:
            parts.append("(baseline_key = ? OR starts_with(baseline_key, ?))")
            params += [self.job, self.job]
        return (" AND ".join(parts) or "TRUE"), params


def _chain(name: str, views: dict[str, ViewDef]) -> list[ViewDef]:
    """``name`` and the views it reads that read the window, in dependency order."""
    out: list[ViewDef] = []

    def reads_window(v: ViewDef) -> bool:
        return WINDOW in v.depends or any(reads_window(views[d]) for d in v.depends
                                          if d in views)

    def visit(v: ViewDef) -> None:
        for dep in v.depends:
            if dep in views and dep != WINDOW and reads_window(views[dep]) \
                    and views[dep] not in out:
                visit(views[dep])
        if v not in out:
            out.append(v)

    visit(views[name])
    return out


def report_sql(report: str, window: Window, limit: int | None = None) -> tuple[str, list[Any]]:
    """The SQL of one ``orcaops tests`` report over ``window``, and its parameters.

    Args:
        report: list, flaky, slow or failing.
        window: the results to read.
        limit: at most this many rows.

    Raises:
        InputError: an unknown report or a bad limit.
    """
    if report not in REPORTS:
        raise InputError(f"unknown tests report {report!r}: use one of {', '.join(REPORTS)}")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise InputError(f"limit must be a whole number >= 0, got {limit!r}")
    cond, params = window.where()
    tail = f"\nLIMIT {int(limit)}" if limit is not None else ""
    if report == "list":
        return f"{_LIST_SQL} WHERE {cond}\nORDER BY {_LIST_ORDER}{tail}", params
    name, order = _REPORT_VIEWS[report]
    if cond == "TRUE":
        return f"SELECT * FROM {name}\nORDER BY {order}{tail}", params
    views = {v.name: v for v in load_views()}
    ctes = [f"{WINDOW} AS (SELECT * FROM test_results WHERE {cond})"]
    ctes += [f"{v.name} AS (\n{v.sql}\n)" for v in _chain(name, views)]
    return f"WITH {', '.join(ctes)}\nSELECT * FROM {name}\nORDER BY {order}{tail}", params


def tests_of_runs_sql(where: str, status: str | None) -> str:
    """Test results of the runs matching a compiled search condition ``where`` (over
    ``runs``), optionally of one status (a ``?`` placeholder after the condition's)."""
    status_cond = " AND status = ?" if status else ""
    return (f"{_LIST_SQL} WHERE job_id IN (SELECT job_id FROM runs WHERE {where})"
            f"{status_cond}\nORDER BY {_LIST_ORDER}")
