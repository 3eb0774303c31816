"""What ``orcaops runs search`` does once its arguments are known.

One function for both ways in: the typer command (``orcaops.cli.runs.search``) and the
typer-free path of a cold ``runs search`` (``orcaops.cli.fastpath``). No typer here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orcaops.cli.common import check_format, emit, out, reader, show_result, warehouse

if TYPE_CHECKING:
    from orcaops.cli.common import Ctx


def run_search(ctx: Ctx, query: str, *, limit: int, sort: str, facets: bool, fmt: str,
               output: Path | None, show_sql: bool, interactive: bool) -> None:
    """Search runs and print them (the body of ``orcaops runs search``)."""
    if show_sql:
        from orcaops.query.plan import compile_search

        out(compile_search(query, limit=limit, sort=sort, log_index=False).render(facets))
        return
    check_format(fmt, output)
    if interactive:
        from orcaops.cli.interactive import search_loop

        search_loop(warehouse(ctx), query, limit=limit, sort=sort)
        return
    if fmt not in ("table", "json"):
        emit(warehouse(ctx).search(query, limit=limit, sort=sort).runs, fmt, output)
        return
    # Table and JSON come straight from DuckDB rows: no polars or pyarrow on this path.
    from orcaops.warehouse.search import search_rows

    result = search_rows(reader(ctx), query, limit=limit, sort=sort,
                         facets=facets or fmt == "json")
    if fmt == "table":
        show_result(result, facets)
    else:
        emit(result.to_dict(), "json", output)
