"""The lines that made a run fail, from its log lines as dicts (no polars).

What ``Warehouse.root_cause`` and ``orcaops runs logs --failed`` show, and what ``debug``'s
report lists (``orcaops.analytics.failures.root_cause_lines`` calls this).
"""

from __future__ import annotations

import json
from typing import Any

# Lines shown before the root-cause line, and at most this many lines in all.
CONTEXT_BEFORE = 3
MAX_ROOT_LINES = 40


def analysis(run: dict[str, Any]) -> dict[str, Any]:
    """The run's stored log analysis (its ``analysis`` column) as a dict; {} when absent."""
    value = run.get("analysis")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def root_line(run: dict[str, Any], lines: list[dict[str, Any]]) -> int | None:
    """The line number of the run's first error: the analysis's, else the first line
    reading as ``first_error``, else the first error line; None when there is none."""
    line = analysis(run).get("first_error_line")
    if line is not None:
        return int(line)
    first = (run.get("first_error") or "").strip()
    hit = [r for r in lines if r["message"] is not None and r["message"].strip() == first] \
        if first else []
    if not hit:
        hit = [r for r in lines if r.get("is_error")]
    return int(hit[0]["line_number"]) if hit else None


def root_cause_rows(run: dict[str, Any], lines: list[dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """The root-cause line with a little context before it and its whole stack trace.

    Args:
        run: the run's row.
        lines: its log lines (``line_number``, ``level``, ``message``, ``is_error``,
            ``stacktrace_id``), in any order.

    Returns:
        ``{line_number, level, text, root, in_block}`` dicts in line order: ``in_block``
        marks the root-cause block, ``root`` its first error; empty when there is no error.
    """
    line = root_line(run, lines)
    if line is None:
        return []
    block = analysis(run).get("root_cause") or {}
    first, last = block.get("first_line"), block.get("last_line")
    ordered = sorted(lines, key=lambda r: r["line_number"])
    if first is not None and last is not None and first <= line <= last:
        # The block the log analysis chose (the lines that made the run fail), with context.
        low, high = int(first) - CONTEXT_BEFORE, int(last)
        kept = [r for r in ordered if low <= r["line_number"] <= high][:MAX_ROOT_LINES]
        return [{"line_number": int(r["line_number"]), "level": r["level"],
                 "text": r["message"], "root": int(r["line_number"]) == line,
                 "in_block": first <= int(r["line_number"]) <= last} for r in kept]
    at = [r for r in lines if r["line_number"] == line]
    st = at[0].get("stacktrace_id") if at else None
    kept = [r for r in ordered if line - CONTEXT_BEFORE <= r["line_number"] <= line
            or (st is not None and r.get("stacktrace_id") == st)][:MAX_ROOT_LINES]
    return [{"line_number": int(r["line_number"]), "level": r["level"], "text": r["message"],
             "root": int(r["line_number"]) == line,
             "in_block": int(r["line_number"]) == line or (st is not None
                                                           and r.get("stacktrace_id") == st)}
            for r in kept]
