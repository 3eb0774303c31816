"""SQL shown to people runs as printed: literals in place of placeholders, never a new shape."""

from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orcaops.query.inline import inline_params, sql_literal


@pytest.mark.parametrize("value, literal", [
    (None, "NULL"), (True, "TRUE"), (7, "7"), (2.5, "2.5"), ("it's", "'it''s'"),
    (date(2026, 11, 1), "DATE '2026-11-01'"),
    (datetime(2026, 11, 1, 10, tzinfo=timezone.utc), "TIMESTAMPTZ '2026-11-01 10:00:00+00:00'"),
    (["a", 1], "['a', 1]"), (float("nan"), "'nan'::DOUBLE"),
])
def test_literals(value, literal):
    assert sql_literal(value) == literal


def test_placeholders_inside_quotes_stay():
    assert inline_params("SELECT '?', \"a?\", ?", [1]) == "SELECT '?', \"a?\", 1"


def test_placeholders_and_params_must_pair():
    with pytest.raises(ValueError, match=r"more \? placeholders"):
        inline_params("SELECT ?, ?", [1])
    with pytest.raises(ValueError, match="more parameters than"):
        inline_params("SELECT ?", [1, 2])


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.integers(-2**63, 2**63 - 1),
                 st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                 st.dates(min_value=date(1, 1, 1))))
def test_any_value_comes_back_as_itself(value):
    """DuckDB reads the inlined literal back as the bound value: no value escapes its literal.

    (A float prints as a decimal literal, ``0.2``, which DuckDB reads as DECIMAL: the same
    number, compared as a double wherever it meets one.)
    """
    value = value.replace("\x00", "") if isinstance(value, str) else value
    con = duckdb.connect()
    sql = "SELECT ? AS v, 1 AS one"
    (bound, one), = con.execute(sql, [value]).fetchall()
    (shown, one_again), = con.execute(inline_params(sql, [value])).fetchall()
    assert one == one_again == 1
    assert (float(shown) if isinstance(value, float) else shown) == bound
