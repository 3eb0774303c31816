"""Search over runs: run a plan from ``orcaops.query.plan`` and shape what it found.

``search_frames`` (polars, for Python users) and ``search_rows`` (plain tuples, for the CLI's
cold path: no polars, no pyarrow) run the same plan through the same ``_execute``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from orcaops.core.vocabulary import DEFAULT_SORT
from orcaops.query.plan import SearchSQL, compile_search, facet_records

if TYPE_CHECKING:
    import polars as pl

    from orcaops.warehouse.connection import Reader

T = TypeVar("T")


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
        from orcaops.core.render import row_records

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
        from orcaops.core.render import frame_records

        return {
            "total": self.total,
            "runs": frame_records(self.runs),
            "facets": {k: frame_records(v) for k, v in self.facets.items()},
        }

    def _repr_html_(self) -> str:
        return f"<p>{self.total} runs</p>" + self.runs._repr_html_()


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
                sort: str = DEFAULT_SORT, facets: bool = False,
                now: datetime | None = None) -> SearchRows:
    """Runs matching ``query`` as plain rows, with the total and facets (no polars)."""
    plan = compile_search(query, limit=limit, sort=sort, now=now)
    (columns, rows), total, found = _execute(reader, plan, facets, reader.records)
    return SearchRows(columns, rows, total, found, plan.render())


def search_frames(reader: Reader, query: str = "", *, limit: int | None = 50,
                  sort: str = DEFAULT_SORT, facets: bool = False,
                  now: datetime | None = None) -> SearchResult:
    """Runs matching ``query`` as a DataFrame, with the total and facets."""
    plan = compile_search(query, limit=limit, sort=sort, now=now)
    runs, total, found = _execute(reader, plan, facets, reader.frame)
    return SearchResult(runs=runs, total=total, facets=facet_frames(found) if facets else {},
                        sql=plan.render())
