"""``build_report``: one self-contained HTML file of the run history — headline numbers,
charts, anomalies, flaky jobs, failure patterns, recommendations, and a run-history table
whose rows open a detail panel per run.

Charts are rendered to inline SVG by vl-convert, so the page needs no JavaScript library and
no network: it opens from disk, from an e-mail attachment or from a CI artifact alike. The
only script is a few lines of inline progressive enhancement (the run filter).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any, Callable, Union

import polars as pl

from orcaops.core.config import analysis_now
from orcaops.core.errors import OrcaOpsError
from orcaops.core.vocabulary import FAILED_STATUSES
from orcaops.report import data, html, sections
from orcaops.report.alerts_section import alerts_section
from orcaops.report.tests_section import TestsData, load_tests_data, tests_section

if TYPE_CHECKING:
    from orcaops.api import Warehouse

Since = Union[str, date, datetime, None]
RECENT_RUNS = 200       # the newest runs always listed
MAX_FAILED_RUNS = 1000  # failed runs listed besides them; keeps a month of history < ~5 MB
LOG_TAIL = 12           # log lines shown per run
SUMMARY_LINES = 40      # log lines the one-line summary reads (test-runner totals are last)
# vl-convert measures text to lay out axes and legends; the browser then draws it in its own
# font. Naming the font it draws with (DejaVu Sans where installed, as on most Linux, else the
# Arial-metric Liberation Sans that vl-convert bundles) makes both agree, so labels are not
# pushed past the left edge or cut at the right one. The padding absorbs small differences.
# Views several sections read, computed once per report: run_history (the anomaly rules and
# the recommendation views), test_results (the three tests tables).
SHARED_VIEWS = ("run_history", "test_results")
CHART_CONFIG = {"font": "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif",
                "padding": 12}


@dataclass
class ChartSpec:
    """One chart of the report: a Vega-Lite spec, or why there is none."""

    name: str
    title: str
    spec: dict[str, Any] | None = None
    note: str = ""


@dataclass
class ReportData:
    """Everything the page shows, read from the warehouse; rendering it needs nothing else."""

    title: str
    home: str
    since: str
    start: datetime | None
    generated_at: datetime
    totals: dict[str, Any]
    runs: list[dict[str, Any]]
    logs: dict[str, list[dict[str, Any]]]
    anomalies: pl.DataFrame
    flaky: pl.DataFrame
    patterns: pl.DataFrame
    recommendations: list[Any]
    charts: list[ChartSpec] = field(default_factory=list)
    failed_total: int = 0
    tests: TestsData | None = None
    alerts: pl.DataFrame | None = None  # the alert rules with their state; None: no rules


def load_report_data(wh: Warehouse, since: Since = "30d", *, title: str | None = None,
                     now: datetime | None = None) -> ReportData:
    """Read what the report shows: one window of history plus the current analytics.

    Args:
        wh: the warehouse.
        since: the window: ``30d``, ``-7d``, ``24h``, a date or ISO timestamp; empty for all.
        title: the page title.
        now: the end of the window (default: now).

    Raises:
        InputError: a ``since`` that is neither a span nor a date.
    """
    now = now or analysis_now()
    start = data.resolve_since(since, now)
    # Anomalies (six rule views) and the recommendation views all read run_history, the tests
    # tables test_results: the report computes each once (same snapshot, same rows).
    with wh.materialized(*SHARED_VIEWS):
        return _load(wh, since, start, now, title)


def _load(wh: Warehouse, since: Since, start: datetime | None, now: datetime,
          title: str | None) -> ReportData:
    anomalies = wh.anomalies(since=start)
    patterns = data.failure_patterns(wh, start, limit=10)
    linked = [*sections.rank_anomalies(anomalies)["job_id"].head(50).to_list(),
              *patterns["last_job_id"].to_list()]
    runs = data.run_history(wh, start, RECENT_RUNS, MAX_FAILED_RUNS, include=linked)
    totals = data.window_totals(wh, start)
    rd = ReportData(
        title=title or "OrcaOps run report", home=str(wh.home), since=str(since or "all"),
        start=start, generated_at=now, totals=totals, runs=runs.to_dicts(),
        logs=data.last_log_lines(wh, runs["job_id"].to_list(), SUMMARY_LINES),
        anomalies=anomalies, flaky=wh.flaky(), patterns=patterns,
        recommendations=wh.recommendations(), failed_total=int(totals["failed"] or 0),
        tests=load_tests_data(wh, start), alerts=wh.alerts())
    rd.charts = load_charts(wh, start, patterns, anomalies, empty=not totals["runs"])
    return rd


def load_charts(wh: Warehouse, start: datetime | None, patterns: pl.DataFrame,
                anomalies: pl.DataFrame, empty: bool = False) -> list[ChartSpec]:
    """The report's charts as Vega-Lite specs (a note instead where there is no data)."""
    from orcaops.report import charts

    metrics = wh.metrics(by="day", since=start)
    baselines = wh.baselines(include_stale=True)
    key = None if empty else charts.busiest_anomalous_key(wh, start, anomalies, baselines)
    plan: list[tuple[str, str, Callable[[], Any]]] = [
        ("success_rate", "Success rate by day", lambda: charts.success_rate(metrics)),
        ("duration", "Duration by day", lambda: charts.duration_trend(metrics)),
        ("baseline", (f"Durations of {charts.job_name(wh, key, baselines)} against its "
                      "baseline (the job with the most duration anomalies)"),
         lambda: charts.duration_vs_baseline(wh, key, since=start, anomalies=anomalies,
                                             baselines=baselines)),
        ("heatmap", "When runs start", lambda: charts.runs_heatmap(wh, since=start)),
        ("forecast", "Capacity: runs per hour ahead",
         lambda: charts.forecast(wh, "runs", horizon="3d", history="7d")),
        ("failure_patterns", "Top failure patterns",
         lambda: charts.failure_patterns(patterns)),
        ("cost", "Estimated cost per day", lambda: charts.cost_by_day(metrics)),
    ]
    out = []
    for name, title, make in plan:
        if empty or (name == "failure_patterns" and patterns.is_empty()):
            out.append(ChartSpec(name, title, note="No runs in this window."))
            continue
        try:
            spec = make().to_dict()
            spec.pop("title", None)  # the figure's caption says it
            spec["config"] = {**CHART_CONFIG, **spec.get("config", {})}
            out.append(ChartSpec(name, title, spec=spec))
        except OrcaOpsError as e:  # e.g. too little history to forecast: say so, go on
            out.append(ChartSpec(name, title, note=str(e)))
    return out


