"""The sort module's spelled-out runs columns stay equal to the table schema."""

from __future__ import annotations

from orcaops.query.sort import RUN_COLUMNS
from orcaops.warehouse.schema import RUNS


def test_run_columns_match_schema() -> None:
    assert RUN_COLUMNS == tuple(RUNS.names)
