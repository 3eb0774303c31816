"""The results table: our figure, the baseline beside it, the ratio and the target."""

from __future__ import annotations

from typing import Any

from bench.timing import Row, Stat


def _fmt(s: Stat | None, unit: str) -> str:
    if s is None:
        return "-"
    if unit == "MB":
        return f"{s.median / 1e6:,.1f} MB"
    if unit == "/s":
        return f"{s.median:,.0f} ({s.low:,.0f}–{s.high:,.0f})"
    if unit == "s":
        return f"{s.text('s')} s"
    return s.text("ms")


def render(rows: list[Row], machine: dict[str, Any]) -> str:
    head = ("size", "workload", "ours (median, min–max)", "baseline", "baseline figure",
            "ratio", "target", "ok")
    table = [head]
    for r in rows:
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        ok = {True: "yes", False: "NO", None: ""}[r.ok]
        table.append((r.size, r.workload + (f" [{r.note}]" if r.note else ""),
                      _fmt(r.ours, r.unit), r.baseline, _fmt(r.base, r.unit), ratio, r.target, ok))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(head))]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in table]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    m = machine
    lines.insert(0, f"machine: {m['cpus']} CPUs, {m['memory_gb']} GB, {m['platform']}, Python "
                    f"{m['python']}, duckdb {m['duckdb']}, deltalake {m['deltalake']}, polars "
                    f"{m['polars']}; load avg at start {m['load_avg_at_start']}\n"
                    "times in ms unless marked; ratio = ours / baseline\n")
    return "\n".join(lines)
