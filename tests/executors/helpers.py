"""Helpers shared by the executor tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def start_recorder(home: Path, executor: str, spec: dict[str, Any]) -> subprocess.Popen[bytes]:
    """A separate process recording ``spec`` into the warehouse at ``home``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    script = Path(__file__).with_name("recorder_proc.py")
    return subprocess.Popen([sys.executable, str(script), str(home), executor, json.dumps(spec)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_spooled_lines(spool_dir: Path, n: int, proc: subprocess.Popen[bytes],
                           timeout: float = 30.0) -> None:
    """Block until ``spool_dir/logs.jsonl`` holds ``n`` lines (bounded)."""
    logs = spool_dir / "logs.jsonl"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if logs.exists() and len(logs.read_text().splitlines()) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"recorder exited early: {proc.communicate()}")
        time.sleep(0.05)
    raise AssertionError(f"{logs} did not reach {n} lines in {timeout}s")


def kill9(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a recorder and reap it."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def signal_me_later(delay: float, sig: signal.Signals = signal.SIGINT) -> threading.Timer:
    """Send ``sig`` to this process after ``delay`` seconds (as Ctrl-C would)."""
    timer = threading.Timer(delay, os.kill, args=(os.getpid(), sig))
    timer.start()
    return timer


def lines(wh: Any, job_id: str) -> list[tuple[str, str]]:
    """``(stream, message)`` of a stored run's log lines, in line order."""
    frame = wh.logs(job_id=job_id).sort("line_number")
    return list(zip(frame["stream"].to_list(), frame["message"].to_list()))
