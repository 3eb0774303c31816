"""Import throughput (parse + patterns + write) and per-run commit latency, 1 and 4 writers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orcaops
from bench.data import records
from bench.timing import Row, stat

WRITER = """
import json, sys, time, orcaops
from bench.data import records
home, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
wh = orcaops.open(home)
recs = [r for r in records(first + n, 100)][first:]
out = []
for k, rec in enumerate(recs):
    rec["job_id"] = f"w{first}-{k}"
    t = time.perf_counter()
    wh.import_records([rec])
    out.append(time.perf_counter() - t)
print(json.dumps(out))
"""


def _fresh_process_caches() -> None:
    """Each repeat imports as a new process would: template caches start empty."""
    from orcaops.logs.templates import clear_caches

    clear_caches()


def import_throughput(size: str, runs: int, repeat: int) -> list[Row]:
    """Lines/s and runs/s of ``Warehouse.import_records`` into a fresh home."""
    recs = list(records(runs, 100))
    lines = sum(len(r.get("logs", [])) for r in recs)
    secs, cpu = [], []
    for _ in range(repeat):
        home = tempfile.mkdtemp(prefix="orcaops-imp-")
        wh = orcaops.open(home)
        data = [dict(r) for r in recs]
        _fresh_process_caches()
        t, c = time.perf_counter(), time.process_time()
        wh.import_records(data)
        secs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    s = stat(secs)
    lps = stat([lines / x for x in secs])
    base = stat([100_000.0])
    # CPU of this process only (a parse worker's is not counted): steadier on a shared machine.
    row = Row(size, f"import lines/s ({runs:,} runs x ~100 lines)", lps, "target 100,000 lines/s",
              base, unit="/s", note=f"{runs / s.median:,.0f} runs/s; "
              f"{lines / stat(cpu).median:,.0f} lines per CPU-second; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    row.ok = lps.median >= 100_000
    row.target = ">= 100,000 lines/s"
    return [row, parse_costs(size, recs[:300])]


def parse_costs(size: str, recs: list[dict[str, Any]]) -> Row:
    """parse_run_logs over all runs at once (as import does) vs parse_run_log once per run."""
    from orcaops.logs import RunLines, parse_run_log, parse_run_logs

    runs = [[e["line"] for e in r.get("logs", [])] for r in recs if r.get("logs")]
    n = sum(len(x) for x in runs)
    per_run, batch = [], []
    for _ in range(3):
        _fresh_process_caches()
        t = time.perf_counter()
        for lines in runs:
            parse_run_log(lines, status="failed", exit_code=1)
        per_run.append(n / (time.perf_counter() - t))
        _fresh_process_caches()
        t = time.perf_counter()
        parse_run_logs([RunLines(lines, status="failed", exit_code=1) for lines in runs])
        batch.append(n / (time.perf_counter() - t))
    row = Row(size, f"parse only, lines/s ({len(runs)} runs, one batch call)", stat(batch),
              "parse_run_log once per run", stat(per_run), unit="/s",
              note="same results per run (tests/logs/test_batch.py)")
    return row


def commit_latency(size: str, commits: int) -> list[Row]:
    """Per-run commit latency with 1 writer and with 4 concurrent writer processes."""
    rows = []
    for writers in (1, 4):
        home = tempfile.mkdtemp(prefix="orcaops-lat-")
        orcaops.open(home)
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, home, str(i * 1000),
                                   str(commits)], stdout=subprocess.PIPE, text=True, env=env)
                 for i in range(writers)]
        lat = [x for p in procs for x in json.loads(p.communicate()[0])]
        rows.append(Row(size, f"commit latency, 1 run, {writers} writer(s)", stat(lat),
                        "JSON file per run (write+fsync)", stat(_json_writes(commits)),
                        note=f"{len(lat)} commits"))
    return rows


def _json_writes(n: int) -> list[float]:
    folder = Path(tempfile.mkdtemp(prefix="orcaops-jsonw-"))
    recs = list(records(n, 100))
    out = []
    for k, rec in enumerate(recs):
        t = time.perf_counter()
        with open(folder / f"{k}.json", "w", encoding="utf-8") as f:
            json.dump(rec, f)
            f.flush()
            os.fsync(f.fileno())
        out.append(time.perf_counter() - t)
    return out


def runs_only_import(size: str, build: dict[str, Any]) -> Row:
    """Runs/s of the runs-only bulk import that built the big warehouse (one run, no repeat)."""
    v = float(build["runs_per_s"])
    return Row(size, "import runs/s (runs only, bulk build)", stat([v]), "-", None, unit="/s",
               note=f"{build['runs']:,} runs in {build['import_seconds']:,.0f}s, measured once")
