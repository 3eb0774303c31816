"""What ``orcaops runs search`` does once its arguments are known.

One function for both ways in: the typer command (``orcaops.cli.runs.search``) and the
typer-free path of a cold ``runs search`` (``orcaops.cli.fastpath``). No typer here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orcaops.cli.common import (check_format, emit, engine_warehouse, out, reader, show_result,
                                warehouse)
from orcaops.core.errors import InputError

if TYPE_CHECKING:
    from orcaops.cli.common import Ctx


def run_search(ctx: Ctx, query: str, *, limit: int, sort: str, facets: bool, fmt: str,
               output: Path | None, show_sql: bool, interactive: bool,
               engine: str = "duckdb", ray_address: str | None = None,
               dialect: str | None = None) -> None:
    """Search runs and print them (the body of ``orcaops runs search``)."""
    from orcaops.engines import check_engine

    engine = check_engine(engine)
    if dialect is not None:
        from orcaops.query.dialects import check_dialect

        check_dialect(dialect)
        if not show_sql:
            raise InputError("--dialect goes with --show-sql (it prints SQL for another "
                             "engine; nothing runs it here)")
    if show_sql:
        from orcaops.query.plan import compile_search

        sql = compile_search(query, limit=limit, sort=sort, log_index=False).render(facets)
        if dialect is not None:
            from orcaops.query.dialects import transpile_sql

            sql = transpile_sql(sql, dialect)
        out(sql)
        return
    check_format(fmt, output)
    if engine != "duckdb":
        _engine_search(ctx, query, limit=limit, sort=sort, facets=facets, fmt=fmt,
                       output=output, interactive=interactive, engine=engine,
                       ray_address=ray_address)
        return
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


def _engine_search(ctx: Ctx, query: str, *, limit: int, sort: str, facets: bool, fmt: str,
                   output: Path | None, interactive: bool, engine: str,
                   ray_address: str | None) -> None:
    """``runs search --engine daft``: the same output, computed by another engine."""
    if interactive:
        raise InputError(f"--interactive runs on DuckDB only; drop --engine {engine}")
    result = engine_warehouse(ctx, engine, ray_address).search(
        query, limit=limit, sort=sort, facets=facets or fmt == "json")
    if fmt == "table":
        show_result(result, facets)
    elif fmt == "json":
        emit(result.to_dict(), "json", output)
    else:
        emit(result.runs, fmt, output)
