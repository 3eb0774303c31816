"""The report's analytic sections — anomalies, flaky jobs, failure patterns,
recommendations — as HTML, from the frames and models the analytics API returns."""

from __future__ import annotations

from typing import Any

import polars as pl

from orcaops.report.html import esc, run_link, table, when

SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}


def anomalies(frame: pl.DataFrame, listed: set[str], limit: int = 50) -> str:
    """The anomalies of the window, most severe first, newest first within a severity."""
    frame = rank_anomalies(frame)
    rows = [[esc(a["severity"]), esc(a["anomaly_type"]), run_link(a["job_id"], listed),
             when(a["detected_at"]), esc(a["title"]), esc(a["description"])]
            for a in frame.head(limit).iter_rows(named=True)]
    note = (f'<p class="note">Showing {min(limit, frame.height)} of {frame.height} '
            "anomalies.</p>" if frame.height > limit else "")
    return note + table(("severity", "type", "run", "detected (UTC)", "what", "detail"), rows,
                        cls="anomalies", empty="No anomalies in this window.")


def rank_anomalies(frame: pl.DataFrame) -> pl.DataFrame:
    """Critical first, then warnings, then info; newest first within each."""
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, default=9, return_dtype=pl.Int8)
    return frame.sort([rank, pl.col("detected_at")], descending=[False, True])


def flaky(frame: pl.DataFrame) -> str:
    """Jobs whose outcome flips on the same commit."""
    rows = [[esc(f["image"]), f'<span class="cmd">{esc(f["command"])}</span>', esc(f["runs"]),
             esc(f["failures"]), esc(f"{f['transition_rate']:.0%}"), esc(f["flip_commits"]),
             esc(f["pass_on_retry"]), when(f["last_flip_at"])]
            for f in frame.iter_rows(named=True)]
    return table(("image", "command", "runs", "failures", "flip rate", "flip commits",
                  "passed on retry", "last flip (UTC)"), rows, cls="flaky",
                 empty="No flaky jobs.")


def _solutions(example: str | None) -> str:
    """The knowledge base's fixes for an error text (empty when nothing is known)."""
    from orcaops.analytics.advice import known_fixes

    found = known_fixes(example or "")
    if not found:
        return ""
    items = "".join(f"<li>{esc(s)}</li>" for s in found[0].solutions[:3])
    return f'<div class="kb"><b>{esc(found[0].pattern.title)}</b><ul>{items}</ul></div>'


def failure_patterns(frame: pl.DataFrame, listed: set[str]) -> str:
    """Failures grouped by error fingerprint, with an example and known fixes."""
    rows = [[esc(p["occurrences"]), esc(p["category"]), esc(p["jobs"]),
             f'<pre class="log err">{esc(p["example"])}</pre>{_solutions(p["example"])}',
             when(p["last_seen"]), run_link(p["last_job_id"], listed)]
            for p in frame.iter_rows(named=True)]
    return table(("failed runs", "category", "jobs", "error (latest example) and known fixes",
                  "last seen (UTC)", "latest run"), rows, cls="patterns",
                 empty="No failures in this window.")


def recommendations(items: list[Any]) -> str:
    """Open recommendations, each with its impact, action and evidence."""
    if not items:
        return '<p class="empty">No recommendations.</p>'
    cards = []
    for r in items:
        evidence = evidence_text(r.evidence or {})
        cards.append(f'<div class="rec p-{esc(r.priority)}"><div class="rec-h">'
                     f'<span class="badge">{esc(r.priority)}</span> {esc(r.type)}</div>'
                     f"<h4>{esc(r.title)}</h4><p>{esc(r.description)}</p>"
                     f"<p><b>Impact:</b> {esc(r.impact)}</p><p><b>Action:</b> "
                     f'<code>{esc(r.action)}</code></p><p class="ev">{esc(evidence)}</p></div>')
    return f'<div class="recs">{"".join(cards)}</div>'


def evidence_text(evidence: dict[str, Any]) -> str:
    """A recommendation's evidence as people read it: ``timeout after: 22m 40s, limit: 16.0 GB,
    runs: 1,312`` — each number in the unit its name implies, never ``1.36e+03``."""
    from orcaops.core.pairs import human_field

    return ", ".join(f"{_evidence_name(k)}: {human_field(k, v)}" for k, v in evidence.items()
                     if k != "rule")


def _evidence_name(key: str) -> str:
    """``timeout_after_s`` → ``timeout after``: the unit is in the value now."""
    for unit in ("_seconds", "_s", "_mb"):
        if key.endswith(unit):
            key = key[:-len(unit)]
            break
    return key.replace("_", " ")

