"""The HTML report: sections, charts as inline SVG, links, escaping, no network, size, CLI."""

from __future__ import annotations

import re
from html import escape as html_escape
from pathlib import Path

import pytest

import orcaops
from orcaops.api import Warehouse
from orcaops.report import build_report, write_report
from tests.conftest import NOW

CHARTS = ("success_rate", "duration", "baseline", "heatmap", "forecast", "failure_patterns",
          "cost")
SECTIONS = ("overview", "charts", "anomalies", "flaky", "tests", "failures", "recommendations",
            "runs")


def figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'<figure class="chart" data-chart="([^"]+)">(.*?)</figure>',
                           page, re.S))


def test_every_section_and_chart_is_there(report_html: str) -> None:
    for sid in SECTIONS:
        assert f'<section id="{sid}">' in report_html
    found = figures(report_html)
    assert set(found) == set(CHARTS)
    for name, body in found.items():
        assert body.count("<svg") == 1, name
        # Marks: Vega draws lines and areas as paths, bars and heat cells as paths or rects.
        assert len(re.findall(r"<path|<rect", body)) > 5, name


def test_every_run_link_opens_a_detail(report_html: str) -> None:
    links = set(re.findall(r'href="#(run-[^"]+)"', report_html))
    details = set(re.findall(r'<section class="run-detail" id="([^"]+)"', report_html))
    assert links and links <= details
    rows = re.findall(r'<tr data-status="([^"]+)"', report_html)
    assert len(rows) == len(details) >= 200
    assert "failed" in rows and "success" in rows


def test_in_page_links_all_resolve(report_html: str) -> None:
    ids = set(re.findall(r'\bid="([^"]+)"', report_html))
    for target in re.findall(r'href="#([^"]*)"', report_html):
        assert target in ids, target


def test_nothing_is_loaded_from_the_network(report_html: str) -> None:
    for attr, value in re.findall(r'\b(src|href|action|srcset)\s*=\s*"([^"]*)"', report_html):
        assert not re.match(r"\s*(https?:|//|ftp:)", value, re.I), (attr, value)
    assert "<link" not in report_html
    assert not re.search(r"<script[^>]*\bsrc=", report_html)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", report_html)


def test_untrusted_text_is_escaped(report_html: str, evil: tuple[str, str]) -> None:
    EVIL, EVIL_ID = evil
    assert EVIL not in report_html
    assert "<script>alert" not in report_html and "<img" not in report_html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in report_html
    detail = report_html.split(f'id="run-{EVIL_ID}"', 1)[1].split("</section>", 1)[0]
    assert "ERROR: &lt;script&gt;" in detail
    assert report_html.count("<script>") == 1  # only the report's own inline script


def test_size_is_sensible(report_html: str) -> None:
    assert len(report_html.encode()) < 5_000_000


def test_the_window_limits_the_runs(demo_wh: Warehouse) -> None:
    page = build_report(demo_wh, since="1h")
    assert "runs since" in page
    recent = demo_wh.sql("SELECT count(*) AS n FROM runs WHERE started_at >= ?::TIMESTAMPTZ"
                         " - INTERVAL 1 HOUR", [NOW])["n"][0]
    assert f"{recent:,} runs since" in page


def test_since_forms() -> None:
    from datetime import datetime, timedelta, timezone

    from orcaops.report.data import resolve_since

    now = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    assert resolve_since("30d", now) == now - timedelta(days=30)
    assert resolve_since("-24h", now) == now - timedelta(hours=24)
    assert resolve_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert resolve_since("all", now) is None and resolve_since(None, now) is None


def test_an_empty_warehouse_still_reports(tmp_path: Path) -> None:
    page = build_report(orcaops.open(tmp_path / "empty"))
    assert set(figures(page)) == set(CHARTS)
    assert "No runs in this window." in page
    assert "<svg" not in page


def test_bad_window_is_an_input_error(demo_wh: Warehouse) -> None:
    from orcaops.core.errors import InputError

    with pytest.raises(InputError):
        build_report(demo_wh, since="soon")


def test_write_report_writes_the_file(demo_wh: Warehouse, tmp_path: Path) -> None:
    path = write_report(demo_wh, tmp_path / "out" / "r.html", since="7d")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(path.parent.glob(".*.tmp"))


def test_cli_report(cli, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = cli("report", "--output", str(out), "--since", "30d")
    assert result.exit_code == 0, result.stderr
    assert out.exists() and str(out) in result.stdout
    bad = cli("report", "--output", str(out), "--since", "yesterday-ish")
    assert bad.exit_code == 2 and "--since" in bad.stderr


def test_tests_section_names_flaky_failing_and_slow_tests(report_html: str,
                                                          demo_wh: Warehouse) -> None:
    section = report_html.split('<section id="tests">', 1)[1].split("</section>", 1)[0]
    assert "<h3>Flaky tests</h3>" in section and "<h3>Slowest tests</h3>" in section
    top = demo_wh.tests_report("flaky", since="-30d", limit=1).row(0, named=True)
    assert html_escape(top["test_id"]) in section and html_escape(top["image"]) in section
    slow = demo_wh.tests_report("slow", since="-30d", limit=1).row(0, named=True)
    assert html_escape(slow["test_id"]) in section
