"""``--sort`` values → an ORDER BY list built only from known identifiers."""

from __future__ import annotations

from orcaops.core.errors import QueryError
from orcaops.query.fields import ALIASES, REGISTRY

# The columns of ``runs`` in schema order (orcaops.warehouse.schema.RUNS; a test keeps them
# equal). Spelled out so compiling a query does not import pyarrow (~0.25 s of a cold CLI call).
RUN_COLUMNS = (
    "job_id", "status", "image", "image_digest", "command", "argv", "command_hash",
    "baseline_key", "triggered_by", "intent", "parent_job_id", "tags", "metadata", "queued_at",
    "started_at", "finished_at", "duration_s", "queue_wait_s", "exit_code", "error_message",
    "failure_category", "first_error", "error_fingerprint", "root_cause_first_line",
    "root_cause_last_line", "log_lines", "n_error", "n_warn",
    "cpu_seconds", "memory_peak_mb", "network_rx_bytes", "network_tx_bytes", "disk_usage_mb",
    "estimated_cost_usd", "executor", "host", "environment", "analysis", "recorded_at", "day",
)

# Registry names that sort by one column of runs (after/before sort by started_at).
_FIELD_COLUMNS = {f.name: f.column for f in REGISTRY if f.column and f.column not in ("tags", "metadata")}
_FIELD_COLUMNS.update({alias: _FIELD_COLUMNS[name] for alias, name in ALIASES.items() if name in _FIELD_COLUMNS})
# Columns that order meaningfully: not lists, not JSON blobs.
_UNSORTABLE = {"argv", "tags", "metadata", "environment", "analysis"}
_COLUMNS = {name: name for name in RUN_COLUMNS if name not in _UNSORTABLE}
SORT_KEYS: dict[str, str] = {**_COLUMNS, **_FIELD_COLUMNS}


def compile_sort(spec: str) -> str:
    """Translate a sort spec into an ORDER BY list.

    Args:
        spec: one or more comma-separated keys, each a field name (``duration``, ``cost``) or a
            runs column (``started_at``); a leading ``-`` sorts descending. Example:
            ``"-duration,started_at"``.

    Returns:
        SQL such as ``"duration_s DESC NULLS LAST, started_at ASC NULLS LAST"``.

    Raises:
        QueryError: an empty spec or unknown key, listing the valid sort keys.
    """
    items = [item.strip() for item in spec.split(",")]
    if not spec.strip() or any(not item for item in items):
        raise QueryError(f"Empty sort key in {spec!r}; valid sort keys: {', '.join(sorted(SORT_KEYS))}",
                         spec, None, sorted(SORT_KEYS))
    return ", ".join(_one(item, spec) for item in items)


def _one(item: str, spec: str) -> str:
    descending = item.startswith("-")
    name = item[1:] if descending or item.startswith("+") else item
    column = SORT_KEYS.get(name.strip().lower())
    if column is None:
        valid = sorted(SORT_KEYS)
        import difflib  # only for the error message: not at import

        close = difflib.get_close_matches(name.lower(), valid, n=1)
        guess = f" (did you mean {close[0]}?)" if close else ""
        raise QueryError(
            f"Unknown sort key {name!r}{guess}; valid sort keys: {', '.join(valid)}",
            spec, spec.find(item) if item in spec else None, valid,
        )
    return f"{column} {'DESC' if descending else 'ASC'} NULLS LAST"
