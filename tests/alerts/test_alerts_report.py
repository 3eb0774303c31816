"""The HTML report lists firing alerts when rules exist, and has no alerts section without."""

from __future__ import annotations

from datetime import timedelta

from orcaops.api import Warehouse
from orcaops.report.alerts_section import alerts_section
from orcaops.report.builder import build_report
from tests.conftest import NOW, make_run


def test_the_report_lists_firing_alerts(wh: Warehouse, monkeypatch) -> None:
    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())
    at = (NOW - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    wh.import_records([make_run("rep-1", status="failed", exit_code=1, started_at=at,
                                finished_at=at)])
    assert alerts_section(wh.alerts(), set()) == ("", "")  # no rules: no section
    wh.add_alert("fails", query="status:failed", when="count > 0", notify=["log"])
    wh.add_alert("calm", query="status:timeout", when="count > 0", notify=["log"])
    wh.check_alerts()
    page = build_report(wh, since="7d", now=NOW)
    section = page[page.index('<section id="alerts">'):]
    section = section[:section.index("</section>")]
    assert "1 of 2 alert rule(s) firing" in section
    assert "<td>fails</td>" in section and "calm" not in section
    assert "status:failed" in section and "rep-1" in section
    assert '<a href="#alerts">Alerts</a>' in page
