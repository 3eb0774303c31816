"""Build (once) and cache the bench warehouses under ``bench/.data/`` (gitignored).

A warehouse is built through the public import path, compacted, and its raw log text written
beside it (``raw.log``: one line per stored log line) for the ripgrep baseline. What the build
measured (import seconds, runs/s, lines/s) is kept in ``build.json``.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / ".data"


def home_for(runs: int, lines: int, compacted: bool = True) -> Path:
    return DATA / f"wh-{runs}-{lines}{'' if compacted else '-fresh'}"


def ensure(runs: int, lines: int, *, compacted: bool = True, log: Any = print) -> Path:
    """The home of a built warehouse of ``runs`` runs with ``lines`` log lines each;
    ``compacted=False``: as the import left it (the user's path before any ``compact``)."""
    home = home_for(runs, lines, compacted)
    if (home / "build.json").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    import orcaops
    from bench.data import records

    log(f"building {runs:,} runs x ~{lines} lines in {home} (minutes at 100k+)")
    wh = orcaops.open(home)
    start = time.perf_counter()
    report = wh.import_records(records(runs, lines))
    imported = time.perf_counter() - start
    t = time.perf_counter()
    if compacted:
        wh.compact()
    stats = {"runs": report.imported, "log_lines": report.log_lines,
             "import_seconds": round(imported, 2), "compact_seconds":
             round(time.perf_counter() - t, 2),
             "runs_per_s": round(report.imported / imported, 1),
             "lines_per_s": round(report.log_lines / imported, 1)}
    if lines:
        write_raw(wh, home / "raw.log")
    (home / "build.json").write_text(json.dumps(stats, indent=2))
    log(f"built: {stats}")
    return home


def ensure_demo(runs: int, log: Any = print) -> Path:
    """The home ``orcaops demo --runs <runs>`` writes (its own 5-10 log lines a run, as
    imported, never compacted), with the history ending at the bench's clock instead of
    today, so ``--since 30d`` under ``ORCAOPS_NOW`` is the same window on any day."""
    home = DATA / f"demo-{runs}"
    if (home / "build.json").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    import orcaops
    from bench.data import NOW
    from orcaops.demo.history import DemoHistory

    log(f"building the {runs:,}-run demo history in {home}")
    start = time.perf_counter()
    report = orcaops.open(home).import_records(DemoHistory(runs=runs, seed=7, now=NOW).records())
    stats = {"runs": report.imported, "log_lines": report.log_lines,
             "import_seconds": round(time.perf_counter() - start, 2)}
    (home / "build.json").write_text(json.dumps(stats, indent=2))
    return home


def write_raw(wh: Any, path: Path) -> None:
    """Every stored log line as plain text, one per line: what ripgrep searches."""
    cur = wh.reader.con.cursor()
    wh.reader.refresh()
    cur = wh.reader.con
    res = cur.execute("SELECT message FROM logs_all")
    with open(path, "w", encoding="utf-8") as f:
        while True:
            chunk = res.fetchmany(200_000)
            if not chunk:
                break
            f.writelines(m.replace("\n", " ") + "\n" for (m,) in chunk)


if __name__ == "__main__":
    import sys

    ensure(int(sys.argv[1]), int(sys.argv[2]))
