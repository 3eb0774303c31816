"""The workloads, each beside its baselines measured in the same run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from bench import baselines as B
from bench.data import NOW
from bench.timing import Row, check, measure, measure_pair, stat

Q1 = "status:failed image:python* duration:>60 tag:ci after:-30d"
HAND_Q1 = """SELECT * FROM read_parquet(?, hive_partitioning = true) WHERE status = 'failed'
AND image ILIKE 'python%' AND duration_s > 60 AND list_contains(tags, 'ci') AND started_at >= ?
ORDER BY started_at DESC LIMIT 50"""
HAND_Q1_COUNT = """SELECT count(*) FROM read_parquet(?, hive_partitioning = true)
WHERE status = 'failed' AND image ILIKE 'python%' AND duration_s > 60
AND list_contains(tags, 'ci') AND started_at >= ?"""
HAND_Q2 = """WITH h AS MATERIALIZED (SELECT status, image FROM read_parquet(?) WHERE started_at >= ?)
SELECT 'status', status, count(*) FROM h GROUP BY 2 UNION ALL
SELECT 'image', image, count(*) FROM h GROUP BY 2"""
HAND_Q3 = """SELECT baseline_key, quantile_cont(duration_s, 0.5), quantile_cont(duration_s, 0.95),
quantile_cont(duration_s, 0.99) FROM read_parquet(?)
WHERE status = 'success' AND duration_s IS NOT NULL GROUP BY 1"""
PHRASE = "connection refused"
TRIGRAM_MAX_RAW = 200_000_000  # the trigram FTS5 baseline is several times the text: 1M only


def queries(wh: Any, size: str, repeat: int, work: Path, json_baseline: bool) -> list[Row]:
    """Q1–Q3 and Q5 through the API beside hand DuckDB SQL, JSON files and SQLite."""
    from datetime import timedelta

    files = wh.reader.files["runs"] if wh.reader.refresh() is None else []
    con = duckdb.connect()
    since = NOW - timedelta(days=30)
    pairs = max(repeat, 9)  # milliseconds each: more rounds cost little and steady the median
    q1 = measure_pair(lambda: wh.search(Q1, now=NOW),
                      lambda: (con.sql(HAND_Q1, params=[files, since]).pl(),
                               con.execute(HAND_Q1_COUNT, [files, since]).fetchall()), pairs)
    q2 = measure_pair(lambda: wh.facets("after:-30d", ["status", "image"]),
                      lambda: con.execute(HAND_Q2, [files, since]).fetchall(), pairs)
    q3 = measure_pair(lambda: wh.sql("SELECT key, duration_p50, duration_p95, duration_p99 "
                                     "FROM baselines"),
                      lambda: con.execute(HAND_Q3, [files]).fetchall(), pairs)
    rows = [check(Row(size, "Q1 search top 50", q1[0], "hand DuckDB SQL", q1[1]), limit=1.2),
            check(Row(size, "Q2 facets status+image 30d", q2[0], "hand DuckDB SQL", q2[1]),
                  limit=1.2),
            check(Row(size, "Q3 p50/p95/p99 per key", q3[0], "hand DuckDB SQL", q3[1]),
                  limit=1.2)]
    q5 = measure(lambda: wh.anomalies(), max(1, repeat // 2))
    run_rows = B.export_runs(con, files)
    db = B.build_sqlite(run_rows, work / "runs.sqlite")
    s = B.since_text(NOW)
    rows += [
        Row(size, "Q1 search top 50", rows[0].ours, "SQLite + indexes",
            measure(lambda: B.sqlite_q1(db, s), repeat)),
        Row(size, "Q2 facets status+image 30d", rows[1].ours, "SQLite + indexes",
            measure(lambda: db.execute(B.SQLITE_Q2, [s, s]).fetchall(), repeat)),
        Row(size, "Q3 p50/p95/p99 per key", rows[2].ours, "SQLite + indexes",
            measure(lambda: db.execute(B.SQLITE_Q3).fetchall(), repeat)),
    ]
    if json_baseline:
        folder = work / "json-runs"
        B.write_json_runs(run_rows, folder)
        jr = max(1, min(repeat, 3))
        rows += [
            check(Row(size, "Q1 search top 50", rows[0].ours, "JSON file per run + loop",
                      measure(lambda: B.json_q1(folder, s), jr, warm=False)), at_least=30),
            check(Row(size, "Q2 facets status+image 30d", rows[1].ours,
                      "JSON file per run + loop",
                      measure(lambda: B.json_q2(folder, s), jr, warm=False)), at_least=30),
            check(Row(size, "Q3 p50/p95/p99 per key", rows[2].ours, "JSON file per run + loop",
                      measure(lambda: B.json_q3(folder), jr, warm=False)), at_least=30),
            Row(size, "Q5 anomalies, all runs", q5, "JSON loop (z-score only)",
                measure(lambda: B.json_q5(folder), jr, warm=False)),
        ]
        shutil.rmtree(folder, ignore_errors=True)
    else:
        rows.append(Row(size, "Q5 anomalies, all runs", q5, "-", None,
                        note="JSON baseline skipped at this size"))
    db.close()
    return rows


def log_search(wh: Any, home: Path, size: str, repeat: int, work: Path,
               native_db: Path | None = None) -> list[Row]:
    """Q4: count and first 20 lines of a phrase, index vs ripgrep, FTS5, the ILIKE scan and
    (given ``native_db``) ILIKE over a native DuckDB table."""
    from orcaops.warehouse.logindex import load_index, matching_lines_sql
    from orcaops.warehouse.logindex_build import build_log_index

    wh.reader.refresh()
    idx = load_index(wh.tables.root)
    if idx is None or not {f.removeprefix("file://") for f in wh.reader.files["logs"]} <= set(
            idx.sources):
        runs = wh.tables.open("runs")  # as `orcaops compact` builds it
        build_log_index(wh.tables.root, wh.tables.file_uris("logs"), list(runs.file_uris()),
                        int(runs.version()))
        wh.reader.refresh(force=True)
    pattern = f"%{PHRASE}%"
    cond = "message ILIKE ? ESCAPE '\\'"
    sql, params = matching_lines_sql(cond, (pattern,), pattern,
                                     "job_id, line_number, message")  # type: ignore[misc]

    def ours() -> Any:  # one statement: the count rides on every row of the first 20
        return wh.reader.rows(f"SELECT *, count(*) OVER () FROM ({sql}) "
                              "ORDER BY job_id, line_number LIMIT 20", params)

    def scan() -> Any:
        return (wh.reader.rows(f"SELECT count(*) FROM logs WHERE {cond}", [pattern]),
                wh.reader.rows(f"SELECT job_id, line_number, message FROM logs WHERE {cond} "
                               "ORDER BY job_id, line_number LIMIT 20", [pattern]))

    raw = home / "raw.log"

    def rg() -> Any:
        count = subprocess.run(["rg", "-c", "-i", "-F", PHRASE, str(raw)], capture_output=True,
                               check=False)
        first = subprocess.run(["rg", "-i", "-F", "-m", "20", PHRASE, str(raw)],
                               capture_output=True, check=False)
        return count.stdout, first.stdout

    first = ours()
    found = int(first[0][-1]) if first else 0
    scanned = scan()
    assert found == scanned[0][0][0] and [r[:3] for r in first] == scanned[1], "index != scan"
    # Ours and ripgrep alternate, so load bursts on the shared machine hit both.
    mine, base = measure_pair(ours, rg, repeat)
    search, search_base = measure_pair(
        lambda: wh.search(f'log:"{PHRASE}"', limit=20, now=NOW), rg, repeat)
    rows = [
        check(Row(size, "Q4 log phrase: count + 20 lines", mine, "ripgrep -i -F on raw text",
                  base, note=f"{found:,} lines match"), limit=1.0),
        Row(size, "Q4 log phrase: count + 20 lines", mine, "DuckDB ILIKE scan (no index)",
            measure(scan, max(1, min(repeat, 3)))),
        check(Row(size, "Q4 log: search (runs, top 20)", search, "ripgrep -i -F on raw text",
                  search_base), limit=1.0),
    ]
    if native_db is not None:
        from bench import native

        rows.append(native.log_phrase(ours, found, native_db, size, repeat))
    fts_path = work / "fts.sqlite"
    fts = B.build_fts(raw, fts_path)
    rows.append(Row(size, "Q4 log phrase: count + 20 lines", mine,
                    "SQLite FTS5 (word phrase)", measure(lambda: B.fts_q4(fts), repeat),
                    note="FTS5 matches word phrases, not substrings"))
    fts.close()
    rows.append(disk_row(wh, home, size, fts_path.stat().st_size))
    fts_path.unlink(missing_ok=True)
    if raw.stat().st_size < TRIGRAM_MAX_RAW:
        tri = B.build_fts(raw, fts_path, tokenize="trigram")
        count = tri.execute("SELECT count(*) FROM lines WHERE message LIKE ?",
                            [pattern]).fetchone()[0]
        rows.append(Row(size, "Q4 log phrase: count + 20 lines", mine,
                        "SQLite FTS5 trigram (substring LIKE)",
                        measure(lambda: B.fts_trigram_q4(tri), repeat),
                        note=f"{count:,} lines; {fts_path.stat().st_size / 1e6:,.0f} MB"))
        tri.close()
        fts_path.unlink(missing_ok=True)
    return rows


def disk_row(wh: Any, home: Path, size: str, fts_bytes: int) -> Row:
    """Bytes of the logs snapshot (and the index) against the raw text they hold."""
    from orcaops.warehouse.logindex import load_index

    logs = sum(Path(f.removeprefix("file://")).stat().st_size for f in wh.reader.files["logs"])
    idx = load_index(wh.tables.root)
    index = sum(p.stat().st_size for p in idx.path.iterdir() if p.is_file()) if idx else 0
    raw = (home / "raw.log").stat().st_size
    row = Row(size, "bytes: logs table / raw text", stat([float(logs)]), "raw text",
              stat([float(raw)]), unit="MB", extra={"index_bytes": index, "fts5_bytes": fts_bytes},
              note=f"index +{index / 1e6:,.0f} MB; FTS5 {fts_bytes / 1e6:,.0f} MB")
    return check(row, limit=0.2)


def cold_start(home: Path, size: str, repeat: int, native_db: Path | None = None) -> list[Row]:
    """``orcaops runs search`` in a new process beside ``python -c "import duckdb; query"``
    over the same Parquet files and, given ``native_db``, over a native DuckDB file."""
    from bench import native

    import orcaops as o

    wh = o.open(home)
    wh.reader.refresh()
    files = wh.reader.files["runs"]
    bare = ("import duckdb, json, sys; files = json.loads(sys.argv[1]); print(duckdb.sql("
            "f\"SELECT * EXCLUDE (queued_at, started_at, finished_at, recorded_at) FROM "
            "read_parquet({files!r}) WHERE status = 'failed' ORDER BY "
            "started_at DESC LIMIT 50\").fetchall()[:0])")
    # The console script users run (the one installed beside this interpreter).
    script = shutil.which("orcaops", path=str(Path(sys.executable).parent))
    entry = [script] if script else [sys.executable, "-m", "orcaops"]
    ours_cmd = [*entry, "--home", str(home), "runs", "search", "status:failed", "-f", "json"]
    cmds = {"ours": ours_cmd, "bare": [sys.executable, "-c", bare, json.dumps(files)]}
    if native_db is not None:
        cmds["native"] = [sys.executable, "-c", native.COLD, str(native_db)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="0")

    def run(cmd: list[str]) -> str:
        return subprocess.run(cmd, capture_output=True, check=True, env=env, text=True).stdout

    # The first call of each warms the OS cache, the snapshot file and lark's cache.
    answers = {name: run(cmd) for name, cmd in cmds.items()}
    times: dict[str, list[float]] = {name: [] for name in cmds}
    import time
    for _ in range(repeat):  # interleaved, so load on the machine hits all alike
        for name, cmd in cmds.items():
            t = time.perf_counter()
            run(cmd)
            times[name].append(time.perf_counter() - t)
    ours = stat(times["ours"])
    rows = [check(Row(size, "CLI cold: runs search -f json", ours,
                      'python -c "import duckdb; query"', stat(times["bare"])), limit=1.5)]
    if native_db is not None:
        mine = native.cold_answer(answers["ours"])
        assert mine == native.cold_answer(answers["native"]), "cold: native file != ours"
        rows.append(check(Row(size, "CLI cold: runs search -f json", ours,
                              'python -c + duckdb on a native file', stat(times["native"]),
                              note=f"same {mine[0]:,} runs, same page; ours adds facets"),
                          limit=1.2))
    return rows


def peak_rss(home: Path, size: str) -> Row:
    """Peak RSS of a process searching (Q1 + facets + Q3) the warehouse at ``home``.

    VmHWM, the high-water mark of the process's own memory: ``ru_maxrss`` would also count
    the copy of this (large) bench process that a fork makes before exec (measured: 2.7 GB
    reported by ru_maxrss from here, 0.28 GB from a small parent; VmHWM says 0.28 both ways).
    """
    code = (f"import orcaops, datetime; wh = orcaops.open({str(home)!r}); "
            f"now = datetime.datetime(2026, 11, 20, tzinfo=datetime.timezone.utc); "
            f"wh.search({Q1!r}, facets=True, now=now); wh.facets('after:-30d'); "
            "wh.sql('SELECT * FROM baselines'); "
            "print(next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') "
            "if l.startswith('VmHWM:')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rss = float(out.stdout.strip().splitlines()[-1])
    row = Row(size, "peak RSS: search+facets+baselines", stat([rss]), "1 GB budget",
              stat([float(1 << 30)]), unit="MB")
    return check(row, limit=1.0)


def tmpdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="orcaops-bench-"))
