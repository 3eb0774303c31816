"""SQL that runs as printed: ``?`` placeholders replaced by safe SQL literals.

What ``--show-sql`` and ``SearchResult.sql`` show, so a user can paste it into ``orcaops sql``
or a DuckDB shell. Queries themselves always run with bound parameters; this text is only
ever shown. Every literal is typed or quoted (a string doubles its ``'``), so no value can
change the statement's shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any


def sql_literal(value: Any) -> str:
    """One value as a DuckDB literal: ``NULL``, ``TRUE``, ``42``, ``'it''s'``, ``DATE '…'``."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"'{value}'::DOUBLE"
    if isinstance(value, datetime):
        kind = "TIMESTAMPTZ" if value.tzinfo else "TIMESTAMP"
        return f"{kind} '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(sql_literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def inline_params(sql: str, params: Sequence[Any]) -> str:
    """``sql`` with each ``?`` outside quotes replaced by the next parameter's literal.

    Raises:
        ValueError: the placeholders and the parameters do not pair up (a programming error).
    """
    out: list[str] = []
    values = iter(params)
    quote = ""
    for char in sql:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            try:
                char = sql_literal(next(values))
            except StopIteration:
                raise ValueError("more ? placeholders than parameters") from None
        out.append(char)
    if next(values, _END) is not _END:
        raise ValueError("more parameters than ? placeholders")
    return "".join(out)


_END = object()
