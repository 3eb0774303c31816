"""The report computes ``run_history`` once (``Warehouse.materialized``): what it shows must
be what the views answer without that, and the views must come back afterwards."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from polars.testing import assert_frame_equal

from orcaops.api import Warehouse
from orcaops.report import data
from orcaops.report.builder import SHARED_VIEWS, load_report_data
from tests.conftest import NOW, make_run


def _kinds(wh: Warehouse) -> dict[str, str]:
    rows = wh.reader.con.execute(
        "SELECT table_name, table_type FROM information_schema.tables").fetchall()
    return dict(rows)


def test_report_sections_equal_the_plain_views(demo_wh: Warehouse) -> None:
    start = data.resolve_since("30d", NOW)
    rd = load_report_data(demo_wh, "30d", now=NOW)
    kinds = _kinds(demo_wh)  # back to views after the report
    assert [kinds[v] for v in SHARED_VIEWS] == ["VIEW"] * len(SHARED_VIEWS)
    assert_frame_equal(rd.anomalies, demo_wh.anomalies(since=start))
    assert_frame_equal(rd.flaky, demo_wh.flaky())
    assert rd.recommendations == demo_wh.recommendations()
    assert_frame_equal(rd.patterns, data.failure_patterns(demo_wh, start, limit=10))
    assert rd.tests is not None
    assert_frame_equal(rd.tests.flaky, demo_wh.tests_report("flaky", since=start, limit=15))


def test_materialized_views_are_tables_inside_and_views_after(demo_wh: Warehouse) -> None:
    plain = demo_wh.frame("SELECT count(*) AS n FROM run_history")
    with demo_wh.materialized(*SHARED_VIEWS):
        assert _kinds(demo_wh)["run_history"] == "BASE TABLE"
        assert_frame_equal(demo_wh.frame("SELECT count(*) AS n FROM run_history"), plain)
    assert _kinds(demo_wh)["run_history"] == "VIEW"


def test_a_commit_inside_the_block_is_seen(wh: Warehouse) -> None:
    iso = (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    wh.import_records([make_run("r-1", status="success", started_at=iso, finished_at=iso)])
    with wh.materialized("run_history"):
        assert wh.frame("SELECT count(*) AS n FROM run_history")["n"][0] == 1
        wh.import_records([make_run("r-2", status="success", started_at=iso,
                                    finished_at=iso)])
        # The next query's refresh drops the table computed from the old snapshot.
        assert wh.frame("SELECT count(*) AS n FROM run_history")["n"][0] == 2
    assert wh.frame("SELECT count(*) AS n FROM run_history")["n"][0] == 2
    assert isinstance(wh.frame("SELECT * FROM anomaly_events"), pl.DataFrame)
