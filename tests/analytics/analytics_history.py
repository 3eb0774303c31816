"""Generated histories with known anomalies, regressions and flaky keys (test helpers)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orcaops
from orcaops.api import Warehouse

T0 = datetime(2026, 10, 1, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
JOBS = [("python:3.11", "pytest -q", 64.0, 0.25, 400.0),
        ("python:3.11-slim", "pytest -q", 41.0, 0.2, 380.0),
        ("node:20", "npm ci && npm test", 96.0, 0.22, 800.0),
        ("golang:1.22", "go test ./...", 48.0, 0.25, 640.0),
        ("alpine:3.20", "sh deploy.sh", 55.0, 0.3, 60.0),
        ("busybox:1.36", "sleep 2", 2.1, 0.05, 2.0)]


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class History:
    """Records plus what was injected (job ids by anomaly type)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    injected: dict[str, set[str]] = field(default_factory=dict)

    def mark(self, kind: str, job_id: str) -> None:
        self.injected.setdefault(kind, set()).add(job_id)


def run_record(job_id: str, image: str, command: str, start: datetime, duration: float,
               memory: float, status: str = "success", **extra: Any) -> dict[str, Any]:
    rec = {"job_id": job_id, "status": status, "image": image, "command": command,
           "tags": ["ci"], "metadata": {"commit": f"c-{job_id}"},
           "queued_at": iso(start - timedelta(seconds=2)), "started_at": iso(start),
           "finished_at": iso(start + timedelta(seconds=duration)),
           "exit_code": 0 if status == "success" else 1, "host": "build-1",
           "resources": {"memory_peak_mb": round(memory, 1), "cpu_seconds": duration * 0.8,
                         "estimated_cost_usd": duration * 1e-5}}
    rec.update(extra)
    return rec


def stable_history(per_key: int = 300, seed: int = 5) -> History:
    """Every job steady: lognormal durations, steady memory, all successes, new commits."""
    rng = random.Random(seed)
    h = History()
    for k, (image, cmd, median, sigma, mem) in enumerate(JOBS):
        for i in range(per_key):
            start = T0 + timedelta(hours=i * 2, minutes=k * 7)
            h.records.append(run_record(
                f"s{k}-{i:04d}", image, cmd, start, median * math.exp(rng.gauss(0, sigma)),
                mem * math.exp(rng.gauss(0, 0.1))))
    return h


def injected_history(seed: int = 6) -> History:
    """The stable history with known spikes, memory blowups, new errors, a regression, a
    flaky key and a stalled run."""
    h = stable_history(seed=seed)
    rng = random.Random(seed)
    by_key: dict[int, list[dict[str, Any]]] = {}
    for rec in h.records:
        by_key.setdefault(int(rec["job_id"][1]), []).append(rec)
    for k in (0, 2, 3):
        for i in rng.sample(range(60, 195), 4):  # key 2 regresses at 200
            _stretch(by_key[k][i], 4.0)
            h.mark("duration", by_key[k][i]["job_id"])
    for k in (1, 4):
        for i in rng.sample(range(60, 280), 3):
            by_key[k][i]["resources"]["memory_peak_mb"] *= 2.5
            h.mark("memory", by_key[k][i]["job_id"])
    _inject_errors(h, by_key[3])
    for rec in by_key[2][200:]:  # npm ci && npm test regresses 2.5x from run 200
        _stretch(rec, 2.5)
    h.mark("regression", by_key[2][200]["job_id"])
    _make_flaky(h, by_key[5])
    stalled = by_key[0][150]
    stalled["analysis"] = {"max_gap_s": 400.0}
    _set_duration(stalled, 500.0)
    h.mark("stalled", stalled["job_id"])
    h.mark("duration", stalled["job_id"])  # 500 s is also 7.8x the usual
    return h


def _duration(rec: dict[str, Any]) -> float:
    start = datetime.fromisoformat(rec["started_at"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(rec["finished_at"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def _set_duration(rec: dict[str, Any], seconds: float) -> None:
    start = datetime.fromisoformat(rec["started_at"].replace("Z", "+00:00"))
    rec["finished_at"] = iso(start + timedelta(seconds=seconds))


def _stretch(rec: dict[str, Any], factor: float) -> None:
    _set_duration(rec, _duration(rec) * factor)


def _inject_errors(h: History, runs: list[dict[str, Any]]) -> None:
    """A known failure every 25 runs (not anomalous after its first) and 3 new ones."""
    for i in range(30, 300, 25):
        runs[i].update(status="failed", exit_code=1, error_fingerprint="fp-known",
                       first_error="AssertionError: assert 500 == 201")
    for i, fp in ((113, "fp-new-1"), (187, "fp-new-2"), (262, "fp-new-3")):
        runs[i].update(status="failed", exit_code=1, error_fingerprint=fp,
                       first_error=f"ModuleNotFoundError: No module named '{fp}'")
        h.mark("error_pattern", runs[i]["job_id"])


def _make_flaky(h: History, runs: list[dict[str, Any]]) -> None:
    """From run 150 on: each commit runs twice, the first attempt fails 40% of the time."""
    rng = random.Random(11)
    for i in range(150, 300, 2):
        commit = f"flaky-{i}"
        runs[i]["metadata"]["commit"] = commit
        runs[i + 1]["metadata"]["commit"] = commit
        if rng.random() < 0.4:
            runs[i].update(status="failed", exit_code=1)
            h.mark("flaky", runs[i + 1]["job_id"])  # passes on retry


# Fields the log analyzer fills on a live run; the import format does not take them.
LIVE_ONLY = {"analysis", "error_fingerprint", "first_error"}


def open_with(path: Path, records: list[dict[str, Any]], **settings: Any) -> Warehouse:
    """A warehouse holding ``records``; those with ``analysis`` (not part of the import
    format: log analysis fills them) are stored through ``Warehouse.record`` as a live run would be."""
    from orcaops.core.models import RunRecord

    wh = orcaops.open(path, **settings)
    live = [r for r in records if LIVE_ONLY & r.keys()]
    report = wh.import_records([r for r in records if not LIVE_ONLY & r.keys()])
    assert not report.errors, report.errors
    for rec in live:
        wh.record(RunRecord.model_validate(rec))
    return wh


