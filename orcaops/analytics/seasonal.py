"""A small seasonal forecaster: robust trend × hour-of-week profile (numpy only).

``y(t) = T(t) · S(slot(t))``: ``S`` is a weekly profile (one value per step of the week: the
median of the slot over the last ``RECENT_WEEKS`` weeks, which follows a drifting pattern and
shrugs off a holiday), shrunk towards hour-of-day × weekday factors when few weeks back a
slot — two weeks of hourly counts give each hour-of-week slot only two noisy values, while
hour-of-day pools fourteen; the pull fades with the square of the weeks there are. ``T`` is a level with a Theil–Sen slope over daily means of the deseasonalized
series (robust to a holiday or an outage). Intervals come from the in-sample residuals,
scaled like counts (by ``sqrt(yhat + 1)``) and widened with the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86400
WEEK = 7 * DAY
RECENT_WEEKS = 8  # weeks of history each hour-of-week slot is estimated from
SHRINK = 3.0  # pseudo-observations of the hour-of-day × weekday profile per slot


@dataclass(frozen=True)
class Calendar:
    """Where each point falls in the day and week, from epoch seconds and the step."""

    step: int

    def per_day(self) -> int:
        return max(DAY // self.step, 1)

    def slots(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(step of the day, weekday Mon=0) of each epoch second in ``t``."""
        hod = ((t % DAY) // self.step).astype(int) if self.step < DAY else np.zeros(len(t), int)
        dow = ((t // DAY + 3) % 7).astype(int)  # 1970-01-01 was a Thursday
        return hod, dow


@dataclass(frozen=True)
class SeasonalModel:
    """A fitted model: what ``forecast`` needs."""

    cal: Calendar
    t_end: float
    level: float
    slope_per_day: float
    profile: np.ndarray  # per (weekday, step of day): 7 × per_day
    q_low: float
    q_high: float
    n: int
    seasonal: bool
    counts: bool = True

    def forecast(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(yhat, lower, upper) at epoch seconds ``t`` (after the training data)."""
        hod, dow = self.cal.slots(t)
        days_ahead = (t - self.t_end) / DAY
        trend = np.maximum(self.level + self.slope_per_day * days_ahead, 0.0)
        yhat = trend * (self.profile[dow, hod] if self.seasonal else 1.0)
        widen = np.sqrt(1.0 + np.maximum(days_ahead, 0) / 7.0)
        scale = (np.sqrt(yhat + 1.0) if self.counts else 1.0) * widen
        return yhat, np.maximum(yhat + self.q_low * scale, 0.0), yhat + self.q_high * scale


def _trimmed_mean(x: np.ndarray) -> float:
    if len(x) >= 5:
        lo, hi = np.quantile(x, [0.2, 0.8])
        x = x[(x >= lo) & (x <= hi)]
    return float(np.mean(x)) if len(x) else 1.0


def _profile(ratio: np.ndarray, hod: np.ndarray, dow: np.ndarray, per_day: int) -> np.ndarray:
    """Hour-of-week profile (mean 1) shrunk towards hour-of-day × weekday."""
    by_hod = np.array([_trimmed_mean(ratio[hod == h]) for h in range(per_day)])
    by_hod = by_hod / max(by_hod.mean(), 1e-9)
    adj = ratio / np.maximum(by_hod[hod], 1e-9)
    by_dow = np.array([_trimmed_mean(adj[dow == d]) for d in range(7)])
    product = np.outer(by_dow, by_hod)
    prof = np.empty((7, per_day))
    for d in range(7):
        for h in range(per_day):
            sel = ratio[(dow == d) & (hod == h)][-RECENT_WEEKS:]
            n = len(sel)
            own = float(np.median(sel)) if n else product[d, h]
            prior = SHRINK * min(1.0, 2.0 / n) ** 2 if n else SHRINK
            prof[d, h] = (n * own + prior * product[d, h]) / (n + prior)
    return prof / max(prof.mean(), 1e-9)


def theil_sen(x: np.ndarray, y: np.ndarray) -> float:
    """Median of pairwise slopes: a trend a few outliers cannot drag."""
    if len(x) < 3:
        return 0.0
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    ok = dx != 0
    return float(np.median((y[j] - y[i])[ok] / dx[ok])) if ok.any() else 0.0


def _trend(t: np.ndarray, z: np.ndarray, t_end: float, level_days: int = 7
           ) -> tuple[float, float]:
    """(level at t_end, slope per day) from daily means of the deseasonalized series.

    The level is the median of the last ``level_days`` days (trend removed): a week evens
    out what the profile missed; without a profile, three days follow a level shift sooner.
    """
    day = np.floor(t / DAY)
    days = np.unique(day)
    means = np.array([z[day == d].mean() for d in days])
    slope = theil_sen(days, means) if len(days) >= 14 else 0.0
    last = days >= days[-1] - (level_days - 1)
    level = float(np.median(means[last] - slope * (days[last] - t_end / DAY)))
    return max(level, 0.0), slope


def fit(t: np.ndarray, y: np.ndarray, step: int, *, seasonal: bool = True,
        counts: bool = True) -> SeasonalModel:
    """Fit on a series (epoch seconds ``t``, values ``y``, spacing ``step``).

    Args:
        seasonal: fit the weekly profile (only with a week of data or more).
        counts: values are counts, whose noise grows like a square root; otherwise the
            interval is the residuals' spread as it is.
    """
    t, y = np.asarray(t, float), np.asarray(y, float)
    cal = Calendar(step)
    hod, dow = cal.slots(t)
    seasonal = seasonal and (t[-1] - t[0]) >= WEEK - step
    prof = np.ones((7, cal.per_day()))
    level_days = 7 if seasonal else 3
    level, slope = _trend(t, y, t[-1], level_days)
    for _ in range(2):  # alternate: profile given the trend, trend given the profile
        trend = np.maximum(level + slope * (t - t[-1]) / DAY, 1e-9)
        if seasonal:
            prof = _profile(y / trend, hod, dow, cal.per_day())
        level, slope = _trend(t, y / np.maximum(prof[dow, hod], 1e-9), t[-1], level_days)
    fitted = np.maximum(level + slope * (t - t[-1]) / DAY, 0) * (prof[dow, hod] if seasonal else 1)
    resid = (y - fitted) / (np.sqrt(fitted + 1.0) if counts else 1.0)
    if len(resid) > 10:
        q_low, q_high = np.quantile(resid, [0.05, 0.95])
    else:  # too few residuals for quantiles: a wide band of two spreads
        spread = float(np.std(resid)) if len(resid) > 1 else max(abs(level) * 0.5, 1.0)
        q_low, q_high = -2 * spread, 2 * spread
    return SeasonalModel(cal, float(t[-1]), level, slope, prof, float(q_low), float(q_high),
                         len(y), seasonal, counts)
