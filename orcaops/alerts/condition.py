"""The condition of an alert rule: ``count > 5``, ``error_rate > 5%``, ``p95(duration) > 10m``,
``sum(cost) per day > 100``, ``anomalies(severity:critical) > 0``.

Text → :class:`Condition` through ``condition.lark`` (loaded once, LALR, positions kept);
numbers, durations and sizes are read by ``orcaops.core.units``, the field names of
``p95(duration)`` come from the search language's registry (``orcaops.query.fields``). Errors
are :class:`~orcaops.core.errors.QueryError` with a caret under the position.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orcaops.core import units
from orcaops.core.errors import QueryError

if TYPE_CHECKING:
    from lark import Lark, Token, Tree

# Metrics without an argument.
PLAIN = ("count", "error_rate", "failure_rate", "success_rate")
# Aggregates over a numeric field of the runs: p50(duration), avg(memory), sum(cost)...
AGGREGATES = ("avg", "min", "max", "sum", "p50", "p90", "p95", "p99")
# Fields an aggregate may read, with the search language's kinds (duration, memory, number).
NUMERIC_FIELDS = ("duration", "queue", "memory", "mem", "cpu", "cost")
ANOMALY_FILTERS = ("severity", "type")
RATES = ("error_rate", "failure_rate", "success_rate")
PERIODS = {"minute": 60.0, "hour": 3600.0, "day": 86400.0, "week": 604800.0}
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
    "=": operator.eq, "==": operator.eq, "!=": operator.ne}
_EXPECTED = {"NAME": "a metric (count, error_rate, p95(duration), sum(cost), anomalies(...))",
             "OP": "a comparison (> >= < <= = !=)", "THRESHOLD": "a number such as 5, 5% or 10m",
             "PERIOD": "a period: minute, hour, day, week or a duration like 6h",
             "ARG": "a field such as duration", "PER": "per", "LPAR": "'('", "RPAR": "')'",
             "$END": "end of condition"}


@dataclass(frozen=True)
class Condition:
    """A parsed condition.

    Attributes:
        text: as typed.
        metric: ``count``, ``error_rate``, ``success_rate``, an aggregate (``p95``, ``sum``…)
            or ``anomalies``.
        column: the runs column an aggregate reads (``duration_s``), else None.
        field: the field as named (``duration``), for display.
        severity / anomaly_type: the filters of ``anomalies(...)``.
        per_seconds: ``per day`` → 86400: the value is scaled to that period.
        op: the comparison; threshold: its number in the column's unit (seconds, MB, a
            fraction for rates).
    """

    text: str
    metric: str
    op: str
    threshold: float
    column: str | None = None
    field: str | None = None
    severity: str | None = None
    anomaly_type: str | None = None
    per_seconds: float | None = None

    def holds(self, value: float | None) -> bool:
        """Whether ``value`` meets the condition (no value, as a rate over no runs, never does)."""
        return value is not None and OPERATORS[self.op](value, self.threshold)


@functools.cache
def _parser() -> Lark:
    from lark import Lark

    return Lark.open_from_package("orcaops.alerts", "condition.lark", parser="lalr",
                                  propagate_positions=True)


def parse_condition(text: str) -> Condition:
    """Read a rule's condition.

    Raises:
        QueryError: the text is not a condition, names an unknown metric or field, or has a
            threshold that does not fit it; with the position.
    """
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    if not isinstance(text, str) or not text.strip():
        raise QueryError("empty condition: write one such as 'count > 5' or "
                         "'error_rate > 5%'", str(text or ""), 0)
    try:
        tree = _parser().parse(text)
    except UnexpectedToken as e:
        what = "end of condition" if e.token.type == "$END" else repr(str(e.token))
        wanted = sorted({_EXPECTED.get(t, t) for t in e.expected if not t.startswith("__")})
        raise QueryError(f"unexpected {what} at column {e.column}: expected "
                         f"{' or '.join(wanted)}", text, _at(text, e)) from None
    except UnexpectedCharacters as e:
        pos = int(e.pos_in_stream or 0)
        raise QueryError(f"unexpected character {text[pos]!r} at column {e.column}",
                         text, pos) from None
    except UnexpectedInput as e:
        raise QueryError(f"not a condition: {e}", text, _at(text, e)) from None
    return _build(text, tree)


def _at(text: str, e: object) -> int:
    pos = getattr(e, "pos_in_stream", None)
    if pos is None:
        token = getattr(e, "token", None)
        pos = getattr(token, "start_pos", None)
    return len(text) if pos is None else int(pos)


def _build(text: str, tree: Tree) -> Condition:
    metric_tree: Any = tree.children[0]
    rest: list[Any] = tree.children[1:]
    per = None
    if len(rest) == 3:
        per = _period(text, rest[0].children[0])
        rest = rest[1:]
    op, threshold = rest
    name_token = metric_tree.children[0]
    name = str(name_token).lower()
    arg: Token | None = metric_tree.children[1] if len(metric_tree.children) > 1 else None
    fields: dict[str, object] = {}
    if metric_tree.data == "plain":
        if name not in PLAIN:
            _unknown_metric(text, name_token, name)
        kind = "rate" if name in RATES else "number"
    elif name == "anomalies":
        fields.update(_anomaly_filters(text, arg))
        kind = "number"
    elif name in AGGREGATES:
        field, column, kind = _numeric_field(text, name_token, arg)
        fields.update(field=field, column=column)
    else:
        kind = ""
        _unknown_metric(text, name_token, name)
    metric = "error_rate" if name == "failure_rate" else name
    limit = _threshold(text, threshold, kind, metric)
    return Condition(text=text, metric=metric, op=str(op), per_seconds=per, threshold=limit,
                     **fields)  # type: ignore[arg-type]


def _unknown_metric(text: str, token: Token, name: str) -> None:
    import difflib

    known = [*PLAIN, *(f"{a}(FIELD)" for a in AGGREGATES), "anomalies(...)"]
    close = difflib.get_close_matches(name, [*PLAIN, *AGGREGATES, "anomalies"], n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise QueryError(f"unknown metric {name!r}{hint}; known: {', '.join(known)}",
                     text, token.start_pos)


def _numeric_field(text: str, name: Token, arg: Token | None) -> tuple[str, str, str]:
    from orcaops.query.fields import lookup

    field = str(arg or "").strip().lower()
    if field not in NUMERIC_FIELDS:
        raise QueryError(f"{name}() needs a numeric field: {', '.join(NUMERIC_FIELDS)}",
                         text, arg.start_pos if arg is not None else name.end_pos)
    spec, _ = lookup(field)
    assert spec.column is not None
    return spec.name, spec.column, spec.kind


def _anomaly_filters(text: str, arg: Token | None) -> dict[str, str]:
    from orcaops.analytics.common import SEVERITIES

    found: dict[str, str] = {}
    for term in str(arg or "").split():
        key, _, value = term.partition(":")
        key, value = key.lower(), value.lower()
        if key not in ANOMALY_FILTERS or not value:
            raise QueryError(f"anomalies() takes severity:{'|'.join(SEVERITIES)} and "
                             "type:<anomaly type>", text, _arg_pos(text, arg, term))
        if key == "severity" and value not in SEVERITIES:
            raise QueryError(f"unknown severity {value!r}: {', '.join(SEVERITIES)}",
                             text, _arg_pos(text, arg, term))
        found["severity" if key == "severity" else "anomaly_type"] = value
    return found


def _arg_pos(text: str, arg: Token | None, term: str) -> int:
    start = arg.start_pos if arg is not None and arg.start_pos is not None else 0
    return start + max(str(arg).find(term), 0)


def _period(text: str, token: Token) -> float:
    word = str(token).lower()
    try:
        seconds = PERIODS.get(word.rstrip("s")) or units.parse_duration(word)
    except units.BadValue:
        seconds = 0.0
    if seconds <= 0:
        raise QueryError(f"bad period {word!r}: minute, hour, day, week or a duration like 6h",
                         text, token.start_pos)
    return seconds


def _threshold(text: str, token: Token, kind: str, metric: str) -> float:
    """The threshold in the metric's unit; ``5%`` is 0.05 and only fits rates."""
    raw = str(token).lower()
    try:
        if raw.endswith("%"):
            if kind != "rate":
                raise units.BadValue(raw)
            return units.parse_number(raw[:-1]) / 100
        if kind == "rate":
            value = units.parse_number(raw)
            if value > 1:
                raise QueryError(f"{metric} is a fraction from 0 to 1: write {raw}% or "
                                 f"{value / 100:g}", text, token.start_pos)
            return value
        if kind == "duration":
            return units.parse_duration(raw)
        if kind == "memory":
            return units.parse_memory(raw)
        return units.parse_number(raw)
    except units.BadValue:
        wanted = {"rate": "a percentage such as 5% (or a fraction 0.05)",
                  "duration": "a number of seconds or a duration such as 10m",
                  "memory": "a number of MB or a size such as 2GB"}.get(kind, "a number")
        raise QueryError(f"bad threshold {raw!r} for {metric}: expected {wanted}",
                         text, token.start_pos) from None
