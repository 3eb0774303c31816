"""The records OrcaOps stores and returns (pydantic models).

Field names are the public column names (README, "Tables"). The warehouse stores these flattened into the columns of the ``runs``, ``logs`` and
``samples`` tables (``orcaops.warehouse.rows``).
"""

from __future__ import annotations

import hashlib
import shlex
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

JobStatus = Literal["queued", "running", "success", "failed", "timeout", "cancelled", "error"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """A timezone-aware UTC datetime (naive values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def command_text(command: str | list[str] | None) -> str:
    """The command as a user would type it."""
    if command is None:
        return ""
    if isinstance(command, str):
        return command
    return shlex.join(command)


def command_argv(command: str | list[str] | None) -> list[str]:
    """The command split into arguments (a string is split the way a shell would)."""
    if command is None:
        return []
    if isinstance(command, list):
        return [str(a) for a in command]
    try:
        return shlex.split(command)
    except ValueError:  # unbalanced quotes: keep the words as typed
        return command.split()


def hash_command(command: str | list[str] | None) -> str:
    """A short stable hash of a command, insensitive to how its whitespace was typed."""
    normal = " ".join(command_argv(command))
    return hashlib.sha256(normal.encode()).hexdigest()[:12]


def make_baseline_key(image: str | None, command: str | list[str] | None) -> str:
    """``image|command_hash``; local runs use ``local`` for the image."""
    return f"{image or 'local'}|{hash_command(command)}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ResourceUsage(_Model):
    """What a run consumed."""

    cpu_seconds: float | None = None
    memory_peak_mb: float | None = None
    network_rx_bytes: int | None = None
    network_tx_bytes: int | None = None
    disk_usage_mb: float | None = None
    estimated_cost_usd: float | None = None


class EnvironmentSnapshot(_Model):
    """Where a run ran; env values are sanitized before they get here."""

    image_digest: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
    mounts: list[Any] = Field(default_factory=list)
    network: dict[str, Any] = Field(default_factory=dict)
    container_config: dict[str, Any] = Field(default_factory=dict)


class RunRecord(_Model):
    """One job run: the row of the ``runs`` table, with resources and environment nested."""

    job_id: str
    status: JobStatus
    image: str | None = None
    image_digest: str | None = None
    command: str = ""
    argv: list[str] = Field(default_factory=list)
    triggered_by: str = "cli"
    intent: str | None = None
    parent_job_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    error_message: str | None = None
    failure_category: str | None = None
    first_error: str | None = None
    error_fingerprint: str | None = None
    log_lines: int = 0
    n_error: int = 0
    n_warn: int = 0
    resources: ResourceUsage = Field(default_factory=ResourceUsage)
    executor: str | None = None
    host: str | None = None
    environment: EnvironmentSnapshot | None = None
    # Per-run log analysis (level counts, output rate, stalls, top patterns): see orcaops.logs.
    analysis: dict[str, Any] = Field(default_factory=dict)

    @field_validator("job_id")
    @classmethod
    def _job_id_present(cls, v: str) -> str:
        if not v or not v.strip():
            raise ValueError("job_id must be a non-empty string")
        if len(v) > 200:
            raise ValueError("job_id is longer than 200 characters")
        return v

    @field_validator("command", mode="before")
    @classmethod
    def _command_text(cls, v: Any) -> Any:
        return command_text(v) if isinstance(v, (list, type(None))) else v

    @field_validator("queued_at", "started_at", "finished_at")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        return as_utc(v)

    @model_validator(mode="after")
    def _derive(self) -> "RunRecord":
        if not self.argv and self.command:
            self.argv = command_argv(self.command)
        if self.environment and self.environment.image_digest and not self.image_digest:
            self.image_digest = self.environment.image_digest
        return self

    @property
    def command_hash(self) -> str:
        return hash_command(self.argv or self.command)

    @property
    def baseline_key(self) -> str:
        return f"{self.image or 'local'}|{self.command_hash}"

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return max((self.finished_at - self.started_at).total_seconds(), 0.0)
        return None

    @property
    def queue_wait_s(self) -> float | None:
        if self.queued_at and self.started_at:
            return max((self.started_at - self.queued_at).total_seconds(), 0.0)
        return None

    @property
    def day(self) -> str:
        """UTC date of the run: when it started, else when it was queued or finished."""
        when = self.started_at or self.queued_at or self.finished_at
        return (when or utcnow()).date().isoformat()


class LogEntry(_Model):
    """One parsed log line."""

    line_number: int
    message: str
    timestamp: datetime | None = None
    level: str = "INFO"
    source: Literal["stdout", "stderr"] = "stdout"
    parsed_data: dict[str, Any] | None = None
    template_id: str | None = None
    template: str | None = None
    is_error: bool = False
    stacktrace_id: str | None = None


class ResourceSample(_Model):
    """One reading of a running job's resource use."""

    ts: datetime
    cpu_percent: float | None = None
    memory_mb: float | None = None
    memory_limit_mb: float | None = None
    network_rx_bytes: int | None = None
    network_tx_bytes: int | None = None
    block_read_bytes: int | None = None
    block_write_bytes: int | None = None
    pids: int | None = None


class JobSummary(_Model):
    """A human-readable account of one run."""

    job_id: str
    one_liner: str
    status_emoji: str
    duration_human: str
    key_events: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)
    ai_analysis: str | None = None


