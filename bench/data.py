"""Bench data: the demo generator's history, with ~100 log lines per run when asked.

The demo catalogue writes 5–10 lines per run; real CI logs are longer and less repetitive, so
each run's log is padded with generated lines (test results, downloads, timings, ids) that
carry numbers and hashes, the way real output does. Everything goes through the public import
path (``Warehouse.import_records``): parse + patterns + write.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from orcaops.demo.history import DemoHistory

NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)
_MODULES = ("api", "models", "utils", "client", "auth", "billing", "search", "cache", "db",
            "worker", "scheduler", "render", "config", "export", "metrics")
_FILLERS = (
    "tests/test_{mod}.py::test_{mod}_{k} PASSED{pad}[{pct:3d}%]",
    "tests/test_{mod}.py::test_{mod}_{k} PASSED{pad}[{pct:3d}%]",
    "tests/test_{mod}.py::test_{mod}_{k} PASSED{pad}[{pct:3d}%]",
    "  Downloading {mod}_lib-{a}.{b}.{c}-py3-none-any.whl ({kb} kB)",
    "INFO [{mod}] processed batch {k} in {ms} ms (rows={rows})",
    "DEBUG {mod}.pool: acquired connection id={hx} after {ms}ms",
    "Step {k}/{tot} : RUN pip install --no-cache-dir -r requirements-{mod}.txt",
    " ---> Using cache {hx}",
    "{ts} INFO  request_id={hx} GET /v1/{mod}/{rows} 200 {ms}ms",
    "WARN {mod}: slow query took {ms} ms: SELECT * FROM {mod}_items WHERE id = {rows}",
    "compiling {mod} v{a}.{b}.{c} (/workspace/crates/{mod})",
)


def _filler(rng: random.Random, k: int, total: int, ts: datetime) -> str:
    mod = rng.choice(_MODULES)
    return rng.choice(_FILLERS).format(
        mod=mod, k=k, pad=" " * rng.randint(1, 8), pct=min(100, 100 * k // max(total, 1)),
        a=rng.randint(0, 9), b=rng.randint(0, 30), c=rng.randint(0, 20),
        kb=rng.randint(10, 9000), ms=rng.randint(1, 5000), rows=rng.randint(1, 100000),
        hx=f"{rng.getrandbits(48):012x}", tot=total, ts=ts.strftime("%H:%M:%S.%f")[:-3])


class BenchHistory(DemoHistory):
    """The demo history with each run's log padded to about ``lines`` lines (0: no logs)."""

    def __init__(self, runs: int, lines: int = 100, seed: int = 11) -> None:
        super().__init__(runs=runs, seed=seed, now=NOW)
        self.lines = lines
        self.pad_rng = random.Random(seed + 1)

    def _logs(self, job: Any, status: str, mode: str | None, started: datetime,
              duration: float) -> list[dict[str, Any]]:
        if not self.lines:
            return []
        core = super()._logs(job, status, mode, started, duration)
        rng = self.pad_rng
        extra = max(0, int(rng.gauss(self.lines, self.lines * 0.2)) - len(core))
        head = [{"ts": core[0]["ts"] if core else None, "stream": "stdout",
                 "line": _filler(rng, k, extra, started + timedelta(seconds=k))}
                for k in range(extra)]
        # Filler first, the job's own (possibly failing) ending last, as in a real log.
        return head + core

    def _samples(self, started: datetime, duration: float, memory: float,
                 job: Any) -> list[dict[str, Any]]:
        return super()._samples(started, duration, memory, job) if self.lines else []


def records(runs: int, lines: int = 100) -> Iterator[dict[str, Any]]:
    """Import records of a bench history (environment dropped: it is the same in every run)."""
    for rec in BenchHistory(runs, lines).records():
        rec.pop("environment", None)
        yield rec
