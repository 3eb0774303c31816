"""OrcaOps over the wire: an HTTP API (FastAPI) and an MCP server, both thin layers over the
``Warehouse`` methods the CLI calls.

Nothing here is imported by the rest of the package: ``fastapi``, ``uvicorn`` and ``mcp`` are
optional extras (``orcaops[server]``, ``orcaops[mcp]``) loaded only by ``orcaops serve`` and
``orcaops mcp``.
"""
