"""What a run produced besides its log: test counts, failed tests, artifacts (plain dicts).

Read through a reader's rows, without polars, so a cold ``orcaops runs show`` lists them at
the cost of one query; ``Warehouse.run_outputs`` returns the same document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orcaops.testing.cases import count_statuses

# A run's results with known_flaky / new_since_green, failures first (the view's columns).
SUMMARY_TESTS_SQL = ("SELECT * FROM run_test_outcomes WHERE job_id = ? "
                     "ORDER BY status IN ('failed', 'error') DESC, known_flaky, test_id")
HAS_TESTS_SQL = "SELECT 1 FROM tests WHERE job_id = ? LIMIT 1"
_FAILED_FIELDS = ("test_id", "status", "message", "failure_type", "known_flaky")


def summary_test_rows(src: Any, job_id: str) -> list[dict[str, Any]]:
    """The run's test results with ``known_flaky`` and ``new_since_green``, failures first
    (what summaries and ``debug`` say of its tests); ``[]`` when it reports none.

    Args:
        src: an ``orcaops.warehouse.onerun.RunRows``.
        job_id: the run's full job id.
    """
    # Most runs report no tests: one look at the tests table spares them the flaky history.
    if not src.dicts(HAS_TESTS_SQL, [job_id]):
        return []
    return list(src.dicts(SUMMARY_TESTS_SQL, [job_id]))


def run_outputs(reader: Any, home: Path, job_id: str) -> dict[str, Any]:
    """``tests`` (counts by status), ``failed_tests`` (test_id, status, message,
    failure_type, known_flaky) and ``artifacts`` (name, size, sha256) of one stored run.

    Args:
        reader: an ``orcaops.warehouse.connection.Reader``.
        home: the OrcaOps home (artifacts live under it).
        job_id: the run's full job id.
    """
    from orcaops.artifacts.store import ArtifactStore
    from orcaops.warehouse.onerun import ReaderRows

    found = summary_test_rows(ReaderRows(reader), job_id)
    failed = [{k: r[k] for k in _FAILED_FIELDS} for r in found
              if r["status"] in ("failed", "error")]
    return {"tests": count_statuses(found) if found else {}, "failed_tests": failed,
            "artifacts": ArtifactStore(home).manifest(job_id)["artifacts"]}
