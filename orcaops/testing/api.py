"""``TestsAPI``: the per-test methods of ``Warehouse`` (DESIGN.md §5), each a thin call into
:mod:`orcaops.testing.analytics`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl


class TestsAPI:
    """Test results, flaky/slow/failing tests and new failures of a warehouse."""

    __test__ = False  # not a pytest test class, whatever its name

    def tests(self, query: str = "", status: str | None = None) -> pl.DataFrame:
        """Test results of the runs a search ``query`` matches (all runs by default).

        Args:
            query: a search-language query over runs (``image:python* after:-7d``).
            status: only results with this status (passed, failed, error, skipped).

        Returns:
            One row per test case: the ``tests`` columns, test_id, and the run's
            baseline_key, image, command, run_status, started_at and commit.
        """
        from orcaops.testing.analytics import search_tests

        return search_tests(self, query, status)  # type: ignore[arg-type]

    def flaky_tests(self, since: str | datetime | None = None,
                    job: str | None = None) -> pl.DataFrame:
        """Tests that both pass and fail on one commit, or pass on a retry, most flips first.

        Columns: baseline_key, test_id, name, classname, file, image, command, runs,
        failures, flips, flip_rate, flip_commits, pass_on_retry, failure_rate,
        last_flip_at, last_message, window_start, window_end.
        """
        return self.tests_report("flaky", since=since, job=job)

    def tests_report(self, report: str = "list", *, since: str | datetime | None = None,
                     job: str | None = None, limit: int | None = None) -> pl.DataFrame:
        """``list``, ``flaky``, ``slow`` or ``failing`` tests over a window (see
        :func:`orcaops.testing.analytics.tests_report`)."""
        from orcaops.testing.analytics import tests_report

        return tests_report(self, report, since=since, job=job,  # type: ignore[arg-type]
                            limit=limit)

    def run_tests(self, job_id: str) -> pl.DataFrame:
        """The test results of one run, failures first."""
        from orcaops.testing.analytics import run_tests

        return run_tests(self, job_id)  # type: ignore[arg-type]

    def new_test_failures(self, job_id: str) -> pl.DataFrame:
        """The run's failed tests that did not fail in the last green run of its job key."""
        from orcaops.testing.analytics import new_failures

        return new_failures(self, job_id)  # type: ignore[arg-type]

    def summary_tests(self, job_id: str) -> pl.DataFrame:
        """The run's test results with ``known_flaky`` (flaky in its job key's history) and
        ``new_since_green`` (did not fail in the key's last green run): what summaries say."""
        from orcaops.testing.analytics import summary_tests

        return summary_tests(self, job_id)  # type: ignore[arg-type]

    def run_outputs(self, job_id: str) -> dict[str, Any]:
        """What a run produced besides its log, for ``runs show``: ``tests`` (counts by
        status), ``failed_tests`` (test_id, status, message, known_flaky) and ``artifacts``
        (name, size, sha256)."""
        from orcaops.testing.cases import count_statuses

        rows = self.summary_tests(job_id).to_dicts()
        failed = [{k: r[k] for k in ("test_id", "status", "message", "failure_type",
                                     "known_flaky")}
                  for r in rows if r["status"] in ("failed", "error")]
        return {"tests": count_statuses(rows) if rows else {}, "failed_tests": failed,
                "artifacts": self.artifacts(job_id)["artifacts"]}  # type: ignore[attr-defined]
