"""A general series detector: values over time → score, one alarm per excursion.

Online: each point is judged only against the points before it, in blocks of ``STRIDE``.

- **Prediction.** When the history before a point has a season (an autocorrelation peak of
  0.5 or more after the first dip below zero: a daily cycle, an hourly cron), a point is
  predicted by the median of the same phase over the last three seasons; the score is its
  residual in robust standard deviations (1.4826 × MAD) of the earlier residuals. Without a
  season, the score is the distance from the median of the ``window`` points before, in robust
  standard deviations of those points. A floor on the spread (1 % of the level) stops a flat
  series from calling every wiggle an anomaly.
- **Adaptive threshold.** A point must beat ``threshold`` and ``FACTOR`` (1.3) times the
  99.5th percentile of the scores of the ``HISTORY`` points before it that raised no alarm: a
  spiky series has to spike clearly further than it usually does, a quiet one only past
  ``threshold``. (Without the factor, heavy-tailed noise — Student t, lognormal, bursty counts —
  set a new 99.5th-percentile record about every 200 points: 0.3–0.5 % false alarms.)
- **Episodes.** Only points after the warm-up (``min_history``) may alarm; consecutive points
  over the threshold are one excursion with one alarm (its first point), and after an alarm the
  next ``cooldown`` points raise none unless they score ``ESCALATE`` times the alarm's score.

Used for resource samples (memory, CPU of one run) and for durations of a key over time.
``bench/eval/nab.py`` measures it on the NAB dev series.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from numpy.lib.stride_tricks import sliding_window_view

STRIDE = 25          # points judged per block (the threshold and spread are refreshed per block)
SEASON_EVERY = 100   # points between re-estimates of the season length
SEASON_HISTORY = 4000  # points the season length is estimated from
SEASONS_BACK = 3     # same-phase points a seasonal prediction is the median of
RESIDUALS = 1000     # earlier seasonal residuals their spread is taken from
HISTORY = 2000       # earlier scores the adaptive threshold is a percentile of
QUANTILE = 0.995
FACTOR = 1.3         # ... and beat it by this much: heavy-tailed noise makes new extremes often
MIN_ACF = 0.5
ESCALATE = 2.0      # within the cooldown, an excursion this many times stronger alarms again
REL_FLOOR = 0.01


def season_length(history: np.ndarray, min_lag: int = 4) -> int:
    """Season length in points of ``history`` (0 when it has none).

    The highest autocorrelation peak after the first dip below zero, up to half the history,
    if it reaches ``MIN_ACF``: two full seasons must be seen before one is believed.
    """
    y = history[~np.isnan(history)]
    n = len(y)
    if n < 4 * min_lag:
        return 0
    d = y - y.mean()
    spectrum = np.fft.rfft(d, 2 * n)
    ac = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    if ac[0] <= 0:
        return 0
    ac = ac / ac[0]
    max_lag = n // 2
    negative = np.flatnonzero(ac[1:max_lag] < 0)
    if not len(negative):
        return 0
    start = max(int(negative[0]) + 1, min_lag)
    if start >= max_lag:
        return 0
    lag = start + int(np.argmax(ac[start:max_lag]))
    return lag if ac[lag] >= MIN_ACF else 0


def _level_scores(x: np.ndarray, window: int, min_history: int) -> tuple[np.ndarray, np.ndarray]:
    """(robust z against the ``window`` points before, median of those points) per point."""
    n = len(x)
    scores, level = np.full(n, np.nan), np.full(n, np.nan)
    padded = np.concatenate([np.full(window, np.nan), x])
    prior = sliding_window_view(padded, window)[:n]  # row i: the window values before x[i]
    ok = np.sum(~np.isnan(prior), axis=1) >= min_history
    if not ok.any():
        return scores, level
    med = np.nanmedian(prior[ok], axis=1)
    mad = np.nanmedian(np.abs(prior[ok] - med[:, None]), axis=1)
    spread = np.maximum(1.4826 * mad, REL_FLOOR * np.abs(med) + 1e-9)
    scores[ok] = (x[ok] - med) / spread
    level[ok] = med
    return scores, level


def _seasonal_residuals(x: np.ndarray, start: int, end: int, period: int) -> np.ndarray:
    """x[start:end] minus the median of the same phase over the last seasons (earlier only)."""
    idx = np.arange(start, end)[:, None] - period * np.arange(1, SEASONS_BACK + 1)[None, :]
    back = np.where(idx >= 0, x[np.clip(idx, 0, None)], np.nan)
    return x[start:end] - np.nanmedian(back, axis=1)


def score_series(values: Sequence[float] | np.ndarray, window: int = 60,
                 min_history: int = 10) -> np.ndarray:
    """Robust score of each value against the values before it (NaN before ``min_history``)."""
    x = np.asarray(values, dtype=float)
    level_z, level = _level_scores(x, window, min_history)
    scores = level_z.copy()
    resid = np.full(len(x), np.nan)
    period = 0
    for c in range(min_history, len(x), STRIDE):
        e = min(c + STRIDE, len(x))
        if (c - min_history) % SEASON_EVERY < STRIDE:
            period = season_length(x[max(0, c - SEASON_HISTORY):c])
        if not period or c < period:
            continue
        resid[c:e] = _seasonal_residuals(x, c, e, period)
        past = resid[max(0, c - RESIDUALS):c]
        past = past[~np.isnan(past)]
        if len(past) < 30:  # too few seasonal residuals yet: keep the level score
            continue
        med = float(np.median(past))
        floor = REL_FLOOR * np.abs(np.nan_to_num(level[c:e])) + 1e-9
        spread = np.maximum(1.4826 * float(np.median(np.abs(past - med))), floor)
        scores[c:e] = (resid[c:e] - med) / spread
    return scores


def alarms(hit: np.ndarray, threshold: float, min_history: int, cooldown: int) -> np.ndarray:
    """One alarm per excursion over the adaptive threshold (see the module docstring).

    Args:
        hit: the scores to compare (absolute for two-sided), NaN where unscored.
        threshold: the least score that can alarm.
        min_history: points before this index never alarm (warm-up).
        cooldown: points after an alarm that raise none.
    """
    n = len(hit)
    flags = np.zeros(n, bool)
    quiet = hit.astype(float)  # scores that raised no alarm (alarms become NaN)
    last_flag, prev_over = -(10**12), -2
    for c in range(0, n, STRIDE):
        e = min(c + STRIDE, n)
        past = quiet[max(0, c - HISTORY):c]
        past = past[~np.isnan(past)]
        bar = (max(threshold, FACTOR * float(np.quantile(past, QUANTILE))) if len(past) >= 20
               else threshold)
        for i in (np.flatnonzero(np.nan_to_num(hit[c:e], nan=-np.inf) >= bar) + c).tolist():
            fresh = i - last_flag > cooldown or hit[i] > hit[last_flag] * ESCALATE
            if i >= min_history and i != prev_over + 1 and fresh:
                flags[i] = True
                quiet[i] = np.nan
                last_flag = i
            prev_over = i
    return flags


def detect(values: Sequence[float] | np.ndarray, ts: Sequence[Any] | None = None, *,
           threshold: float = 5.0, window: int = 60, min_history: int = 10,
           two_sided: bool = True, cooldown: int = 100) -> pl.DataFrame:
    """Score a series and raise one alarm per excursion beyond the adaptive threshold.

    Args:
        values: the series, in time order.
        ts: timestamps (or any labels) of the points; defaults to 0..n-1.
        threshold: how many robust standard deviations make an anomaly, at least.
        window: how many earlier points the level of a point is taken from.
        min_history: warm-up: points before it get no score and raise no alarm.
        two_sided: flag drops as well as rises.
        cooldown: points after an alarm that raise none (0: only consecutive points merge).

    Returns:
        A frame with ts, value, score and is_anomaly.
    """
    z = score_series(values, window, min_history)
    hit = np.abs(z) if two_sided else z
    flags = alarms(hit, threshold, min_history, cooldown)
    return pl.DataFrame({"ts": list(ts) if ts is not None else list(range(len(z))),
                         "value": np.asarray(values, dtype=float), "score": z,
                         "is_anomaly": flags}).with_columns(pl.col("score").fill_nan(None))
