"""The result of parsing one run's log: columns in the shape of the ``logs`` table."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

RECORD_KEYS: tuple[str, ...] = ("line_number", "ts", "level", "message", "template_id",
                                "template", "is_error", "stacktrace_id")


@dataclass(frozen=True)
class RunLines:
    """One run's input to :func:`orcaops.logs.parse_run_logs` (the arguments of
    :func:`orcaops.logs.parse_run_log`, as one value).

    Attributes:
        lines: Raw lines, in order (line numbers are their 1-based positions).
        streams: ``stdout``/``stderr`` per line (all ``stdout`` when None).
        timestamps: When each line arrived; a given timestamp wins over a parsed one.
        status: Run status (see ``parse_run_log``).
        exit_code: Exit code (137 points to ``oom``, 124 to ``timeout``).
        secrets: Literal secret values masked wherever they appear.
    """

    lines: Sequence[str]
    streams: Sequence[str] | None = None
    timestamps: Sequence[datetime | None] | None = None
    status: str | None = None
    exit_code: int | None = None
    secrets: Sequence[str] = ()


@dataclass
class ParsedLog:
    """One entry per line in every list (all the same length), plus run-level results.

    ``n_error`` counts error *events*: a stack trace is one error however many lines it spans
    (``is_error`` is true on each of its lines). ``first_error``/``first_error_line`` are the
    root-cause line, inside ``root_cause`` (``{first_line, last_line, text, reason}``: the
    lines a person should read first), ``failure_category`` is set for failed runs only.
    """

    line_number: list[int]
    ts: list[datetime | None]
    stream: list[str]
    level: list[str]
    message: list[str]
    template_id: list[str]
    template: list[str]
    parsed: list[str | None]
    is_error: list[bool]
    stacktrace_id: list[str | None]
    n_error: int = 0
    n_warn: int = 0
    first_error: str | None = None
    first_error_line: int | None = None
    failure_category: str | None = None
    error_fingerprint: str | None = None
    stack_traces: list[dict[str, Any]] = field(default_factory=list)
    root_cause: dict[str, Any] | None = None
    analysis: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.line_number)

    def records(self, extra: bool = False) -> Iterator[dict[str, Any]]:
        """Per-line dicts for ``orcaops logs parse --format jsonl``.

        Args:
            extra: Also include ``stream`` and ``parsed`` (decoded JSON).

        Yields:
            Dicts with the keys of :data:`RECORD_KEYS` (``ts`` as ISO text or None).
        """
        for i in range(len(self.line_number)):
            ts = self.ts[i]
            rec = {"line_number": self.line_number[i], "ts": ts.isoformat() if ts else None,
                   "level": self.level[i], "message": self.message[i],
                   "template_id": self.template_id[i], "template": self.template[i],
                   "is_error": self.is_error[i], "stacktrace_id": self.stacktrace_id[i]}
            if extra:
                fields = self.parsed[i]
                rec["stream"] = self.stream[i]
                rec["parsed"] = json.loads(fields) if fields else None
            yield rec

    def to_dict(self) -> dict[str, list[Any]]:
        """The per-line columns by name (what the warehouse writes to the ``logs`` table)."""
        return {"line_number": self.line_number, "ts": self.ts, "stream": self.stream,
                "level": self.level, "message": self.message, "template_id": self.template_id,
                "template": self.template, "parsed": self.parsed, "is_error": self.is_error,
                "stacktrace_id": self.stacktrace_id}
