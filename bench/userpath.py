"""Whole user paths in new processes (issue #16): a fresh import then the first search, and
``orcaops report``.

- **Fresh import then query**: ``orcaops import runs.jsonl`` into an empty home, then
  ``orcaops runs search Q1 -f json``, two new processes, timed together; beside one
  ``python -c`` process that loads the same file into native DuckDB tables (runs, and the log
  lines unnested) and runs Q1. Same total and page checked.
- **report**: ``orcaops report --output X --since 30d`` in a new process, at the bench size
  (beside a cold ``runs search``) and on the 20k-run demo history (target 3 s).

Every process runs with ``ORCAOPS_NOW`` at the end of the bench history, so "30 days" is the
same window on every day the bench runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import native
from bench.data import NOW, records
from bench.suites import Q1
from bench.timing import Row, check, stat

ENV = dict(os.environ, ORCAOPS_NOW=NOW.strftime("%Y-%m-%dT%H:%M:%SZ"))
FRESH_MAX_RUNS = 10_000  # 100k runs x 100 lines would be minutes per repeat
REPORT_SECONDS = 3.0

# The anchor of the fresh path: load the JSON Lines into native DuckDB tables, then Q1.
LOAD_AND_QUERY = """import duckdb, json, sys
src, db, since = sys.argv[1:4]
con = duckdb.connect(db)
con.execute("CREATE TABLE raw AS SELECT * FROM read_json(?, format = 'newline_delimited')", [src])
con.execute("CREATE TABLE runs AS SELECT * EXCLUDE (logs, samples), "
            "epoch(finished_at::TIMESTAMPTZ - started_at::TIMESTAMPTZ) AS duration_s FROM raw")
con.execute("CREATE TABLE logs AS SELECT job_id, unnest(logs, recursive := true) FROM raw")
con.execute("DROP TABLE raw")
where = ("status = 'failed' AND image ILIKE 'python%' AND duration_s > 60 "
         "AND list_contains(tags, 'ci') AND started_at::TIMESTAMPTZ >= ?::TIMESTAMPTZ")
page = con.sql(f"SELECT * FROM runs WHERE {where} ORDER BY started_at DESC LIMIT 50",
               params=[since])
names = page.columns
rows = [dict(zip(names, r)) for r in page.fetchall()]
total = con.execute(f"SELECT count(*) FROM runs WHERE {where}", [since]).fetchone()[0]
print(json.dumps({"total": total, "runs": rows}, default=str))"""


def entry() -> list[str]:
    """The console script users run (the one installed beside this interpreter)."""
    script = shutil.which("orcaops", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "orcaops"]


def _run(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, check=True, text=True, env=ENV).stdout


def write_jsonl(runs: int, path: Path) -> int:
    """The bench history as the import format (DESIGN.md §3); the number of log lines."""
    lines = 0
    with open(path, "w", encoding="utf-8") as f:
        for rec in records(runs, 100):
            lines += len(rec.get("logs", []))
            f.write(json.dumps(rec) + "\n")
    return lines


def fresh_import_then_query(size: str, runs: int, repeat: int, work: Path) -> Row:
    """``orcaops import`` + the first ``runs search`` beside a native DuckDB load + query."""
    runs = min(runs, FRESH_MAX_RUNS)
    src = work / "runs.jsonl"
    lines = write_jsonl(runs, src)
    since = (NOW - timedelta(days=30)).isoformat()
    ours_t, base_t = [], []
    answers: dict[str, tuple[int, list[str]]] = {}
    for _ in range(repeat):  # interleaved; every repeat starts from nothing
        home = Path(tempfile.mkdtemp(prefix="orcaops-fresh-", dir=work))
        t = time.perf_counter()
        _run([*entry(), "--home", str(home), "import", str(src)])
        out = _run([*entry(), "--home", str(home), "runs", "search", Q1, "-f", "json"])
        ours_t.append(time.perf_counter() - t)
        answers["ours"] = native.cold_answer(out)
        shutil.rmtree(home, ignore_errors=True)
        db = work / "fresh.duckdb"
        db.unlink(missing_ok=True)
        t = time.perf_counter()
        out = _run([sys.executable, "-c", LOAD_AND_QUERY, str(src), str(db), since])
        base_t.append(time.perf_counter() - t)
        answers["native"] = native.cold_answer(out)
        db.unlink(missing_ok=True)
    assert answers["ours"] == answers["native"], \
        f"fresh path: ours {answers['ours'][0]} runs, native load {answers['native'][0]}"
    mb = src.stat().st_size / 1e6
    src.unlink()
    return Row(size, f"fresh import then Q1 search, CLI ({runs:,} runs x ~100 lines)",
               stat(ours_t), "python -c: DuckDB native load of the JSONL + Q1", stat(base_t),
               unit="s", note=f"{lines:,} lines, {mb:,.0f} MB of JSON Lines; same "
                              f"{answers['ours'][0]} runs, same page; ours parses the logs")


def report_cold(home: Path, size: str, repeat: int, work: Path) -> Row:
    """``orcaops report --since 30d`` in a new process beside a cold ``runs search``."""
    base = [*entry(), "--home", str(home)]
    cmds = {"report": [*base, "report", "--output", str(work / "report.html"), "--since", "30d"],
            "search": [*base, "runs", "search", "status:failed", "-f", "json"]}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for cmd in cmds.values():  # warm the OS cache and the snapshot file
        _run(cmd)
    for _ in range(repeat):
        for name, cmd in cmds.items():
            t = time.perf_counter()
            _run(cmd)
            times[name].append(time.perf_counter() - t)
    mb = (work / "report.html").stat().st_size / 1e6
    return Row(size, "CLI cold: report --since 30d", stat(times["report"]),
               "CLI cold: runs search -f json", stat(times["search"]), unit="s",
               note=f"{mb:.1f} MB of HTML; no target at this size (3 s is stated at 20k)")


def report_20k(home: Path, repeat: int, work: Path) -> Row:
    """``orcaops report --since 30d`` on the 20k-run demo history, against 3 s."""
    cmd = [*entry(), "--home", str(home), "report", "--output", str(work / "report-20k.html"),
           "--since", "30d"]
    _run(cmd)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        _run(cmd)
        times.append(time.perf_counter() - t)
    row = Row("20k runs (demo)", "CLI cold: report --since 30d", stat(times), "target 3 s",
              stat([REPORT_SECONDS]), unit="s",
              note="`orcaops demo --runs 20000` history (its own 5-10 log lines a run), "
                   "as imported")
    return check(row, limit=1.0)
