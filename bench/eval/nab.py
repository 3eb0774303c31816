"""NAB (Numenta Anomaly Benchmark) dev half: the series detector against labelled windows.

Each series goes through ``orcaops.analytics.detector.detect`` as it stands (online: a point is
judged only against the points before it). Window recall is the share of labelled windows with
at least one flagged point; the false-alarm rate is flagged points outside every window over
points outside every window, pooled over all series (series without windows count too: every
flag there is false).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from orcaops.analytics.detector import detect

# What the detector gave on this dev half before the episode detector (point flags, threshold 5).
BASELINE = {"recall": 0.72, "false_alarm_rate": 0.093}
TARGET = {"recall": 0.70, "false_alarm_rate": 0.002}


@dataclass(frozen=True)
class SeriesResult:
    """One series: its windows, which were hit, and its flags outside every window."""

    name: str
    points: int
    windows: list[tuple[str, str]]
    hit: list[bool]
    outside: int
    false_flags: int

    @property
    def category(self) -> str:
        return self.name.split("/")[0]


def window_indices(ts: np.ndarray, windows: list[list[str]]) -> list[tuple[int, int]]:
    """Index ranges [first, last] of the points whose timestamps fall inside each window."""
    spans = []
    for start, end in windows:
        a = int(np.searchsorted(ts, np.datetime64(start.replace(" ", "T")), side="left"))
        b = int(np.searchsorted(ts, np.datetime64(end.replace(" ", "T")), side="right")) - 1
        spans.append((a, b))
    return spans


def score_series(path: Path, name: str, windows: list[list[str]]) -> SeriesResult:
    """Run the detector over one CSV (timestamp, value) and score it against its windows."""
    frame = pl.read_csv(path, try_parse_dates=True).sort("timestamp")
    ts = frame["timestamp"].to_numpy()
    flags = detect(frame["value"].to_numpy())["is_anomaly"].to_numpy()
    inside = np.zeros(len(flags), bool)
    hit = []
    for a, b in window_indices(ts, windows):
        inside[a:b + 1] = True
        hit.append(bool(flags[a:b + 1].any()))
    return SeriesResult(name, len(flags), [(w[0][:19], w[1][:19]) for w in windows], hit,
                        int((~inside).sum()), int(flags[~inside].sum()))


def results(dev: Path) -> Iterator[SeriesResult]:
    """Every labelled series of ``dev/nab`` that is present, scored."""
    root = dev / "nab"
    labels = json.loads((root / "labels" / "combined_windows.json").read_text())
    for name in sorted(labels):
        path = root / "data" / name
        if path.exists():
            yield score_series(path, name, labels[name])


def _figures(rows: list[SeriesResult]) -> dict[str, float]:
    hits = [h for r in rows for h in r.hit]
    outside = sum(r.outside for r in rows)
    return {"recall": float(np.mean(hits)) if hits else float("nan"),
            "false_alarm_rate": sum(r.false_flags for r in rows) / outside if outside else 0.0,
            "windows": float(len(hits)), "series": float(len(rows))}


def measure(dev: Path) -> dict[str, float]:
    """Window recall and pooled false-alarm rate over the dev series (what tests hold).

    Raises:
        FileNotFoundError: the NAB labels are not under ``dev``.
    """
    return _figures(list(results(dev)))


def report(dev: Path) -> str:
    """Ours beside the baseline and target, per category and series, and the missed windows."""
    rows = list(results(dev))
    total = _figures(rows)
    lines = ["NAB (dev): window recall / false-alarm rate (flagged points outside windows)",
             (f"  ours      {total['recall']:.2f} / {total['false_alarm_rate']:.2%}   "
              f"({int(total['windows'])} windows, {int(total['series'])} series)"),
             (f"  baseline  {BASELINE['recall']:.2f} / {BASELINE['false_alarm_rate']:.2%}"
              "   (point detector, every point over 5 robust deviations)"),
             f"  target    >= {TARGET['recall']:.2f} / <= {TARGET['false_alarm_rate']:.2%}",
             "per category:"]
    for cat in sorted({r.category for r in rows}):
        f = _figures([r for r in rows if r.category == cat])
        recall = f"{f['recall']:.2f}" if f["windows"] else "  — "  # no labelled windows
        lines.append(f"  {cat:<24} {recall} / {f['false_alarm_rate']:.2%}")
    lines.append("per series (windows hit, false flags / points outside):")
    for r in rows:
        lines.append(f"  {r.name:<58} {sum(r.hit)}/{len(r.windows)}  "
                     f"{r.false_flags}/{r.outside}")
    misses = [(r.name, w) for r in rows for w, h in zip(r.windows, r.hit) if not h]
    lines.append(f"missed windows ({len(misses)}):")
    lines.extend(f"  {name}  {a} .. {b}" for name, (a, b) in misses)
    return "\n".join(lines)
