"""``python -m bench.scale``: how far one machine goes, at 100k, 1M and 10M runs (docs/SCALE.md).

    python -m bench.scale                   # 100k and 1M with logs, 10M runs-only
    python -m bench.scale --sizes 100k,1M   # stop earlier
    python -m bench.scale --no-daft         # DuckDB only

Per size: how it was built and how long it took, files and bytes on disk, the search
workloads warm (one process, the public API) and cold (a new ``orcaops`` process each time,
as a user's shell starts one) on DuckDB and on the Daft engine (its native runner, no Ray),
and the peak RSS (VmHWM) of each process. Every process runs with
``ORCAOPS_NOW=2026-11-20T00:00:00Z``, the instant the bench history ends.

100k runs (~100 log lines each) is ``bench.build``'s warehouse, built through the import path.
1M and 10M are **synthetic copies** of its tables (``replicate``): the 100k runs shifted back
in time by whole spans of the history (1M: 10 spans, 900 days) and, for 10M, ten copies of
each run within the same days (900 days, ten times as dense), each copy with its own job id,
appended with the warehouse's own table writer and then ``compact``-ed (which sorts the logs
and builds the log index). 1M also keeps the last 20 log lines of each run (~20M lines,
``--lines-1m``); 10M is runs only. Homes are cached in ``bench/.data/`` (gitignored); the
JSON of a run goes to ``bench/results/scale-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import build
from bench.suites import Q1

NOW_ENV = {"ORCAOPS_NOW": "2026-11-20T00:00:00Z"}
SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
LOG_QUERY = 'log:"connection refused"'
BACK = 10  # spans of history the copies go back (the rest of the factor is density)
CHILD_TIMEOUT = 1200.0
RESULTS = Path(__file__).resolve().parent / "results"
TIME_COLUMNS = {"runs": ("queued_at", "started_at", "finished_at", "recorded_at"),
                "logs": ("ts",)}


def replicate(base: Path, runs: int, lines: int = 0, *, log: Any = print) -> Path:
    """A home of ``runs`` synthetic copies of ``base``'s runs, with the last ``lines`` log
    lines of each (0: runs only)."""
    import duckdb

    import orcaops
    from orcaops.warehouse.schema import TABLES

    home = build.DATA / f"scale-{runs}-{lines}"
    if (home / "build.json").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    con = _sources(duckdb.connect(), orcaops.open(base), lines)
    tables = ["logs", "runs"] if lines else ["runs"]  # children commit before their runs
    n, first, last = con.execute("SELECT count(*), min(day), max(day) FROM src_runs"
                                 ).fetchall()[0]
    span = (last - first).days + 1
    back = min(BACK, runs // n)
    dense = runs // n // back
    log(f"replicating {n:,} runs x {back} spans of {span} days x {dense} per day"
        f"{f' with their last {lines} log lines' if lines else ''} -> {home}")
    wh = orcaops.open(home)
    wh.tables.ensure()
    start = time.perf_counter()
    for k in range(back):
        for table in tables:
            copy = con.sql(_copy_sql(table, k * span), params=[dense, k]).to_arrow_table()
            schema = TABLES[table]
            wh.tables.append(table, copy.select(schema.names).cast(schema))
    appended = time.perf_counter() - start
    t = time.perf_counter()
    wh.compact()
    n_lines = con.execute("SELECT count(*) FROM src_logs").fetchall()[0][0] if lines else 0
    stats = {"runs": n * back * dense, "log_lines": n_lines * back * dense,
             "method": f"synthetic: {back} spans x {dense} dense", "days": span * back,
             "append_seconds": round(appended, 1),
             "compact_seconds": round(time.perf_counter() - t, 1)}
    (home / "build.json").write_text(json.dumps(stats, indent=2))
    log(f"built: {stats}")
    return home


def _sources(con: Any, src: Any, lines: int) -> Any:
    # The base runs, and the last ``lines`` log lines of each run, as tables of ``con``.
    src.reader.refresh()
    con.execute("CREATE TABLE src_runs AS SELECT * FROM read_parquet(?, hive_partitioning = "
                "true)", [src.reader.files["runs"]]).fetchall()
    if lines:
        con.execute("CREATE TABLE src_logs AS SELECT * FROM read_parquet(?, hive_partitioning "
                    "= true) QUALIFY line_number > max(line_number) OVER (PARTITION BY job_id)"
                    f" - {int(lines)}", [src.reader.files["logs"]]).fetchall()
    return con


def _copy_sql(table: str, shift_days: int) -> str:
    # Copy k ($2) of every row, r of $1 within a day; the original keeps its job id.
    shift = f"INTERVAL {shift_days} DAY"
    moved = "".join(f"{c} - {shift} AS {c}, " for c in TIME_COLUMNS[table])
    return f"""SELECT * REPLACE (
        CASE WHEN $2 = 0 AND r = 0 THEN job_id ELSE job_id || '-s' || $2 || '.' || r END
            AS job_id, {moved}CAST(day - {shift} AS DATE) AS day)
      FROM src_{table}, range($1) d(r)"""


def disk(home: Path) -> dict[str, Any]:
    """Live data files and bytes per table, and everything under the home."""
    import orcaops

    wh = orcaops.open(home)
    wh.reader.refresh()
    out: dict[str, Any] = {}
    for name in ("runs", "logs"):
        paths = [Path(f.removeprefix("file://")) for f in wh.reader.files.get(name, [])]
        out[name] = {"files": len(paths), "bytes": sum(p.stat().st_size for p in paths)}
    out["home_bytes"] = sum(p.stat().st_size for p in home.rglob("*") if p.is_file())
    return out


def workloads(logs: bool) -> dict[str, tuple[str, dict[str, Any]]]:
    """Name -> (Warehouse method, keyword arguments) of the warm workloads."""
    w: dict[str, tuple[str, dict[str, Any]]] = {
        "search Q1 (top 50 + total)": ("search", {"query": Q1}),
        "search status:failed + facets": ("search", {"query": "status:failed", "facets": True}),
        "facets status+image, 30 d": ("facets", {"query": "after:-30d",
                                                 "fields": ["status", "image"]}),
        "metrics by day": ("metrics", {"by": "day"}),
        "baselines": ("baselines", {}),
    }
    if logs:
        w[f"search {LOG_QUERY} (top 20)"] = ("search", {"query": LOG_QUERY, "limit": 20})
    return w


def warm_child(home: str, engine: str, repeat: int, logs: bool) -> None:
    """In a child process: each workload once (first call) and ``repeat`` times; JSON out."""
    import orcaops
    from orcaops.core.errors import OrcaOpsError

    t = time.perf_counter()
    wh = orcaops.open(home, engine=engine)
    out: dict[str, Any] = {"open_s": time.perf_counter() - t, "times": {}, "answers": {}}
    for name, (method, kwargs) in workloads(logs).items():
        fn = getattr(wh, method)
        try:
            t = time.perf_counter()
            res = fn(**kwargs)
            first = time.perf_counter() - t
        except OrcaOpsError as e:
            out["times"][name] = {"error": str(e).splitlines()[0]}
            continue
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn(**kwargs)
            times.append(time.perf_counter() - t)
        out["times"][name] = {"first": first, "runs": times}
        out["answers"][name] = _answer(res)
    out["vmhwm"] = _vmhwm()
    print(json.dumps(out, default=str))


def _answer(res: Any) -> Any:
    # What the engines must agree on: totals, facet counts, row counts.
    if hasattr(res, "total"):
        return {"total": res.total, "page": res.runs["job_id"].to_list(),
                "facets": {k: sorted(map(str, v.rows())) for k, v in res.facets.items()}}
    if isinstance(res, dict):
        return {k: sorted(map(str, v.rows())) for k, v in res.items()}
    return {"rows": res.height}


def _vmhwm() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def warm(home: Path, engine: str, repeat: int, logs: bool) -> dict[str, Any]:
    """Run ``warm_child`` in a new interpreter; its JSON, or why it did not finish."""
    code = (f"from bench.scale import warm_child; "
            f"warm_child({str(home)!r}, {engine!r}, {repeat}, {logs})")
    t = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(os.environ, **NOW_ENV), timeout=CHILD_TIMEOUT,
                             cwd=Path(__file__).resolve().parents[1])
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {CHILD_TIMEOUT:.0f} s"}
    if out.returncode:
        return {"failed": f"exit {out.returncode}: {out.stderr.strip()[-600:]}",
                "seconds": time.perf_counter() - t}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]), seconds=time.perf_counter() - t)


def cold(home: Path, query: str, engine: str, repeat: int) -> dict[str, Any]:
    """``orcaops runs search QUERY -f json`` in a new process each time: wall s, peak RSS."""
    script = shutil.which("orcaops", path=str(Path(sys.executable).parent)) or "orcaops"
    cmd = [script, "--home", str(home), "runs", "search", query, "-f", "json"]
    if engine != "duckdb":
        cmd += ["--engine", engine]
    walls, peaks = [], []
    with tempfile.NamedTemporaryFile() as rss:
        for i in range(repeat + 1):  # the first warms the OS cache and the snapshot file
            t = time.perf_counter()
            try:  # /usr/bin/time is a small parent: its ru_maxrss is the CLI's alone
                out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd],
                                     capture_output=True, text=True, timeout=CHILD_TIMEOUT,
                                     env=dict(os.environ, **NOW_ENV))
            except subprocess.TimeoutExpired:
                return {"failed": f"timed out after {CHILD_TIMEOUT:.0f} s"}
            if out.returncode:
                return {"failed": f"exit {out.returncode}: {out.stderr.strip()[-600:]}"}
            if i:
                walls.append(time.perf_counter() - t)
                peaks.append(int(Path(rss.name).read_text().split()[-1]) * 1024)
    return {"runs": walls, "peak_rss": max(peaks), "total": json.loads(out.stdout)["total"]}


def measure(label: str, home: Path, build_info: dict[str, Any], args: Any,
            logs: bool) -> dict[str, Any]:
    """Everything measured on one home."""
    res: dict[str, Any] = {"size": label, "home": str(home), "build": build_info,
                           "disk": disk(home), "load_before": os.getloadavg()}
    engines = ["duckdb"] + ([] if args.no_daft else ["daft"])
    queries = {"Q1": Q1, "status:failed": "status:failed"} | (
        {"log phrase": LOG_QUERY} if logs else {})
    for engine in engines:
        print(f"  {label}: warm {engine}", flush=True)
        res[f"warm_{engine}"] = warm(home, engine, args.repeat if engine == "duckdb"
                                     else args.daft_repeat, logs)
        for name, q in queries.items():
            print(f"  {label}: cold {engine} {name}", flush=True)
            res[f"cold_{engine}_{name}"] = cold(home, q, engine, args.repeat if engine ==
                                                "duckdb" else args.daft_repeat)
    res["load_after"] = os.getloadavg()
    return res


def summary(res: dict[str, Any]) -> list[str]:
    """Median lines of one size's results, for the console."""
    def med(xs: list[float]) -> str:
        return f"{statistics.median(xs) * 1000:,.0f} ms"

    lines = [f"== {res['size']}: {res['build']}; disk {res['disk']}; load "
             f"{res['load_before'][0]:.1f} -> {res['load_after'][0]:.1f}"]
    for key, val in res.items():
        if key.startswith("warm_"):
            if "failed" in val:
                lines.append(f"  {key}: {val['failed']}")
                continue
            lines.append(f"  {key}: open {val['open_s']:.2f} s, VmHWM {val['vmhwm'] / 2**20:,.0f}"
                         " MB")
            for name, t in val["times"].items():
                lines.append(f"    {name}: " + (t["error"] if "error" in t else
                             f"first {t['first'] * 1000:,.0f} ms, median {med(t['runs'])}"))
        elif key.startswith("cold_"):
            lines.append(f"  {key}: " + (val["failed"] if "failed" in val else
                         f"median {med(val['runs'])}, peak RSS {val['peak_rss'] / 2**20:,.0f} MB"
                         f", total {val['total']:,}"))
    return lines


