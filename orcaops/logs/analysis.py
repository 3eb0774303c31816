"""Per-run log analysis: level counts, output rate, stalls, repeated patterns."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

STALL_SECONDS = 120.0
TOP_PATTERNS = 10


def timing(ts: list[datetime | None]) -> dict[str, Any]:
    """Output rate and the longest silence of a run.

    Args:
        ts: Timestamp per line (None where unknown), UTC-aware.

    Returns:
        ``first_ts``, ``last_ts`` (ISO), ``span_s``, ``lines_per_s`` (None when the span is
        unknown or zero), ``max_gap_s`` and ``max_gap_line`` (1-based line that ended the
        longest silence), ``stalled`` (a silence of :data:`STALL_SECONDS` or more).
    """
    out: dict[str, Any] = {"first_ts": None, "last_ts": None, "span_s": None,
                           "lines_per_s": None, "max_gap_s": None, "max_gap_line": None,
                           "stalled": False, "stall_threshold_s": STALL_SECONDS}
    # A plain loop: the run's timestamps are already Python objects, and one polars query
    # costs more than this for a run of a few thousand lines.
    first = last = prev = None
    gap, gap_line = None, None
    for i, t in enumerate(ts):
        if t is None:
            continue
        if prev is not None and (gap is None or t - prev > gap):
            gap, gap_line = t - prev, i + 1
        first = t if first is None or t < first else first
        last = t if last is None or t > last else last
        prev = t
    if first is None or last is None:
        return out
    span = (last - first).total_seconds()
    out.update(first_ts=first.isoformat(), last_ts=last.isoformat(), span_s=round(span, 3))
    if span > 0:
        out["lines_per_s"] = round(len(ts) / span, 3)
    if gap is not None:
        out.update(max_gap_s=round(gap.total_seconds(), 3), max_gap_line=gap_line,
                   stalled=gap.total_seconds() >= STALL_SECONDS)
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
