"""The MCP server (``orcaops mcp``): the tools of ``mcp_tools`` over stdio, for agents.

Each tool's JSON schema comes from its method's signature and its description from the
docstring. Library errors (a bad query with its caret, an unknown id) come back to the agent
as tool errors carrying the CLI's message, so it can correct the call; anything else is a bug
and is logged with its traceback on stderr (stdout is the protocol).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import mcp_types
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

import orcaops
from orcaops.api import Warehouse
from orcaops.core.errors import OrcaOpsError
from orcaops.server.mcp_tools import OrcaOpsTools

INSTRUCTIONS = """OrcaOps stores every job run (record, parsed log lines, resource samples).
Start with orcaops_search_runs (query language: status:failed image:python* duration:>60
after:-7d), open a run with orcaops_get_run / orcaops_get_logs, explain a failure with
orcaops_debug_job, and check orcaops_check_anomalies, orcaops_get_recommendations and
orcaops_forecast for the bigger picture. Lists are truncated: each answer says its total."""

# Tools whose effects are limited to the history's actions table (acks, resets, decisions).
_WRITE_ANNOTATION = mcp_types.ToolAnnotations(read_only_hint=False, destructive_hint=False,
                                              idempotent_hint=True, open_world_hint=False)
_READ_ANNOTATION = mcp_types.ToolAnnotations(read_only_hint=True, open_world_hint=False)


def tool_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with library errors turned into tool errors the agent reads and acts on."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except OrcaOpsError as e:
            raise ToolError(f"{type(e).__name__}: {e}") from None

    return call


def create_mcp(wh: Warehouse, query_timeout: float | None = 30.0) -> MCPServer:
    """An MCP server whose tools read (and acknowledge, reset, decide on) ``wh``.

    Args:
        query_timeout: seconds a query may run before DuckDB interrupts it (the tool then
            answers an error saying so), as ``orcaops serve`` does; None: no bound.
    """
    wh.reader.timeout = wh.user_sql.timeout = query_timeout
    server: MCPServer = MCPServer(name="orcaops", instructions=INSTRUCTIONS,
                                  version=orcaops.__version__)
    tools = OrcaOpsTools(wh)
    for name in tools.READ_ONLY + tools.WRITES:
        method = getattr(tools, name)
        annotation = _WRITE_ANNOTATION if name in tools.WRITES else _READ_ANNOTATION
        server.add_tool(tool_errors(method), name=name, annotations=annotation,
                        description=inspect.cleandoc(method.__doc__ or ""))
    return server


def serve_stdio(wh: Warehouse, query_timeout: float | None = 30.0) -> None:
    """Serve the tools over stdin/stdout until the client disconnects."""
    create_mcp(wh, query_timeout).run("stdio")
