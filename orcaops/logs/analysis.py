"""Per-run log analysis: level counts, output rate, stalls, repeated patterns."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, cast

import polars as pl

STALL_SECONDS = 120.0
TOP_PATTERNS = 10


def timing(ts: list[datetime | None] | pl.Series) -> dict[str, Any]:
    """Output rate and the longest silence of a run.

    Args:
        ts: Timestamp per line (None where unknown), a list or a UTC datetime Series.

    Returns:
        ``first_ts``, ``last_ts`` (ISO), ``span_s``, ``lines_per_s`` (None when the span is
        unknown or zero), ``max_gap_s`` and ``max_gap_line`` (1-based line that ended the
        longest silence), ``stalled`` (a silence of :data:`STALL_SECONDS` or more).
    """
    s = ts if isinstance(ts, pl.Series) else pl.Series("ts", ts, dtype=pl.Datetime("us", "UTC"),
                                                        strict=False)
    out: dict[str, Any] = {"first_ts": None, "last_ts": None, "span_s": None,
                           "lines_per_s": None, "max_gap_s": None, "max_gap_line": None,
                           "stalled": False, "stall_threshold_s": STALL_SECONDS}
    if s.null_count() == s.len():
        return out
    # One query: the gap before each timed line, and the line after the longest one.
    known = pl.DataFrame({"ts": s}).with_row_index("i").drop_nulls("ts")
    gap = pl.col("ts").diff().dt.total_microseconds()
    row = known.select(pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"),
                       gap.max().alias("gap"), pl.col("i").get(gap.arg_max()).alias("i")
                       ).row(0, named=True)
    first, last = cast(datetime, row["first"]), cast(datetime, row["last"])
    span = (last - first).total_seconds()
    out.update(first_ts=first.isoformat(), last_ts=last.isoformat(), span_s=round(span, 3))
    if span > 0:
        out["lines_per_s"] = round(len(s) / span, 3)
    if row["gap"] is not None:
        out["max_gap_s"] = round(row["gap"] / 1e6, 3)
        out["max_gap_line"] = row["i"] + 1
        out["stalled"] = row["gap"] / 1e6 >= STALL_SECONDS
    return out


def top_patterns(template_ids: list[str], templates: list[str], k: int = TOP_PATTERNS
                 ) -> tuple[list[dict[str, Any]], int, int]:
    """The most repeated templates of a run.

    Args:
        template_ids: Template id per line.
        templates: Template text per line.
        k: How many to return.

    Returns:
        ``(top, n_templates, repeated_lines)``: the ``k`` most frequent templates seen more
        than once (``{template_id, template, count}``), the number of distinct templates and
        the number of lines whose template repeats.
    """
    counts = Counter(template_ids)
    first_text = dict(zip(template_ids, templates))  # one text per id: the id is its hash
    ranked = sorted((c, tid) for tid, c in counts.items() if c > 1)
    ranked.sort(key=lambda x: -x[0])
    top = [{"template_id": tid, "template": first_text[tid], "count": c} for c, tid in ranked[:k]]
    repeated = sum(c for c in counts.values() if c > 1)
    return top, len(counts), repeated
