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
COMMAND_MODULES = ("orcaops.cli.data", "orcaops.cli.runs", "orcaops.cli.run",
                   "orcaops.cli.logs", "orcaops.cli.analytics", "orcaops.cli.serve",
                   "orcaops.cli.report")


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


def _queries_as_arguments(argv: list[str]) -> list[str]:
    """Let a query start with a negated term: ``runs search "-status:success"``.

    Click would read ``-status:success`` as short options; an argument with one dash and a
    colon is never an option, so it is moved to the end, after a ``--``.
    """
    if "--" in argv:
        return argv
    for i, arg in enumerate(argv):
        if arg.startswith("-") and not arg.startswith("--") and ":" in arg:
            return [*argv[:i], *argv[i + 1:], "--", arg]
    return argv


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``orcaops`` console script."""
    from orcaops.errors import OrcaOpsError

    _register()
    argv = _queries_as_arguments(list(sys.argv[1:] if argv is None else argv))
    try:
        # Standalone mode: usage errors exit 2 with click's message; ours propagate to here.
        app(args=argv, prog_name="orcaops")
    except OrcaOpsError as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(e.exit_code)
