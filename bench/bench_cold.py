"""Cold single-run commands (``runs show``, ``runs logs``, ``jobs summary``, ``debug``),
each beside a cold ``runs search`` timed in the same loop.

A new process per call, as a user's shell starts one: imports, opening the warehouse and
the command's own reads all count. The anchor is ``runs search -f json``, which
``suites.cold_start`` compares with bare DuckDB; issue #16 asks these commands to be no
slower than it (1.0x).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.timing import Row, check, stat

LIMIT = 1.0


def _entry() -> list[str]:
    # The console script users run (the one installed beside this interpreter).
    script = shutil.which("orcaops", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "orcaops"]


def one_run_cold(home: Path, size: str, repeat: int) -> list[Row]:
    """The four single-run commands on a failed run of ``home``, cold, against runs search."""
    import orcaops as o

    job = o.open(home).search("status:failed", limit=1).runs["job_id"][0]
    base = [*_entry(), "--home", str(home)]
    anchor = [*base, "runs", "search", "status:failed", "-f", "json"]
    commands = {f"runs show {job}": ["runs", "show", job],
                f"runs logs {job}": ["runs", "logs", job],
                f"runs logs {job} --failed": ["runs", "logs", job, "--failed"],
                f"jobs summary {job}": ["jobs", "summary", job],
                f"debug {job}": ["debug", job]}
    cmds = {name: [*base, *args] for name, args in commands.items()}
    times: dict[str, list[float]] = {name: [] for name in ["", *cmds]}
    for cmd in [anchor, *cmds.values()]:  # warm the OS cache and the snapshot file
        subprocess.run(cmd, capture_output=True, check=True)
    for _ in range(repeat):  # interleaved, so load on the machine hits all alike
        for name, cmd in [("", anchor), *cmds.items()]:
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            times[name].append(time.perf_counter() - t)
    anchor_stat = stat(times[""])
    return [check(Row(size, f"CLI cold: {name.replace(job, 'ID')}", stat(times[name]),
                      "CLI cold: runs search -f json", anchor_stat), limit=LIMIT)
            for name in cmds]
