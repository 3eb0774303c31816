"""A general series detector: values over time → score, is_anomaly.

Each point is scored against the ``window`` points before it (never after): the distance
from their median in robust standard deviations (1.4826 × MAD). A floor on the spread
(``rel_floor`` of the median) stops a flat series from calling every wiggle an anomaly.
Used for resource samples (memory, CPU of one run) and for durations of a key over time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from numpy.lib.stride_tricks import sliding_window_view


def score_series(values: Sequence[float] | np.ndarray, window: int = 60,
                 min_history: int = 10, rel_floor: float = 0.01) -> np.ndarray:
    """Robust z-score of each value against the ``window`` values before it (NaN before
    ``min_history`` points)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    scores = np.full(n, np.nan)
    if n <= min_history:
        return scores
    padded = np.concatenate([np.full(window, np.nan), x])
    prior = sliding_window_view(padded, window)[:n]  # row i: the window values before x[i]
    counts = np.sum(~np.isnan(prior), axis=1)
    ok = counts >= min_history
    med = np.nanmedian(prior[ok], axis=1)
    mad = np.nanmedian(np.abs(prior[ok] - med[:, None]), axis=1)
    spread = np.maximum(1.4826 * mad, rel_floor * np.abs(med) + 1e-9)
    scores[ok] = (x[ok] - med) / spread
    return scores


def detect(values: Sequence[float] | np.ndarray, ts: Sequence[Any] | None = None, *,
           threshold: float = 5.0, window: int = 60, min_history: int = 10,
           two_sided: bool = True) -> pl.DataFrame:
    """Score a series and flag points ``threshold`` robust deviations away or more.

    Args:
        values: the series, in time order.
        ts: timestamps (or any labels) of the points; defaults to 0..n-1.
        threshold: how many robust standard deviations make an anomaly.
        window: how many earlier points each point is judged against.
        min_history: points with fewer earlier points get no score.
        two_sided: flag drops as well as rises.

    Returns:
        A frame with ts, value, score and is_anomaly.
    """
    z = score_series(values, window, min_history)
    hit = np.abs(z) if two_sided else z
    flags = np.nan_to_num(hit, nan=0.0) >= threshold
    return pl.DataFrame({"ts": list(ts) if ts is not None else list(range(len(z))),
                         "value": np.asarray(values, dtype=float), "score": z,
                         "is_anomaly": flags}).with_columns(pl.col("score").fill_nan(None))
