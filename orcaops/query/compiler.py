"""Syntax tree → a SQL WHERE expression over the ``runs`` view, with bound parameters.

The compiler visits nodes with one ``visit_<Node>`` method per class. Log conditions stay
:class:`~orcaops.query.sql.LogLine` until their neighbours are known, so that ORs of log
conditions share one scan of ``logs`` and ANDs of them one grouped scan. Every scan of
``logs`` reads only the days of the query's top-level window (``orcaops.query.window``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from orcaops.core.config import analysis_now
from orcaops.query import ast, predicates
from orcaops.query.context import Context
from orcaops.query.parser import parse_query, printable
from orcaops.query.sql import FALSE, LOGS, TRUE, LogLine, Sql, all_lines, any_line, join, negate
from orcaops.query.window import query_days

Part = Sql | LogLine


@dataclass(frozen=True)
class CompiledQuery:
    """A compiled search: a boolean SQL expression and the values for its ``?`` placeholders.

    Use as ``SELECT ... FROM runs WHERE {where}`` with ``params``. Column names are
    unqualified columns of the ``runs`` view.

    Attributes:
        where: the condition; ``"TRUE"`` for an empty query.
        params: values for the ``?`` placeholders, in order.
        text: the query as typed.
        views: views besides ``runs`` the condition reads: ``logs``, and ``flaky_keys`` /
            ``anomalous_runs`` (provided by the analytics layer) for ``is:flaky`` /
            ``is:anomalous``.
    """

    where: str
    params: tuple[Any, ...]
    text: str
    views: frozenset[str] = frozenset()

    @property
    def uses_logs(self) -> bool:
        """Whether the condition reads the ``logs`` view (log:, error:, level:)."""
        return LOGS in self.views


def compile_query(text: str, *, now: datetime | None = None,
                  log_index: bool = False) -> CompiledQuery:
    """Compile a search query to a WHERE expression over ``runs``.

    Args:
        text: the query, e.g. ``'status:failed after:-7d log:"connection refused"'``.
        now: the instant that ``-7d``, ``today`` and ``yesterday`` are relative to; defaults to
            the current time. A naive datetime is taken as UTC.
        log_index: let ``log:`` terms read the log index views (``orcaops.warehouse.logindex``)
            instead of scanning every line; same answers. Needs a reader that defines them.

    Returns:
        The condition, its parameters and the views it reads.

    Raises:
        QueryError: syntax errors, unknown fields, values a field does not accept.
    """
    tree = parse_query(text)
    return compile_node(tree, text=text, now=now, log_index=log_index)


def compile_node(node: ast.Node, *, text: str = "", now: datetime | None = None,
                 log_index: bool = False) -> CompiledQuery:
    """Compile an already parsed (or hand-built) syntax tree; see :func:`compile_query`."""
    moment = now or analysis_now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    ctx = Context(printable(text), moment.astimezone(timezone.utc), log_index)
    ctx = replace(ctx, log_days=query_days(ctx, node).bound())
    result = Compiler(ctx).compile(node)
    return CompiledQuery(result.text, result.params, text, result.views)


# A keyword standing where a term should (``a AND AND b``) is lexed as a word by the contextual
# lexer: searching for the text "AND" is never what was meant.
_KEYWORDS = frozenset({"AND", "OR", "NOT"})


class Compiler:
    """Visits syntax-tree nodes; one ``visit_<Node>`` per node class."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def compile(self, node: ast.Node) -> Sql:
        """The whole tree as one condition on runs."""
        return self._as_sql(self.visit(node))

    def visit(self, node: ast.Node) -> Part:
        """Dispatch to ``visit_<class name>``.

        Raises:
            TypeError: the node class has no compiler rule (a programming error, not bad input).
        """
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise TypeError(
                f"no compiler rule for {type(node).__name__}; add Compiler.visit_"
                f"{type(node).__name__}"
            )
        result: Part = method(node)
        return result

    def visit_MatchAll(self, node: ast.MatchAll) -> Part:
        return Sql(TRUE)

    def visit_Term(self, node: ast.Term) -> Part:
        if isinstance(node.value, ast.Word) and not node.value.raw:
            raise self.ctx.error(f"Empty value for {node.field}", node.value.pos,
                                 [f"a value after {node.field}: (an empty one would match "
                                  "every run)"])
        return predicates.compile_term(self.ctx, node)

    def visit_Bare(self, node: ast.Bare) -> Part:
        word = node.value
        if not word.quoted and word.raw.upper() in _KEYWORDS:
            raise self.ctx.error(f"{word.raw.upper()} where a search term should be", word.pos,
                                 ['a term such as tag:pr (quote "and" to search for the word)'])
        if not word.quoted and word.raw.startswith(":"):
            raise self.ctx.error("Missing field name before ':'", word.pos,
                                 ["field:value such as status:failed (quote text that "
                                  "starts with ':')"])
        if not word.raw:
            raise self.ctx.error("Empty phrase", word.pos,
                                 ["text inside the quotes (an empty one would match every run)"])
        return predicates.compile_bare(self.ctx, word)

    def visit_Not(self, node: ast.Not) -> Part:
        return negate(self._as_sql(self.visit(node.item)))

    def visit_And(self, node: ast.And) -> Part:
        if not node.items:
            return Sql(TRUE)
        parts = [self.visit(item) for item in node.items]
        lines = [p for p in parts if isinstance(p, LogLine)]
        if len(lines) == 1 and len(parts) == 1:
            return lines[0]
        merged = all_lines(lines, self.ctx.log_days) if len(lines) > 1 else None
        return join("AND", self._merge_lines(parts, merged))

    def visit_Or(self, node: ast.Or) -> Part:
        if not node.items:
            return Sql(FALSE)
        parts = [self.visit(item) for item in node.items]
        lines = [p for p in parts if isinstance(p, LogLine)]
        if len(lines) == len(parts):
            return any_line(lines)  # still a line condition: may merge further up
        merged = any_line(lines).to_sql(days=self.ctx.log_days) if len(lines) > 1 else None
        return join("OR", self._merge_lines(parts, merged))

    def _merge_lines(self, parts: Sequence[Part], merged: Sql | None) -> list[Sql]:
        """Parts as Sql; if ``merged`` is given it replaces the log lines, at the first one's
        place."""
        out: list[Sql] = []
        for part in parts:
            if isinstance(part, LogLine) and merged is not None:
                if merged not in out:
                    out.append(merged)
                continue
            out.append(self._as_sql(part))
        return out

    def _as_sql(self, part: Part) -> Sql:
        if isinstance(part, LogLine):
            return part.to_sql(self.ctx.log_index, self.ctx.log_days)
        return part
