"""A query's day window: the ``day`` partitions that every run it matches lies in.

``after:``/``before:`` bound a run's ``day`` as well as its ``started_at`` (one day of slack,
see :func:`instant_days`), and ``day:`` bounds it directly. A run's log lines carry their run's
``day`` (``RunBatch`` writes the runs row's day on each of them), so when such bounds are
AND-ed at the top of a query, every log subquery may read only the window's days: for a run in
the window its lines are all there, and a run outside it fails the query anyway. A bound under
OR or NOT does not hold for every matching run, so it bounds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from orcaops.core import units
from orcaops.query import ast, fields
from orcaops.query.context import Context
from orcaops.query.sql import Sql
from orcaops.query.template import fmt, param

# The column whose UTC date is each row's `day` partition (RunRecord.day).
DAY_OF = "started_at"
_ONE = timedelta(days=1)


@dataclass(frozen=True)
class DayWindow:
    """``low <= day <= high``; None is an open end. ``DayWindow()`` bounds nothing."""

    low: date | None = None
    high: date | None = None

    def meet(self, other: DayWindow) -> DayWindow:
        """The days in both windows."""
        lows = [d for d in (self.low, other.low) if d is not None]
        highs = [d for d in (self.high, other.high) if d is not None]
        return DayWindow(max(lows, default=None), min(highs, default=None))

    def bound(self) -> Sql | None:
        """``day BETWEEN ? AND ?``, ``day >= ?`` or ``day <= ?``; None without a bound."""
        if self.low is not None and self.high is not None:
            return fmt("day BETWEEN {a} AND {b}", a=param(self.low), b=param(self.high))
        if self.low is not None:
            return fmt("day >= {a}", a=param(self.low))
        if self.high is not None:
            return fmt("day <= {b}", b=param(self.high))
        return None


def instant_days(kind: str, instant: datetime) -> DayWindow:
    """The days of runs with ``started_at >= instant`` (after) or ``< instant`` (before).

    One day of slack keeps a row whose day was ever written from a non-UTC clock.
    """
    if kind == fields.AFTER:
        return DayWindow(low=instant.date() - _ONE)
    return DayWindow(high=instant.date() + _ONE)


def query_days(ctx: Context, node: ast.Node) -> DayWindow:
    """The window of the query's top-level AND-ed ``after:``, ``before:`` and ``day:`` terms.

    Never raises: a value that does not parse bounds nothing here, and the compiler reports it.
    """
    window = DayWindow()
    for term in _conjuncts(node):
        window = window.meet(_term_days(ctx, term))
    return window


def _conjuncts(node: ast.Node) -> Iterator[ast.Term]:
    if isinstance(node, ast.And):
        for item in node.items:
            yield from _conjuncts(item)
    elif isinstance(node, ast.Term):
        yield node


def _term_days(ctx: Context, term: ast.Term) -> DayWindow:
    try:
        spec, _ = fields.lookup(term.field)
    except fields.UnknownFieldError:
        return DayWindow()
    value = term.value
    if isinstance(value, ast.Comparison) and value.op == "=":
        value = value.operand
    try:
        if spec.kind in (fields.AFTER, fields.BEFORE) and spec.column == DAY_OF:
            if isinstance(value, ast.Word):
                return instant_days(spec.kind, units.parse_instant(value.raw, ctx.now))
        elif spec.kind == fields.DATE and spec.column == "day":
            return _date_days(ctx, value)
    except units.BadValue:
        return DayWindow()
    return DayWindow()


def _date_days(ctx: Context, value: ast.Value) -> DayWindow:
    """``day:D``, ``day:>D``..., ``day:[A TO B]``; ``day:*`` (any day) bounds nothing."""
    if isinstance(value, ast.Word):
        if value.raw == "*" and not value.quoted:
            return DayWindow()
        day = units.parse_day(value.raw, ctx.now)
        return DayWindow(day, day)
    if isinstance(value, ast.Comparison):
        day = units.parse_day(value.operand.raw, ctx.now)
        return {">": DayWindow(low=day + _ONE), ">=": DayWindow(low=day),
                "<": DayWindow(high=day - _ONE), "<=": DayWindow(high=day)}.get(
                    value.op, DayWindow())
    if isinstance(value, ast.Range):
        low = None if value.low is None else units.parse_day(value.low.raw, ctx.now)
        high = None if value.high is None else units.parse_day(value.high.raw, ctx.now)
        return DayWindow(low, high)
    return DayWindow()
