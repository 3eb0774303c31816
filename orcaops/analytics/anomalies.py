"""Anomalies: each finished run judged against the runs of its key before it.

The rules are SQL views (``duration_anomalies``, ``regression_anomalies``,
``memory_anomalies``, ``error_pattern_anomalies``, ``flaky_anomalies``,
``stalled_anomalies``) united in ``anomaly_events``; this module filters them, adds the words
(``describe``) and records acknowledgements in the ``actions`` table. Ids are a hash of
job_id and type, so an ack made in one process holds in every other.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from orcaops.analytics.common import SEVERITIES, Frames, Source, check_choice, parse_when
from orcaops.analytics.describe import DESCRIBERS, describe
from orcaops.core.errors import NotFoundError
from orcaops.core.models import Anomaly
from orcaops.query.sql import Conditions

TYPES = tuple(DESCRIBERS)
FIELDS = tuple(Anomaly.model_fields)
_RANK = "CASE severity WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END"


def compile_anomalies(*, since: datetime | None = None, until: datetime | None = None,
                      severity: str | None = None, type: str | None = None,  # noqa: A002
                      include_acknowledged: bool = False, job_id: str | None = None,
                      anomaly_id: str | None = None, baseline_key: str | None = None
                      ) -> tuple[str, list[Any]]:
    """The SQL (and params) selecting anomalies; pure. ``severity`` is a minimum.

    ``baseline_key`` narrows the scan: the rule views are windows partitioned by key, so
    DuckDB can push a key filter below them and read only that key's runs.
    """
    rank = None if severity is None else SEVERITIES.index(severity) + 1
    cond = (Conditions().add_if(since, "detected_at >= ?").add_if(until, "detected_at < ?")
            .add_if(rank, f"{_RANK} >= ?").add_if(type, "anomaly_type = ?")
            .add_if(baseline_key, "baseline_key = ?").add_if(job_id, "job_id = ?")
            .add_if(anomaly_id, "id = ?"))
    if not include_acknowledged:
        cond.add("NOT acknowledged")
    sql = (f"SELECT * FROM anomaly_events WHERE {cond.sql} "
           "ORDER BY detected_at DESC, job_id, anomaly_type")
    return sql, cond.params


def load_anomalies(wh: Frames, *, since: str | date | datetime | None = None,
                   until: str | date | datetime | None = None, severity: str | None = None,
                   type: str | None = None, include_acknowledged: bool = False,  # noqa: A002
                   job_id: str | None = None, anomaly_id: str | None = None,
                   baseline_key: str | None = None) -> pl.DataFrame:
    """Anomalies as a frame with the columns of ``Anomaly``, newest first.

    Raises:
        InputError: an unknown severity or type, or a bad date.
    """
    sql, params = compile_anomalies(
        since=parse_when(since, "--since"), until=parse_when(until, "--until"),
        severity=check_choice(severity, SEVERITIES, "severity"),
        type=check_choice(type, TYPES, "anomaly type"),
        include_acknowledged=include_acknowledged, job_id=job_id, anomaly_id=anomaly_id,
        baseline_key=baseline_key)
    return with_words(wh.frame(sql, params))


def with_words(frame: pl.DataFrame) -> pl.DataFrame:
    """Add title and description to rows of ``anomaly_events``; keep the Anomaly columns."""
    texts = [describe(row) for row in frame.iter_rows(named=True)]
    words = pl.DataFrame({"title": [t for t, _ in texts], "description": [d for _, d in texts]},
                         schema={"title": pl.String, "description": pl.String})
    frame = pl.concat([frame, words], how="horizontal").with_columns(
        pl.col("expected").round(3), pl.col("actual").round(3),
        pl.col("deviation_percent").round(1))
    return frame.select(*FIELDS)


def to_models(frame: pl.DataFrame) -> list[Anomaly]:
    return [Anomaly(**row) for row in frame.iter_rows(named=True)]


def ack(wh: Source, anomaly_id: str, resolution: str | None = None) -> Anomaly:
    """Acknowledge one anomaly (an ``anomaly_ack`` action); returns it as it now stands.

    Raises:
        NotFoundError: no anomaly has this id.
    """
    found = load_anomalies(wh, anomaly_id=anomaly_id, include_acknowledged=True)
    if not found.height:
        raise NotFoundError(f"no anomaly with id {anomaly_id!r} (see `orcaops anomalies`)")
    wh.add_action("anomaly_ack", anomaly_id, resolution)
    return to_models(found)[0].model_copy(update={"acknowledged": True,
                                                  "resolution": resolution})
