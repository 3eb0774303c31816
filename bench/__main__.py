"""``python -m bench``: every workload beside its baselines, as a table and as JSON.

    python -m bench --quick     # 10k runs (~100 log lines each, ~1M lines): minutes
    python -m bench --full      # 100k runs (~10M lines) and 1M runs (runs only): an hour+

Warehouses are built once and cached in bench/.data/ (gitignored); results go to
bench/results/bench-<time>.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench import bench_cold, build, mlflow_anchor, native, suites, userpath, writes
from bench.data import NOW
from bench.report import render
from bench.timing import Row

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    import deltalake
    import duckdb
    import polars

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "memory_gb": round(mem, 1), "python": platform.python_version(),
            "platform": platform.platform(), "duckdb": duckdb.__version__,
            "deltalake": deltalake.__version__, "polars": polars.__version__,
            "load_avg_at_start": os.getloadavg()}


def with_logs(runs: int, repeat: int, work: Path, json_baseline: bool) -> list[Row]:
    import orcaops

    home = build.ensure(runs, 100)
    wh = orcaops.open(home)
    size = f"{runs // 1000}k runs"
    db = native.build(wh, work / "native.duckdb", logs=True)
    rows = suites.queries(wh, size, repeat, work, json_baseline)
    rows += native.queries(wh, db, size, repeat)
    rows += mlflow_anchor.rows(wh, size, runs, repeat)
    rows += suites.log_search(wh, home, size, repeat, work, db)
    rows += suites.cold_start(home, size, max(repeat, 7), db)
    rows += bench_cold.one_run_cold(home, size, max(repeat, 7))
    rows.append(userpath.report_cold(home, size, max(1, min(repeat, 3)), work))
    # The same reads right after the import, before any `orcaops compact` (the user's path).
    home = build.ensure(runs, 100, compacted=False)
    wh = orcaops.open(home)
    size = f"{runs // 1000}k runs, fresh"
    rows += suites.queries(wh, size, repeat, work, json_baseline=False)
    rows += native.queries(wh, db, size, repeat)
    rows += suites.log_search(wh, home, size, repeat, work, db)
    rows += suites.cold_start(home, size, max(repeat, 7), db)
    Path(db).unlink(missing_ok=True)
    return rows


def runs_only(runs: int, repeat: int, work: Path) -> list[Row]:
    import orcaops

    home = build.ensure(runs, 0)
    wh = orcaops.open(home)
    size = f"{runs // 1000}k runs-only" if runs < 1_000_000 else "1M runs-only"
    db = native.build(wh, work / "native.duckdb", logs=False)
    rows = suites.queries(wh, size, repeat, work, json_baseline=False)
    rows += native.queries(wh, db, size, repeat)
    rows += mlflow_anchor.rows(wh, size, runs, repeat)
    rows += suites.cold_start(home, size, max(repeat, 7), db)
    rows.append(suites.peak_rss(home, size))
    rows.append(writes.runs_only_import(size, json.loads((home / "build.json").read_text())))
    Path(db).unlink(missing_ok=True)
    return rows


def user_paths(full: bool, repeat: int, work: Path) -> list[Row]:
    """A fresh import then the first search (the import-throughput set: 10k x 100 lines
    would take minutes a repeat on the shared machine), and `report` at 20k runs."""
    runs = 3000 if full else 1000
    reps = max(1, min(repeat, 3))
    return [userpath.fresh_import_then_query("user path", runs, reps, work),
            userpath.report_20k(build.ensure_demo(20_000), reps, work)]


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10k runs only (the default)")
    ap.add_argument("--full", action="store_true", help="100k runs with logs + 1M runs-only")
    ap.add_argument("--repeat", type=int, default=5, help="repeats per figure (median, min-max)")
    args = ap.parse_args()
    if shutil.which("rg") is None:
        sys.exit("bench: ripgrep (rg), the log-search baseline, is not installed: "
                 "apt-get install ripgrep (make bench does it as root)")
    # Relative windows (`after:-30d` in facets, `--since 30d`, the CLI's searches) end where
    # the bench history ends, as the hand SQL's do, on any day the bench runs.
    os.environ["ORCAOPS_NOW"] = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    work = suites.tmpdir()
    start = time.time()
    rows: list[Row] = []
    sizes = [100_000] if args.full else [10_000]
    for runs in sizes:
        rows += with_logs(runs, args.repeat, work, json_baseline=True)
    rows += writes.import_throughput("write path", 1000 if not args.full else 3000,
                                     max(1, args.repeat // 2))
    rows += writes.commit_latency("write path", 40)
    rows += user_paths(args.full, args.repeat, work)
    if args.full:
        rows += runs_only(1_000_000, args.repeat, work)
    shutil.rmtree(work, ignore_errors=True)
    doc = {"machine": machine(), "seconds": round(time.time() - start, 1),
           "rows": [r.as_dict() for r in rows]}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(doc, indent=2, default=str))
    print(render(rows, doc["machine"]))
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
