"""Daft on a real local Ray instance answers searches exactly as DuckDB does.

Every search conformance case of tests/query (``EXAMPLES``: the DESIGN.md §4 examples and
more) runs on both engines over the same Delta tables; pages, totals and facets of the demo
history are compared whole.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import orcaops
from orcaops.core.errors import InputError, QueryError
from orcaops.engines.daft_query import EngineFeatureError
from tests.conftest import NOW
from tests.query.conftest import QUERY_NOW
from tests.query.test_query_behaviour import EXAMPLES

# What only DuckDB computes (analytics views); Daft refuses them by name.
DUCKDB_ONLY = {"is:flaky", "is:anomalous"}


@pytest.fixture(scope="module")
def conformance(conformance_home: Path, ray_address: str):
    return orcaops.open(conformance_home), orcaops.open(conformance_home, engine="daft")


@pytest.mark.parametrize(("query", "expected"), EXAMPLES,
                         ids=[q or "<empty>" for q, _ in EXAMPLES])
def test_every_conformance_case_equals_duckdb(conformance, query, expected):
    duck, daft = conformance
    if query in DUCKDB_ONLY:
        with pytest.raises(EngineFeatureError, match=f"^{query} cannot run on the Daft engine"):
            daft.search(query, limit=None, now=QUERY_NOW)
        return
    want = duck.search(query, limit=None, now=QUERY_NOW)
    got = daft.search(query, limit=None, now=QUERY_NOW)
    assert set(got.runs["job_id"]) == expected
    assert got.total == want.total == len(expected)
    assert_frame_equal(got.runs, want.runs)


SEARCHES = [
    ("", "-started_at"),
    ("status:failed", "-duration"),
    ("image:python* duration:>30 -tag:nightly", "cost,-started_at"),
    ('log:"error" OR level:fatal', "-started_at"),
    ("error:timeout OR category:timeout", "image"),
    ("meta.branch:main has:meta.commit", "-memory"),
    ("test.status:failed", "-started_at"),
    ("test:test_* -status:success", "queue"),
    ("after:-3d before:-1d", "started_at"),
]


@pytest.mark.parametrize(("query", "sort"), SEARCHES, ids=[q or "<empty>" for q, _ in SEARCHES])
def test_page_total_and_facets_equal_duckdb(engines, query, sort):
    duck, daft = engines
    want = duck.search(query, limit=20, sort=sort, facets=True, now=NOW)
    got = daft.search(query, limit=20, sort=sort, facets=True, now=NOW)
    assert got.total == want.total
    assert_frame_equal(got.runs, want.runs)
    assert got.facets.keys() == want.facets.keys()
    for name, frame in want.facets.items():
        assert_frame_equal(got.facets[name], frame, check_dtypes=False)
    assert got.sql == want.sql  # --show-sql: the DuckDB SQL of the same search


def test_facets_of_chosen_fields_equal_duckdb(engines):
    duck, daft = engines
    fields = ["tag", "day", "exit_code"]
    want, got = duck.facets("is:failed", fields), daft.facets("is:failed", fields)
    assert list(got) == fields
    for name in fields:
        assert_frame_equal(got[name], want[name], check_dtypes=False)
    with pytest.raises(InputError, match="unknown facet 'colour'"):
        daft.facets("", ["colour"])


@pytest.mark.parametrize("kind", ["jobs", "resources"])
@pytest.mark.parametrize("by", ["day", "hour", "image"])
def test_metrics_equal_duckdb(engines, kind, by):
    duck, daft = engines
    want = duck.metrics(by=by, kind=kind, since="2026-11-10")
    got = daft.metrics(by=by, kind=kind, since="2026-11-10")
    key = "image" if by == "image" else "bucket"
    assert_frame_equal(got.sort(key), want.sort(key), rel_tol=1e-9)


def test_baselines_equal_duckdb(engines, tmp_path, monkeypatch):
    """Samples, percentiles, EMA, success rate, latest image; after a reset of one key, and
    with keys gone stale (a later present)."""
    duck, _ = engines
    home = tmp_path / "home"
    shutil.copytree(duck.settings.home, home)
    duck, daft = orcaops.open(home), orcaops.open(home, engine="daft")
    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())
    keys = duck.baselines()["key"].to_list()
    assert len(keys) > 5
    duck.reset_baseline(keys[0])  # its samples restart after the reset: none yet
    for now in (NOW, NOW + timedelta(days=40)):  # then every key is stale
        monkeypatch.setenv("ORCAOPS_NOW", now.isoformat())
        for stale in (False, True):
            want, got = duck.baselines(include_stale=stale), daft.baselines(include_stale=stale)
            assert want.height == got.height
            assert_frame_equal(got, want, check_dtypes=False, rel_tol=1e-9)
    assert want.filter(pl.col("key") == keys[0])["sample_count"].item() == 0
    assert want["stale"].all() and not want["trusted"].any()


def test_what_daft_cannot_run_says_so(engines):
    _, daft = engines
    with pytest.raises(EngineFeatureError, match="sandboxes metrics do not run on the Daft"):
        daft.metrics(kind="sandboxes")
    assert isinstance(EngineFeatureError("x"), InputError)


def test_bad_queries_fail_as_on_duckdb(engines):
    duck, daft = engines
    for query in ("status:flaied", "duration:>abc", "a AND AND b", "log:/(?=x)/"):
        with pytest.raises(QueryError) as want:
            duck.search(query)
        with pytest.raises(QueryError) as got:
            daft.search(query)
        assert str(got.value) == str(want.value)


def test_unknown_engine(demo_home):
    with pytest.raises(InputError, match="unknown engine 'spark'; engines: duckdb, daft"):
        orcaops.open(demo_home, engine="spark")
