"""The log index answers ``log:`` searches exactly as the scan does, stale or not."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from orcaops.api import Warehouse
from orcaops.query import compile_query
from orcaops.warehouse.logindex import Constraint, load_index, matching_lines_sql, plan

NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)
LINES = [
    "ERROR could not connect to server: Connection refused",
    "WARN reconnection refused by peer",
    "connection: refused (retrying)",
    "INFO Connection Refused at 10:01",
    "Straße geschlossen, \u212Aelvin key ok",
    "tests/test_api.py::test_login PASSED [ 40%]",
    "Downloading requests-2.32.3-py3-none-any.whl (64 kB)",
    "timeout after 30s; TimeoutError raised",
    "x2connection refusedx",
    "plain text with 100% and under_score",
]
PATTERNS = ["connection refused", "Connection", "refused", "onnection refuse", "timeout",
            "test_login", "100%", "under_score", "kelvin", "\u212Aelvin", "straße", "2.32",
            "con*refused", "refused (retry", "nothing-like-this", "ab", "KB)", "x2conn"]


def _record(i: int, lines: list[str]) -> dict[str, Any]:
    return {"job_id": f"r-{i:04d}", "status": "failed" if i % 3 else "success",
            "image": "python:3.11", "command": "pytest",
            "started_at": f"2026-11-{1 + i % 9:02d}T10:00:00Z",
            "finished_at": f"2026-11-{1 + i % 9:02d}T10:01:00Z",
            "logs": [{"stream": "stdout", "line": t} for t in lines]}


def _history(n: int, offset: int = 0) -> list[dict[str, Any]]:
    return [_record(offset + i, [LINES[(offset + i + k) % len(LINES)] for k in range(3)])
            for i in range(n)]


def _scan_total(wh: Warehouse, query: str) -> int:
    cq = compile_query(query, now=NOW)
    assert "log_index_lines" not in cq.where
    return int(wh.reader.rows(f"SELECT count(*) FROM runs WHERE {cq.where}", cq.params)[0][0])


def _check_all(wh: Warehouse) -> None:
    for text in PATTERNS:
        query = f'log:"{text}"'
        assert wh.search(query, now=NOW).total == _scan_total(wh, query), text
        pattern = compile_query(query).params[0]
        found = matching_lines_sql("message ILIKE ? ESCAPE '\\'", (pattern,), pattern,
                                   "job_id, line_number")
        if found is not None:
            indexed = sorted(wh.reader.rows(found[0], found[1]))
            scanned = sorted(wh.reader.rows("SELECT job_id, line_number FROM logs WHERE "
                                            "message ILIKE ? ESCAPE '\\'", [pattern]))
            assert indexed == scanned, text


def test_plan_bounds_each_letter_run() -> None:
    assert plan("%connection refused%") == [Constraint("suffix", "connection"),
                                           Constraint("prefix", "refused")]
    assert plan("%a big: word%") == [Constraint("exact", "big"), Constraint("prefix", "word")]
    assert plan("%ab%") == []
    assert plan("%stra\u00dfe%") == [Constraint("contains", "stra")]
    assert plan("%under\\_score%") == [Constraint("suffix", "under"),
                                       Constraint("prefix", "score")]
    assert plan("%con%refused%") == [Constraint("contains", "con"),
                                     Constraint("contains", "refused")]


def test_index_answers_like_the_scan(wh: Warehouse) -> None:
    wh.import_records(_history(30))
    _check_all(wh)  # no index yet: everything is scanned
    report = wh.compact()
    assert report["log_index"]["files"] >= 1
    assert load_index(wh.tables.root) is not None
    _check_all(wh)


def test_stale_index_never_answers_wrong(wh: Warehouse) -> None:
    wh.import_records(_history(20))
    wh.compact()
    wh.import_records(_history(10, offset=100))  # new files, not indexed
    wh.import_records([_record(3, ["nothing to see"])], replace=True)  # rewrites indexed files
    _check_all(wh)
    assert wh.search('log:"Connection refused"', now=NOW).total == _scan_total(
        wh, 'log:"Connection refused"')


@pytest.mark.parametrize("query", ['status:failed log:"connection refused"',
                                   '-log:refused', 'log:refused OR status:success'])
def test_compound_queries_agree(wh: Warehouse, query: str) -> None:
    wh.import_records(_history(25))
    wh.compact()
    assert wh.search(query, now=NOW).total == _scan_total(wh, query)
