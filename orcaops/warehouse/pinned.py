"""Stored views held as tables for a while (``Reader.materialized``).

DuckDB inlines a view wherever it is named, so ``anomaly_events`` (six rule views over
``run_context``, itself over ``run_history``) scans and joins ``runs`` six times, and each
recommendation view scans it again. A report reads them all from one snapshot: computing
``run_history`` once as a table and naming the table as the view did lets every reader use
it; views are bound by name when a query runs, so nothing else changes.
"""

from __future__ import annotations

from orcaops.warehouse.views import ViewDef

PINNED_PREFIX = "_pinned_"


def pin_sql(name: str) -> list[str]:
    """The statements that replace view ``name`` by a table of its rows (same name)."""
    table = f"{PINNED_PREFIX}{name}"
    return [f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {name}",
            f"DROP VIEW {name}",
            f"ALTER TABLE {table} RENAME TO {name}"]


def unpin_sql(view: ViewDef) -> list[str]:
    """The statements that put the view back in place of its table."""
    return [f"DROP TABLE IF EXISTS {view.name}",
            f"CREATE OR REPLACE VIEW {view.name} AS {view.sql}"]
