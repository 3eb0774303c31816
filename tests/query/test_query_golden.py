"""Golden file: whole queries and the exact SQL and parameters they compile to.

``tests/query/golden/compiled.sql`` is reviewed like code: a change in it is a change in what
searches do. Regenerate after an intended change with::

    ORCAOPS_UPDATE_GOLDEN=1 python -m pytest tests/query/test_query_golden.py
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pytest

from orcaops.query import compile_query

NOW = datetime(2026, 11, 8, 12, 0, tzinfo=timezone.utc)
GOLDEN = Path(__file__).parent / "golden" / "compiled.sql"

QUERIES = [
    "status:failed image:python* duration:>60",
    "status:failed after:-7d",
    "tag:ci -tag:nightly meta.branch:main",
    'is:failed log:"connection refused" OR log:/time.?out/',
    "error:oom OR category:oom memory:>2GB",
    "level:error log:Traceback after:yesterday before:today",
    "(status:failed OR status:timeout) image:node* -has:parent",
    "by:mcp:* intent:\"fix flaky\" missing:parent",
    "duration:[1m TO 5m] queue:>=30s cpu:<2m cost:[* TO 0.01]",
    "day:[2026-11-01 TO today] exit:(1 OR 2 OR 137)",
    "pytest \"connection reset\" -r-0001",
    "is:flaky OR is:anomalous",
    "status:(failed OR timeout) level:>=warn log:\"deprecated*removed\" id:a1b2",
    "meta.retries:>2 has:meta.commit meta.build.os:linux",
]


def _param(value: object) -> str:
    if isinstance(value, datetime):
        return f"TIMESTAMPTZ '{value.isoformat()}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return repr(value)


def render() -> str:
    """Every query as three lines: the query, its params, its WHERE expression."""
    blocks = []
    for query in QUERIES:
        compiled = compile_query(query, now=NOW)
        params = ", ".join(_param(p) for p in compiled.params) or "(none)"
        blocks.append(f"-- query: {query}\n-- params: {params}\n{compiled.where};\n")
    return f"-- now = {NOW.isoformat()}\n\n" + "\n".join(blocks)


def test_golden_file() -> None:
    rendered = render()
    if os.environ.get("ORCAOPS_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert GOLDEN.read_text(encoding="utf-8") == rendered, (
        "compiled SQL changed; review, then regenerate with ORCAOPS_UPDATE_GOLDEN=1"
    )


@pytest.mark.parametrize("query", QUERIES)
def test_golden_query_runs_in_duckdb(query_db: duckdb.DuckDBPyConnection, query: str) -> None:
    compiled = compile_query(query, now=NOW)
    sql = f"SELECT count(*) FROM runs WHERE {compiled.where}"
    assert query_db.cursor().execute(sql, list(compiled.params)).fetchone() is not None
