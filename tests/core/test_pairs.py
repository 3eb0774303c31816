"""Single records (predict, baselines show) as lines a person reads."""

from __future__ import annotations

from datetime import datetime, timezone

from orcaops.core.pairs import field_lines


def test_units_follow_the_names():
    record = {"key": "python:3.11|c3b2", "duration": {"estimated_seconds": 68.318,
                                                      "confidence": 0.803, "range_low": 45.02},
              "duration_p99": 99.90388000000003, "memory_mean_mb": 2611.1, "success_rate": 0.97368,
              "sample_count": 37, "ema": 52.26782445389023, "risk_reasons": ["failed 6 of 50"],
              "last_updated": datetime(2026, 11, 20, 12, tzinfo=timezone.utc), "stale": False}
    assert field_lines(record) == [
        ("key", "python:3.11|c3b2"), ("duration.estimated_seconds", "1m 08s"),
        ("duration.confidence", "80.3%"), ("duration.range_low", "45s"),
        ("duration_p99", "1m 40s"), ("memory_mean_mb", "2.5 GB"), ("success_rate", "97.4%"),
        ("sample_count", "37"), ("ema", "52.27"), ("risk_reasons", "failed 6 of 50"),
        ("last_updated", "2026-11-20 12:00:00 UTC"), ("stale", "False")]

