"""The HTML report's alerts section lists the firing rules when rules exist, and is absent
without (the report tests in tests/report build whole pages, this section included)."""

from __future__ import annotations

from datetime import timedelta

from orcaops.api import Warehouse
from orcaops.report.alerts_section import alerts_section
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
    link, section = alerts_section(wh.alerts(), {"rep-1"})
    assert link == '<a href="#alerts">Alerts</a>'
    assert section.startswith('<section id="alerts"><h2>Alerts</h2>')
    assert "1 of 2 alert rule(s) firing" in section
    assert "<td>fails</td>" in section and "calm" not in section
    assert "status:failed" in section and 'href="#run-rep-1"' in section
    wh.remove_alert("fails")
    assert "No alert is firing (1 rule(s))." in alerts_section(wh.alerts(), set())[1]
