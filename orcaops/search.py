"""Search over runs: the compiled query plus sort, limit, total and facets.

``compile_search`` is the pure twin of ``Warehouse.search``: it returns the SQL it would run
(``--show-sql``), with every user value a bound parameter. ``search_frames`` (polars, for
Python users) and ``search_rows`` (plain tuples, for the CLI's cold path: no polars, no
pyarrow) run the same plan through the same ``_execute``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import polars as pl

    from orcaops.warehouse.connection import Reader

T = TypeVar("T")

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


@dataclass
class SearchRows:
    """What a search found, as plain rows (what ``orcaops runs search`` prints)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    total: int
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sql: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` document: ``{total, runs, facets}``."""
        from orcaops.render import row_records

        return {"total": self.total, "runs": row_records(self.columns, self.rows),
                "facets": self.facets}


@dataclass
class SearchResult:
    """What ``Warehouse.search`` returns."""

    runs: pl.DataFrame
    total: int
    facets: dict[str, pl.DataFrame] = field(default_factory=dict)
    sql: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` document: ``{total, runs, facets}``."""
        from orcaops.render import frame_records

        return {
            "total": self.total,
            "runs": frame_records(self.runs),
            "facets": {k: frame_records(v) for k, v in self.facets.items()},
        }

    def _repr_html_(self) -> str:
        return f"<p>{self.total} runs</p>" + self.runs._repr_html_()


def facets_sql(where: str, fields: list[str] | None = None) -> str:
    """One query computing every facet over the filtered runs in a single scan of them."""
    wanted = fields or list(FACET_FIELDS)
    unknown = [f for f in wanted if f not in FACET_FIELDS]
    if unknown:
        from orcaops.errors import InputError

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


def compile_search(query: str = "", *, limit: int | None = 50, sort: str = "-started_at",
                   now: datetime | None = None, facet_fields: list[str] | None = None,
                   log_index: bool = True) -> SearchSQL:
    """The SQL a search would run, without running it.

    Args:
        log_index: read ``log:`` terms through the log index (what searches run); False
            gives the plain semi-join on the ``logs`` view, the same answer in SQL a person
            reads and runs as it is (``--show-sql``).
    """
    from orcaops.errors import InputError
    from orcaops.query import compile_query, compile_sort

    compiled = compile_query(query or "", now=now, log_index=log_index)
    order = compile_sort(sort or "-started_at")
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


def facet_frames(found: dict[str, list[dict[str, Any]]]) -> dict[str, pl.DataFrame]:
    """Facet records as one small ``value, count`` DataFrame per facet."""
    import polars as pl

    schema = {"value": pl.String, "count": pl.Int64}
    return {name: pl.DataFrame(items, schema=schema) if items
            else pl.DataFrame(schema=schema) for name, items in found.items()}


def _page_size(page: Any) -> int:
    """Rows on a page: a DataFrame, or ``(columns, rows)`` from the row reader."""
    return int(page.height) if hasattr(page, "height") else len(page[1])


def _execute(reader: Reader, plan: SearchSQL, facets: bool,
             fetch: Callable[[str, tuple[Any, ...]], T]
             ) -> tuple[T, int, dict[str, list[dict[str, Any]]]]:
    page = fetch(plan.page_sql, plan.page_params)
    facet_rows = reader.rows(plan.facets_sql, plan.params) if facets else []
    found = facet_records(facet_rows) if facets else {}
    shown = _page_size(page)
    # The total costs a second scan only when the page was cut short and no facet counted it.
    if plan.limit is None or shown < plan.limit:
        return page, shown, found
    if facets and "status" in plan.facet_names:
        return page, sum(int(n) for facet, _, n in facet_rows if facet == "status"), found
    total = reader.rows(plan.count_sql, plan.params)
    return page, int(total[0][0] if total else 0), found


def search_rows(reader: Reader, query: str = "", *, limit: int | None = 50,
                sort: str = "-started_at", facets: bool = False,
                now: datetime | None = None) -> SearchRows:
    """Runs matching ``query`` as plain rows, with the total and facets (no polars)."""
    plan = compile_search(query, limit=limit, sort=sort, now=now)
    (columns, rows), total, found = _execute(reader, plan, facets, reader.records)
    return SearchRows(columns, rows, total, found, plan.render())


def search_frames(reader: Reader, query: str = "", *, limit: int | None = 50,
                  sort: str = "-started_at", facets: bool = False,
                  now: datetime | None = None) -> SearchResult:
    """Runs matching ``query`` as a DataFrame, with the total and facets."""
    plan = compile_search(query, limit=limit, sort=sort, now=now)
    runs, total, found = _execute(reader, plan, facets, reader.frame)
    return SearchResult(runs=runs, total=total, facets=facet_frames(found) if facets else {},
                        sql=plan.render())
