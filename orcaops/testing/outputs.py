"""What a run produced besides its log: test counts, failed tests, artifacts (plain dicts).

Read through a reader's rows, without polars, so a cold ``orcaops runs show`` lists them at
the cost of one query; ``Warehouse.run_outputs`` returns the same document.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orcaops.testing.cases import count_statuses
from orcaops.testing.queries import run_outcomes_sql

# Most runs report no tests: one look at the tests table spares them the flaky history.
HAS_TESTS_SQL = "SELECT 1 FROM tests WHERE job_id = ? LIMIT 1"
_FAILED_FIELDS = ("test_id", "status", "message", "failure_type", "known_flaky")


def summary_test_rows(src: Any, run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The run's test results with ``known_flaky`` and ``new_since_green``, failures first
    (what summaries and ``debug`` say of its tests); ``[]`` when it reports none.

    Args:
        src: an ``orcaops.warehouse.onerun.RunRows``.
        run: the run's row (its ``job_id`` and ``baseline_key``).
    """
    if not src.dicts(HAS_TESTS_SQL, [run["job_id"]]):
        return []
    return list(src.dicts(*run_outcomes_sql(run["job_id"], run.get("baseline_key"))))


def run_outputs(reader: Any, home: Path, run: Mapping[str, Any]) -> dict[str, Any]:
    """``tests`` (counts by status), ``failed_tests`` (test_id, status, message,
    failure_type, known_flaky) and ``artifacts`` (name, size, sha256) of one stored run.

    Args:
        reader: an ``orcaops.warehouse.connection.Reader``.
        home: the OrcaOps home (artifacts live under it).
        run: the run's row (its ``job_id`` and ``baseline_key``).
    """
    from orcaops.artifacts.store import ArtifactStore
    from orcaops.warehouse.onerun import ReaderRows

    found = summary_test_rows(ReaderRows(reader), run)
    failed = [{k: r[k] for k in _FAILED_FIELDS} for r in found
              if r["status"] in ("failed", "error")]
    return {"tests": count_statuses(found) if found else {}, "failed_tests": failed,
            "artifacts": ArtifactStore(home).manifest(run["job_id"])["artifacts"]}
