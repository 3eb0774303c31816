"""One run's summary and debug report, read as rows (``orcaops jobs summary``, ``debug``).

What they gather — the run, its log lines, its test results, earlier runs that failed the
same way, the diff against its job's last success — is read here once, through a
:class:`~orcaops.warehouse.onerun.RunRows`: a cold CLI passes a ``ReaderRows`` (DuckDB rows,
no polars nor pydantic), the Python API (``Warehouse.summary``/``debug``) a ``FrameRows``
over its DataFrames. The accounts themselves are :func:`~orcaops.analytics.summary.
summary_fields` and :func:`~orcaops.analytics.failures.debug_fields`.
"""

from __future__ import annotations

from typing import Any

from orcaops.analytics.diff import diff_and_lines
from orcaops.analytics.failures import debug_fields
from orcaops.analytics.summary import summary_fields
from orcaops.core.vocabulary import FAILED_STATUSES
from orcaops.testing.outputs import summary_test_rows
from orcaops.warehouse.onerun import RunRows
from orcaops.warehouse.reads import logs_sql, similar_failures_sql

# Earlier runs with the same error fingerprint that ``debug`` shows.
SIMILAR_FAILURES = 20


def summary_document(src: RunRows, job_id: str) -> dict[str, Any]:
    """The fields of the run's ``JobSummary`` (a unique job id prefix is enough).

    Raises:
        InputError: the prefix matches several runs.
        NotFoundError: no run has that id or prefix.
    """
    run = src.run(job_id)
    return summary_fields(run, src.dicts(*logs_sql(job_id=run["job_id"])),
                          summary_test_rows(src, run))


def debug_document(src: RunRows, job_id: str, similar_limit: int = SIMILAR_FAILURES
                   ) -> dict[str, Any]:
    """The run's debug report (:func:`orcaops.analytics.failures.debug_fields`).

    Raises:
        InputError: the prefix matches several runs.
        NotFoundError: no run has that id or prefix.
    """
    run = src.run(job_id)
    similar = (src.dicts(*similar_failures_sql(run, similar_limit))
               if run.get("error_fingerprint") else [])
    diff: dict[str, Any] | None = None
    if run.get("status") in FAILED_STATUSES:  # its lines come with the last success's
        diff, lines = diff_and_lines(src, run)
    else:
        lines = src.dicts(*logs_sql(job_id=run["job_id"]))
    return debug_fields(run, lines, similar, diff, summary_test_rows(src, run))
