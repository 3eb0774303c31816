"""What every executor needs to know about the job it runs, besides the spec."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orcaops.executors.secrets import redact_env, secret_values
from orcaops.executors.signals import CancelToken
from orcaops.executors.spec import JobSpec
from orcaops.executors.streams import OnLine


@dataclass
class RunContext:
    """One run in progress: its id, when it was queued, and how it reports."""

    spec: JobSpec
    job_id: str
    queued_at: datetime
    on_line: OnLine | None = None
    sample_interval: float = 1.0
    token: CancelToken = field(default_factory=CancelToken)

    @property
    def secrets(self) -> list[str]:
        """Values to mask in output: the job's secret-looking env values."""
        return secret_values(self.spec.env)

    def meta(self, executor: str) -> dict[str, Any]:
        """The spool's meta.json at the start; the env in it is already redacted."""
        spec = self.spec.model_dump(mode="json")
        spec["env"] = redact_env(self.spec.env)
        return {"job_id": self.job_id, "executor": executor, "host": socket.gethostname(),
                "queued_at": self.queued_at.isoformat(), "spec": spec}