def render_svg(spec: dict[str, Any], prefix: str) -> str:
    """A Vega-Lite spec as inline SVG markup (vl-convert; no browser, no network)."""
    import vl_convert as vlc

    return html.prefix_svg_ids(vlc.vegalite_to_svg(spec), prefix)


def _summaries(rd: ReportData) -> dict[str, Any]:
    from orcaops.analytics.summary import build_summary

    # The lines are already dicts in line order (``last_log_lines``): no frame per run.
    return {run["job_id"]: build_summary(run, rd.logs.get(run["job_id"]) or None)
            for run in rd.runs}


def _details(rd: ReportData) -> str:
    summaries = _summaries(rd)
    by_run: dict[str, list[dict[str, Any]]] = {}
    for a in rd.anomalies.iter_rows(named=True):
        by_run.setdefault(a["job_id"], []).append(a)
    return "".join(
        html.run_detail(run, summaries[run["job_id"]],
                        rd.logs.get(run["job_id"], [])[-LOG_TAIL:], by_run.get(run["job_id"], []))
        for run in rd.runs)


def _subtitle(rd: ReportData) -> str:
    t = rd.totals
    window = (f"since {rd.start:%Y-%m-%d %H:%M} UTC ({rd.since})" if rd.start
              else "the whole history")
    span = (f"; runs from {t['first_run']:%Y-%m-%d} to {t['last_run']:%Y-%m-%d}"
            if t.get("first_run") else "")
    return html.esc(f"{t['runs']:,} runs {window}{span} · warehouse {rd.home}")


def _runs_note(rd: ReportData) -> str:
    failed_listed = sum(1 for r in rd.runs if r["status"] in FAILED_STATUSES)
    return html.esc(
        f"{len(rd.runs):,} runs listed: the {RECENT_RUNS} newest, {failed_listed:,} of the "
        f"{rd.failed_total:,} failed runs in the window (newest first) and the runs named "
        "above. Click a run for its detail: summary, first error, anomalies and last log "
        "lines.")


def render_report(rd: ReportData) -> str:
    """The HTML page of ``rd`` (pure: reads nothing from the warehouse)."""
    listed = {r["job_id"] for r in rd.runs}
    figures = "".join(
        html.figure(c.name, c.title, render_svg(c.spec, f"c{i}") if c.spec else None, c.note)
        for i, c in enumerate(rd.charts))
    page = Template(resources.files("orcaops.report").joinpath("template.html")
                    .read_text(encoding="utf-8"))
    alerts_link, alerts = alerts_section(rd.alerts, listed)
    return page.substitute(
        alerts_link=alerts_link, alerts=alerts,
        title=html.esc(rd.title), subtitle=_subtitle(rd),
        tiles=html.tiles(rd.totals, rd.anomalies.height, rd.flaky.height), charts=figures,
        anomalies=sections.anomalies(rd.anomalies, listed), flaky=sections.flaky(rd.flaky),
        patterns=sections.failure_patterns(rd.patterns, listed),
        recommendations=sections.recommendations(rd.recommendations),
        tests=tests_section(rd.tests) if rd.tests else "<p class=\"empty\">No tests.</p>",
        runs_note=_runs_note(rd), runs=html.run_table(rd.runs, listed), details=_details(rd),
        footer=html.esc(f"Generated by orcaops report at {rd.generated_at:%Y-%m-%d %H:%M} UTC. "
                        "Self-contained: no scripts, styles or fonts are loaded from anywhere."))


def build_report(wh: Warehouse, since: Since = "30d", *, title: str | None = None,
                 now: datetime | None = None) -> str:
    """The report of ``wh`` over the window ``since`` as one self-contained HTML page.

    Args:
        wh: the warehouse.
        since: ``30d`` (the last 30 days), ``-7d``, ``24h``, a date, or empty for all.
        title: the page title.
        now: the end of the window (default: now).

    Returns:
        The HTML text.

    Raises:
        InputError: a bad ``since``.
    """
    warm = _start_chart_engine()
    try:
        rd = load_report_data(wh, since, title=title, now=now)
    finally:
        warm.join()
    return render_report(rd)


def _start_chart_engine() -> threading.Thread:
    """vl-convert's first conversion starts its JavaScript engine (most of its cost); started
    on a thread at once, it overlaps the SQL, which runs in DuckDB without the GIL."""
    thread = threading.Thread(target=render_svg, args=({"mark": "point"}, "warm"),
                              name="orcaops-chart-engine", daemon=True)
    thread.start()
    return thread


def write_report(wh: Warehouse, path: str | os.PathLike[str] = "report.html",
                 since: Since = "30d", *, title: str | None = None) -> Path:
    """Build the report and write it to ``path`` (atomically: a reader never sees half).

    Returns:
        The path written.
    """
    text = build_report(wh, since, title=title)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out
