"""The OrcaOps search language (docs/QUERY.md): ``status:failed image:python* duration:>60``.

Pipeline: ``grammar.lark`` → :func:`parse_query` (a syntax tree of ``orcaops.query.ast``
nodes) → :func:`compile_query` (a WHERE expression over the ``runs`` view with ``?``
parameters) and :func:`compile_sort` for ``--sort``. Fields live in ``orcaops.query.fields``.

The compiled SQL may read, besides ``runs``: ``logs`` (log:, error:, level:, has:log) and two
views the analytics layer provides: ``flaky_keys(baseline_key)`` for ``is:flaky`` and
``anomalous_runs(job_id)`` for ``is:anomalous``. :attr:`CompiledQuery.views` says which.
"""

from __future__ import annotations

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
