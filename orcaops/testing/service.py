"""``Tests``: the per-test methods the ``Warehouse`` forwards to, each a thin call into
:mod:`orcaops.testing.analytics` over the warehouse it holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl


class Tests:
    """Test results, flaky/slow/failing tests and new failures of a warehouse.

    Args:
        source: the warehouse it reads (``orcaops.api.Warehouse``).
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, source: Any) -> None:
        self.source = source

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

        return search_tests(self.source, query, status)

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

        return tests_report(self.source, report, since=since, job=job,
                            limit=limit)

    def run_tests(self, job_id: str) -> pl.DataFrame:
        """The test results of one run, failures first."""
        from orcaops.testing.analytics import run_tests

        return run_tests(self.source, job_id)

    def new_test_failures(self, job_id: str) -> pl.DataFrame:
        """The run's failed tests that did not fail in the last green run of its job key."""
        from orcaops.testing.analytics import new_failures

        return new_failures(self.source, job_id)

    def summary_tests(self, job_id: str) -> pl.DataFrame:
        """The run's test results with ``known_flaky`` (flaky in its job key's history) and
        ``new_since_green`` (did not fail in the key's last green run): what summaries say."""
        from orcaops.testing.analytics import summary_tests

        return summary_tests(self.source, job_id)

    def run_outputs(self, job_id: str) -> dict[str, Any]:
        """What a run produced besides its log, for ``runs show``: ``tests`` (counts by
        status), ``failed_tests`` (test_id, status, message, known_flaky) and ``artifacts``
        (name, size, sha256) (``orcaops.testing.outputs``)."""
        from orcaops.testing.outputs import run_outputs

        return run_outputs(self.source.reader, self.source.settings.home,
                           self.source.run(job_id))
