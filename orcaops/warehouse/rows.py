"""Records → columnar Arrow tables, many runs at a time.

Bulk import builds one ``RunBatch`` for thousands of runs and commits it once per table; the
per-line work stays columnar (lists per column, never one pydantic object per log line).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from orcaops.core.models import RunRecord, utcnow
from orcaops.core.vocabulary import FAILED_STATUSES
from orcaops.warehouse.schema import LOGS, RUNS, SAMPLES, TESTS, WRITE_ID

if TYPE_CHECKING:
    from orcaops.logs.model import ParsedLog

SAMPLE_FIELDS = tuple(f.name for f in SAMPLES if f.name not in ("job_id", "day"))
TEST_FIELDS = tuple(f.name for f in TESTS if f.name not in ("job_id", "day"))
_INT_SAMPLE_FIELDS = {"network_rx_bytes", "network_tx_bytes", "block_read_bytes",
                      "block_write_bytes", "pids"}


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=str, separators=(",", ":"))


def run_row(run: RunRecord, parsed: ParsedLog | None) -> dict[str, Any]:
    """One row of the ``runs`` table; log analysis fills what the record leaves empty."""
    res = run.resources
    row: dict[str, Any] = {
        "job_id": run.job_id, "status": run.status, "image": run.image,
        "image_digest": run.image_digest, "command": run.command, "argv": run.argv,
        "command_hash": run.command_hash, "baseline_key": run.baseline_key,
        "triggered_by": run.triggered_by, "intent": run.intent,
        "parent_job_id": run.parent_job_id, "tags": run.tags,
        "metadata": _json(run.metadata), "queued_at": run.queued_at,
        "started_at": run.started_at, "finished_at": run.finished_at,
        "duration_s": run.duration_s, "queue_wait_s": run.queue_wait_s,
        "exit_code": run.exit_code, "error_message": run.error_message,
        "failure_category": run.failure_category, "first_error": run.first_error,
        "error_fingerprint": run.error_fingerprint, "log_lines": run.log_lines,
        "n_error": run.n_error, "n_warn": run.n_warn,
        "cpu_seconds": res.cpu_seconds, "memory_peak_mb": res.memory_peak_mb,
        "network_rx_bytes": res.network_rx_bytes, "network_tx_bytes": res.network_tx_bytes,
        "disk_usage_mb": res.disk_usage_mb, "estimated_cost_usd": res.estimated_cost_usd,
        "executor": run.executor, "host": run.host,
        "environment": _json(run.environment.model_dump()) if run.environment else None,
        "analysis": _json(run.analysis) if run.analysis else None,
        "recorded_at": utcnow(), "day": date.fromisoformat(run.day),
    }
    if parsed is not None:
        _fill_from_log(row, run, parsed)
    if run.status in FAILED_STATUSES and not row["failure_category"]:
        row["failure_category"] = "timeout" if run.status == "timeout" else "unknown"
    return row


def _fill_from_log(row: dict[str, Any], run: RunRecord, parsed: ParsedLog) -> None:
    row["log_lines"] = len(parsed.line_number)
    row["n_error"] = parsed.n_error
    row["n_warn"] = parsed.n_warn
    row["analysis"] = _json(parsed.analysis) if parsed.analysis else row["analysis"]
    if run.status in FAILED_STATUSES:
        row["first_error"] = row["first_error"] or parsed.first_error
        row["failure_category"] = row["failure_category"] or parsed.failure_category
        row["error_fingerprint"] = row["error_fingerprint"] or parsed.error_fingerprint
        if parsed.root_cause:
            row["root_cause_first_line"] = parsed.root_cause["first_line"]
            row["root_cause_last_line"] = parsed.root_cause["last_line"]


class RunBatch:
    """Rows of the run tables for a batch of runs, kept as columns."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []
        self.logs: dict[str, list[Any]] = {f.name: [] for f in LOGS}
        self.samples: dict[str, list[Any]] = {f.name: [] for f in SAMPLES}
        self.tests: dict[str, list[Any]] = {f.name: [] for f in TESTS}

    def __len__(self) -> int:
        return len(self.runs)

    @property
    def job_ids(self) -> list[str]:
        return [r["job_id"] for r in self.runs]

    def add(self, run: RunRecord, parsed: ParsedLog | None = None,
            samples: Sequence[Mapping[str, Any]] = (),
            tests: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
        """Add one run with its parsed log, samples and test results (rows of ``tests``
        without job_id and day); returns the runs row."""
        row = run_row(run, parsed)
        self.runs.append(row)
        if parsed is not None and parsed.line_number:
            self._add_logs(run.job_id, row["day"], parsed)
        if samples:
            self._add_samples(run.job_id, row["day"], samples)
        if tests:
            self._add_columns(self.tests, TEST_FIELDS, run.job_id, row["day"], tests)
        return row

    def _add_logs(self, job_id: str, day: date, parsed: ParsedLog) -> None:
        n = len(parsed.line_number)
        cols = self.logs
        cols["job_id"].extend([job_id] * n)
        cols["day"].extend([day] * n)
        for name in ("line_number", "ts", "stream", "level", "message", "template_id",
                     "template", "parsed", "is_error"):
            cols[name].extend(getattr(parsed, name))
        cols["stacktrace_id"].extend(
            None if s is None else f"{job_id}:{s}" for s in parsed.stacktrace_id)

    def _add_samples(self, job_id: str, day: date, samples: Sequence[Mapping[str, Any]]
                     ) -> None:
        self._add_columns(self.samples, SAMPLE_FIELDS, job_id, day, samples)

    @staticmethod
    def _add_columns(cols: dict[str, list[Any]], names: tuple[str, ...], job_id: str, day: date,
                     rows: Sequence[Mapping[str, Any]]) -> None:
        # Column by column: one extend per field instead of one append per field per row.
        cols["job_id"].extend([job_id] * len(rows))
        cols["day"].extend([day] * len(rows))
        for name in names:
            cols[name].extend([r.get(name) for r in rows])

    def tables(self, write_id: str | None = None) -> dict[str, pa.Table]:
        """The batch as Arrow tables with the warehouse schemas.

        Args:
            write_id: the commit's id, stored on every row (``write_id`` column) so readers
                match a run's children to its row; None leaves the public columns only.
        """
        runs = {name: [r.get(name) for r in self.runs] for name in RUNS.names}
        out = {"logs": arrow_table(self.logs, LOGS), "samples": arrow_table(self.samples, SAMPLES),
               "tests": arrow_table(self.tests, TESTS), "runs": arrow_table(runs, RUNS)}
        if write_id is None:
            return out
        return {name: t.append_column(WRITE_ID, string_array([write_id] * t.num_rows))
                for name, t in out.items()}


def string_array(values: Sequence[str | None]) -> pa.Array:
    """Python strings as an Arrow string array (through polars: see :func:`arrow_table`)."""
    return pl.Series(values, dtype=pl.String).to_arrow().cast(pa.string())


def _polars_type(t: pa.DataType) -> pl.DataType:
    """The polars type of a column type the warehouse schemas use."""
    if pa.types.is_list(t):
        return pl.List(_polars_type(t.value_type))
    if pa.types.is_timestamp(t):
        return pl.Datetime(t.unit, t.tz)  # type: ignore[arg-type]
    return _POLARS[t]


_POLARS: dict[pa.DataType, pl.DataType] = {
    pa.string(): pl.String(), pa.date32(): pl.Date(), pa.int32(): pl.Int32(),
    pa.int64(): pl.Int64(), pa.float64(): pl.Float64(), pa.bool_(): pl.Boolean()}


def _series(values: list[Any], t: pa.DataType) -> pl.Series:
    if not pa.types.is_timestamp(t):
        return pl.Series(values, dtype=_polars_type(t))
    # A datetime is converted one object at a time, and a run's lines share a few objects
    # (the importer parses each distinct timestamp once): convert each object once.
    slot: dict[int, int] = {}
    index = [slot.setdefault(id(v), len(slot)) for v in values]
    distinct = list({id(v): v for v in values}.values())
    return pl.Series(distinct, dtype=_polars_type(t)).gather(pl.Series(index, dtype=pl.UInt32))


def arrow_table(columns: Mapping[str, list[Any]], schema: pa.Schema) -> pa.Table:
    """Columns of Python values as an Arrow table of ``schema``.

    Through polars: pyarrow's conversion of Python lists imports pandas on its first call
    (~0.2 s of every ``orcaops import``), and polars builds string columns as fast.
    """
    frame = pl.DataFrame([_series(columns[f.name], f.type).alias(f.name) for f in schema])
    return frame.to_arrow().cast(schema)


def only_jobs(table: pa.Table, job_ids: Iterable[str]) -> pa.Table:
    """The rows of ``table`` whose job_id is in ``job_ids``."""
    keep = string_array(list(job_ids))
    return table.filter(pc.is_in(table.column("job_id"), value_set=keep))
