"""The OrcaOps search language (docs/QUERY.md): ``status:failed image:python* duration:>60``.

Pipeline: ``grammar.lark`` → :func:`parse_query` (a syntax tree of ``orcaops.query.ast``
nodes) → :func:`compile_query` (a WHERE expression over the ``runs`` view with ``?``
parameters) and :func:`compile_sort` for ``--sort``. Fields live in ``orcaops.query.fields``.

The compiled SQL may read, besides ``runs``: ``logs`` (log:, error:, level:, has:log) and two
views the analytics layer provides: ``flaky_keys(baseline_key)`` for ``is:flaky`` and
``anomalous_runs(job_id)`` for ``is:anomalous``. :attr:`CompiledQuery.views` says which.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orcaops.query.ast import Node
    from orcaops.query.compiler import CompiledQuery, compile_node, compile_query
    from orcaops.query.parser import MAX_QUERY_LENGTH, MAX_QUERY_TERMS, parse_query
    from orcaops.query.sort import compile_sort

__all__ = [
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_TERMS",
    "CompiledQuery",
    "Node",
    "compile_node",
    "compile_query",
    "compile_sort",
    "parse_query",
]

# Imported on first use, so a module that needs only ``query.sql`` (the store's named reads)
# does not load the parser.
_HOMES = {"Node": "ast", "CompiledQuery": "compiler", "compile_node": "compiler",
          "compile_query": "compiler", "MAX_QUERY_LENGTH": "parser",
          "MAX_QUERY_TERMS": "parser", "parse_query": "parser", "compile_sort": "sort"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"orcaops.query.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'orcaops.query' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
