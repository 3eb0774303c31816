"""Accuracy on third-party logs from ``../shared/eval/dev`` (Loghub sets, labelled CI logs).

Grouping accuracy (Loghub's metric: a line counts when the set of lines sharing its template is
exactly the set sharing its ground-truth event) per Loghub system, against Drain's published
figures (Zhu et al., ICSE-SEIP 2019). Skipped when the data is not on this machine.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from orcaops.logs import parse_run_log

EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev"
DRAIN = {"HDFS": 0.998, "Hadoop": 0.948, "Spark": 0.920, "Zookeeper": 0.967, "BGL": 0.963,
         "HPC": 0.887, "Thunderbird": 0.955, "Windows": 0.997, "Linux": 0.690,
         "Android": 0.911, "HealthApp": 0.780, "Apache": 1.0, "Proxifier": 0.527,
         "OpenSSH": 0.788, "OpenStack": 0.733, "Mac": 0.787}


def grouping_accuracy(predicted: list[str], truth: list[str]) -> float:
    """Loghub's grouping accuracy."""
    by_pred, by_true = defaultdict(set), defaultdict(set)
    for i, (p, t) in enumerate(zip(predicted, truth)):
        by_pred[p].add(i)
        by_true[t].add(i)
    correct = sum(len(ids) for ids in by_true.values()
                  if by_pred[predicted[next(iter(ids))]] == ids)
    return correct / len(truth) if truth else 1.0


def _structured(system: str) -> Path | None:
    found = sorted(EVAL.rglob(f"{system}_2k.log_structured*.csv"))
    return found[0] if found else None


@pytest.mark.parametrize("system", sorted(DRAIN))
def test_loghub_grouping_accuracy(system):
    if not EVAL.is_dir():
        pytest.skip(f"{EVAL} not present: Loghub ground truth is not on this machine")
    path = _structured(system)
    raw = path and path.with_name(f"{system}_2k.log")
    if path is None or not raw.exists():
        pytest.skip(f"{system}_2k.log and its structured CSV are not in {EVAL}")
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        truth = [row["EventId"] for row in csv.DictReader(f)]
    lines = raw.read_text(encoding="utf-8", errors="replace").splitlines()[:len(truth)]
    acc = grouping_accuracy(parse_run_log(lines).template_id, truth)
    print(f"{system}: grouping accuracy {acc:.3f} (Drain {DRAIN[system]:.3f})")
    assert acc >= DRAIN[system] - 0.05


def test_grouping_accuracy_metric():
    assert grouping_accuracy(["a", "a", "b"], ["x", "x", "y"]) == 1.0
    assert grouping_accuracy(["a", "a", "a"], ["x", "x", "y"]) == 0.0
    assert grouping_accuracy(["a", "b", "c"], ["x", "x", "y"]) == pytest.approx(1 / 3)
