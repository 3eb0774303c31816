"""Titles and descriptions of anomalies, in words a person understands.

Each anomaly row of the ``anomaly_events`` view carries the numbers (expected, actual, score,
detail); these functions turn them into "took 4m12s, 3.9× the usual 64s for pytest on
python:3.11".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from orcaops.analytics.common import human_mb, human_seconds, job_label

Row = dict[str, Any]


def _ratio(row: Row) -> float:
    exp, act = row.get("expected"), row.get("actual")
    return act / exp if exp and act is not None else float("nan")


def _duration(row: Row) -> tuple[str, str]:
    job, ratio = job_label(row["command"], row["image"]), _ratio(row)
    if ratio < 1:
        return (f"Unusually fast run of {job}",
                f"finished in {human_seconds(row['actual'])}, {ratio:.1f}× the usual "
                f"{human_seconds(row['expected'])} for {job}; check it did all its work")
    return (f"Slow run of {job}",
            f"took {human_seconds(row['actual'])}, {ratio:.1f}× the usual "
            f"{human_seconds(row['expected'])} for {job}")


def _regression(row: Row) -> tuple[str, str]:
    job, ratio = job_label(row["command"], row["image"]), _ratio(row)
    return (f"{job} got slower",
            f"its last 5 successful runs took a median {human_seconds(row['actual'])}, "
            f"{ratio:.1f}× the {human_seconds(row['expected'])} usual before; if this is "
            "expected, reset the baseline (orcaops baselines reset KEY)")


def _memory(row: Row) -> tuple[str, str]:
    job, ratio = job_label(row["command"], row["image"]), _ratio(row)
    return (f"High memory in {job}",
            f"peaked at {human_mb(row['actual'])}, {ratio:.1f}× the largest "
            f"({human_mb(row['expected'])}, 98th percentile) of the runs before it")


def _error(row: Row) -> tuple[str, str]:
    job = job_label(row["command"], row["image"])
    detail = (row.get("detail") or "").strip().splitlines()
    first = detail[0][:160] if detail else "an unknown error"
    return (f"New error in {job}", f"failed with an error never seen before for {job}: {first}")


def _flaky(row: Row) -> tuple[str, str]:
    """One anomaly per key and week: how often it flipped, and the flip that opened it."""
    job, commit = job_label(row["command"], row["image"]), (row.get("detail") or "?")[:12]
    rate = 100 * (row.get("actual") or 0)
    flips, commits = int(row.get("flips") or 1), int(row.get("flip_commits") or 1)
    retried = int(row.get("passed_on_retry") or 0)
    when = row.get("detected_at")
    week = (f" in the week of {(when - timedelta(days=when.weekday())):%Y-%m-%d}"
            if isinstance(when, datetime) else "")
    first = (f"passed on commit {commit} after failing on it" if row["status"] == "success"
             else f"failed on commit {commit} after passing on it")
    recent = f"{rate:.0f}% of the recent runs of {job} flipped"
    if flips == 1:
        return f"Flaky outcome of {job}", f"{first}{week}; {recent}"
    retry = f", {retried} passed only on a retry" if retried else ""
    return (f"Flaky outcome of {job}",
            f"the outcome flipped {flips} times on {commits} commit"
            f"{'s' if commits != 1 else ''}{week}{retry} (first it {first}); {recent}")


def _stalled(row: Row) -> tuple[str, str]:
    job = job_label(row["command"], row["image"])
    share = 100 * (row.get("score") or 0)
    text = f"printed nothing for {human_seconds(row['actual'])} ({share:.0f}% of the run)"
    if row.get("expected"):
        text += f"; its longest silence is usually {human_seconds(row['expected'])}"
    if row["status"] == "timeout":
        text += ", then timed out"
    return f"Output stalled in {job}", text


DESCRIBERS: dict[str, Callable[[Row], tuple[str, str]]] = {
    "duration": _duration, "regression": _regression, "memory": _memory,
    "error_pattern": _error, "flaky": _flaky, "stalled": _stalled}


def describe(row: Row) -> tuple[str, str]:
    """(title, description) of one anomaly row."""
    fn = DESCRIBERS.get(row["anomaly_type"])
    if fn is None:
        return row["anomaly_type"], f"{row['anomaly_type']} anomaly in run {row['job_id']}"
    return fn(row)
