"""Every stored view is created on a fixture warehouse and has the columns expected."""

from __future__ import annotations

import json
import re

import pytest

from orcaops.warehouse.connection import open_reader
from orcaops.warehouse.views import load_views, view_closure

EXPECTED = {
    "baselines": {"key", "sample_count", "duration_mean", "duration_stddev", "duration_p50",
                  "duration_p95", "duration_p99", "memory_mean_mb", "memory_max_mb",
                  "success_rate", "last_updated"},
    "flaky_keys": {"baseline_key", "runs", "transition_rate", "flip_commits",
                   "pass_on_retry"},
    "anomalous_runs": {"job_id", "n_anomalies", "anomaly_types", "max_severity"},
    "anomaly_events": {"id", "job_id", "anomaly_type", "severity", "expected", "actual",
                       "deviation_percent", "detected_at", "acknowledged", "resolution"},
    "run_facts": {"job_id", "ts", "is_success", "is_failure", "duration_s"},
    "recommendation_states": {"recommendation_id", "state"},
    "alert_rules": {"name", "query", "window", "when", "channels", "remind"},
    "alert_states": {"name", "state", "since", "value", "silenced_until", "undelivered"},
    "alert_events": {"event_id", "rule", "at", "state", "value", "threshold", "delivered",
                     "undelivered"},
    "alert_deliveries": {"event_id", "channel", "ok", "attempts", "error"},
}
NAMES = [v.name for v in load_views()]


@pytest.mark.parametrize("name", NAMES)
def test_view_is_created_and_has_its_columns(injected, name):
    wh, _ = injected
    cols = set(wh.sql(f"SELECT * FROM {name} LIMIT 0").columns)
    assert cols >= EXPECTED.get(name, set())
    assert cols


@pytest.mark.parametrize("name", NAMES)
def test_view_answers_on_an_empty_warehouse(wh, name):
    assert wh.sql(f"SELECT * FROM {name}").height == 0


def test_every_view_has_a_description():
    assert all(v.description for v in load_views())


def _body(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def test_every_view_declares_the_views_it_reads():
    """A lazy reader creates only the views a query names and their ``depends``: a view
    reading another it does not declare would fail to be created that way."""
    names = set(NAMES)
    for view in load_views():
        words = set(re.findall(r"[a-z_][a-z0-9_]*", _body(view.sql).lower()))
        assert (words & names) - {view.name} <= set(view.depends), view.name


def test_a_lazy_reader_creates_only_the_views_a_query_needs(injected):
    wh, _ = injected
    reader = open_reader(wh.home)
    sql = "SELECT count(*) FROM run_test_outcomes"
    assert reader.rows(sql) == wh.sql(sql).rows()
    made = {r[0] for r in reader.con.execute("SELECT view_name FROM duckdb_views() "
                                             "WHERE NOT internal").fetchall()}
    closure = {v.name for v in view_closure(load_views(), {"run_test_outcomes"})}
    assert "run_test_outcomes" in closure and made & set(NAMES) == closure
    # A query naming other views afterwards still finds them (and what they depend on).
    assert reader.rows("SELECT count(*) FROM baselines") == wh.sql(
        "SELECT count(*) FROM baselines").rows()


def test_views_inlined_as_ctes_are_not_created(wh, tmp_path):
    # A run's test outcomes inline the views between test_results and run_test_outcomes as
    # CTEs: the reader creates only what the query reads from the catalog.
    from orcaops.testing.queries import run_outcomes_sql

    run = {"job_id": "r1", "status": "failed", "image": "python:3.12", "command": "pytest",
           "started_at": "2026-11-01T10:00:00Z", "finished_at": "2026-11-01T10:01:00Z",
           "tests": [{"name": "test_a", "classname": "t", "status": "failed"}]}
    (tmp_path / "r.jsonl").write_text(json.dumps(run) + "\n")
    wh.import_jsonl(tmp_path / "r.jsonl")
    reader = open_reader(wh.home)
    key = reader.rows("SELECT baseline_key FROM runs")[0][0]
    sql, params = run_outcomes_sql("r1", key)
    assert reader.rows(sql, params) == wh.sql(sql, params).rows()
    made = {r[0] for r in reader.con.execute("SELECT view_name FROM duckdb_views() "
                                             "WHERE NOT internal").fetchall()}
    assert made & set(NAMES) == {"test_results"}
