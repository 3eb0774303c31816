"""Which child rows the ``logs``/``samples`` views keep: those of a visible run's own write."""

from __future__ import annotations

import duckdb
import pytest

from orcaops.warehouse.connection import visible_sql

RUNS = [("a", "w2"), ("b", None), ("c", "w1")]  # b: stored before write ids existed
CHILDREN = [("a", "w1"), ("a", "w2"), ("b", None), ("c", "w1"), ("c", "w9"), ("d", "w5")]


def _kept(replacing: frozenset[str] | None) -> list[tuple[str, str | None]]:
    con = duckdb.connect()
    con.execute("CREATE TABLE runs_all AS SELECT * FROM (VALUES " +
                ", ".join(f"('{j}', {repr(w) if w else 'NULL'})" for j, w in RUNS) +
                ") t(job_id, write_id)")
    con.execute("CREATE VIEW runs AS SELECT job_id FROM runs_all")
    con.execute("CREATE TABLE logs_all AS SELECT * FROM (VALUES " +
                ", ".join(f"('{j}', {repr(w) if w else 'NULL'})" for j, w in CHILDREN) +
                ") t(job_id, write_id)")
    rows = con.execute(f"SELECT job_id, write_id FROM logs_all WHERE {visible_sql(replacing)} "
                       "ORDER BY ALL").fetchall()
    return [(j, w) for j, w in rows]


def test_no_replace_under_way_keeps_every_child_of_a_visible_run() -> None:
    # Without a replace journal no run has children of two writes: the plain check suffices.
    assert _kept(frozenset()) == [("a", "w1"), ("a", "w2"), ("b", None), ("c", "w1"),
                                  ("c", "w9")]


@pytest.mark.parametrize("replacing", [frozenset({"a", "c"}), None])
def test_runs_being_replaced_keep_only_their_rows_write(replacing: frozenset[str] | None
                                                        ) -> None:
    assert _kept(replacing) == [("a", "w2"), ("b", None), ("c", "w1")]


def test_only_the_listed_runs_are_checked_strictly() -> None:
    assert _kept(frozenset({"a"})) == [("a", "w2"), ("b", None), ("c", "w1"), ("c", "w9")]
