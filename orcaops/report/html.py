"""HTML fragments of the report. Every value is escaped here: log lines, commands, errors and
intents are untrusted text (a log line may well contain ``<script>``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote

from orcaops.core.render import human_duration
from orcaops.core.vocabulary import FAILED_STATUSES

_ID = re.compile(r'\bid="([^"]+)"')


def esc(value: Any) -> str:
    """Text for HTML (element content or a quoted attribute); None is empty."""
    return "" if value is None else escape(str(value), quote=True)


def when(value: Any) -> str:
    """A timestamp as ``2026-11-21 10:04`` (UTC); empty for None."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return esc(value)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def run_anchor(job_id: str) -> str:
    """The id of a run's detail section."""
    return f"run-{job_id}"


def run_link(job_id: str | None, listed: set[str]) -> str:
    """A link to the run's detail when the report has one, else the plain id."""
    if not job_id:
        return ""
    if job_id in listed:
        return (f'<a class="run" href="#{quote(run_anchor(job_id), safe="")}">'
                f"{esc(job_id)}</a>")
    return f'<span class="run">{esc(job_id)}</span>'


def status_badge(status: str | None) -> str:
    return f'<span class="badge s-{esc(status)}">{esc(status)}</span>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "",
          empty: str = "Nothing in this window.") -> str:
    """A table of already-escaped cells (callers escape with ``esc``)."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="empty">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def prefix_svg_ids(svg: str, prefix: str) -> str:
    """Make an SVG's ids unique in the page: Vega names gradients and clips ``gradient_0``
    in every chart, and inlined SVGs share one id space."""
    ids = set(_ID.findall(svg))
    for old in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{old}"
        svg = (svg.replace(f'id="{old}"', f'id="{new}"').replace(f"url(#{old})", f"url(#{new})")
               .replace(f'href="#{old}"', f'href="#{new}"'))
    return svg


def figure(name: str, title: str, svg: str | None, note: str = "") -> str:
    """One chart: its SVG (already rendered by vl-convert, so trusted markup) or a note."""
    inner = svg if svg else f'<p class="empty">{esc(note or "No data for this chart.")}</p>'
    return (f'<figure class="chart" data-chart="{esc(name)}"><figcaption>{esc(title)}'
            f"</figcaption>{inner}</figure>")


def tiles(totals: dict[str, Any], n_anomalies: int, n_flaky: int) -> str:
    """The headline numbers of the window."""
    items = [("runs", f"{totals['runs']:,}"), ("success rate", pct(totals["success_rate"])),
             ("failed", f"{totals['failed']:,}"), ("jobs", f"{totals['jobs']:,}"),
             ("median duration", human_duration(totals["duration_p50_s"])),
             ("p95 duration", human_duration(totals["duration_p95_s"])),
             ("estimated cost", f"${totals['cost_usd'] or 0:,.2f}"),
             ("anomalies", f"{n_anomalies:,}"), ("flaky jobs", f"{n_flaky:,}")]
    return "".join(f'<div class="tile"><div class="v">{esc(v)}</div><div class="k">{esc(k)}'
                   "</div></div>" for k, v in items)


def run_row(run: dict[str, Any], listed: set[str]) -> str:
    """A row of the run-history table; ``data-status`` drives the filter buttons."""
    failed = "failed" if run["status"] in FAILED_STATUSES else "ok"
    cells = [run_link(run["job_id"], listed), status_badge(run["status"]),
             when(run["started_at"]), esc(human_duration(run["duration_s"])),
             esc(run["image"]), f'<span class="cmd">{esc(run["command"])}</span>',
             esc(run["exit_code"]), esc(run["log_lines"]), esc(run["n_error"]),
             esc(run["n_warn"]), f'<span class="err">{esc(_clip(run["first_error"], 90))}</span>']
    return (f'<tr data-status="{esc(run["status"])}" data-outcome="{failed}">'
            + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")


RUN_HEADERS = ("run", "status", "started (UTC)", "duration", "image", "command", "exit",
               "lines", "errors", "warnings", "first error")


def run_table(runs: list[dict[str, Any]], listed: set[str]) -> str:
    if not runs:
        return '<p class="empty">No runs in this window.</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in RUN_HEADERS)
    body = "".join(run_row(r, listed) for r in runs)
    return (f'<table id="run-table" class="runs"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _clip(text: Any, n: int) -> str | None:
    if text is None:
        return None
    s = str(text).strip()
    return s if len(s) <= n else s[: n - 1] + "…"


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _facts(run: dict[str, Any]) -> str:
    memory = run.get("memory_peak_mb")
    pairs = [("image", run["image"]), ("command", run["command"]),
             ("started (UTC)", run["started_at"]), ("finished (UTC)", run["finished_at"]),
             ("duration", human_duration(run["duration_s"])), ("exit code", run["exit_code"]),
             ("failure category", run["failure_category"]),
             ("triggered by", run["triggered_by"]), ("intent", run["intent"]),
             ("tags", run["tags"]), ("log lines", run["log_lines"]),
             ("errors / warnings", f"{run['n_error']} / {run['n_warn']}"),
             ("peak memory", f"{memory:,.0f} MB" if memory else None)]
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(_text(v))}</dd>"
                   for k, v in pairs if _text(v))
    return f"<dl>{rows}</dl>"


def log_block(lines: list[dict[str, Any]]) -> str:
    """The last log lines of a run, each marked with its level."""
    if not lines:
        return '<p class="empty">No log lines.</p>'
    body = "\n".join(f'<span class="l-{esc(ln["level"])}"><i>{esc(ln["line_number"])}</i> '
                     f'{esc(ln["message"])}</span>' for ln in lines)
    return f'<pre class="log">{body}</pre>'


def run_detail(run: dict[str, Any], summary: Any, lines: list[dict[str, Any]],
               anomalies: list[dict[str, Any]]) -> str:
    """The detail panel of one run: shown when its anchor is the URL's target."""
    parts = [f'<section class="run-detail" id="{esc(run_anchor(run["job_id"]))}">',
             '<div class="panel"><a class="close" href="#runs" title="close">×</a>',
             f"<h3>{esc(run['job_id'])} "
             f"{status_badge(run['status'])}</h3>",
             f'<p class="one-liner">{esc(summary.one_liner)}</p>', _facts(run)]
    if run["first_error"]:
        parts.append(f'<h4>First error</h4><pre class="log err">{esc(run["first_error"])}</pre>')
    if anomalies:
        items = "".join(f"<li>{esc(a['severity'])}: {esc(a['title'])} — "
                        f"{esc(a['description'])}</li>" for a in anomalies)
        parts.append(f"<h4>Anomalies</h4><ul>{items}</ul>")
    if summary.suggestions:
        items = "".join(f"<li>{esc(s)}</li>" for s in summary.suggestions)
        parts.append(f"<h4>Suggestions</h4><ul>{items}</ul>")
    parts += ["<h4>Last log lines</h4>", log_block(lines), "</div></section>"]
    return "".join(parts)
