"""Medians over repeats with min–max, and result rows of ours-vs-baseline."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Stat:
    """Seconds (or another unit) of repeated measurements."""

    median: float
    low: float
    high: float
    n: int

    def text(self, unit: str = "ms") -> str:
        k = 1000.0 if unit == "ms" else 1.0
        return f"{self.median * k:,.1f} ({self.low * k:,.1f}–{self.high * k:,.1f})"


def stat(values: list[float]) -> Stat:
    return Stat(statistics.median(values), min(values), max(values), len(values))


def measure(fn: Callable[[], Any], repeat: int = 5, warm: bool = True) -> Stat:
    """Wall seconds of ``fn``: a warm-up call, then the median of ``repeat`` calls."""
    if warm:
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return stat(times)


def measure_pair(ours: Callable[[], Any], base: Callable[[], Any], repeat: int = 5
                 ) -> tuple[Stat, Stat]:
    """Both functions timed alternately (a warm-up each, then ``repeat`` rounds), so a burst
    of load on the shared machine falls on both sides instead of on one."""
    ours(), base()
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        for fn, out in ((ours, a), (base, b)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return stat(a), stat(b)


@dataclass
class Row:
    """One line of the table: our figure beside a baseline measured in the same run."""

    size: str
    workload: str
    ours: Stat
    baseline: str
    base: Stat | None
    unit: str = "ms"
    target: str = ""
    ok: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.base is None or not self.base.median:
            return None
        return self.ours.median / self.base.median

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


def check(row: Row, limit: float | None = None, at_least: float | None = None) -> Row:
    """Mark ``row`` ok when ours/base <= limit (or base/ours >= at_least)."""
    r = row.ratio
    if r is None:
        return row
    if limit is not None:
        row.target = f"<= {limit}x"
        row.ok = r <= limit
    if at_least is not None:
        row.target = f">= {at_least}x faster"
        row.ok = (1 / r) >= at_least if r else True
    return row
