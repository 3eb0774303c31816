"""orcaops run names the job as it starts; runs watch follows it from another process."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

STARTED = re.compile(r"▶ (r-[0-9a-f-]+) started")
TICKS = ("import time\nfor i in range(8):\n    print('tick', i, flush=True)\n"
         "    time.sleep(0.25)\n")


def orcaops(home: Path, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "orcaops", "--home", str(home), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_watch_follows_a_running_job_to_its_end(tmp_path):
    home = tmp_path / "home"
    job = orcaops(home, "run", "--local", "--", sys.executable, "-c", TICKS)
    first = job.stderr.readline()
    job_id = STARTED.search(first).group(1)
    spool = home / "spool" / job_id
    deadline = time.monotonic() + 20
    while not (spool / "logs.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    watched = subprocess.run([sys.executable, "-m", "orcaops", "--home", str(home), "runs",
                              "watch", job_id[:-2]], capture_output=True, text=True, timeout=60)
    job_out, job_err = job.communicate(timeout=60)
    assert job.returncode == 0, job_err
    assert watched.returncode == 0, watched.stderr
    assert watched.stdout.splitlines() == [f"tick {i}" for i in range(8)]
    assert f"✔ {job_id} success in" in watched.stderr
    assert f"✔ {job_id} success in" in job_err


def test_watch_on_a_finished_or_unknown_run(tmp_path):
    home = tmp_path / "home"
    done = subprocess.run([sys.executable, "-m", "orcaops", "--home", str(home), "run",
                           "--local", "--", sys.executable, "-c", "print(1)"],
                          capture_output=True, text=True, timeout=60)
    job_id = STARTED.search(done.stderr).group(1)
    ended = subprocess.run([sys.executable, "-m", "orcaops", "--home", str(home), "runs",
                            "watch", job_id], capture_output=True, text=True, timeout=60)
    assert ended.returncode == 0
    assert f"{job_id} is not running: it ended success" in ended.stderr
    unknown = subprocess.run([sys.executable, "-m", "orcaops", "--home", str(home), "runs",
                              "watch", "r-nope"], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "no run with job id 'r-nope'" in unknown.stderr


def test_a_terminal_shows_a_live_status_line(tmp_path):
    """On a terminal the job's lines scroll above a status line that counts them."""
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "orcaops", "--home", str(tmp_path / "h"),
                             "run", "--local", "--", sys.executable, "-c", TICKS],
                            stdin=child, stdout=child, stderr=child, close_fds=True,
                            env={**os.environ, "TERM": "xterm", "COLUMNS": "100"})
    os.close(child)
    seen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=30)
    text = seen.decode(errors="replace")
    assert proc.returncode == 0
    assert re.search(r"r-[0-9a-f-]+ running \S+ · [1-8] lines", text), text[-2000:]
    assert "tick 7" in text and "success in" in text


def test_no_docker_engine_is_exit_125_before_anything_starts(tmp_path):
    """As `docker run` does when it cannot start the container (the help promises 125)."""
    home = tmp_path / "home"
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    done = subprocess.run([sys.executable, "-m", "orcaops", "--home", str(home), "run",
                           "--image", "python:3.11", "--", "true"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 125, done.stderr
    assert done.stderr.startswith("error: no Docker engine is reachable to run image")
    assert "▶" not in done.stderr and "Traceback" not in done.stderr
    import orcaops

    assert orcaops.open(home).runs("").height == 0
