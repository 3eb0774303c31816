"""Recording overhead of the executors: a short job with and without OrcaOps around it.

Measures the median wall time (of --n rounds after a warm-up, cases run round-robin) of:
    docker run --rm IMAGE true            the plain Docker CLI
    run_job(docker), no-op warehouse      the executor alone (create/start/stream/inspect/remove)
    run_job(docker), real warehouse       plus the Delta commit of record, logs and samples
    orcaops run --image IMAGE -- true     the CLI, a fresh process each time (if it exists)
    subprocess true / run_job(local)      the same for the local executor

Uses $DOCKER_HOST when it answers, else starts a private engine (tests/docker_engine.py, root
needed). Not a test: prints a table (or --json) to compare against bench/README or baselines.

    python bench/bench_executor.py --n 15
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import orcaops  # noqa: E402
from orcaops.core.config import Settings  # noqa: E402
from orcaops.executors import JobSpec, docker_available, run_job  # noqa: E402

IMAGE = "orcaops-busybox:latest"


class NullWarehouse:
    """Takes the record and stores nothing: isolates executor cost from commit cost."""

    def __init__(self, home: Path) -> None:
        self.settings = Settings(home=home)

    def record(self, run: Any, logs: Any = None, samples: Any = None, **_: Any) -> Any:
        return run


def _engine_module() -> Any:
    spec = importlib.util.spec_from_file_location("docker_engine", REPO / "tests" /
                                                  "docker_engine.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["docker_engine"] = module
    spec.loader.exec_module(module)
    return module


def _ensure_engine() -> Any:
    """None when $DOCKER_HOST already answers (and has the image), else a started engine."""
    if os.environ.get("DOCKER_HOST") and docker_available():
        return None
    module = _engine_module()
    engine = module.DockerEngine.start()
    engine.build_busybox_image()
    os.environ["DOCKER_HOST"] = engine.base_url
    from orcaops.executors import docker as docker_exec
    docker_exec._available.cache_clear()
    docker_exec._connect.cache_clear()
    return engine


def measure(n: int, home: Path) -> dict[str, tuple[float, ...]]:
    """Every measurement, by label."""
    docker_cli = shutil.which("docker")
    # Imports the run command's module explicitly, in case the CLI does not register it yet.
    orcaops_cli = [sys.executable, "-c", "import importlib, orcaops.cli as c; "
                   "importlib.import_module('orcaops.cli.run'); c.main()"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCAOPS_HOME": str(home / "cli")}
    spec = JobSpec(image=IMAGE, command=["true"])
    local = JobSpec(command=["true"])
    wh = orcaops.open(home / "wh")
    null = NullWarehouse(home / "null")
    cases: dict[str, Callable[[], Any]] = {}
    if docker_cli:
        cases["docker run --rm true (CLI)"] = lambda: subprocess.run(
            [docker_cli, "run", "--rm", IMAGE, "true"], check=True, capture_output=True)
    cases["run_job docker, no-op warehouse"] = lambda: run_job(spec, null, executor="docker")
    cases["run_job docker, real warehouse"] = lambda: run_job(spec, wh, executor="docker")
    if _cli_has_run(orcaops_cli, env):
        cases["orcaops run --image (CLI)"] = lambda: subprocess.run(
            [*orcaops_cli, "run", "--image", IMAGE, "--", "true"], check=True,
            capture_output=True, env=env)
    cases["subprocess true"] = lambda: subprocess.run(["true"], check=True)
    cases["run_job local, no-op warehouse"] = lambda: run_job(local, null, executor="local")
    cases["run_job local, real warehouse"] = lambda: run_job(local, wh, executor="local")
    return interleaved(cases, n)


def interleaved(cases: dict[str, Callable[[], Any]], n: int) -> dict[str, tuple[float, ...]]:
    """(median wall, min wall, max wall, median CPU) seconds of each case.

    The cases run round-robin so that a load change on a shared machine hits all of them
    alike. CPU is this process's plus its children's (user + system): unlike wall time it
    barely moves with load, but it does not include the Docker daemon's work. A case that
    fails is reported and dropped.
    """
    wall: dict[str, list[float]] = {label: [] for label in cases}
    cpu: dict[str, list[float]] = {label: [] for label in cases}
    for round_no in range(n + 1):  # round 0 warms up
        for label in list(wall):
            start, cpu_start = time.perf_counter(), _cpu_s()
            try:
                cases[label]()
            except subprocess.CalledProcessError as e:  # a CLI still being built: go on
                print(f"{label}: failed ({e.stderr.decode(errors='replace').strip()[-200:]})",
                      file=sys.stderr)
                del wall[label]
                continue
            if round_no:
                wall[label].append(time.perf_counter() - start)
                cpu[label].append(_cpu_s() - cpu_start)
    return {k: (statistics.median(v), min(v), max(v), statistics.median(cpu[k]))
            for k, v in wall.items()}


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _cli_has_run(cli: list[str], env: dict[str, str]) -> bool:
    done = subprocess.run([*cli, "run", "--help"], capture_output=True, env=env)
    return done.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="runs per case (median reported)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    engine = _ensure_engine()
    load_start = os.getloadavg()[0]
    home = Path(tempfile.mkdtemp(prefix="oo-bench-"))
    try:
        results = measure(args.n, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if engine is not None:
            engine.stop()
    # Medians mean little on a busy machine: the load is part of the result.
    load = {"load_avg_start": load_start, "load_avg_end": os.getloadavg()[0],
            "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps({"machine": load, "cases": {
            k: {"median_s": v[0], "min_s": v[1], "max_s": v[2], "median_cpu_s": v[3]}
            for k, v in results.items()}},
            indent=2))
        return
    print(f"{'case':<36} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'cpu ms':>8}"
          f"   (n={args.n})")
    for label, (med, lo, hi, cpu) in results.items():
        print(f"{label:<36} {med * 1000:>10.1f} {lo * 1000:>8.1f} {hi * 1000:>8.1f} "
              f"{cpu * 1000:>8.1f}")
    print(f"load average {load['load_avg_start']:.1f} -> {load['load_avg_end']:.1f} "
          f"on {load['cpus']} CPUs")


if __name__ == "__main__":
    main()
