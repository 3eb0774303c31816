"""The series detector on synthetic series with injected anomalies (NAB: test_eval_nab.py)."""

from __future__ import annotations

import numpy as np

from orcaops.analytics.detector import detect, season_length
from orcaops.analytics.evaluation import score_detection


def synthetic(seed: int, n: int = 2000) -> tuple[np.ndarray, list[tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    x = 100 + 10 * np.sin(np.arange(n) / 50) + rng.normal(0, 3, n)
    windows = []
    for p in rng.choice(np.arange(100, n - 10), 5, replace=False):
        x[p] += rng.choice([-1, 1]) * rng.uniform(25, 40)
        windows.append((int(p), int(p)))
    return x, windows


def test_synthetic_spikes_found_with_few_false_alarms():
    # Isolated spikes a few dozen points apart are separate events here (as slow runs of a
    # key are): no cooldown, so only consecutive points would merge.
    scores = [score_detection(detect(x, cooldown=0)["is_anomaly"].to_numpy(), w)
              for x, w in (synthetic(s) for s in range(10))]
    recall = np.mean([s.recall for s in scores])
    far = np.mean([s.false_alarm_rate for s in scores])
    print(f"synthetic: recall {recall:.2f}, false-alarm rate {far:.4%}")
    assert recall >= 0.9 and far < 0.002


def test_stable_series_has_no_flags():
    x = np.random.default_rng(1).normal(50, 2, 3000)
    assert detect(x)["is_anomaly"].sum() <= 3


def test_scores_use_only_earlier_points():
    x = np.r_[np.full(50, 10.0) + np.arange(50) % 3, 100.0, np.full(10, 10.0)]
    a = detect(x)["score"].to_list()
    b = detect(x[:51])["score"].to_list()
    assert a[:51] == b


def test_samples_and_durations_of_the_warehouse(injected):
    wh, _ = injected
    frame = wh.series_anomalies(key=wh.sql("SELECT baseline_key FROM runs WHERE job_id = "
                                           "'s0-0150'")["baseline_key"][0])
    assert frame.filter(frame["is_anomaly"]).height >= 4  # the injected spikes of key 0


def test_a_sustained_shift_is_one_alarm_not_one_per_point():
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(100, 2, 500), rng.normal(160, 2, 80), rng.normal(100, 2, 500)]
    flags = detect(x)["is_anomaly"].to_numpy()
    assert flags[500:520].sum() == 1  # the shift is found where it starts
    assert flags.sum() <= 2  # and not again for each of its 80 points


def test_no_alarm_during_the_warm_up():
    x = np.r_[100.0, 5000.0, np.full(40, 100.0) + np.arange(40) % 3]
    assert not detect(x, min_history=10)["is_anomaly"].to_numpy()[:10].any()


def test_a_daily_cycle_is_learnt_and_a_missing_peak_found():
    day = 288  # 5-minute points
    rng = np.random.default_rng(4)
    phase = np.arange(12 * day) % day
    x = 20 + 60 * ((phase > 100) & (phase < 160)) + rng.normal(0, 1, 12 * day)
    assert season_length(x[:4 * day]) == day
    x[9 * day + 100:9 * day + 160] = 20 + rng.normal(0, 1, 60)  # day 9 misses its peak
    flags = detect(x)["is_anomaly"].to_numpy()
    assert flags[9 * day + 100:9 * day + 165].any()
    assert flags[3 * day:9 * day].sum() == 0  # once learnt, the daily jumps are not anomalies


def test_alarms_use_only_earlier_points():
    rng = np.random.default_rng(5)
    x = 50 + 20 * np.sin(np.arange(3000) * 2 * np.pi / 144) + rng.normal(0, 2, 3000)
    x[[700, 1900, 2500]] += 60
    full = detect(x)["is_anomaly"].to_list()
    for k in (701, 1333, 1901, 2600):
        assert detect(x[:k])["is_anomaly"].to_list() == full[:k]


def test_samples_of_a_run_one_alarm_per_episode(wh):
    from datetime import datetime, timedelta, timezone

    from tests.conftest import make_run

    t0 = datetime(2026, 11, 18, 10, tzinfo=timezone.utc)
    rng = np.random.default_rng(7)
    memory = 300 + rng.normal(0, 3, 200)
    memory[120:126] += 400  # a 6-sample blowup: one episode
    samples = [{"ts": (t0 + timedelta(seconds=i)).isoformat(), "memory_mb": float(m)}
               for i, m in enumerate(memory)]
    wh.import_records([make_run("r-mem", samples=samples)])
    frame = wh.series_anomalies(job_id="r-mem")
    flagged = [i for i, hit in enumerate(frame["is_anomaly"].to_list()) if hit]
    assert flagged == [120]


def test_heavy_tailed_noise_raises_few_alarms():
    rng = np.random.default_rng(8)
    n = 8000
    for name, x in (("lognormal", np.exp(rng.normal(3, 0.6, n))),
                    ("student t3", 100 + 5 * rng.standard_t(3, n)),
                    ("bursty counts", rng.negative_binomial(2, 0.1, n).astype(float))):
        rate = detect(x)["is_anomaly"].sum() / n
        print(f"{name}: {rate:.3%} of points flagged")
        assert rate < 0.004, name  # the point detector flagged 0.8-1.5 % of these
