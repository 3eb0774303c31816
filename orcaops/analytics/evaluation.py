"""Honest scores: forecasts against seasonal-naive on held-back data, detectors against labels.

MASE (Hyndman & Koehler 2006) divides the forecast's mean absolute error on the held-back
part by the in-sample mean absolute error of the seasonal-naive forecast (``y[t - m]``);
below 1 beats it. ``relative_mae`` compares with seasonal-naive's error on the same held-back
part, which is what a user would otherwise have done.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orcaops.analytics import seasonal


@dataclass(frozen=True)
class ForecastScore:
    mae: float
    naive_mae: float
    mase: float
    relative_mae: float
    coverage: float  # share of held-back values inside [lower, upper]
    n_train: int
    n_test: int


def seasonal_naive(train: np.ndarray, n: int, m: int) -> np.ndarray:
    """The last season repeated ``n`` steps ahead."""
    last = train[-m:]
    return np.array([last[i % m] for i in range(n)])


def evaluate_holdout(t: np.ndarray, y: np.ndarray, step: int, holdout: int) -> ForecastScore:
    """Fit on all but the last ``holdout`` points and score the forecast of those."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    m = int(seasonal.WEEK // step)
    train_t, train_y, test_t, test_y = t[:-holdout], y[:-holdout], t[-holdout:], y[-holdout:]
    model = seasonal.fit(train_t, train_y, step)
    yhat, lo, hi = model.forecast(test_t)
    naive = seasonal_naive(train_y, holdout, m)
    scale = float(np.mean(np.abs(train_y[m:] - train_y[:-m])))
    mae = float(np.mean(np.abs(test_y - yhat)))
    naive_mae = float(np.mean(np.abs(test_y - naive)))
    return ForecastScore(mae=mae, naive_mae=naive_mae, mase=mae / scale,
                         relative_mae=mae / naive_mae if naive_mae else float("inf"),
                         coverage=float(np.mean((test_y >= lo) & (test_y <= hi))),
                         n_train=len(train_y), n_test=holdout)


@dataclass(frozen=True)
class DetectionScore:
    recall: float            # labelled anomalies (windows) with at least one flag inside
    false_alarm_rate: float  # flagged points outside every labelled window / such points
    flagged: int


def score_detection(flags: np.ndarray, windows: list[tuple[int, int]]) -> DetectionScore:
    """Window-based recall (NAB's unit) and the point false-alarm rate outside windows."""
    flags = np.asarray(flags, bool)
    inside = np.zeros(len(flags), bool)
    hits = 0
    for a, b in windows:
        inside[a:b + 1] = True
        hits += bool(flags[a:b + 1].any())
    outside = ~inside
    far = float(flags[outside].sum() / outside.sum()) if outside.any() else 0.0
    return DetectionScore(recall=hits / len(windows) if windows else float("nan"),
                          false_alarm_rate=far, flagged=int(flags.sum()))
