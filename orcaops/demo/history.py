"""A realistic run history to explore: ``orcaops demo [--runs N] [--seed S]``.

Runs arrive with a daily and weekly rhythm (busy weekday working hours, quiet nights and
weekends); each job has a lognormal duration, a memory level, failures with real-looking log
lines and stack traces; a few jobs regress part-way through and a few are flaky (the same
commit both fails and passes). Records are written through the same import path as
``orcaops import``.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from orcaops.core.config import analysis_now
from orcaops.demo.catalog import AGENTS, BRANCHES, FAILURE_LOGS, JOBS, Job
from orcaops.testing.demo import demo_tests

# Relative arrival rate by hour of day (UTC) and by weekday (Mon=0).
HOURLY = [0.15, 0.1, 0.1, 0.1, 0.15, 0.25, 0.45, 0.8, 1.2, 1.5, 1.6, 1.5, 1.2, 1.4, 1.6,
          1.6, 1.5, 1.3, 1.0, 0.7, 0.5, 0.4, 0.3, 0.2]
WEEKLY = [1.1, 1.15, 1.15, 1.1, 0.95, 0.3, 0.25]
RUNS_PER_DAY = 400


def _arrivals(rng: random.Random, n: int, start: datetime, end: datetime) -> list[datetime]:
    """``n`` times between start and end, following the daily and weekly rhythm."""
    span = (end - start).total_seconds()
    peak = max(HOURLY) * max(WEEKLY)
    out: list[datetime] = []
    while len(out) < n:
        t = start + timedelta(seconds=rng.random() * span)
        if rng.random() * peak <= HOURLY[t.hour] * WEEKLY[t.weekday()]:
            out.append(t)
    out.sort()
    return out


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class DemoHistory:
    """Generates demo records (dicts in the JSON Lines import format)."""

    def __init__(self, runs: int = 5000, seed: int = 7, now: datetime | None = None,
                 days: int | None = None) -> None:
        self.n = runs
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = (now or analysis_now()).replace(microsecond=0)
        self.days = days or max(7, min(90, math.ceil(runs / RUNS_PER_DAY)))
        self.start = self.now - timedelta(days=self.days)
        weights = [j.weight for j in JOBS]
        total = sum(weights)
        self.cum = [sum(weights[: i + 1]) / total for i in range(len(weights))]
        self._commits: dict[int, list[str]] = {}
        self._last: dict[int, dict[str, Any]] = {}

    def _job(self) -> tuple[int, Job]:
        x = self.rng.random()
        for i, c in enumerate(self.cum):
            if x <= c:
                return i, JOBS[i]
        return len(JOBS) - 1, JOBS[-1]

    def records(self) -> Iterator[dict[str, Any]]:
        """Every demo run, oldest first."""
        for k, queued in enumerate(_arrivals(self.rng, self.n, self.start, self.now)):
            idx, job = self._job()
            yield self._record(k, idx, job, queued)

    def _commit(self, idx: int) -> str:
        pool = self._commits.setdefault(idx, [])
        if not pool or self.rng.random() < 0.35:
            pool.append(hashlib.sha1(f"{self.seed}-{idx}-{len(pool)}".encode()).hexdigest())
        return pool[-1]

    def _duration(self, job: Job, progress: float) -> float:
        d = job.median_s * math.exp(self.rng.gauss(0, job.sigma))
        if job.regression_at is not None and progress >= job.regression_at:
            d *= job.regression_factor
        return max(d, 0.05)

    def _status(self, job: Job, idx: int, commit: str) -> tuple[str, str | None]:
        last = self._last.get(idx)
        rate = job.fail_rate
        if job.flaky and last and last["commit"] == commit and last["status"] == "failed":
            rate = 0.35  # a retry of the same commit often passes: flaky
        elif job.flaky:
            rate = job.fail_rate * 2.2
        r = self.rng.random()
        if r < 0.006:
            return "cancelled", None
        if r < 0.009:
            return "error", None
        if r < 0.009 + rate:
            mode = self.rng.choice(job.failures)
            if mode == "timeout":
                return "timeout", mode
            return "failed", mode
        return "success", None

    def _record(self, k: int, idx: int, job: Job, queued: datetime) -> dict[str, Any]:
        rng = self.rng
        progress = (queued - self.start).total_seconds() / (self.now - self.start).total_seconds()
        commit = self._commit(idx)
        status, mode = self._status(job, idx, commit)
        self._last[idx] = {"commit": commit, "status": status}
        duration = self._duration(job, progress)
        if status == "timeout":
            duration = max(duration * 3, job.median_s * 4)
        elif status in ("cancelled", "error"):
            duration *= rng.random() * 0.5
        wait = rng.expovariate(1 / (2.0 + 25 * HOURLY[queued.hour] / 1.6))
        started = queued + timedelta(seconds=wait)
        finished = started + timedelta(seconds=duration)
        if finished > self.now:
            # It would still be going at the end of the history, and with no recorder to
            # finish it, it would stay "running" forever: it ran a little earlier instead.
            shift = finished - self.now
            queued, started, finished = queued - shift, started - shift, self.now
        memory = job.memory_mb * math.exp(rng.gauss(0, 0.15))
        if mode == "oom":
            memory = job.memory_mb * 2.4
        pr = rng.randint(100, 2400)
        exit_code = {"success": 0, "failed": 137 if mode == "oom" else 1, "timeout": None,
                     "cancelled": 130, "error": None}[status]
        rec: dict[str, Any] = {
            "job_id": f"r-{self.seed:x}{k:07d}",
            "status": status, "image": job.image, "command": job.command,
            "triggered_by": rng.choice(AGENTS if "scheduled" not in job.tags else ("scheduler",)),
            "intent": job.intent.format(pr=pr), "parent_job_id": None,
            "tags": list(job.tags),
            "metadata": {"branch": rng.choice(BRANCHES), "commit": commit[:12],
                         "pr": pr if "pr" in job.tags else None, "runner": f"ci-{k % 6 + 1}"},
            "queued_at": _iso(queued), "started_at": _iso(started),
            "finished_at": _iso(finished), "exit_code": exit_code,
            "executor": "docker", "host": f"build-{k % 3 + 1}.internal",
            "resources": self._resources(job, duration, memory),
            "environment": {"image_digest": "sha256:" + hashlib.sha256(job.image.encode())
                            .hexdigest(), "env": {"CI": "true", "PYTHONUNBUFFERED": "1"}},
            "logs": self._logs(job, status, mode, started, duration),
            "samples": self._samples(started, duration, memory, job),
        }
        if status == "error":
            rec["error_message"] = "container failed to start: no space left on device"
        elif status == "timeout":  # what the executors record when they stop a job
            rec["error_message"] = f"timed out after {math.ceil(duration / 60) * 60}s"
        if k % 17 == 0 and k > 0:
            rec["parent_job_id"] = f"r-{self.seed:x}{k - 1:07d}"
        rec.update(demo_tests(rec["job_id"], job.command, status, mode, job.flaky))
        return rec

    def _resources(self, job: Job, duration: float, memory: float) -> dict[str, Any]:
        cpu = duration * min(1.8, 0.3 + self.rng.random())
        return {"cpu_seconds": round(cpu, 2), "memory_peak_mb": round(memory, 1),
                "network_rx_bytes": int(self.rng.lognormvariate(15, 1)),
                "network_tx_bytes": int(self.rng.lognormvariate(12, 1)),
                "disk_usage_mb": round(self.rng.lognormvariate(4, 0.8), 1),
                "estimated_cost_usd": round(cpu * 0.0000125 + memory / 1024 * duration
                                            * 0.0000015, 6)}

    def _logs(self, job: Job, status: str, mode: str | None, started: datetime,
              duration: float) -> list[dict[str, Any]]:
        rng = self.rng
        n = rng.randint(40, 400)
        # n_ok: the passing tests beside the one or two a failure log names
        fill = {"n": n, "n_ok": n - 2, "d": duration, "line": rng.randint(10, 400),
                "cmd": job.command}
        lines = [s.format(**fill) for s in job.success_lines]
        if status in ("failed", "timeout") and mode:
            keep = max(1, len(lines) // 2)
            lines = lines[:keep] + [s.format(**fill) for s in FAILURE_LOGS[mode]]
        elif status == "cancelled":
            lines = lines[:2] + ["received SIGINT, shutting down"]
        elif status == "error":
            lines = []
        step = duration / max(len(lines), 1)
        out = []
        for i, line in enumerate(lines):
            ts = started + timedelta(seconds=step * i)
            stream = "stderr" if status != "success" and i >= len(lines) // 2 else "stdout"
            out.append({"ts": _iso(ts), "stream": stream, "line": line})
        return out

    def _samples(self, started: datetime, duration: float, memory: float,
                 job: Job) -> list[dict[str, Any]]:
        n = max(1, min(12, int(duration // 5) + 1))
        step = duration / n
        out = []
        for i in range(n):
            frac = (i + 1) / n
            out.append({"ts": _iso(started + timedelta(seconds=step * i)),
                        "cpu_percent": round(min(200.0, 40 + 60 * self.rng.random()), 1),
                        "memory_mb": round(memory * (0.4 + 0.6 * frac), 1),
                        "memory_limit_mb": float(max(512, 2 ** math.ceil(math.log2(
                            job.memory_mb * 2)))),
                        "network_rx_bytes": int(1000 * frac * (i + 1)), "network_tx_bytes":
                        int(200 * frac * (i + 1)), "pids": 1 + i % 4})
        return out
