"""The report's alerts section: the rules that are firing, as the last check left them
(present only when some rule exists)."""

from __future__ import annotations

import polars as pl

from orcaops.report.html import esc, run_link, table, when


def alerts_section(rules: pl.DataFrame | None, listed: set[str]) -> tuple[str, str]:
    """``(nav link, section)`` for the alert rules; both empty when there are none."""
    if rules is None or rules.is_empty():
        return "", ""
    from orcaops.alerts.message import show_value

    firing = rules.filter(pl.col("state") == "firing")
    rows = [[esc(r["name"]), when(r["since"]), esc(show_value(r["value"], r["when"])),
             esc(r["when"]), esc(r["window"]), f'<span class="cmd">{esc(r["query"])}</span>',
             " ".join(run_link(j, listed) for j in r["job_ids"] or []),
             "silenced until " + when(r["silenced_until"]) if r["silenced_until"] else ""]
            for r in firing.iter_rows(named=True)]
    note = (f'<p class="note">{firing.height} of {rules.height} alert rule(s) firing '
            "(as of the last <code>orcaops alerts check</code>).</p>")
    body = table(("rule", "firing since (UTC)", "value", "condition", "window", "query",
                  "runs", "silence"), rows, cls="alerts",
                 empty=f"No alert is firing ({rules.height} rule(s)).")
    return ('<a href="#alerts">Alerts</a>',
            f'<section id="alerts"><h2>Alerts</h2>{note if rows else ""}{body}</section>')
