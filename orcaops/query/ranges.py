"""Fields with ordered values: numbers, durations, memory, dates and log levels.

``field:N`` is equality, ``field:>N`` a comparison, ``field:[a TO b]`` an inclusive range with
``*`` for an open end. Values are parsed to Python numbers and dates and bound.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from orcaops.core import units
from orcaops.core.vocabulary import LEVELS, level_name, levels_between
from orcaops.query import ast, fields
from orcaops.query.context import Context
from orcaops.query.fields import Field
from orcaops.query.sql import Sql
from orcaops.query.template import col, fmt, param
from orcaops.query.window import DAY_OF, instant_days

# The operator reaches SQL text, so it comes from this table, never from the token itself.
_OPS = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "="}

_PARSERS: dict[str, Callable[[str, datetime], Any]] = {
    fields.INTEGER: lambda text, now: units.parse_integer(text),
    fields.NUMBER: lambda text, now: units.parse_number(text),
    fields.DURATION: lambda text, now: units.parse_duration(text),
    fields.MEMORY: lambda text, now: units.parse_memory(text),
    fields.DATE: units.parse_day,
    fields.AFTER: units.parse_instant,
    fields.BEFORE: units.parse_instant,
}
KINDS = frozenset(_PARSERS)


def compile_range_term(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """``exit:1``, ``duration:>60``, ``memory:[256MB TO 1GB]``, ``after:-7d``, ``day:today``."""
    assert spec.column is not None
    target = col(spec.column)
    if spec.kind in (fields.AFTER, fields.BEFORE):
        if not isinstance(term.value, ast.Word):
            shape = "comparisons or ranges" if not isinstance(term.value, ast.Regex) else "a /regex/"
            raise ctx.error(
                f"{term.field} takes one date, not {shape}", term.value.pos,
                [f"a date ({fields.VALUE_FORMS[spec.kind]}); for a span use after:A before:B"],
            )
        op = ">=" if spec.kind == fields.AFTER else "<"
        instant = parse(ctx, term.field, spec.kind, term.value)
        bound = fmt("{c} " + op + " {v}", c=target, v=param(instant))
        if spec.column != DAY_OF:
            return bound
        # A run's `day` partition is the UTC date it started (RunRecord.day), so a bound on
        # started_at bounds `day` too: DuckDB then opens the day files in range only, not
        # every file of the table (after:-3d on 25 day files: 13 → 6 ms).
        assert isinstance(instant, datetime)
        edge = instant_days(spec.kind, instant).bound()
        assert edge is not None
        return fmt("{b} AND {e}", b=bound, e=edge)
    return compare(ctx, term.field, spec.kind, target, term.value)


def compare(ctx: Context, name: str, kind: str, target: Sql, value: ast.Value) -> Sql:
    """``target = v``, ``target > v`` or ``target BETWEEN a AND b`` for a value of ``kind``."""
    if isinstance(value, ast.Word):
        return fmt("{c} = {v}", c=target, v=param(parse(ctx, name, kind, value)))
    if isinstance(value, ast.Comparison):
        bound = param(parse(ctx, name, kind, value.operand))
        return fmt("{c} " + _OPS[value.op] + " {v}", c=target, v=bound)
    if isinstance(value, ast.Range):
        return _between(ctx, name, kind, target, value)
    raise ctx.wrong_shape(name, kind, "a /regex/", value.pos)


def _between(ctx: Context, name: str, kind: str, target: Sql, value: ast.Range) -> Sql:
    low = None if value.low is None else parse(ctx, name, kind, value.low)
    high = None if value.high is None else parse(ctx, name, kind, value.high)
    if value.low is not None and value.high is not None:
        if low > high:  # type: ignore[operator]
            raise ctx.error(f"Empty range for {name}: {value.low.raw} is above {value.high.raw}",
                            value.pos, ["the lower bound first, as in [60 TO 120]"])
        return fmt("{c} BETWEEN {a} AND {b}", c=target, a=param(low), b=param(high))
    if low is not None:
        return fmt("{c} >= {a}", c=target, a=param(low))
    if high is not None:
        return fmt("{c} <= {b}", c=target, b=param(high))
    return fmt("{c} IS NOT NULL", c=target)


def parse(ctx: Context, name: str, kind: str, word: ast.Word) -> int | float | date | datetime:
    """Parse one value of ``kind``; a QueryError naming the field and forms if it fails."""
    try:
        parsed: int | float | date | datetime = _PARSERS[kind](word.raw, ctx.now)
    except units.BadValue:
        raise ctx.bad_value(name, kind, word.raw, word.pos) from None
    return parsed


def levels(ctx: Context, name: str, value: ast.Value) -> list[str]:
    """The stored levels a ``level:`` value keeps (``WARN`` is WARN, ERROR, FATAL; see
    ``orcaops.core.vocabulary``)."""
    order = LEVELS
    if isinstance(value, ast.Word):
        return list(levels_between(">=", _level(ctx, name, value)))
    if isinstance(value, ast.Comparison):
        return list(levels_between(value.op, _level(ctx, name, value.operand)))
    if isinstance(value, ast.Range):
        low = 0 if value.low is None else order.index(_level(ctx, name, value.low))
        high = len(order) - 1 if value.high is None else order.index(_level(ctx, name, value.high))
        return list(order[low:high + 1])
    raise ctx.wrong_shape(name, fields.LEVEL, "a /regex/", value.pos)


def _level(ctx: Context, name: str, word: ast.Word) -> str:
    normal = level_name(word.raw)
    if normal is None:
        raise ctx.unknown_choice(name, word.raw, LEVELS, word.pos)
    return normal
