"""A query's top-level day window bounds its log subqueries, and only a top-level one does."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from orcaops.core.errors import QueryError
from orcaops.query import compile_query
from orcaops.query.window import DayWindow

QUERY_NOW = datetime(2026, 11, 8, 12, 0, tzinfo=timezone.utc)  # as in conftest.py

# now = 2026-11-08T12:00Z: after:-3d is 11-05T12:00 (day >= 11-04), before:2026-11-07 is
# day <= 11-08 (one day of slack each way).
BOUNDED: list[tuple[str, str]] = [
    ('log:"connection refused" after:-3d', "day >= ?"),
    ("log:refused before:2026-11-07", "day <= ?"),
    ("log:a after:2026-11-01 before:2026-11-07", "day BETWEEN ? AND ?"),
    ("log:a day:2026-11-05", "day BETWEEN ? AND ?"),
    ("log:a day:>=2026-11-05", "day >= ?"),
    ("log:a day:[2026-11-01 TO 2026-11-05]", "day BETWEEN ? AND ?"),
    ("(log:a OR status:failed) after:-3d", "day >= ?"),  # the log term may be under OR
    ("-log:a after:-3d", "day >= ?"),  # or under NOT: the window is still top-level
    ("log:a log:b after:-3d", "day >= ?"),
    ("level:error after:-3d", "day >= ?"),
    ("error:refused after:-3d", "day >= ?"),
    ("has:log after:-3d", "day >= ?"),
]

UNBOUNDED = [
    "log:a OR after:-3d",
    "log:a -after:-3d",
    "log:a NOT day:2026-11-05",
    "log:a (after:-3d OR status:failed)",
    "log:a (after:-3d OR before:-5d)",
    "log:a day:*",
    "log:a",
]


def _log_subqueries(where: str) -> list[str]:
    """The text of each ``... FROM logs ...)`` subquery, up to its closing parenthesis."""
    out = []
    start = where.find("FROM logs")
    while start != -1:
        depth, end = 0, start
        while end < len(where) and depth >= 0:
            depth += {"(": 1, ")": -1}.get(where[end], 0)
            end += 1
        out.append(where[start:end])
        start = where.find("FROM logs", end)
    return out


@pytest.mark.parametrize(("query", "bound"), BOUNDED)
def test_top_level_window_bounds_every_log_subquery(query: str, bound: str) -> None:
    where = compile_query(query, now=QUERY_NOW).where
    subqueries = _log_subqueries(where)
    assert subqueries
    assert all(bound in s for s in subqueries), where


@pytest.mark.parametrize("query", UNBOUNDED)
def test_window_under_or_or_not_bounds_no_log_subquery(query: str) -> None:
    where = compile_query(query, now=QUERY_NOW).where
    subqueries = _log_subqueries(where)
    assert subqueries
    assert not any("day" in s for s in subqueries), where


def test_bound_values_are_the_runs_window() -> None:
    cq = compile_query("log:a after:2026-11-03 before:2026-11-06T05:00:00Z", now=QUERY_NOW)
    assert cq.where == ("(job_id IN (SELECT job_id FROM logs WHERE (message ILIKE ?) AND "
                        "(day BETWEEN ? AND ?))) AND (started_at >= ? AND day >= ?) AND "
                        "(started_at < ? AND day <= ?)")
    assert cq.params[1:3] == (date(2026, 11, 2), date(2026, 11, 7))
    assert cq.params[4] == date(2026, 11, 2) and cq.params[6] == date(2026, 11, 7)


def test_indexed_search_bounds_both_scans_not_the_postings() -> None:
    cq = compile_query('log:"connection refused" after:-3d', now=QUERY_NOW, log_index=True)
    assert cq.where.count("day >= ?") == 3  # log_index_scan, logs_unindexed, runs
    postings = cq.where[cq.where.index("FROM log_postings"):cq.where.index("FROM log_index_scan")]
    assert "day" not in postings
    assert cq.where.count("?") == len(cq.params)


def test_a_bad_date_is_reported_by_the_compiler_not_the_window() -> None:
    with pytest.raises(QueryError, match="Invalid value 'soon' for after"):
        compile_query("log:a after:soon", now=QUERY_NOW)


@pytest.mark.parametrize(("a", "b", "met"), [
    (DayWindow(), DayWindow(), DayWindow()),
    (DayWindow(low=date(2026, 1, 2)), DayWindow(low=date(2026, 1, 5)),
     DayWindow(low=date(2026, 1, 5))),
    (DayWindow(high=date(2026, 1, 9)), DayWindow(date(2026, 1, 1), date(2026, 1, 20)),
     DayWindow(date(2026, 1, 1), date(2026, 1, 9))),
])
def test_windows_meet(a: DayWindow, b: DayWindow, met: DayWindow) -> None:
    assert a.meet(b) == met == b.meet(a)
