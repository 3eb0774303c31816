"""Charts of the run history, one function per chart, each returning an Altair chart.

In Jupyter a returned chart renders inline; ``orcaops report`` renders the same charts to
inline SVG. Every function takes the Warehouse (and loads what it needs) or, where noted, a
DataFrame already at hand::

    import orcaops
    from orcaops import charts
    wh = orcaops.open()
    charts.success_rate(wh, since="30d")
    charts.duration_vs_baseline(wh)            # the key with the most duration anomalies
    charts.forecast(wh, "runs", horizon="3d")

Times are shown in UTC: datetimes are made naive UTC before plotting, because Vega would
otherwise draw them in the viewer's local zone and a report would differ by machine.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Union

import altair as alt
import polars as pl

from orcaops.analytics.common import parse_span
from orcaops.report import data

if TYPE_CHECKING:
    from orcaops.api import Warehouse

Since = Union[str, date, datetime, None]
Chart = Any  # alt.Chart | alt.LayerChart | alt.VConcatChart: all render the same way
STATUS_COLORS = {"success": "#54a24b", "failed": "#e45756", "timeout": "#f58518",
                 "error": "#b279a2", "cancelled": "#9d755d", "running": "#4c78a8",
                 "queued": "#72b7b2"}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WIDTH, HEIGHT = 640, 220
BAND, LINE, ALERT = "#9ecae9", "#4c78a8", "#e45756"
LABEL_CHARS = 52  # failure-pattern labels: long enough to tell errors apart, short enough to fit


def time_axis(times: pl.Series, daily: bool = False) -> alt.Axis:
    """A time axis whose labels never run into each other: one format for every tick (Vega's
    default mixes ``Nov 29``, ``December`` and ``Thu 03``), about eight ticks, and the labels
    that would still touch dropped (``greedy``).

    Args:
        times: the values drawn on the axis (their span picks the format).
        daily: the values are days (per-day buckets): ticks fall on whole days only.
    """
    span = _span(times)
    if daily:
        step = max(1, -(-span.days // 8))  # at most ~8 ticks, never between two days
        return alt.Axis(format="%b %d",
                        tickCount=alt.TimeIntervalStep(interval="day", step=step),
                        labelOverlap="greedy", labelSeparation=8, labelFlush=False)
    if span > timedelta(days=2):
        fmt = "%b %d"
    elif span > timedelta(hours=20):
        fmt = "%a %H:%M"
    else:
        fmt = "%H:%M"
    return alt.Axis(format=fmt, tickCount=8, labelOverlap="greedy", labelSeparation=8,
                    labelFlush=False)


def _span(times: pl.Series) -> timedelta:
    """How long ``times`` spans (30 days when it is empty, the report's usual window)."""
    lo, hi = times.min(), times.max()
    if isinstance(lo, (datetime, date)) and isinstance(hi, (datetime, date)):
        return hi - lo  # type: ignore[operator]  # both datetimes or both dates
    return timedelta(days=30)


def _legend(title: str | None = None, symbol: str | None = None) -> alt.Legend:
    """A legend on the right whose labels are never cut (``labelLimit=0``)."""
    if symbol:
        return alt.Legend(title=title, labelLimit=0, orient="right", symbolType=symbol,
                          symbolStrokeWidth=2)
    return alt.Legend(title=title, labelLimit=0, orient="right")


def _band_fill(name: str, title: str | None = None) -> alt.Fill:
    """The fill of a shaded band, named in a legend of its own (a square swatch)."""
    return alt.Fill("series:N", legend=_legend(title, "square"),
                    scale=alt.Scale(domain=[name], range=[BAND]))


def job_name(wh: Warehouse, key: str | None, baselines: pl.DataFrame | None = None) -> str:
    """The job of a baseline key as people name it (``pytest -q on python:3.11``); the key
    itself when the baselines no longer know it.

    Args:
        wh: the warehouse.
        key: a ``baseline_key`` (``image|hash``).
        baselines: ``wh.baselines(include_stale=True)`` when already loaded.
    """
    from orcaops.analytics.common import job_label

    if not key:
        return "no job"
    row = _all_baselines(wh, baselines).filter(pl.col("key") == key)
    if row.height and row["command"][0]:
        return job_label(row["command"][0], row["image"][0])
    return key


def _all_baselines(wh: Warehouse, loaded: pl.DataFrame | None) -> pl.DataFrame:
    """Every baseline, stale ones too (``loaded`` when the caller has them already)."""
    return loaded if loaded is not None else wh.baselines(include_stale=True)


def _utc_naive(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetime columns as naive UTC wall time (see the module docstring)."""
    fix = [pl.col(c).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
           for c, t in frame.schema.items()
           if isinstance(t, pl.Datetime) and t.time_zone is not None]
    return frame.with_columns(fix) if fix else frame


def _status_scale() -> alt.Scale:
    return alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values()))


def _metrics(source: Warehouse | pl.DataFrame, since: Since, by: str = "day",
             kind: str = "jobs") -> pl.DataFrame:
    if isinstance(source, pl.DataFrame):
        return source
    return source.metrics(by=by, since=data.resolve_since(since), kind=kind)


def success_rate(source: Warehouse | pl.DataFrame, since: Since = "30d") -> Chart:
    """Runs per day (bars: succeeded and failed) with the success rate (line) over them.

    Args:
        source: the warehouse, or a frame of ``wh.metrics(by="day")``.
        since: the window (``30d``, ``-7d``, a date); ignored for a frame.
    """
    frame = _utc_naive(_metrics(source, since)).select(
        "bucket", "runs", "succeeded", "failed", "success_rate")
    counts = frame.unpivot(index="bucket", on=["succeeded", "failed"],
                           variable_name="outcome", value_name="count")
    axis = time_axis(frame["bucket"], daily=True)
    # One colour legend for the bars and the line: every mark drawn is named in it.
    color = alt.Color("outcome:N", legend=_legend(), scale=alt.Scale(
        domain=["succeeded", "failed", "success rate"],
        range=[STATUS_COLORS["success"], ALERT, LINE]))
    bars = alt.Chart(counts).mark_bar(opacity=0.35).encode(
        x=alt.X("yearmonthdate(bucket):T", title="day (UTC)", axis=axis),
        y=alt.Y("count:Q", title="runs", stack=True, axis=alt.Axis(format=",d")),
        color=color, tooltip=["yearmonthdate(bucket):T", "outcome:N", "count:Q"])
    rate = alt.Chart(frame).transform_calculate(outcome="'success rate'").mark_line(
        point=True).encode(
        x=alt.X("yearmonthdate(bucket):T", bandPosition=0.5, title="day (UTC)", axis=axis),
        y=alt.Y("success_rate:Q", title="success rate", axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False)), color=color,
        tooltip=["yearmonthdate(bucket):T", alt.Tooltip("success_rate:Q", format=".1%"),
                 "runs:Q", "failed:Q"])
    return (alt.layer(bars, rate).resolve_scale(y="independent")
            .properties(width=WIDTH, height=HEIGHT, title="Success rate by day"))


def duration_trend(source: Warehouse | pl.DataFrame, since: Since = "30d") -> Chart:
    """Median duration per day with the p50–p95 band: how long runs take and how it moves.

    Args:
        source: the warehouse, or a frame of ``wh.metrics(by="day")``.
        since: the window; ignored for a frame.
    """
    frame = _utc_naive(_metrics(source, since)).select(
        "bucket", "runs", "duration_p50_s", "duration_p95_s")
    base = alt.Chart(frame).encode(
        x=alt.X("yearmonthdate(bucket):T", title="day (UTC)",
                axis=time_axis(frame["bucket"], daily=True)))
    band = base.transform_calculate(series="'p50–p95 band'").mark_area(opacity=0.45).encode(
        y=alt.Y("duration_p50_s:Q", title="duration (s)", axis=alt.Axis(format=",d")),
        y2="duration_p95_s:Q", fill=_band_fill("p50–p95 band"))
    p50 = base.transform_calculate(series="'median (p50)'").mark_line(point=True).encode(
        y="duration_p50_s:Q", stroke=alt.Stroke("series:N", legend=_legend(None, "stroke"),
                                                scale=alt.Scale(domain=["median (p50)"],
                                                                range=[LINE])),
        tooltip=["yearmonthdate(bucket):T", alt.Tooltip("duration_p50_s:Q", format=".1f"),
                 alt.Tooltip("duration_p95_s:Q", format=".1f"), "runs:Q"])
    return alt.layer(band, p50).properties(
        width=WIDTH, height=HEIGHT, title="Duration per day: median and p50–p95 band")


def _duration_anomalies(wh: Warehouse, since: Since, found: pl.DataFrame | None
                        ) -> pl.DataFrame:
    if found is None:
        found = wh.anomalies(since=data.resolve_since(since), include_acknowledged=True)
    return found.filter(pl.col("anomaly_type").is_in(["duration", "regression"]))


def busiest_anomalous_key(wh: Warehouse, since: Since = "30d",
                          anomalies: pl.DataFrame | None = None,
                          baselines: pl.DataFrame | None = None) -> str | None:
    """The baseline key with the most duration anomalies in the window, else the busiest.

    Args:
        wh: the warehouse.
        since: the window.
        anomalies: ``wh.anomalies(...)`` when already loaded (it is the slow part).
        baselines: ``wh.baselines(include_stale=True)`` when already loaded.
    """
    found = _duration_anomalies(wh, since, anomalies).filter(
        pl.col("baseline_key").is_not_null())
    if found.height:
        top = found.group_by("baseline_key").len().sort(["len", "baseline_key"],
                                                         descending=[True, False])
        return str(top["baseline_key"][0])
    keys = (wh.baselines() if baselines is None
            else baselines.filter(~pl.col("stale"))).sort("sample_count", descending=True)
    return str(keys["key"][0]) if keys.height else None


def duration_vs_baseline(wh: Warehouse, key: str | None = None, since: Since = "30d",
                         anomalies: pl.DataFrame | None = None,
                         baselines: pl.DataFrame | None = None) -> Chart:
    """Every run of one job (image + command) against its baseline: the p50 line, the
    p50–p95 band, and the runs flagged as duration anomalies circled in red.

    Args:
        wh: the warehouse.
        key: a ``baseline_key``; default: the key with the most duration anomalies.
        since: the window.
        anomalies: ``wh.anomalies(...)`` when already loaded.
        baselines: ``wh.baselines(include_stale=True)`` when already loaded.
    """
    found = _duration_anomalies(wh, since, anomalies)
    baselines = _all_baselines(wh, baselines)
    key = key or busiest_anomalous_key(wh, since, found, baselines)
    runs = data.key_durations(wh, key, data.resolve_since(since)) if key else pl.DataFrame(
        schema={"job_id": pl.Utf8, "started_at": pl.Datetime("us"), "duration_s": pl.Float64,
                "status": pl.Utf8})
    runs = _utc_naive(runs.with_columns(
        flagged=pl.col("job_id").is_in(found["job_id"].implode())))
    base = baselines.filter(pl.col("key") == key)
    bands = base.select("duration_p50", "duration_p95") if base.height else None
    x = alt.X("started_at:T", title="started (UTC)", axis=time_axis(runs["started_at"]))
    dots = alt.Chart(runs).mark_circle(size=28, opacity=0.75).encode(
        x=x, y=alt.Y("duration_s:Q", title="duration (s)", axis=alt.Axis(format=",d")),
        color=alt.Color("status:N", scale=_status_scale(), legend=_legend("status")),
        tooltip=["job_id:N", "started_at:T", alt.Tooltip("duration_s:Q", format=",.1f"),
                 "status:N"])
    # The baseline band, its p50 line and the anomaly rings each get a legend entry; they use
    # the fill and stroke channels so the status colours keep a legend of their own.
    stroke = alt.Stroke("series:N", legend=_legend(None, "circle"), scale=alt.Scale(
        domain=["baseline p50", "duration anomaly"], range=[LINE, ALERT]))
    ring = alt.Chart(runs.filter(pl.col("flagged"))).transform_calculate(
        series="'duration anomaly'").mark_point(size=140, strokeWidth=2).encode(
        x=x, y="duration_s:Q", stroke=stroke)
    layers: list[Any] = [dots, ring]
    if bands is not None:
        rect = alt.Chart(bands).transform_calculate(series="'p50–p95 band'").mark_rect(
            opacity=0.25).encode(
            y="duration_p50:Q", y2="duration_p95:Q",
            fill=_band_fill("p50–p95 band", "baseline"))
        p50 = alt.Chart(bands).transform_calculate(series="'baseline p50'").mark_rule(
            strokeDash=[4, 3]).encode(y="duration_p50:Q", stroke=stroke)
        layers = [rect, p50, *layers]
    return alt.layer(*layers).properties(
        width=WIDTH, height=HEIGHT,
        title=f"Durations of {job_name(wh, key, baselines)} against its baseline")


def runs_heatmap(source: Warehouse | pl.DataFrame, since: Since = "30d") -> Chart:
    """Runs started per weekday × hour of day (UTC): when the system is busy.

    Args:
        source: the warehouse, or a frame with a ``started_at`` column.
        since: the window; ignored for a frame.
    """
    starts = source if isinstance(source, pl.DataFrame) else data.start_times(
        source, data.resolve_since(since))
    t = pl.col("started_at").dt.convert_time_zone("UTC") \
        if starts.schema["started_at"].time_zone else pl.col("started_at")  # type: ignore[attr-defined]
    counts = starts.select(weekday=t.dt.weekday(), hour=t.dt.hour()) \
        .group_by("weekday", "hour").len("runs")
    # Every cell of the week is drawn, so an hour with no runs shows as 0, not as a hole.
    cells = pl.DataFrame({"weekday": pl.Series(range(1, 8), dtype=pl.Int8)}).join(
        pl.DataFrame({"hour": pl.Series(range(24), dtype=pl.Int8)}), how="cross")
    grid = (cells.join(counts.cast({"weekday": pl.Int8, "hour": pl.Int8}),
                       on=["weekday", "hour"], how="left")
            .with_columns(pl.col("runs").fill_null(0),
                          day=pl.col("weekday").replace_strict(
                              list(range(1, 8)), list(WEEKDAYS), return_dtype=pl.Utf8)))
    return alt.Chart(grid).mark_rect().encode(
        x=alt.X("hour:O", title="hour of day (UTC)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("day:N", sort=list(WEEKDAYS), title=None),
        color=alt.Color("runs:Q", scale=alt.Scale(scheme="blues"), title="runs",
                        legend=alt.Legend(format=",d")),
        tooltip=["day:N", "hour:O", "runs:Q"],
    ).properties(width=WIDTH, height=180, title="Runs started by weekday and hour")


def forecast(wh: Warehouse, metric: str = "runs", horizon: str = "3d",
             history: str = "7d") -> Chart:
    """The recent history of a metric and its forecast with the 90% interval.

    Args:
        wh: the warehouse.
        metric: ``runs`` (per hour), ``duration`` (median per day) or ``cost`` (per day).
        horizon: how far ahead.
        history: how much of the past to draw before the forecast.
    """
    from orcaops.analytics.forecast import load_series

    ahead = _utc_naive(wh.forecast(metric=metric, horizon=horizon))
    t, y = load_series(wh, metric)
    past = pl.DataFrame({"ts": pl.from_epoch(pl.Series(t, dtype=pl.Int64), time_unit="s"),
                         "value": pl.Series(y, dtype=pl.Float64)})
    if ahead.height:
        cutoff = ahead["ts"].min() - parse_span(history, "history")  # type: ignore[operator]
        past = past.filter(pl.col("ts") >= cutoff)
    unit = {"runs": "runs per hour", "duration": "median duration (s)",
            "cost": "cost per day (USD)"}.get(metric, metric)
    x = alt.X("ts:T", title="time (UTC)",
              axis=time_axis(pl.concat([past["ts"], ahead["ts"].cast(past["ts"].dtype)])))
    # The two lines share a legend (colour and dash); the band has its own swatch.
    series = ["actual", "forecast"]
    color = alt.Color("series:N", legend=_legend(None, "stroke"),
                      scale=alt.Scale(domain=series, range=["#333333", LINE]))
    dash = alt.StrokeDash("series:N", legend=_legend(None, "stroke"),
                          scale=alt.Scale(domain=series, range=[[1, 0], [5, 3]]))
    band = alt.Chart(ahead).transform_calculate(series="'90% interval'").mark_area(
        opacity=0.35).encode(x=x, y=alt.Y("yhat_lower:Q", title=unit), y2="yhat_upper:Q",
                             fill=_band_fill("90% interval"))
    line = alt.Chart(ahead).transform_calculate(series="'forecast'").mark_line().encode(
        x=x, y="yhat:Q", color=color, strokeDash=dash, tooltip=["ts:T", alt.Tooltip("yhat:Q", format=".1f"),
                                  alt.Tooltip("yhat_lower:Q", format=".1f"),
                                  alt.Tooltip("yhat_upper:Q", format=".1f")])
    actual = alt.Chart(past).transform_calculate(series="'actual'").mark_line(
        strokeWidth=1.2).encode(x=x, y="value:Q", color=color, strokeDash=dash, tooltip=["ts:T", alt.Tooltip("value:Q", format=".1f")])
    return alt.layer(actual, band, line).properties(
        width=WIDTH, height=HEIGHT, title=f"Forecast of {unit}: history, forecast, 90% band")


def resources(source: Warehouse | pl.DataFrame, job_id: str | None = None) -> Chart:
    """Memory (with its limit) and CPU of one run over time, from its resource samples.

    Args:
        source: the warehouse (then ``job_id`` is needed), or a frame of ``wh.samples(id)``.
        job_id: the run.
    """
    if isinstance(source, pl.DataFrame):
        samples = source
    else:
        if not job_id:
            raise ValueError("resources(wh, job_id): give the run whose samples to draw")
        samples = source.samples(job_id)
    samples = _utc_naive(samples)
    x = alt.X("ts:T", title="time (UTC)")
    mem = alt.Chart(samples).mark_line(point=True, color=LINE).encode(
        x=x, y=alt.Y("memory_mb:Q", title="memory (MB)"),
        tooltip=["ts:T", "memory_mb:Q", "memory_limit_mb:Q"])
    limit = alt.Chart(samples).mark_rule(color=ALERT, strokeDash=[4, 3]).encode(
        y="max(memory_limit_mb):Q")
    cpu = alt.Chart(samples).mark_area(opacity=0.5, color="#f58518").encode(
        x=x, y=alt.Y("cpu_percent:Q", title="CPU (%)"), tooltip=["ts:T", "cpu_percent:Q"])
    title = f"Resources of {job_id or 'one run'}"
    return alt.vconcat(
        alt.layer(mem, limit).properties(width=WIDTH, height=160, title=title),
        cpu.properties(width=WIDTH, height=120))


def cost_by_day(source: Warehouse | pl.DataFrame, since: Since = "30d") -> Chart:
    """Estimated cost per day (USD).

    Args:
        source: the warehouse, or a frame of ``wh.metrics(by="day")``.
        since: the window; ignored for a frame.
    """
    frame = _utc_naive(_metrics(source, since)).select("bucket", "runs", "cost_usd")
    return alt.Chart(frame).mark_bar(color="#72b7b2").encode(
        x=alt.X("yearmonthdate(bucket):T", title="day (UTC)",
                axis=time_axis(frame["bucket"], daily=True)),
        y=alt.Y("cost_usd:Q", title="cost (USD)"),
        tooltip=["yearmonthdate(bucket):T", alt.Tooltip("cost_usd:Q", format="$.3f"),
                 "runs:Q"],
    ).properties(width=WIDTH, height=160, title="Estimated cost per day")


def failure_patterns(source: Warehouse | pl.DataFrame, since: Since = "30d",
                     top: int = 10) -> Chart:
    """The most frequent failure patterns (runs per error fingerprint), by category.

    Args:
        source: the warehouse, or a frame of ``orcaops.report.data.failure_patterns``.
        since: the window; ignored for a frame.
        top: how many patterns.
    """
    frame = source if isinstance(source, pl.DataFrame) else data.failure_patterns(
        source, data.resolve_since(since), top)
    frame = frame.head(top).with_columns(label=pl.Series(
        pattern_labels(frame.head(top)["example"].to_list()), dtype=pl.Utf8))
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("occurrences:Q", title="failed runs", axis=alt.Axis(format=",d")),
        # The labels are cut to LABEL_CHARS here, so Vega never has to truncate them; the
        # limit only guards against a font far wider than the one measured.
        y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=480)),
        color=alt.Color("category:N", title="category", legend=_legend("category")),
        tooltip=["category:N", "occurrences:Q", "jobs:Q", "last_seen:T", "example:N"],
    ).properties(width=260, height=alt.Step(22), title="Top failure patterns")


def pattern_labels(examples: list[str | None]) -> list[str]:
    """One axis label per error example: whitespace collapsed, cut to ``LABEL_CHARS`` with an
    ellipsis, and made unique (two errors cut to the same text would share one bar)."""
    out: list[str] = []
    for text in examples:
        label = " ".join((text or "(no error text)").split())
        if len(label) > LABEL_CHARS:
            label = label[:LABEL_CHARS - 1].rstrip() + "…"
        base, n = label, 2
        while label in out:
            label, n = f"{base} ({n})", n + 1
        out.append(label)
    return out
