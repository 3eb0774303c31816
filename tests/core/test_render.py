"""The one duration formatter every surface uses (tables, summaries, anomaly descriptions)."""

from __future__ import annotations

import pytest

from orcaops.core.render import human_duration


@pytest.mark.parametrize("seconds, text, compact", [
    (None, "-", "-"), (0, "0s", "0s"), (0.25, "250ms", "250ms"), (4.5, "4.5s", "4.5s"),
    (8.0, "8s", "8s"), (45.4, "45s", "45s"), (123, "2m 03s", "2m03s"), (600, "10m", "10m"),
    (3900, "1h 05m", "1h05m"), (7200, "2h", "2h"), (200_000, "2d 07h", "2d07h"),
])
def test_human_duration(seconds, text, compact):
    assert human_duration(seconds) == text
    assert human_duration(seconds, compact=True) == compact


def test_missing_placeholder():
    assert human_duration(None, missing="unknown") == "unknown"
