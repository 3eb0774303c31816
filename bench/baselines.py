"""The baselines: one JSON file per run + a Python loop, and SQLite with indexes (+ FTS5)."""

from __future__ import annotations

import fnmatch
import json
import os
import sqlite3
import statistics
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

RUN_COLS = ("job_id", "status", "image", "tags", "started_at", "duration_s", "baseline_key")


def export_runs(con: Any, files: list[str]) -> list[tuple[Any, ...]]:
    """The runs columns the workloads need, from the same Parquet files DuckDB reads."""
    return con.execute(
        "SELECT job_id, status, image, tags, strftime(started_at, '%Y-%m-%dT%H:%M:%S.%f'), "
        "duration_s, baseline_key FROM read_parquet(?)", [files]).fetchall()


# -- one JSON file per run (the original sprint plan) ---------------------------------------

def write_json_runs(rows: list[tuple[Any, ...]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        rec = dict(zip(RUN_COLS, row))
        (folder / f"{rec['job_id']}.json").write_text(json.dumps(rec))


def _json_runs(folder: Path) -> list[dict[str, Any]]:
    out = []
    for name in os.listdir(folder):
        with open(folder / name, encoding="utf-8") as f:
            out.append(json.load(f))
    return out


def json_q1(folder: Path, since: str) -> tuple[int, list[str]]:
    hits = [r for r in _json_runs(folder)
            if r["status"] == "failed" and fnmatch.fnmatch((r["image"] or "").lower(), "python*")
            and (r["duration_s"] or 0) > 60 and "ci" in (r["tags"] or [])
            and (r["started_at"] or "") >= since]
    hits.sort(key=lambda r: r["started_at"], reverse=True)
    return len(hits), [r["job_id"] for r in hits[:50]]


def json_q2(folder: Path, since: str) -> tuple[Counter[Any], Counter[Any]]:
    runs = [r for r in _json_runs(folder) if (r["started_at"] or "") >= since]
    return Counter(r["status"] for r in runs), Counter(r["image"] for r in runs)


def json_q3(folder: Path) -> dict[str, tuple[float, float, float]]:
    by: dict[str, list[float]] = defaultdict(list)
    for r in _json_runs(folder):
        if r["status"] == "success" and r["duration_s"] is not None:
            by[r["baseline_key"]].append(r["duration_s"])
    out = {}
    for key, ds in by.items():
        if len(ds) >= 2:
            q = statistics.quantiles(ds, n=100, method="inclusive")
            out[key] = (q[49], q[94], q[98])
    return out


def json_q5(folder: Path) -> int:
    """Duration z-score > 3 against the key's runs (the loop the JSON design would run)."""
    by: dict[str, list[float]] = defaultdict(list)
    runs = _json_runs(folder)
    for r in runs:
        if r["duration_s"] is not None:
            by[r["baseline_key"]].append(r["duration_s"])
    stats = {k: (statistics.fmean(v), statistics.pstdev(v)) for k, v in by.items() if len(v) > 2}
    return sum(1 for r in runs if r["duration_s"] is not None and r["baseline_key"] in stats
               and stats[r["baseline_key"]][1] > 0 and
               (r["duration_s"] - stats[r["baseline_key"]][0]) / stats[r["baseline_key"]][1] > 3)


# -- SQLite with indexes --------------------------------------------------------------------

def build_sqlite(rows: list[tuple[Any, ...]], path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (job_id TEXT PRIMARY KEY, status TEXT, image TEXT, tags TEXT, "
               "started_at TEXT, duration_s REAL, baseline_key TEXT)")
    db.executemany("INSERT INTO runs VALUES (?,?,?,?,?,?,?)",
                   [(r[0], r[1], r[2], json.dumps(r[3]), r[4], r[5], r[6]) for r in rows])
    for cols in ("status, started_at", "started_at", "image", "baseline_key, duration_s"):
        db.execute(f"CREATE INDEX ix_{cols.replace(', ', '_')} ON runs ({cols})")
    db.commit()
    return db


SQLITE_Q1 = """SELECT job_id FROM runs WHERE status = 'failed' AND lower(image) GLOB 'python*'
AND duration_s > 60 AND EXISTS (SELECT 1 FROM json_each(tags) WHERE value = 'ci')
AND started_at >= ? ORDER BY started_at DESC LIMIT 50"""
SQLITE_Q1_COUNT = SQLITE_Q1.replace("SELECT job_id", "SELECT count(*)").replace(
    " ORDER BY started_at DESC LIMIT 50", "")
SQLITE_Q2 = ("SELECT 'status', status, count(*) FROM runs WHERE started_at >= ? GROUP BY status "
             "UNION ALL SELECT 'image', image, count(*) FROM runs WHERE started_at >= ? "
             "GROUP BY image")
SQLITE_Q3 = """WITH r AS (SELECT baseline_key k, duration_s d,
  row_number() OVER (PARTITION BY baseline_key ORDER BY duration_s) rn,
  count(*) OVER (PARTITION BY baseline_key) n
  FROM runs WHERE status = 'success' AND duration_s IS NOT NULL)
SELECT k, max(CASE WHEN rn = CAST(0.50 * (n - 1) AS INT) + 1 THEN d END),
  max(CASE WHEN rn = CAST(0.95 * (n - 1) AS INT) + 1 THEN d END),
  max(CASE WHEN rn = CAST(0.99 * (n - 1) AS INT) + 1 THEN d END) FROM r GROUP BY k"""


def sqlite_q1(db: sqlite3.Connection, since: str) -> tuple[int, list[Any]]:
    return (db.execute(SQLITE_Q1_COUNT, [since]).fetchone()[0],
            db.execute(SQLITE_Q1, [since]).fetchall())


def build_fts(lines_file: Path, path: Path, tokenize: str = "unicode61") -> sqlite3.Connection:
    """SQLite FTS5 over the raw lines: the text-index baseline of Q4.

    ``unicode61`` indexes words (a phrase query matches word sequences, not substrings);
    ``trigram`` indexes every 3 characters, so ``LIKE '%...%'`` is the same substring
    search as ours (case folded for ASCII only), at several times the text's size.
    """
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(f"CREATE VIRTUAL TABLE lines USING fts5(message, tokenize = '{tokenize}')")
    with open(lines_file, encoding="utf-8") as f:
        batch: list[tuple[str]] = []
        for line in f:
            batch.append((line.rstrip("\n"),))
            if len(batch) >= 100_000:
                db.executemany("INSERT INTO lines VALUES (?)", batch)
                batch = []
        db.executemany("INSERT INTO lines VALUES (?)", batch)
    db.execute("INSERT INTO lines(lines) VALUES ('optimize')")
    db.commit()
    return db


def fts_q4(db: sqlite3.Connection) -> tuple[int, list[Any]]:
    phrase = '"connection refused"'
    return (db.execute("SELECT count(*) FROM lines WHERE lines MATCH ?", [phrase]).fetchone()[0],
            db.execute("SELECT rowid, message FROM lines WHERE lines MATCH ? LIMIT 20",
                       [phrase]).fetchall())


def fts_trigram_q4(db: sqlite3.Connection) -> tuple[int, list[Any]]:
    """Count and first 20 of the substring, through a trigram FTS5 table."""
    like = "%connection refused%"
    return (db.execute("SELECT count(*) FROM lines WHERE message LIKE ?", [like]).fetchone()[0],
            db.execute("SELECT rowid, message FROM lines WHERE message LIKE ? ORDER BY rowid "
                       "LIMIT 20", [like]).fetchall())


def since_text(now: datetime, days: int = 30) -> str:
    from datetime import timedelta

    return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%f")
