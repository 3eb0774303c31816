"""The agent tools over test results and artifacts (a mixin of ``OrcaOpsTools``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from orcaops.server.shape import Limit, clean, page

if TYPE_CHECKING:
    from orcaops.api import Warehouse

JobId = Annotated[str, Field(description="A job id, or a unique prefix of one.")]
_BRIEF = ("test_id", "name", "file", "status", "duration_s", "message", "failure_type",
          "known_flaky", "new_since_green")


class TestTools:
    """Tests and artifacts tools (read-only)."""

    __test__ = False
    TOOLS = ("orcaops_tests", "orcaops_run_tests", "orcaops_artifacts")
    wh: Warehouse

    def orcaops_tests(
        self,
        report: Literal["flaky", "slow", "failing", "list"] = "flaky",
        since: Annotated[str | None, Field(description="2026-11-01, ISO or -7d.")] = None,
        job: Annotated[str | None, Field(description="A job key (image|command_hash) or "
                                         "its prefix.")] = None,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """Tests across runs: flaky (both outcomes on one commit, or passed on retry; with
        flips and flip_rate), slow (p50, p95, trend in seconds per day), failing (failures,
        last message), or every result. Each row names the job's image and command."""
        frame = self.wh.tests_report(report, since=since, job=job)
        return page(clean(frame), limit, name="tests")

    def orcaops_run_tests(self, job_id: JobId, limit: Limit = 50) -> dict[str, Any]:
        """One run's test results, failures first: message, type, whether each failure is
        known flaky and whether it is new since the job's last green run."""
        rows = clean(self.wh.summary_tests(self.wh.run(job_id)["job_id"]))
        brief = [{k: r.get(k) for k in _BRIEF} for r in rows]
        return page(brief, limit, name="tests")

    def orcaops_artifacts(self, job_id: JobId) -> dict[str, Any]:
        """The files a run kept (``orcaops run --artifact``): name, size, sha256, and what
        could not be collected. Read one over HTTP: GET /orcaops/runs/{id}/artifacts/{name}."""
        return clean(self.wh.artifacts(job_id))  # type: ignore[no-any-return]
