"""A search's DuckDB SQL for other engines reading the same Delta tables (``--dialect``).

sqlglot transpiles the SQL ``--show-sql`` prints (literals inlined) to Spark SQL (also
Databricks) or Trino. The result is only printed, never run here: no Spark or Trino runs on
these machines, so the transpiled text is unverified (docs/ARCHITECTURE.md, "Engines").
"""

from __future__ import annotations

from typing import Any

from orcaops.core.errors import InputError

DIALECTS = ("duckdb", "spark", "databricks", "trino")


def check_dialect(name: str) -> str:
    """The dialect's canonical name.

    Raises:
        InputError: not one of ``DIALECTS``.
    """
    dialect = (name or "").strip().lower()
    if dialect not in DIALECTS:
        raise InputError(f"unknown SQL dialect {name!r}; dialects: {', '.join(DIALECTS)}")
    return dialect


def transpile_sql(sql: str, dialect: str) -> str:
    """``sql`` (DuckDB, one or more statements) in ``dialect``, pretty-printed.

    Raises:
        InputError: an unknown dialect, or SQL sqlglot cannot carry over.
    """
    dialect = check_dialect(dialect)
    if dialect == "duckdb":
        return sql
    import sqlglot  # only for --dialect
    from sqlglot.errors import SqlglotError

    try:
        trees = [_portable(tree) for tree in sqlglot.parse(sql, read="duckdb") if tree]
        out = [tree.sql(dialect=dialect, pretty=True,
                        unsupported_level=sqlglot.ErrorLevel.RAISE) for tree in trees]
    except SqlglotError as e:
        raise InputError(f"this query cannot be written for {dialect}: "
                         f"{str(e).splitlines()[0]}") from None
    return ";\n".join(out) + ";"


def _portable(tree: Any) -> Any:
    """Drop what only DuckDB needs: ``AS MATERIALIZED`` (a planner hint) and
    ``TRY_CAST(metadata AS JSON)`` (the column holds JSON text, which Spark's
    ``get_json_object`` and Trino's ``json_extract_scalar`` read as it is)."""
    from sqlglot import exp

    for cte in tree.find_all(exp.CTE):
        cte.set("materialized", None)
    for cast in list(tree.find_all(exp.Cast)):
        if cast.to.is_type(exp.DataType.Type.JSON):
            cast.replace(cast.this)
    return tree
