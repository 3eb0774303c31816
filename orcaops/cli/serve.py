"""``orcaops serve`` (the HTTP API) and ``orcaops mcp`` (the MCP server for agents).

FastAPI, uvicorn and mcp are optional extras, imported only when one of these commands runs,
so the rest of the CLI starts without them.
"""

from __future__ import annotations

import importlib
import sys

import typer

from orcaops.cli import app
from orcaops.cli.common import warehouse
from orcaops.core.errors import InputError


def need_extra(command: str, extra: str, *modules: str) -> None:
    """InputError naming the pip extra when a module ``command`` needs is not installed."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise InputError(f"{command} needs the {extra} extra: "
                             f"pip install 'orcaops[{extra}]'") from None


def check_exposure(host: str, api_key: str | None) -> None:
    """Refuse to serve other machines without a key; warn when serving them at all.

    The API reads every run, log line and SQL view and records acknowledgements, so on a
    non-loopback address an API key is required, not merely advised.
    """
    from orcaops.server.auth import is_loopback

    if is_loopback(host):
        return
    if not api_key:
        raise InputError(f"--host {host} is reachable from other machines: give an API key "
                         "(--api-key or ORCAOPS_API_KEY), or serve on 127.0.0.1")
    sys.stderr.write(f"warning: serving on {host}, reachable from other machines; every "
                     "request must carry the API key (use TLS in front of it)\n")


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to bind; other than loopback needs an API key."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to listen on."),
    api_key: str | None = typer.Option(
        None, "--api-key", envvar="ORCAOPS_API_KEY", show_default=False,
        help="Require this key (Authorization: Bearer KEY or X-API-Key: KEY) on every "
             "/orcaops route. Prefer the ORCAOPS_API_KEY variable: arguments show in ps."),
    log_level: str = typer.Option("info", "--log-level",
                                  help="uvicorn log level: debug, info, warning, error."),
    query_timeout: float = typer.Option(
        30.0, "--query-timeout", min=0.1,
        help="Seconds a request's query may run before it is stopped (a 400 error)."),
    alert_interval: float | None = typer.Option(
        None, "--alert-interval", min=1.0, show_default=False,
        help="Check the alert rules every this many seconds while serving."),
) -> None:
    """Serve the HTTP API (FastAPI): search, runs, logs, summaries, metrics, anomalies,
    baselines, recommendations, forecasts, alerts; the OpenAPI schema at /openapi.json, docs
    at /docs, and Prometheus metrics at /metrics (runs, durations, open anomalies, alert
    states). With --alert-interval, checks the alert rules on that interval.

    Example: ORCAOPS_API_KEY=s3cret orcaops serve --host 127.0.0.1 --port 8765
    """
    need_extra("orcaops serve", "server", "fastapi", "uvicorn", "prometheus_client")
    check_exposure(host, api_key)
    import uvicorn

    from orcaops.server.http import create_app

    api = create_app(warehouse(ctx), api_key, query_timeout=query_timeout,
                     alert_interval=alert_interval)
    checked = f", alert rules checked every {alert_interval:g}s" if alert_interval else ""
    sys.stderr.write(f"OrcaOps API on http://{host}:{port}/orcaops (docs: /docs)"
                     f"{', API key required' if api_key else ''}{checked}\n")
    uvicorn.run(api, host=host, port=port, log_level=log_level)


@app.command("mcp")
def mcp(ctx: typer.Context, query_timeout: float = typer.Option(
        30.0, "--query-timeout", min=0.1,
        help="Seconds a query may run before it is stopped (the tool answers an error).")
        ) -> None:
    """Serve the agent tools over MCP on stdin/stdout (search, runs, logs, summaries,
    debugging, anomalies, baselines, recommendations, forecasts, read-only SQL).

    Example: orcaops --home ~/.orcaops mcp
    """
    need_extra("orcaops mcp", "mcp", "mcp")
    from orcaops.server.mcp_server import serve_stdio

    serve_stdio(warehouse(ctx), query_timeout)