class FieldChange(_Model):
    """One run field in a diff: its value in each run and how it changed (``+35%``)."""

    name: str
    a: Any = None
    b: Any = None
    change: str = "same"


class RunDiff(_Model):
    """Two runs side by side (``orcaops runs diff``) and the log lines new in the first."""

    job_id: str
    other_job_id: str | None = None
    other_reason: str = ""
    fields: list[FieldChange] = Field(default_factory=list)
    env_added: list[str] = Field(default_factory=list)
    env_removed: list[str] = Field(default_factory=list)
    env_changed: list[str] = Field(default_factory=list)
    new_lines: list[dict[str, Any]] = Field(default_factory=list)
    new_line_count: int = 0
    log_lines: int = 0


class PerformanceBaseline(_Model):
    """What is normal for one ``baseline_key``."""

    key: str
    sample_count: int
    duration_mean: float | None = None
    duration_stddev: float | None = None
    duration_p50: float | None = None
    duration_p95: float | None = None
    duration_p99: float | None = None
    duration_ema: float | None = None
    memory_mean_mb: float | None = None
    memory_max_mb: float | None = None
    success_rate: float | None = None
    last_updated: datetime | None = None
    trusted: bool = False
    image: str | None = None
    command: str | None = None
    # No run of the key for ``Settings.baseline_stale_days``: aged out of listings.
    stale: bool = False


class Anomaly(_Model):
    """Something that deviates from what is normal."""

    id: str
    job_id: str
    anomaly_type: str
    severity: Literal["info", "warning", "critical"]
    title: str
    description: str
    expected: Any = None
    actual: Any = None
    deviation_percent: float | None = None
    detected_at: datetime
    acknowledged: bool = False
    resolution: str | None = None
    baseline_key: str | None = None


class Recommendation(_Model):
    """An improvement with the evidence for it."""

    id: str
    type: str
    priority: Literal["low", "medium", "high"]
    title: str
    description: str
    impact: str
    action: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    state: Literal["open", "dismissed", "applied"] = "open"


class FailurePattern(_Model):
    """A known kind of failure and how to fix it."""

    id: str
    pattern: str
    category: str
    title: str
    description: str
    solutions: list[str] = Field(default_factory=list)
    occurrences: int = 0
    last_seen: datetime | None = None


class DurationPrediction(_Model):
    """How long a job is expected to take."""

    estimated_seconds: float
    confidence: float
    range_low: float | None = None
    range_high: float | None = None


class Prediction(_Model):
    """Everything predicted for one image + command before it runs."""

    key: str
    duration: DurationPrediction
    memory_mb: float | None = None
    failure_risk: float
    risk_reasons: list[str] = Field(default_factory=list)
    sample_count: int = 0
