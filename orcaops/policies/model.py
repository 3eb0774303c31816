"""What a run policy is, how it changed, and how one run used it (pydantic models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orcaops.core.render import human_duration, human_mb


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PolicyValues(_Model):
    """The limits a policy sets (None: not set; the run's own default applies)."""

    timeout_s: float | None = None
    memory_mb: int | None = None

    def is_empty(self) -> bool:
        return self.timeout_s is None and self.memory_mb is None

    def describe(self) -> str:
        """``timeout 90s, memory 512 MB`` or ``no limits``."""
        parts = []
        if self.timeout_s is not None:
            parts.append(f"timeout {human_duration(self.timeout_s, compact=True)}")
        if self.memory_mb is not None:
            parts.append(f"memory {human_mb(self.memory_mb)}")
        return ", ".join(parts) or "no limits"


class PolicyChange(_Model):
    """One entry of a key's policy history.

    Attributes:
        change_id: the id of the change; runs under the policy it set carry it as
            ``metadata.policy.version``.
        baseline_key: the job (``image|command_hash``).
        change: ``applied`` (from a recommendation) or ``rolled_back``.
        changed_by: ``recommendation``, ``manual`` (``orcaops policies rollback``) or
            ``automatic`` (degradation).
        at: when (UTC).
        before, after: the policy's values before and after the change.
        recommendation_id: the recommendation applied (or the one a rollback undid).
        undoes: for a rollback, the change_id of the apply it undid.
        reason: why, in words.
        evidence: the numbers it was based on (the recommendation's evidence, or the run
            counts and rates that made it roll back).
    """

    change_id: str
    baseline_key: str
    change: Literal["applied", "rolled_back"]
    changed_by: Literal["recommendation", "manual", "automatic"]
    at: datetime
    before: PolicyValues
    after: PolicyValues
    recommendation_id: str | None = None
    undoes: str | None = None
    reason: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)


class RunPolicy(_Model):
    """A key's policy now, and how the runs under it compare with the runs before it.

    Attributes:
        baseline_key, image, command: the job.
        timeout_s, memory_mb: what ``orcaops run`` uses when no flag is given.
        state: ``trial`` (fewer than ``min_runs`` runs under it: watched, not judged yet),
            ``active`` (judged after every run), or ``removed`` (rolled back to no limits).
        version: the change_id of its latest change (runs under it carry it).
        since: when that change was made.
        recommendation_id: the recommendation behind the values in force.
        reason: why the latest change was made.
        runs_under, limit_failures_under: runs under this version, and how many of them
            ended by a limit (timeout, exit 124/137, category timeout/oom).
        runs_before, limit_failures_before: the same over the runs before it (at most 50).
        min_runs: runs under it before it is judged.
        changes: entries in its history.
    """

    baseline_key: str
    image: str | None = None
    command: str | None = None
    timeout_s: float | None = None
    memory_mb: int | None = None
    state: Literal["trial", "active", "removed"]
    version: str
    since: datetime
    recommendation_id: str | None = None
    reason: str = ""
    runs_under: int = 0
    limit_failures_under: int = 0
    runs_before: int = 0
    limit_failures_before: int = 0
    min_runs: int = 0
    changes: int = 0

    @property
    def values(self) -> PolicyValues:
        return PolicyValues(timeout_s=self.timeout_s, memory_mb=self.memory_mb)


class PolicyDetail(RunPolicy):
    """One key's policy with every change of it, oldest first (``Warehouse.policy``)."""

    history: list[PolicyChange] = Field(default_factory=list)

    def summary(self) -> RunPolicy:
        """The policy without its history (what a listing shows)."""
        return RunPolicy(**self.model_dump(exclude={"history"}))


class PolicyUse(_Model):
    """The limits one run takes from its key's policy (those no flag gave).

    ``message`` is the line ``orcaops run`` prints; ``stamp()`` is what the run stores in
    ``metadata.policy``.
    """

    baseline_key: str
    version: str
    timeout_s: float | None = None
    memory_mb: int | None = None
    recommendation_id: str | None = None
    applied_at: datetime

    @property
    def message(self) -> str:
        used = PolicyValues(timeout_s=self.timeout_s, memory_mb=self.memory_mb).describe()
        when = self.applied_at.strftime("%Y-%m-%d %H:%M UTC")
        source = (f"applied from recommendation {self.recommendation_id} at {when}"
                  if self.recommendation_id else f"set at {when}")
        return f"using policy for {self.baseline_key}: {used} ({source})"

    def stamp(self) -> dict[str, Any]:
        """The run's ``metadata.policy``: enough to find the policy version it ran under."""
        return {"key": self.baseline_key, "version": self.version,
                "timeout_s": self.timeout_s, "memory_mb": self.memory_mb,
                "recommendation_id": self.recommendation_id}
