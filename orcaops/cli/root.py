"""The typer application: the root command and its ``--home`` option.

Built on first use of ``orcaops.cli.app`` (importing typer and click is a large part of a cold
call, and typer builds a pydantic TypeAdapter per parameter it parses): a plain ``runs search``
runs without it (``orcaops.cli.fastpath``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    name="orcaops", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False, rich_markup_mode=None,
    help="Run jobs and turn every run into a queryable data point.\n\n"
         "Example: orcaops runs search \"status:failed image:python* duration:>60\"")


@app.callback()
def _root(ctx: typer.Context,
          home: Optional[str] = typer.Option(
              None, "--home", envvar="ORCAOPS_HOME",
              help="The OrcaOps home: a folder, or s3://bucket/prefix with the endpoint, "
                   "region and keys in the standard AWS_* variables (default ~/.orcaops).")
          ) -> None:
    """Run jobs and turn every run into a queryable data point.

    Example: orcaops --home /tmp/oo runs search "status:failed after:-7d"
    """
    # A folder as a Path (as before); an object-store URL as written (a Path would fold "//").
    ctx.ensure_object(dict)["home"] = home if home is None or home.startswith("s3://") \
        else Path(home)