def agree(res: dict[str, Any]) -> list[str]:
    """Workloads whose answers differ between DuckDB and Daft (none expected)."""
    a = res.get("warm_duckdb", {}).get("answers", {})
    b = res.get("warm_daft", {}).get("answers", {})
    return [k for k in a.keys() & b.keys() if a[k] != b[k]]


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k,1M,10M", help="of 100k, 1M, 10M")
    ap.add_argument("--repeat", type=int, default=5, help="DuckDB repeats (median)")
    ap.add_argument("--daft-repeat", type=int, default=3, help="Daft repeats (median)")
    ap.add_argument("--no-daft", action="store_true", help="DuckDB only")
    ap.add_argument("--lines-1m", type=int, default=20,
                    help="log lines kept per run at 1M (the last N of each; 0: runs only)")
    args = ap.parse_args()
    start = time.time()
    base = build.ensure(100_000, 100)
    results = []
    for label in args.sizes.split(","):
        runs = SIZES[label]
        lines = {100_000: 100, 1_000_000: args.lines_1m}.get(runs, 0)
        home = base if runs == 100_000 else replicate(base, runs, lines)
        info = json.loads((home / "build.json").read_text())
        res = measure(label, home, info, args, logs=lines > 0)
        res["engines_disagree_on"] = agree(res)
        results.append(res)
        print("\n".join(summary(res)), flush=True)
    from bench.__main__ import machine

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"scale-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"machine": machine(), "seconds": round(time.time() - start, 1),
                               "results": results}, indent=2, default=str))
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
