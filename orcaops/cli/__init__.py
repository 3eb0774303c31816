"""The ``orcaops`` command: a thin layer over the library (DESIGN.md §6).

Each command reads its options, calls one library function and renders the result. Library
errors (``OrcaOpsError``) are turned into a message on stderr and an exit code here, in one
place: 2 for bad input, 1 for runtime failures. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    name="orcaops", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False, rich_markup_mode=None,
    help="Run jobs and turn every run into a queryable data point.\n\n"
         "Example: orcaops runs search \"status:failed image:python* duration:>60\"")

# Command modules, each adding its commands to `app`; imported when the CLI starts.
COMMAND_MODULES = ("orcaops.cli.data", "orcaops.cli.runs")


@app.callback()
def _root(ctx: typer.Context,
          home: Optional[Path] = typer.Option(
              None, "--home", envvar="ORCAOPS_HOME",
              help="The OrcaOps home (default ~/.orcaops).")) -> None:
    """Run jobs and turn every run into a queryable data point.

    Example: orcaops --home /tmp/oo runs search "status:failed after:-7d"
    """
    ctx.ensure_object(dict)["home"] = home


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``orcaops`` console script."""
    from orcaops.errors import OrcaOpsError

    _register()
    try:
        code = app(args=argv, standalone_mode=False)
    except OrcaOpsError as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except _click_exceptions() as e:
        _exit_click(e)
    else:
        if isinstance(code, int) and code:
            sys.exit(code)


def _click_exceptions() -> tuple[type[BaseException], ...]:
    import click

    return (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort)


def _exit_click(e: BaseException) -> None:
    import click

    if isinstance(e, click.exceptions.Exit):
        sys.exit(e.exit_code)
    if isinstance(e, click.exceptions.Abort):
        sys.stderr.write("aborted\n")
        sys.exit(1)
    assert isinstance(e, click.exceptions.ClickException)
    e.show()
    sys.exit(e.exit_code)
