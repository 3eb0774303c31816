"""A search's plan: the compiled query plus sort, limit, total and facets, as SQL.

``compile_search`` is pure: it returns what ``Warehouse.search`` would run (``--show-sql``),
with every user value a bound parameter. ``orcaops.warehouse.search`` executes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orcaops.core.errors import InputError
from orcaops.core.vocabulary import DEFAULT_SORT

FACET_FIELDS: dict[str, str] = {
    "status": "status",
    "image": "image",
    "tag": "tag",
    "triggered_by": "triggered_by",
    "exit_code": "exit_code",
    "failure_category": "failure_category",
    "day": "day",
}
FACET_LIMIT = 25


@dataclass(frozen=True)
class SearchSQL:
    """Everything a search runs: the page of runs, the total, and the facets."""

    where: str
    params: tuple[Any, ...]
    page_sql: str
    page_params: tuple[Any, ...]
    count_sql: str
    facets_sql: str
    limit: int | None = None
    facet_names: tuple[str, ...] = ()

    def render(self, facets: bool = False) -> str:
        """The page query (and the facets query) as SQL that runs as printed."""
        from orcaops.query.inline import inline_params

        text = inline_params(self.page_sql, self.page_params) + ";"
        if facets:
            text += "\n-- facets:\n" + inline_params(self.facets_sql, self.params) + ";"
        return text


def facets_sql(where: str, fields: list[str] | None = None) -> str:
    """One query computing every facet over the filtered runs in a single scan of them."""
    wanted = fields or list(FACET_FIELDS)
    unknown = [f for f in wanted if f not in FACET_FIELDS]
    if unknown:
        raise InputError(f"unknown facet {unknown[0]!r}; facets: {', '.join(FACET_FIELDS)}")
    parts = []
    for name in wanted:
        if name == "tag":
            src = "(SELECT unnest(tags) AS v FROM hits)"
            parts.append(f"SELECT 'tag' AS facet, v::VARCHAR AS value, count(*) AS count "
                         f"FROM {src} GROUP BY v")
        else:
            col = FACET_FIELDS[name]
            parts.append(f"SELECT '{name}' AS facet, {col}::VARCHAR AS value, count(*) AS count "
                         f"FROM hits GROUP BY {col}")
    # The shared scan keeps only the columns the facets count (not every column of runs).
    columns = ", ".join(dict.fromkeys("tags" if n == "tag" else FACET_FIELDS[n] for n in wanted))
    return (f"WITH hits AS MATERIALIZED (SELECT {columns} FROM runs WHERE {where})\n"
            + "\nUNION ALL ".join(parts))


def compile_search(query: str = "", *, limit: int | None = 50, sort: str = DEFAULT_SORT,
                   now: datetime | None = None, facet_fields: list[str] | None = None,
                   log_index: bool = True) -> SearchSQL:
    """The SQL a search would run, without running it.

    Args:
        log_index: read ``log:`` terms through the log index (what searches run); False
            gives the plain semi-join on the ``logs`` view, the same answer in SQL a person
            reads and runs as it is (``--show-sql``).
    """
    from orcaops.query import compile_query, compile_sort

    compiled = compile_query(query or "", now=now, log_index=log_index)
    order = compile_sort(sort or DEFAULT_SORT)
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise InputError(f"limit must be a whole number >= 0, got {limit!r}")
    page = f"SELECT * FROM runs WHERE {compiled.where}\nORDER BY {order}, job_id"
    page_params = tuple(compiled.params)
    if limit is not None:
        page += "\nLIMIT ?"
        page_params += (limit,)
    return SearchSQL(
        where=compiled.where, params=tuple(compiled.params), page_sql=page,
        page_params=page_params, limit=limit,
        facet_names=tuple(facet_fields or FACET_FIELDS),
        count_sql=f"SELECT count(*) FROM runs WHERE {compiled.where}",
        facets_sql=facets_sql(compiled.where, facet_fields))


def facet_records(rows: list[tuple[Any, ...]], fields: list[str] | None = None,
                  limit: int = FACET_LIMIT) -> dict[str, list[dict[str, Any]]]:
    """Split the long (facet, value, count) rows per facet, biggest counts first."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in fields or list(FACET_FIELDS)}
    for facet, value, count in rows:
        if facet in out:
            out[facet].append({"value": value, "count": int(count)})
    for name, items in out.items():
        items.sort(key=lambda r: (-r["count"], r["value"] is None, r["value"] or ""))
        del items[limit:]
    return out
