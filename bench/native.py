"""The DuckDB native-table anchor (issue #16): the same runs and log lines loaded into one
DuckDB database file (``CREATE TABLE AS`` from the warehouse's Parquet files), queried warm
in this process and cold from ``python -c`` opening the file read-only.

A native table is DuckDB at its best (its own storage, no Parquet footers, no Delta log):
our search over Delta/Parquet should cost no more (target ≤ 1.0x warm, ≤ 1.2x cold CLI).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb

from bench.data import NOW
from bench.suites import PHRASE, Q1
from bench.timing import Row, check, measure_pair

WHERE_Q1 = ("status = 'failed' AND image ILIKE 'python%' AND duration_s > 60 "
            "AND list_contains(tags, 'ci') AND started_at >= ?")
# The page as a search returns it: every column, as a polars DataFrame.
NATIVE_Q1 = f"SELECT * FROM runs WHERE {WHERE_Q1} ORDER BY started_at DESC, job_id LIMIT 50"
NATIVE_Q1_COUNT = f"SELECT count(*) FROM runs WHERE {WHERE_Q1}"
NATIVE_Q2 = """WITH h AS MATERIALIZED (SELECT status, image FROM runs WHERE started_at >= ?)
SELECT 'status', status, count(*) FROM h GROUP BY 2 UNION ALL
SELECT 'image', image, count(*) FROM h GROUP BY 2"""
NATIVE_Q3 = """SELECT baseline_key, quantile_cont(duration_s, 0.5), quantile_cont(duration_s, 0.95),
quantile_cont(duration_s, 0.99) FROM runs WHERE status = 'success' AND duration_s IS NOT NULL
GROUP BY 1"""
NATIVE_Q4 = """SELECT job_id, line_number, message, count(*) OVER () FROM logs
WHERE message ILIKE ? ORDER BY job_id, line_number LIMIT 20"""

# The cold anchor: a new Python process opens the file read-only and prints the first page
# of ``status:failed`` (every column) and the total as JSON, as ``runs search -f json`` does.
COLD = """import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
page = con.sql("SELECT * FROM runs WHERE status = 'failed' ORDER BY started_at DESC LIMIT 50")
names = page.columns
rows = [dict(zip(names, r)) for r in page.fetchall()]
total = con.execute("SELECT count(*) FROM runs WHERE status = 'failed'").fetchone()[0]
print(json.dumps({"total": total, "runs": rows}, default=str))"""


def build(wh: Any, path: Path, logs: bool) -> Path:
    """Copy the warehouse's runs (and log lines) into native tables of a new DuckDB file."""
    wh.reader.refresh()
    files = wh.reader.files
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("SET enable_progress_bar = false")
    con.execute("CREATE TABLE runs AS SELECT * FROM read_parquet(?, hive_partitioning = true)",
                [files["runs"]])
    if logs and files.get("logs"):
        con.execute("CREATE TABLE logs AS SELECT job_id, line_number, message "
                    "FROM read_parquet(?)", [files["logs"]])
    con.execute("CHECKPOINT")
    con.close()
    return path


def queries(wh: Any, db: Path, size: str, repeat: int) -> list[Row]:
    """Q1–Q3 through our API beside the same questions over the native tables, warm."""
    con = duckdb.connect(str(db), read_only=True)
    since = NOW - timedelta(days=30)
    pairs = max(repeat, 9)
    ours_q1 = wh.search(Q1, now=NOW)
    ids = con.sql(NATIVE_Q1, params=[since]).pl()["job_id"].to_list()
    (total,) = con.execute(NATIVE_Q1_COUNT, [since]).fetchall()[0]
    assert total == ours_q1.total and ids == list(ours_q1.runs["job_id"]), \
        f"Q1: native {total} runs != ours {ours_q1.total}"
    facets = wh.facets("after:-30d", ["status", "image"])
    native = {(k, v): n for k, v, n in con.execute(NATIVE_Q2, [since]).fetchall()}
    mine = {(k, r["value"]): r["count"] for k, f in facets.items() for r in f.to_dicts()}
    assert mine == native, "Q2: facet counts differ from the native table's"
    q1 = measure_pair(lambda: wh.search(Q1, now=NOW),
                      lambda: (con.sql(NATIVE_Q1, params=[since]).pl(),
                               con.execute(NATIVE_Q1_COUNT, [since]).fetchall()), pairs)
    q2 = measure_pair(lambda: wh.facets("after:-30d", ["status", "image"]),
                      lambda: con.execute(NATIVE_Q2, [since]).fetchall(), pairs)
    q3 = measure_pair(lambda: wh.sql("SELECT key, duration_p50, duration_p95, duration_p99 "
                                     "FROM baselines"),
                      lambda: con.execute(NATIVE_Q3).fetchall(), pairs)
    con.close()
    base = "DuckDB native table"
    return [check(Row(size, "Q1 search top 50", q1[0], base, q1[1],
                      note=f"same {total} runs, same page; both a DataFrame of "
                           "every column"), limit=1.0),
            check(Row(size, "Q2 facets status+image 30d", q2[0], base, q2[1],
                      note="same counts"), limit=1.0),
            check(Row(size, "Q3 p50/p95/p99 per key", q3[0], base, q3[1],
                      note="baselines view vs a bare quantile GROUP BY: answers not compared"),
                  limit=1.0)]


def log_phrase(ours: Any, found: int, db: Path, size: str, repeat: int) -> Row:
    """Q4 (count + first 20 lines of the phrase) against ILIKE over the native logs table.

    ``ours`` is the index query of ``suites.log_search`` (rows of job_id, line_number,
    message, count); ``found`` its count.
    """
    con = duckdb.connect(str(db), read_only=True)
    pattern = f"%{PHRASE}%"
    native = con.execute(NATIVE_Q4, [pattern]).fetchall()
    assert (native[0][-1] if native else 0) == found and \
        [r[:3] for r in native] == [tuple(r[:3]) for r in ours()], "Q4: native != ours"
    mine, base = measure_pair(ours, lambda: con.execute(NATIVE_Q4, [pattern]).fetchall(),
                              repeat)
    con.close()
    return check(Row(size, "Q4 log phrase: count + 20 lines", mine,
                     "DuckDB native table, ILIKE", base, note=f"same {found:,} lines"),
                 limit=1.0)


def cold_answer(out: str) -> tuple[int, list[str]]:
    """Total and page job ids of a JSON document printed by either side of the cold pair."""
    doc = json.loads(out)
    return int(doc["total"]), [r["job_id"] for r in doc["runs"]]
