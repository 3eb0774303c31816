"""``Warehouse.sql_page``: a bounded read-only query, its first rows and the total."""

from __future__ import annotations

import pytest

from orcaops.core.errors import InputError
from tests.conftest import make_run


@pytest.fixture
def filled(wh):
    wh.import_records([make_run(f"r-{i:03d}", logs=[{"line": f"line {k}"} for k in range(3)])
                       for i in range(40)])
    return wh


def test_a_page_and_the_total(filled) -> None:
    frame, total = filled.sql_page("SELECT job_id FROM runs ORDER BY job_id", limit=5)
    assert frame["job_id"].to_list() == [f"r-{i:03d}" for i in range(5)]
    assert total == 40
    lines, total_lines = filled.sql_page("SELECT * FROM logs", limit=7)
    assert lines.height == 7 and total_lines == 120


def test_a_short_result_is_not_counted_twice(filled) -> None:
    frame, total = filled.sql_page("SELECT job_id FROM runs WHERE job_id > ? ORDER BY job_id",
                                   ["r-037"], limit=5)
    assert frame["job_id"].to_list() == ["r-038", "r-039"] and total == 2
    empty, none = filled.sql_page("SELECT job_id FROM runs", limit=0)
    assert empty.height == 0 and none == 40


def test_statements_that_are_not_selects(filled) -> None:
    described, total = filled.sql_page("DESCRIBE runs", limit=3)
    assert described.height == 3 and total > 3


def test_writes_and_bad_limits_are_refused(filled) -> None:
    with pytest.raises(InputError, match="read-only"):
        filled.sql_page("DELETE FROM runs", limit=5)
    with pytest.raises(InputError, match="limit"):
        filled.sql_page("SELECT 1", limit=-1)
    assert filled.sql_page("SELECT count(*) AS n FROM runs", limit=1)[0]["n"][0] == 40
