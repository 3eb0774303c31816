"""Per-test analytics over the warehouse: results, flaky, slow and failing tests, new
failures since the last green run. SQL lives in ``queries/`` (see
:mod:`orcaops.testing.queries`); these functions run it and return DataFrames."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from orcaops.analytics.common import Frames, parse_when
from orcaops.core.errors import InputError
from orcaops.testing.cases import TEST_STATUSES, normalize_status
from orcaops.testing.outputs import HAS_TESTS_SQL
from orcaops.testing.queries import (REPORTS, Window, report_sql, run_outcomes_sql,
                                     tests_of_runs_sql)

NEW_FAILURES_SQL = ("SELECT * FROM new_test_failures WHERE job_id = ? "
                    "ORDER BY test_id")
RUN_TESTS_SQL = ("SELECT * FROM test_results WHERE job_id = ? "
                 "ORDER BY status IN ('failed', 'error') DESC, test_id")


def window(since: str | datetime | None = None, job: str | None = None) -> Window:
    """The results a report reads: ``since`` (ISO date or time, ``-7d``) and a job key.

    Raises:
        InputError: ``since`` is not a time.
    """
    return Window(parse_when(since, "since"), job or None)


def tests_report(wh: Frames, report: str = "list", *, since: str | datetime | None = None,
                 job: str | None = None, limit: int | None = None) -> pl.DataFrame:
    """One ``orcaops tests`` report as a DataFrame.

    Args:
        wh: the warehouse.
        report: ``list`` (every result, newest first), ``flaky``, ``slow`` or ``failing``.
        since: only results of runs started then or later.
        job: only runs of this job key (baseline_key, or its prefix).
        limit: at most this many rows.

    Raises:
        InputError: a bad report name, time or limit.
    """
    sql, params = report_sql(report, window(since, job), limit)
    return wh.frame(sql, params)


def search_tests(wh: Frames, query: str = "", status: str | None = None) -> pl.DataFrame:
    """The test results of the runs a search ``query`` matches, of one ``status`` or all.

    Raises:
        QueryError: a bad query. InputError: an unknown status.
    """
    from orcaops.query import compile_query

    wanted = None
    if status:
        wanted = normalize_status(status)
        if wanted is None:
            raise InputError(f"unknown test status {status!r}: use one of "
                             f"{', '.join(TEST_STATUSES)}")
    compiled = compile_query(query or "")
    params: list[Any] = list(compiled.params) + ([wanted] if wanted else [])
    return wh.frame(tests_of_runs_sql(compiled.where, wanted), params)


def run_tests(wh: Frames, job_id: str) -> pl.DataFrame:
    """The test results of one run, failures first."""
    return wh.frame(RUN_TESTS_SQL, [job_id])


def new_failures(wh: Frames, job_id: str) -> pl.DataFrame:
    """The run's failed tests that did not fail in its job key's last green run before it."""
    return wh.frame(NEW_FAILURES_SQL, [job_id])


def summary_tests(wh: Frames, job_id: str) -> pl.DataFrame:
    """The run's results with ``known_flaky``, ``flaky_flips`` and ``new_since_green``."""
    if not wh.frame(HAS_TESTS_SQL, [job_id]).height:  # most runs: skip the flaky history
        return wh.frame("SELECT * FROM run_test_outcomes WHERE false")
    key = wh.frame("SELECT baseline_key FROM runs WHERE job_id = ?", [job_id])["baseline_key"]
    return wh.frame(*run_outcomes_sql(job_id, key[0] if key.len() else None))


__all__ = ["REPORTS", "new_failures", "run_tests", "search_tests", "summary_tests", "tests_report", "window"]
