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
# Rows are one per test and job (baseline_key): the key ends each order, so one test in two
# jobs comes out in the same order every time (a report made twice is the same page).
_REPORT_VIEWS = {"flaky": ("flaky_tests", "flips DESC, flip_rate DESC, test_id, baseline_key"),
                 "slow": ("slow_tests", "p50_s DESC NULLS LAST, test_id, baseline_key"),
                 "failing": ("failing_tests",
                             "failures DESC, last_failed_at DESC, test_id, baseline_key")}
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


def _chain(name: str, views: dict[str, ViewDef], base: str = WINDOW) -> list[ViewDef]:
    """``name`` and the views it reads that read ``base``, in dependency order."""
    out: list[ViewDef] = []

    def reads_base(v: ViewDef) -> bool:
        return base in v.depends or any(reads_base(views[d]) for d in v.depends
                                        if d in views)

    def visit(v: ViewDef) -> None:
        for dep in v.depends:
            if dep in views and dep != base and reads_base(views[dep]) \
                    and views[dep] not in out:
                visit(views[dep])
        if v not in out:
            out.append(v)

    visit(views[name])
    return out


def _inlined(name: str, base: str, first: list[str]) -> str:
    """``WITH``: the CTEs ``first`` (the last defines ``base``), then ``name`` and every view
    between them, from their files in ``queries/``: a narrower ``base`` gives the same SQL
    over fewer rows."""
    views = {v.name: v for v in load_views()}
    ctes = [*first, *(f"{v.name} AS (\n{v.sql}\n)" for v in _chain(name, views, base))]
    return f"WITH {', '.join(ctes)}"


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
    with_ = _inlined(name, WINDOW, [f"{WINDOW} AS (SELECT * FROM test_results WHERE {cond})"])
    return f"{with_}\nSELECT * FROM {name}\nORDER BY {order}{tail}", params


def run_outcomes_sql(job_id: str, key: str | None) -> tuple[str, list[Any]]:
    """``run_test_outcomes`` of run ``job_id`` of job key ``key``, failures first, computed
    over that key's results alone; the SQL and its parameters.

    Every view between ``test_results`` and ``run_test_outcomes`` (flaky stats, new failures
    since the key's last green run) partitions by ``baseline_key``, so reading one key's
    results and runs gives the key's rows unchanged, while the whole view computes every
    key's window first (DuckDB does not push a filter on the key below the window functions
    and the ASOF join).
    """
    cond, params = ("baseline_key = ?", [key]) if key is not None else ("baseline_key IS NULL", [])
    # The key's rows under other names first: ``test_results`` inside its own CTE would name
    # the CTE, not the view.
    with_ = _inlined("run_test_outcomes", "test_results",
                     [f"_key_results AS (SELECT * FROM test_results WHERE {cond})",
                      f"_key_runs AS (SELECT * FROM runs WHERE {cond})",
                      "test_results AS (SELECT * FROM _key_results)",
                      "runs AS (SELECT * FROM _key_runs)"])
    sql = (f"{with_}\nSELECT * FROM run_test_outcomes WHERE job_id = ?\n"
           f"ORDER BY status IN ('failed', 'error') DESC, known_flaky, test_id")
    return sql, [*params, *params, job_id]


def tests_of_runs_sql(where: str, status: str | None) -> str:
    """Test results of the runs matching a compiled search condition ``where`` (over
    ``runs``), optionally of one status (a ``?`` placeholder after the condition's)."""
    status_cond = " AND status = ?" if status else ""
    return (f"{_LIST_SQL} WHERE job_id IN (SELECT job_id FROM runs WHERE {where})"
            f"{status_cond}\nORDER BY {_LIST_ORDER}")
