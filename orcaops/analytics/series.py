"""The series detector applied to what the warehouse holds: samples and durations.

Durations: each run of a key is its own event, so two slow runs a few runs apart are two
anomalies (no cooldown; consecutive slow runs are still one excursion). Samples of one run
are one process over seconds: a spike and its echo a few samples later are one episode.
"""

from __future__ import annotations

import polars as pl

from orcaops.analytics.common import Source
from orcaops.analytics.detector import detect
from orcaops.core.errors import InputError

SAMPLE_COLUMNS = ("cpu_percent", "memory_mb", "network_rx_bytes", "network_tx_bytes",
                  "block_read_bytes", "block_write_bytes", "pids")


def series_anomalies(wh: Source, *, job_id: str | None = None, key: str | None = None,
                     column: str | None = None, threshold: float = 5.0) -> pl.DataFrame:
    """Score one run's samples (``job_id``) or one key's durations (``key``).

    Raises:
        InputError: neither or both given, or an unknown sample column.
    """
    if (job_id is None) == (key is None):
        raise InputError("give exactly one of job_id (its samples) or key (its durations)")
    if job_id is not None:
        column = column or "memory_mb"
        if column not in SAMPLE_COLUMNS:
            raise InputError(f"unknown sample column {column!r}; choose one of "
                             f"{', '.join(SAMPLE_COLUMNS)}")
        frame = wh.samples(job_id).select("ts", column).drop_nulls()
        return detect(frame[column].to_numpy(), frame["ts"].to_list(), threshold=threshold,
                      window=30, min_history=5, cooldown=10)
    frame = wh.frame("SELECT started_at, duration_s FROM baseline_samples "
                      "WHERE baseline_key = ? ORDER BY started_at", [key])
    return detect(frame["duration_s"].to_numpy(), frame["started_at"].to_list(),
                  threshold=threshold, cooldown=0)
