"""Arrow schemas of the tables. Column names are public (README, "Tables")."""

from __future__ import annotations

import pyarrow as pa

from orcaops.warehouse.journal import WRITE_ID

TS = pa.timestamp("us", tz="UTC")
STR = pa.string()

RUNS = pa.schema([
    ("job_id", STR),
    ("status", STR),
    ("image", STR),
    ("image_digest", STR),
    ("command", STR),
    ("argv", pa.list_(STR)),
    ("command_hash", STR),
    ("baseline_key", STR),
    ("triggered_by", STR),
    ("intent", STR),
    ("parent_job_id", STR),
    ("tags", pa.list_(STR)),
    ("metadata", STR),          # JSON object
    ("queued_at", TS),
    ("started_at", TS),
    ("finished_at", TS),
    ("duration_s", pa.float64()),
    ("queue_wait_s", pa.float64()),
    ("exit_code", pa.int32()),
    ("error_message", STR),
    ("failure_category", STR),
    ("first_error", STR),
    ("error_fingerprint", STR),
    ("root_cause_first_line", pa.int32()),   # the block of log lines that made it fail
    ("root_cause_last_line", pa.int32()),
    ("log_lines", pa.int64()),
    ("n_error", pa.int64()),
    ("n_warn", pa.int64()),
    ("cpu_seconds", pa.float64()),
    ("memory_peak_mb", pa.float64()),
    ("network_rx_bytes", pa.int64()),
    ("network_tx_bytes", pa.int64()),
    ("disk_usage_mb", pa.float64()),
    ("estimated_cost_usd", pa.float64()),
    ("executor", STR),
    ("host", STR),
    ("environment", STR),       # JSON object
    ("analysis", STR),          # JSON object: per-run log analysis
    ("recorded_at", TS),
    ("day", pa.date32()),
])

LOGS = pa.schema([
    ("job_id", STR),
    ("day", pa.date32()),
    ("line_number", pa.int32()),
    ("ts", TS),
    ("stream", STR),
    ("level", STR),
    ("message", STR),
    ("template_id", STR),
    ("template", STR),
    ("parsed", STR),            # JSON object
    ("is_error", pa.bool_()),
    ("stacktrace_id", STR),
])

SAMPLES = pa.schema([
    ("job_id", STR),
    ("day", pa.date32()),
    ("ts", TS),
    ("cpu_percent", pa.float64()),
    ("memory_mb", pa.float64()),
    ("memory_limit_mb", pa.float64()),
    ("network_rx_bytes", pa.int64()),
    ("network_tx_bytes", pa.int64()),
    ("block_read_bytes", pa.int64()),
    ("block_write_bytes", pa.int64()),
    ("pids", pa.int32()),
])

# One row per test case of a run (JUnit XML among its artifacts or given at import, else
# the test results its log prints): see ``orcaops.testing``.
TESTS = pa.schema([
    ("job_id", STR),
    ("day", pa.date32()),
    ("suite", STR),
    ("classname", STR),
    ("name", STR),
    ("file", STR),
    ("status", STR),            # passed failed error skipped
    ("duration_s", pa.float64()),
    ("message", STR),
    ("failure_type", STR),
    ("stack", STR),
    ("retries", pa.int32()),
    ("properties", STR),        # JSON object
])

# What people did about what the warehouse showed them: append-only, newest wins.
# kind: anomaly_ack | baseline_reset | recommendation_dismiss | recommendation_apply
ACTIONS = pa.schema([
    ("action_id", STR),
    ("kind", STR),
    ("target", STR),
    ("note", STR),
    ("at", TS),
    ("day", pa.date32()),
])

# Every stored row of runs, logs and samples also names the write (one commit of a batch)
# that produced it. A run's children are visible only with the runs row of the same write,
# so a replaced run is seen entirely old or entirely new (see ``orcaops.warehouse.writer``).
# The views hide the column: the public columns above are unchanged.
VERSIONED: tuple[str, ...] = ("runs", "logs", "samples", "tests")


def with_write_id(schema: pa.Schema) -> pa.Schema:
    """``schema`` as stored: its columns and then ``write_id``."""
    return schema.append(pa.field(WRITE_ID, STR))


TABLES: dict[str, pa.Schema] = {"runs": with_write_id(RUNS), "logs": with_write_id(LOGS),
                                "samples": with_write_id(SAMPLES), "tests": with_write_id(TESTS),
                                "actions": ACTIONS}
# Children are committed before the runs row, which is the commit point of a run.
COMMIT_ORDER: tuple[str, ...] = ("logs", "samples", "tests", "runs")
# The tables whose rows belong to a run (committed before its row, replaced with it).
CHILDREN: tuple[str, ...] = ("logs", "samples", "tests")
JSON_COLUMNS = {"metadata", "environment", "analysis", "parsed", "properties"}

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.float64(): "DOUBLE",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    TS: "TIMESTAMPTZ",
    pa.list_(STR): "VARCHAR[]",
}


def duckdb_type(t: pa.DataType) -> str:
    return _DUCK_TYPES[t]


