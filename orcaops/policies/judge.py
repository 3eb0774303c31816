"""When a policy made things worse: the degradation rule, pure.

A run *ended by a limit* when its status is ``timeout``, its exit code 124 (``timeout``) or
137 (killed, as the kernel's OOM killer does), or its failure category ``timeout``/``oom``.
The runs under a policy version are compared with the runs of the key before it (the last
``BEFORE_WINDOW`` recorded before the change). The policy rolls back when all hold:

- at least ``MIN_RUNS`` runs ran under it (before that it is on trial: watched, not judged);
- at least ``MIN_LIMIT_FAILURES`` of them ended by a limit (one unlucky run is not a trend);
- the share of runs ended by a limit rose by at least ``MAX_RISE`` (absolute: 20
  percentage points) over the share before.

So a timeout lowered from 10 minutes to 90 s that starts killing 2 of its first 5 runs
(40 %) where 1 in 14 timed out before (7 %) rolls back; a policy whose runs fail at the rate
they always did does not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MIN_RUNS = 5
MIN_LIMIT_FAILURES = 2
MAX_RISE = 0.20
BEFORE_WINDOW = 50


@dataclass(frozen=True)
class Evidence:
    """Run counts under a policy version and before it."""

    runs_before: int
    limit_failures_before: int
    runs_under: int
    limit_failures_under: int

    @property
    def rate_before(self) -> float:
        return self.limit_failures_before / self.runs_before if self.runs_before else 0.0

    @property
    def rate_under(self) -> float:
        return self.limit_failures_under / self.runs_under if self.runs_under else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The counts, the two rates and the thresholds they were judged with."""
        return {**asdict(self), "rate_before": round(self.rate_before, 4),
                "rate_under": round(self.rate_under, 4), "min_runs": MIN_RUNS,
                "min_limit_failures": MIN_LIMIT_FAILURES, "max_rise": MAX_RISE}


def on_trial(ev: Evidence) -> bool:
    """Too few runs under the policy to judge it yet."""
    return ev.runs_under < MIN_RUNS


def degraded(ev: Evidence) -> str | None:
    """Why the policy must roll back, in words; None while it holds (or is on trial)."""
    if on_trial(ev) or ev.limit_failures_under < MIN_LIMIT_FAILURES:
        return None
    if ev.rate_under - ev.rate_before < MAX_RISE:
        return None
    return (f"{ev.limit_failures_under} of {ev.runs_under} runs under the policy ended by a "
            f"limit (timeout or out of memory), {100 * ev.rate_under:.0f}% against "
            f"{100 * ev.rate_before:.0f}% of the {ev.runs_before} runs before it "
            f"(rollback at +{100 * MAX_RISE:.0f} points after {MIN_RUNS} runs)")
