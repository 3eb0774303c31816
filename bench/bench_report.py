"""``orcaops report`` cold (issue #16): a new process per call on a demo home just built
(no ``compact``: the first report also loads the Delta log), and on the same home compacted.

Each call gets its own copy of the home, so every one is the user's first report on it.
Wall clock and the child's CPU seconds (user + sys) are medians; the load average is printed
with them, since wall clock on a shared machine says little without it. The target is 3 s.

    python -m bench.bench_report --runs 20000 --repeat 5
    python -m bench.bench_report --pythonpath /path/to/other/checkout   # another version
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).parent / ".data"
TARGET_S = 3.0


def _orcaops(home: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "orcaops", "--home", str(home), *args], env=env,
                   check=True, capture_output=True)


def build(runs: int) -> tuple[Path, Path]:
    """The demo home of ``runs`` runs as built (``fresh``) and a compacted copy of it."""
    fresh, compacted = DATA / f"report-{runs}", DATA / f"report-{runs}-compacted"
    env = dict(os.environ)
    if not fresh.exists():
        _orcaops(fresh, "demo", "--runs", str(runs), env=env)
    if not compacted.exists():
        shutil.copytree(fresh, compacted)
        _orcaops(compacted, "compact", env=env)
    return fresh, compacted


def cold_report(home: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """One cold report on a copy of ``home``: (wall s, CPU s, load average at the start)."""
    copy = DATA / "report-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(home, copy)
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    _orcaops(copy, "report", "--output", str(DATA / "report.html"), "--since", "30d", env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pythonpath", help="run this checkout's orcaops instead")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    for kind, home in zip(("fresh", "compacted"), build(args.runs)):
        got = [cold_report(home, env) for _ in range(args.repeat)]
        wall, cpu, load = (statistics.median(x[i] for x in got) for i in range(3))
        ok = "ok" if wall <= TARGET_S else "over"
        print(f"report --since 30d, {args.runs:,} runs, {kind}: wall {wall:.2f} s, CPU {cpu:.2f} s"
              f" (medians of {args.repeat}; load {load:.1f}) — target {TARGET_S:g} s: {ok}")


if __name__ == "__main__":
    main()
