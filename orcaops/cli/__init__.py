"""The ``orcaops`` command: a thin layer over the library.

Each command reads its options, calls one library function and renders the result. Library
errors (``OrcaOpsError``) are turned into a message on stderr and an exit code here, in one
place: 2 for bad input, 1 for runtime failures. Anything else is a bug and keeps its traceback.

The typer application (``app``, in ``orcaops.cli.root``) is built on first use: a plain
``runs search`` runs without typer (``orcaops.cli.fastpath``), everything else through it.
"""

from __future__ import annotations

import errno
import importlib
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    app: typer.Typer

# Every module of this package is one or the other: a command module adds its commands to
# `app` when imported (at start, by `_register`); a helper module adds none. A module in
# neither list stops the CLI at start, so a command cannot be dropped by forgetting a line.
COMMAND_MODULES = ("data", "runs", "run", "logs", "analytics", "serve", "report", "tests",
                   "artifacts", "alerts", "otel", "policies")
HELPER_MODULES = ("common", "completion", "fastpath", "fasttable", "interactive",
                  "maintenance_text", "onerun", "options", "root", "rundiff", "runsearch")


def __getattr__(name: str) -> Any:
    if name == "app":
        from orcaops.cli.root import app

        return app
    raise AttributeError(f"module 'orcaops.cli' has no attribute {name!r}")


def _register() -> None:
    from pathlib import Path

    found = {p.stem for p in Path(__file__).parent.glob("*.py") if p.stem != "__init__"}
    unknown = found - set(COMMAND_MODULES) - set(HELPER_MODULES)
    if unknown:
        raise RuntimeError(f"orcaops.cli: {', '.join(sorted(unknown))} is in neither "
                           "COMMAND_MODULES nor HELPER_MODULES (orcaops/cli/__init__.py)")
    for name in COMMAND_MODULES:
        importlib.import_module(f"orcaops.cli.{name}")


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


def run() -> None:
    """Entry point of the ``orcaops`` console script and of ``python -m orcaops``: the
    process ends when the command does."""
    from orcaops.warehouse.native_stderr import enable

    enable()  # delta-rs panic reports stay off the terminal (see native_stderr)
    main(exiting=True)


def main(argv: list[str] | None = None, *, fast: bool = True, exiting: bool = False) -> None:
    """Run the CLI (in-process callers and tests; the console script calls :func:`run`).

    Args:
        argv: the arguments (default ``sys.argv[1:]``).
        fast: let a plain ``runs search`` skip typer (``orcaops.cli.fastpath``); tests turn
            it off to check that both ways answer alike.
        exiting: the process ends when this returns (the console script, ``python -m
            orcaops``): a fast ``runs search`` then leaves its imported objects to the
            operating system.
    """
    from orcaops.core.errors import OrcaOpsError

    argv = _queries_as_arguments(list(sys.argv[1:] if argv is None else argv))
    try:
        call = None
        if fast:
            from orcaops.cli.fastpath import plan

            call = plan(argv)
        if call is not None:
            call.run(exiting=exiting)
        else:
            _register()
            from orcaops.cli.root import app

            # Standalone mode: usage errors exit 2 with click's message; ours propagate here.
            app(args=argv, prog_name="orcaops")
    except OrcaOpsError as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(e.exit_code)
    except Exception as e:  # only a full disk is handled here; the rest is re-raised
        where = _disk_full_at(e)
        if where is None:
            raise
        where = where or f" at {_home_in(argv)}"  # the error named no file: the home's disk
        # A write on a full disk that no layer below turned into a WarehouseError (an
        # OSError, or DuckDB's IOException when it writes the log index or spills).
        sys.stderr.write(f"error: disk full{where} (No space left on device); free some "
                         "space and run the command again\n")
        sys.exit(1)


def _home_in(argv: list[str]) -> str:
    """The home a command line names (``--home``), else the environment's or the default."""
    import os

    from orcaops.core.config import DEFAULT_HOME

    for i, arg in enumerate(argv):
        if arg == "--home" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--home="):
            return arg.split("=", 1)[1]
    return os.environ.get("ORCAOPS_HOME") or os.path.expanduser(DEFAULT_HOME)


def _disk_full_at(error: BaseException) -> str | None:
    """" at PATH" (or "") when ``error`` is a write that found the disk full, else None."""
    text = str(error)
    if getattr(error, "errno", None) != errno.ENOSPC and "No space left on device" not in text:
        return None
    path = getattr(error, "filename", None)
    if not path:
        quoted = re.search(r'"(/[^"]+)"', text.replace('\\"', '"'))
        path = quoted.group(1) if quoted else None
    return f" at {path}" if path else ""
