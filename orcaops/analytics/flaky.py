"""Flaky jobs: keys whose outcome flips on the same commit (views ``flaky_stats``,
``flaky_keys``; the same view serves ``is:flaky`` in search)."""

from __future__ import annotations

import polars as pl

from orcaops.analytics.common import Frames

FLAKY_SQL = "SELECT * FROM flaky_keys ORDER BY transition_rate DESC, baseline_key"


def load_flaky(wh: Frames) -> pl.DataFrame:
    """Keys currently flaky (both outcomes on one commit: one is enough), the most flipping
    first, each with the image and command it runs.

    Columns: baseline_key, image, command, runs, failures, failure_rate, transitions,
    transition_rate, flip_commits (commits with both outcomes), pass_on_retry (passes right
    after a failure of the same commit), window_start, window_end, last_flip_at — over each
    key's last 100 finished runs.
    """
    return wh.frame(FLAKY_SQL)
