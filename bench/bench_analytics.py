"""Benchmark of the analytics views (a script, not a test).

Q3: p50/p95/p99 per baseline_key through the ``baselines`` view vs hand-written DuckDB SQL
over the same Parquet files. Q5: anomaly detection over all runs (``anomaly_events``).
Demo histories of 10k and 100k runs (runs only: no logs, no samples). Median of 5 runs
with min–max.

    python bench/bench_analytics.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone

import duckdb

import orcaops
from orcaops.demo.history import DemoHistory

HAND_Q3 = """SELECT baseline_key, quantile_cont(duration_s, 0.5), quantile_cont(duration_s, 0.95),
       quantile_cont(duration_s, 0.99)
FROM read_parquet(?) WHERE status = 'success' AND duration_s IS NOT NULL GROUP BY 1"""


def records(n: int):  # type: ignore[no-untyped-def]
    hist = DemoHistory(runs=n, seed=9, now=datetime(2026, 11, 20, tzinfo=timezone.utc))
    hist._logs = lambda *a: []  # type: ignore[method-assign]
    hist._samples = lambda *a: []  # type: ignore[method-assign]
    for r in hist.records():
        r.pop("environment", None)
        yield r


def timed(fn: Callable[[], object], repeat: int = 5) -> str:
    fn()  # warm: views created, files cached
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return (f"median {1000 * statistics.median(times):8.1f} ms  "
            f"(min {1000 * min(times):.1f}, max {1000 * max(times):.1f})")


def bench(n: int) -> None:
    home = tempfile.mkdtemp(prefix=f"bench{n}-")
    wh = orcaops.open(home)
    t = time.perf_counter()
    wh.import_records(records(n))
    wh.compact()
    print(f"\n{n:,} runs (generated + imported + compacted in {time.perf_counter() - t:.1f}s)")
    files = wh.tables.file_uris("runs")
    con = duckdb.connect()
    print("Q3 baselines view      ", timed(lambda: wh.frame(
        "SELECT key, duration_p50, duration_p95, duration_p99 FROM baselines")))
    print("Q3 hand-written SQL    ", timed(lambda: con.execute(HAND_Q3, [files]).fetchall()))
    print("Q5 anomaly_events      ", timed(lambda: wh.frame(
        "SELECT anomaly_type, count(*) FROM anomaly_events GROUP BY 1")))
    print("Q5 wh.anomalies()      ", timed(lambda: wh.anomalies(include_acknowledged=True)))
    found = wh.frame("SELECT count(DISTINCT job_id) AS n FROM anomaly_events")["n"][0]
    print(f"   runs flagged: {found:,} of {n:,} ({100 * found / n:.2f}%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        bench(n)


if __name__ == "__main__":
    main()
