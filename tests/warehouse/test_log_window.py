"""A search's day window bounds its log scans: same answers, fewer log files opened."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest

from orcaops.api import Warehouse
from orcaops.query import compile_query
from orcaops.query.inline import inline_params

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
DAYS = 10  # runs (and their log lines) on 2026-11-01 .. 2026-11-10, one day file each
LINES = ["dial tcp 10.0.0.7:5432: connection refused", "ERROR Timeout waiting for db",
         "collected 12 items", "WARN retrying in 5s"]
# (log terms, window): the query is both, AND-ed.
WINDOWED = [
    ('log:"connection refused"', "after:2026-11-07"),
    ('log:"connection refused"', "after:2026-11-03 before:2026-11-06"),
    ("log:refused", "day:[2026-11-02 TO 2026-11-04]"),
    ("log:refused", "day:2026-11-09"),
    ("level:error log:timeout", "before:2026-11-04"),
    ("(log:refused OR status:success)", "after:2026-11-06"),
    ("-log:refused", "after:2026-11-06"),
    ("error:timeout", "after:2026-11-05T18:00:00Z"),
]

def _history() -> list[dict[str, Any]]:
    records = []
    for i in range(60):
        day = 1 + i % DAYS
        # 23:30 UTC: the slack day of after:/before: holds runs too
        records.append({
            "job_id": f"r-{i:03d}", "status": "failed" if i % 3 else "success",
            "image": "python:3.11", "command": "pytest",
            "started_at": f"2026-11-{day:02d}T{'23:30' if i % 4 == 0 else '10:00'}:00Z",
            "finished_at": f"2026-11-{day:02d}T23:59:00Z",
            "logs": [{"stream": "stdout", "line": LINES[(i + k) % len(LINES)]}
                     for k in range(1 + i % 3)]})
    return records


def _ids(wh: Warehouse, where: str, params: tuple[Any, ...]) -> set[str]:
    return {r[0] for r in wh.reader.rows(f"SELECT job_id FROM runs WHERE {where}", params)}


def _unbounded(logs: str, window: str, log_index: bool) -> tuple[str, tuple[Any, ...]]:
    """The log terms compiled apart from the window, then AND-ed: nothing pushed down."""
    lines = compile_query(logs, now=NOW, log_index=log_index)
    days = compile_query(window, now=NOW)
    assert "day" not in lines.where
    return f"({lines.where}) AND ({days.where})", lines.params + days.params


@pytest.fixture
def history(wh: Warehouse) -> Warehouse:
    wh.import_records(_history())
    assert len(wh.tables.file_uris("logs")) >= DAYS
    return wh


@pytest.mark.parametrize("indexed", [False, True])
def test_window_gives_the_same_answers(history: Warehouse, indexed: bool) -> None:
    if indexed:
        history.compact()  # builds the log index
    for logs, window in WINDOWED:
        query = f"{logs} {window}"
        cq = compile_query(query, now=NOW, log_index=indexed)
        unbounded = _unbounded(logs, window, indexed)
        assert cq.where.count("day") > unbounded[0].count("day"), query  # pushed down
        expected = _ids(history, *unbounded)
        assert expected, query
        assert _ids(history, cq.where, cq.params) == expected, query
        assert history.search(query, now=NOW, limit=None).total == len(expected), query


def test_a_windowed_search_opens_fewer_log_files(history: Warehouse) -> None:
    # after:2026-11-07 is day >= 11-06: the logs of 5 of the 10 days
    bounded = compile_query('log:"connection refused" after:2026-11-07', now=NOW)
    unbounded = _unbounded('log:"connection refused"', "after:2026-11-07", log_index=False)
    assert _files_read(history, bounded.where, bounded.params) == (
        _files_read(history, *unbounded) - 5)


def _files_read(wh: Warehouse, where: str, params: tuple[Any, ...]) -> int:
    """Parquet files every scan of the query opened, from DuckDB's EXPLAIN ANALYZE."""
    sql = inline_params(f"SELECT count(*) FROM runs WHERE {where}", params)
    plan = wh.reader.rows(f"EXPLAIN ANALYZE {sql}")[0][1]
    counts = [int(n) for n in re.findall(r"Total Files Read: (\d+)", plan)]
    assert counts, plan
    return sum(counts)
