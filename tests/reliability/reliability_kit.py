"""Helpers of the reliability suite: generated runs, subprocesses to kill, invariant checks.

Every generated run carries how many log lines and samples it has, so a check can tell a
complete run from a partial one without trusting anything the warehouse computed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orcaops
from orcaops.api import Warehouse

WORKER = Path(__file__).with_name("reliability_worker.py")
# What the suite did, printed at the end of the session (the issue asks for these figures).
FIGURES: Counter[str] = Counter()


def scale(default: int) -> int:
    """``default`` trials, times ``ORCAOPS_RELIABILITY_TRIALS`` when set (a longer run)."""
    factor = int(os.environ.get("ORCAOPS_RELIABILITY_TRIALS", "1") or "1")
    return max(1, default * max(factor, 1))


def run_record(job_id: str, i: int, *, day: int | None = None) -> dict[str, Any]:
    """One import record with ``1 + i % 5`` log lines and ``i % 3`` samples."""
    d = 10 + (i % 4 if day is None else day)
    logs = [{"ts": f"2026-11-{d}T10:00:0{k}Z", "stream": "stderr" if k % 2 else "stdout",
             "line": f"{job_id} step {k} " + ("ERROR boom" if k == 2 else "ok")}
            for k in range(1 + i % 5)]
    samples = [{"ts": f"2026-11-{d}T10:00:0{k}Z", "cpu_percent": float(k), "memory_mb": 10.0}
               for k in range(i % 3)]
    return {"job_id": job_id, "status": "failed" if i % 4 == 0 else "success",
            "image": f"img:{i % 3}", "command": f"make step{i % 5}", "tags": ["rel"],
            "started_at": f"2026-11-{d}T10:00:00Z", "finished_at": f"2026-11-{d}T10:00:09Z",
            "exit_code": 1 if i % 4 == 0 else 0, "logs": logs, "samples": samples}


def records(prefix: str, n: int) -> list[dict[str, Any]]:
    return [run_record(f"{prefix}-{i:04d}", i) for i in range(n)]


def expected_counts(recs: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """job_id → (log lines, samples) a complete copy of each run has."""
    return {r["job_id"]: (len(r["logs"]), len(r["samples"])) for r in recs}


def write_jsonl(path: Path, recs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def orcaops_cmd(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "orcaops", "--home", str(home), *args]


def worker_cmd(*args: str) -> list[str]:
    return [sys.executable, str(WORKER), *args]


@dataclass
class Kill:
    """How a kill -9 trial went."""

    killed: bool        # the process was still running when the signal was sent
    returncode: int
    stderr: str


def kill_after(cmd: list[str], delay: float, *, env: dict[str, str] | None = None,
               after_ready: bool = False, start_when: Callable[[], bool] | None = None) -> Kill:
    """Start ``cmd``, SIGKILL it after ``delay`` seconds unless it ended first.

    With ``after_ready`` the clock starts when the process prints ``ready`` (its imports are
    done), so the kill lands in the work itself rather than in interpreter start-up.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE if after_ready else subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    if after_ready:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", (line, proc.stderr.read() if proc.stderr else "")
    while start_when is not None and not start_when() and proc.poll() is None:
        time.sleep(0.005)
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    return Kill(killed, proc.returncode, err)


PARTIAL_SQL = """
    SELECT r.job_id, r.log_lines, coalesce(l.n, 0) AS logs, coalesce(s.n, 0) AS samples
    FROM runs r
    LEFT JOIN (SELECT job_id, count(*) n FROM logs_all GROUP BY 1) l USING (job_id)
    LEFT JOIN (SELECT job_id, count(*) n FROM samples_all GROUP BY 1) s USING (job_id)
"""


def check_invariants(wh: Warehouse, expected: dict[str, tuple[int, int]] | None = None
                     ) -> dict[str, tuple[int, int]]:
    """Assert nothing is duplicated or partial; returns job_id → (logs, samples) visible.

    Args:
        wh: the warehouse to check (its reader follows the latest commit).
        expected: runs whose complete log and sample counts are known; any of them that is
            visible must have exactly those.
    """
    dups = wh.sql("SELECT job_id, count(*) n FROM runs GROUP BY 1 HAVING n > 1")
    assert dups.height == 0, f"duplicated runs: {dups}"
    dup_lines = wh.sql("SELECT job_id, line_number, count(*) n FROM logs WHERE job_id IN "
                       "(SELECT job_id FROM runs) GROUP BY 1, 2 HAVING n > 1 LIMIT 5")
    assert dup_lines.height == 0, f"duplicated log lines of visible runs: {dup_lines}"
    seen: dict[str, tuple[int, int]] = {}
    for job_id, log_lines, logs, samples in wh.reader.rows(PARTIAL_SQL):
        assert log_lines == logs, f"partial run {job_id}: {logs} of {log_lines} log lines"
        if expected and job_id in expected:
            assert (logs, samples) == expected[job_id], f"partial run {job_id}"
        seen[job_id] = (logs, samples)
    return seen


def fresh(home: Path) -> Warehouse:
    """A new Warehouse object, as the next process would open it."""
    return orcaops.open(home)
