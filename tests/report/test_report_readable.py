"""What a reader sees in the report's charts and evidence, checked without a browser: labels
and legends in full, one date format per time axis, every band named in a legend, the
baseline chart naming its job, numbers in their unit (never ``1.36e+03``).

The browser half (nothing drawn outside its chart, no axis labels on top of each other) is in
``test_report_browser.py``.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from orcaops import charts
from orcaops.analytics.common import job_label
from orcaops.api import Warehouse
from orcaops.report.builder import CHART_CONFIG, load_charts
from orcaops.report.data import failure_patterns
from orcaops.report.sections import evidence_text


def figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'<figure class="chart" data-chart="([^"]+)">(.*?)</figure>',
                           page, re.DOTALL))


def svg_texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for part in spec.get("layer", [spec]):
        out.extend(layers(part) if "layer" in part else [part])
    return out


def mark_type(layer: dict[str, Any]) -> str:
    mark = layer.get("mark")
    return mark["type"] if isinstance(mark, dict) else str(mark)


def test_failure_pattern_labels_and_legend_are_whole(demo_wh: Warehouse,
                                                     report_html: str) -> None:
    frame = failure_patterns(demo_wh, None, limit=10)
    texts = svg_texts(figures(report_html)["failure_patterns"])
    # Each label is drawn as given (Vega did not cut it), and each category in the legend.
    for label in charts.pattern_labels(frame["example"].to_list()):
        assert label in texts, label
    for category in frame["category"].unique().to_list():
        assert category in texts, category


def test_pattern_labels_are_short_unique_and_on_one_line() -> None:
    long = "ERROR psycopg2.OperationalError: could not connect to server: Connection refused"
    labels = charts.pattern_labels([long, long + " (port 5433)", "E       assert  1 == 2",
                                    None])
    assert labels[0].endswith("…") and len(labels[0]) <= charts.LABEL_CHARS
    assert labels[0].startswith("ERROR psycopg2.OperationalError")
    assert len(set(labels)) == 4 and labels[1] == labels[0] + " (2)"
    assert labels[2] == "E assert 1 == 2"
    assert labels[3] == "(no error text)"


def test_chart_text_is_measured_in_the_font_the_browser_draws(demo_wh: Warehouse,
                                                              report_html: str) -> None:
    for c in load_charts(demo_wh, None, failure_patterns(demo_wh, None), demo_wh.anomalies()):
        assert c.spec and c.spec["config"]["font"] == CHART_CONFIG["font"], c.name
        assert c.spec["config"]["padding"] >= 8
    # vl-convert writes the font into every text element of the SVG.
    svg = figures(report_html)["failure_patterns"]
    assert 'font-family="sans-serif"' not in svg
    assert f'font-family="{CHART_CONFIG["font"]}"' in svg


def test_time_axes_use_one_format_and_drop_touching_labels(report_html: str) -> None:
    found = figures(report_html)
    for name in ("success_rate", "duration", "baseline", "forecast", "cost"):
        texts = svg_texts(found[name])
        ticks = [t for t in texts if t and t.split()[0].rstrip(",") in MONTHS + DAYS]
        assert ticks, name
        # One format, ``Nov 29``: never a bare month (``December``) or weekday (``Thu 03``).
        for t in ticks:
            assert re.fullmatch(r"[A-Z][a-z]{2} \d{2}", t) and t.split()[0] in MONTHS, (name, t)


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
          "January", "February", "March", "April", "June", "July", "August", "September",
          "October", "November", "December"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def test_time_axis_format_follows_the_span() -> None:
    t0 = datetime(2026, 11, 1)
    for span, fmt in ((timedelta(days=30), "%b %d"), (timedelta(days=1), "%a %H:%M"),
                      (timedelta(hours=6), "%H:%M")):
        axis = charts.time_axis(pl.Series([t0, t0 + span])).to_dict()
        assert axis["format"] == fmt
        assert axis["labelOverlap"] == "greedy" and axis["tickCount"] <= 10
    assert charts.time_axis(pl.Series([], dtype=pl.Datetime)).to_dict()["format"] == "%b %d"
    # Per-day buckets: ticks on whole days only, even over two days (never "Wed 12:00").
    for days, step in ((1, 1), (30, 4)):
        daily = charts.time_axis(pl.Series([t0, t0 + timedelta(days=days)]), daily=True)
        assert daily.to_dict()["format"] == "%b %d"
        assert daily.to_dict()["tickCount"] == {"interval": "day", "step": step}


def test_every_band_and_line_is_named_in_a_legend(demo_wh: Warehouse, report_html: str
                                                  ) -> None:
    for c in load_charts(demo_wh, None, failure_patterns(demo_wh, None), demo_wh.anomalies()):
        assert c.spec
        for layer in layers(c.spec):
            enc = layer.get("encoding", {})
            if "y2" in enc or mark_type(layer) in ("line", "rule"):
                # A band (y..y2), a line or a rule: its colour comes from a legend's scale.
                named = [ch for ch in ("color", "fill", "stroke") if "field" in enc.get(ch, {})]
                assert named, (c.name, mark_type(layer))
                assert all(enc[ch].get("legend", {}) is not None for ch in named)
    found = figures(report_html)
    expect = {"success_rate": ["succeeded", "failed", "success rate"],
              "duration": ["p50–p95 band", "median (p50)"],
              "baseline": ["p50–p95 band", "baseline p50", "duration anomaly", "status"],
              "forecast": ["actual", "forecast", "90% interval"]}
    for name, labels in expect.items():
        texts = svg_texts(found[name])
        for label in labels:
            assert label in texts, (name, label)


def test_the_baseline_chart_names_its_job(demo_wh: Warehouse, report_html: str) -> None:
    key = charts.busiest_anomalous_key(demo_wh, None)
    row = demo_wh.baselines(include_stale=True).filter(pl.col("key") == key)
    name = job_label(row["command"][0], row["image"][0])
    caption = re.search(r'data-chart="baseline"><figcaption>([^<]*)<', report_html)
    assert caption and html.unescape(caption.group(1)).startswith(f"Durations of {name} ")
    assert name in charts.duration_vs_baseline(demo_wh, key, since=None).to_dict()["title"]
    assert charts.job_name(demo_wh, "nosuch|key") == "nosuch|key"


def test_evidence_is_in_units_people_read(report_html: str) -> None:
    text = evidence_text({"rule": "timeouts", "timeout_after_s": 1360.0, "limit_mb": 16384.0,
                          "memory_p95_mb": 8310.5, "runs": 1312, "duration_p50": 335,
                          "transition_rate": 0.414, "sample_count": 241})
    assert text == ("timeout after: 22m 40s, limit: 16.0 GB, memory p95: 8.1 GB, runs: 1,312, "
                    "duration p50: 5m 35s, transition rate: 41.4%, sample count: 241")
    section = report_html.split('<section id="recommendations">', 1)[1].split("</section>")[0]
    evidence = re.findall(r'<p class="ev">([^<]*)</p>', section)
    assert evidence, "the demo report has no recommendation with evidence"
    for line in evidence:
        assert not re.search(r"\de[+-]\d", line), line
