"""SQL fragments: text with ``?`` placeholders plus the values bound to them, in order.

Fragments are built only from registry identifiers and constant SQL; every user value travels
in ``params``. Combining fragments concatenates text and params in the same order, which is
the one invariant that keeps placeholders and values aligned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

TRUE = "TRUE"
FALSE = "FALSE"
LOGS = "logs"  # the log-lines view: job_id, level, message, is_error, ...
FLAKY_KEYS = "flaky_keys"  # view provided by analytics: baseline_key of flaky jobs
ANOMALOUS_RUNS = "anomalous_runs"  # view provided by analytics: job_id of anomalous runs
TESTS = "tests"  # the test-cases view: job_id, name, classname, file, status, ...


@dataclass(frozen=True)
class Sql:
    """A boolean SQL expression over the columns of ``runs``.

    Attributes:
        text: SQL with ``?`` placeholders.
        params: the values for the placeholders, in order.
        views: views other than ``runs`` that ``text`` reads (``logs``, ``flaky_keys``...).
    """

    text: str
    params: tuple[Any, ...] = ()
    views: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LogLine:
    """A condition on one row of ``logs``; a run matches when any of its lines does.

    Kept apart from :class:`Sql` until the compiler has seen its neighbours, so that
    ``log:a OR log:b`` becomes one scan of ``logs`` instead of two.
    """

    cond: Sql
    # The ILIKE pattern when ``cond`` is exactly one text match on ``message`` (``log:x``):
    # what the log index can narrow. None for regexes and combined conditions.
    pattern: str | None = None

    def to_sql(self, indexed: bool = False, days: Sql | None = None) -> Sql:
        """The semi-join: runs having at least one matching line.

        Args:
            indexed: read ``logs`` through the log index views (``log_index_lines``,
                ``logs_unindexed``, ``log_postings``, ``log_vocab``) when the pattern allows;
                the result is the same, only faster.
            days: a condition on ``day`` that every run the whole query matches meets
                (``Context.log_days``): only those days' log files are read.
        """
        if indexed and self.pattern is not None:
            from orcaops.query.logindex_sql import INDEX_VIEWS, matching_runs_sql

            bound = days or Sql("")
            found = matching_runs_sql(self.cond.text, self.cond.params, self.pattern,
                                      bound.text, bound.params)
            if found is not None:
                return Sql(f"job_id IN ({found[0]})", found[1],
                           self.cond.views | {LOGS} | INDEX_VIEWS)
        cond = self.cond if days is None else within(self.cond, days)
        where = "" if cond.text == TRUE else f" WHERE {cond.text}"
        return Sql(
            f"job_id IN (SELECT job_id FROM {LOGS}{where})",
            cond.params,
            cond.views | {LOGS},
        )


def sql(text: str, *params: Any, views: Iterable[str] = ()) -> Sql:
    """Shorthand for :class:`Sql`."""
    return Sql(text, tuple(params), frozenset(views))


def join(operator: str, parts: Sequence[Sql]) -> Sql:
    """``(a) AND (b)``: every part parenthesised, params concatenated in order."""
    if len(parts) == 1:
        return parts[0]
    text = f" {operator} ".join(f"({p.text})" for p in parts)
    params = tuple(v for p in parts for v in p.params)
    views = frozenset().union(*(p.views for p in parts))
    return Sql(text, params, views)


def negate(part: Sql) -> Sql:
    """``NOT`` with NULL counted as no match, so ``-image:x`` keeps runs without an image."""
    return Sql(f"NOT coalesce({part.text}, FALSE)", part.params, part.views)


def any_line(lines: Sequence[LogLine]) -> LogLine:
    """Runs with a line matching any of ``lines``: one line condition, one scan."""
    return LogLine(join("OR", [line.cond for line in lines]))


def within(cond: Sql, days: Sql) -> Sql:
    """``cond`` on the log lines of the days ``days`` only; just ``days`` for TRUE."""
    return days if cond.text == TRUE else join("AND", [cond, days])


def all_lines(lines: Sequence[LogLine], days: Sql | None = None) -> Sql:
    """Runs with, for each of ``lines``, some matching line (not necessarily the same one).

    One scan of ``logs``: keep lines matching any condition, then require every condition
    to have matched at least one line of the run. ``days`` as in :meth:`LogLine.to_sql`.
    """
    conds = [line.cond for line in lines]
    where = join("OR", conds)
    if days is not None:
        where = within(where, days)
    having = " AND ".join(f"bool_or({c.text})" for c in conds)
    params = where.params + tuple(v for c in conds for v in c.params)
    return Sql(
        f"job_id IN (SELECT job_id FROM {LOGS} WHERE {where.text} "
        f"GROUP BY job_id HAVING {having})",
        params,
        where.views | {LOGS},
    )


class Conditions:
    """An AND of SQL conditions and their values, built one optional filter at a time.

    >>> c = Conditions("ts IS NOT NULL")
    >>> c.add("ts >= ?", since)           # doctest: +SKIP
    >>> f"SELECT * FROM t WHERE {c.sql}", c.params   # doctest: +SKIP
    """

    def __init__(self, *always: str) -> None:
        self.parts: list[str] = list(always)
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> Conditions:
        """AND one condition; ``params`` fill its ``?`` placeholders in order."""
        if text.count("?") != len(params):
            raise ValueError(f"{text!r} has {text.count('?')} placeholders, {len(params)} values")
        self.parts.append(text)
        self.params.extend(params)
        return self

    def add_if(self, value: Any, text: str) -> Conditions:
        """AND ``text`` with ``value`` for its one placeholder, unless ``value`` is None."""
        return self if value is None else self.add(text, value)

    @property
    def sql(self) -> str:
        """The conditions joined by AND (``TRUE`` when there are none); a condition holding
        OR must bring its own parentheses."""
        return " AND ".join(self.parts) or TRUE
