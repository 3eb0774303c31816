"""The alerts' SQL: reads of the ``alert_*`` views (``queries/``) and the statement that
measures a rule, its metric over the runs its query matches in its window.

Pure builders named ``*_sql`` returning ``(sql, params)``; values never enter the SQL text
(the search compiler's placeholders, then the window's). A run belongs to a window when it
finished in it (else started, else was queued): ``(start, end]``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orcaops.alerts.rules import Rule
from orcaops.core.vocabulary import FAILED_STATUSES

# How many of the matching runs (newest first) a notification names.
SAMPLE_JOBS = 5
EVENT_TIME = "coalesce(finished_at, started_at, queued_at)"
_QUANTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}


def metric_sql(rule: Rule, start: datetime, end: datetime) -> tuple[str, list[Any]]:
    """``SELECT value, runs, job_ids`` for ``rule`` over ``(start, end]``; pure.

    ``value`` is NULL when it has no meaning (a rate or percentile over no runs).
    """
    from orcaops.query import compile_query

    compiled = compile_query(rule.query)
    cond = rule.condition
    if cond.metric == "anomalies":
        return _anomalies_sql(compiled.where, list(compiled.params), cond.severity,
                              cond.anomaly_type, start, end)
    value = _aggregate(cond.metric, cond.column)
    if cond.per_seconds:
        value = f"({value}) * {float(cond.per_seconds)!r} / {float(rule.window_seconds)!r}"
    sql = (f"SELECT {value} AS value, count(*) AS runs, "
           f"list(job_id ORDER BY {EVENT_TIME} DESC, job_id)[1:{SAMPLE_JOBS}] AS job_ids "
           f"FROM runs WHERE ({compiled.where}) AND {EVENT_TIME} > ? AND {EVENT_TIME} <= ?")
    return sql, [*compiled.params, start, end]


def _aggregate(metric: str, column: str | None) -> str:
    failed = ", ".join(f"'{s}'" for s in sorted(FAILED_STATUSES))
    if metric == "count":
        return "count(*)"
    if metric == "error_rate":
        return f"avg(CASE WHEN status IN ({failed}) THEN 1.0 ELSE 0.0 END)"
    if metric == "success_rate":
        return "avg(CASE WHEN status = 'success' THEN 1.0 ELSE 0.0 END)"
    assert column is not None  # the condition parser gives aggregates a registry column
    if metric in _QUANTILES:
        return f"quantile_cont({column}, {_QUANTILES[metric]})"
    if metric == "sum":
        return f"coalesce(sum({column}), 0)"
    return f"{metric}({column})"


def _anomalies_sql(where: str, params: list[Any], severity: str | None,
                   anomaly_type: str | None, start: datetime, end: datetime
                   ) -> tuple[str, list[Any]]:
    """Unacknowledged anomalies detected in the window on runs the query matches."""
    from orcaops.analytics.anomalies import compile_anomalies

    inner, inner_params = compile_anomalies(severity=severity, type=anomaly_type)
    sql = (f"SELECT count(*) AS value, count(DISTINCT job_id) AS runs, "
           f"list(DISTINCT job_id)[1:{SAMPLE_JOBS}] AS job_ids FROM ({inner}) a "
           f"WHERE detected_at > ? AND detected_at <= ? "
           f"AND job_id IN (SELECT job_id FROM runs WHERE {where})")
    return sql, [*inner_params, start, end, *params]


def states_sql(name: str | None = None) -> tuple[str, list[Any]]:
    """Every rule (or one) with its state: the ``alert_states`` view."""
    if name is None:
        return "SELECT * FROM alert_states ORDER BY name", []
    return "SELECT * FROM alert_states WHERE name = ?", [name]


def rules_sql() -> tuple[str, list[Any]]:
    """The stored definitions of the current rules."""
    return "SELECT name, definition FROM alert_rules ORDER BY name", []


def history_sql(name: str | None = None, limit: int | None = None) -> tuple[str, list[Any]]:
    """Transitions and reminders, newest first (of one rule when ``name``)."""
    where = "WHERE rule = ?" if name else ""
    params: list[Any] = [name] if name else []
    sql = (f"SELECT event_id, rule, \"at\", state, reason, value, threshold, \"when\", query, "
           f"\"window\", job_ids, channels, delivered, undelivered, silenced, last_error "
           f"FROM alert_events {where} ORDER BY \"at\" DESC, event_id DESC")
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return sql, params
