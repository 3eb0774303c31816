"""Cold single commands without typer, for the plain calls that need nothing of it.

Typer costs a cold call ~50 ms of imports, and parsing builds a pydantic TypeAdapter per
parameter (~80 ms more with pydantic's import) — more than a search or a ``runs show``
itself. ``plan`` recognises the ordinary shape ``[--home H] COMMAND [ARGS] [options]`` of
the commands in ``orcaops.cli.fasttable`` (``runs search``, ``runs show``, ``runs logs``,
``jobs summary``, ``debug``) with options it knows and values it can convert exactly as
typer would; the call then goes to the function the typer command calls. Anything else —
``--help``, ``--interactive``, an unknown option, a value typer might reject, a missing
value or argument, one too many — gets None, and typer handles the call, so every usage
message still comes from typer. ``tests/cli/test_fastpath.py`` checks that the option
tables match the typer commands and that both ways give the same output and exit code.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orcaops.cli.fasttable import COMMANDS, SEARCH, Command, _path

# Click's shell-completion request (``_ORCAOPS_COMPLETE=...``): typer answers it.
COMPLETE_VAR = "_ORCAOPS_COMPLETE"
HOME_OPTION, HOME_ENVVAR = "--home", "ORCAOPS_HOME"
# ``runs search``'s table under the names it had when it was the only command here.
VALUE_OPTIONS, FLAG_OPTIONS, DEFAULTS = SEARCH.values, SEARCH.flags, SEARCH.defaults


@dataclass(frozen=True)
class FastCall:
    """A command whose arguments are known: ``state`` holds ``home``."""

    command: Command
    state: dict[str, Any]
    args: dict[str, Any]

    def run(self, *, exiting: bool = False) -> None:
        """Run it and exit as typer's standalone mode does (0 after success).

        Args:
            exiting: the process ends after this call (``python -m orcaops``), so what the
                imports built may be left to the operating system (see ``_freeze_imports``).
        """
        args = dict(self.args)
        positional = [args.pop(name) for name in self.command.arguments]
        module, name = self.command.function.split(":")
        function = getattr(importlib.import_module(module), name)
        # A one-shot call allocates ~100k objects (mostly imports) and leaves almost no
        # cyclic garbage: the collector's ~45 passes over them cost ~8 ms. Off for the call,
        # back on after it (callers in the same process keep their collector).
        collecting = gc.isenabled()
        gc.disable()
        if exiting:
            _freeze_imports(self.command.preload)
        try:
            function(self.state, *positional, **args)
        except KeyboardInterrupt:
            sys.exit(130)
        except OSError as e:
            import errno

            if e.errno != errno.EPIPE:
                raise
            # A closed pipe (`| head`): no traceback, and nothing more at exit either.
            sys.stdout = _PacifyFlush(sys.stdout)  # type: ignore[assignment]
            sys.stderr = _PacifyFlush(sys.stderr)  # type: ignore[assignment]
            sys.exit(1)
        finally:
            if collecting:
                gc.enable()
        sys.exit(0)


def _freeze_imports(modules: Sequence[str]) -> None:
    """Import the command's Python ``modules`` and move every object alive now out of the
    collector's reach (``gc.freeze``), before DuckDB is imported.

    At exit CPython collects the cycles the cleared modules leave (classes, functions and
    their globals: most of the heap), ~15 ms of this call; frozen objects are skipped and the
    operating system reclaims them. DuckDB's objects are created after the freeze and are
    still collected: its bindings report any of theirs left alive at exit on stderr.
    """
    for name in modules:
        importlib.import_module(name)
    gc.freeze()


class _PacifyFlush:
    """A stream whose flush ignores a closed pipe (what click does in the same case)."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        import errno

        try:
            self.wrapped.flush()
        except OSError as e:
            if e.errno != errno.EPIPE:
                raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def plan(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> FastCall | None:
    """The command ``argv`` asks for, or None when typer must handle ``argv``."""
    if COMPLETE_VAR in environ:
        return None
    home, i = _root_options(argv)
    if i is None:
        return None
    command = next((c for c in COMMANDS if tuple(argv[i:i + len(c.path)]) == c.path), None)
    if command is None:
        return None
    args = _arguments(command, argv[i + len(command.path):])
    if args is None:
        return None
    if home is None:
        env = environ.get(HOME_ENVVAR)
        home = _home(env) if env else None  # click ignores an empty variable
    return FastCall(command, {"home": home}, args)


def _home(value: str) -> str | Path | None:
    """``--home`` as typer gives it: a folder's path, an ``s3://`` URL as written."""
    return value if value.startswith("s3://") else _path(value)


def _root_options(argv: Sequence[str]) -> tuple[str | Path | None, int | None]:
    """``--home`` before the command: its value and where the command starts."""
    home, i = None, 0
    while i < len(argv) and argv[i].startswith("-"):
        name, eq, value = argv[i].partition("=")
        if name != HOME_OPTION:
            return None, None
        if not eq:
            if i + 1 >= len(argv):
                return None, None
            i += 1
            value = argv[i]
        home = _home(value)
        if home is None:
            return None, None
        i += 1
    return home, i


def _arguments(command: Command, argv: Sequence[str]) -> dict[str, Any] | None:
    """The command's parameters from its arguments, parsed the way click parses them."""
    args = dict(command.defaults)
    positional: list[str] = []
    rest = list(argv)
    only_positional = False
    while rest:
        token = rest.pop(0)
        if only_positional or not token.startswith("-") or token == "-":
            if token == "-":
                return None  # click's stdin marker: rare, left to typer
            positional.append(token)
            continue
        if token == "--":
            only_positional = True
            continue
        if not _option(command, token, rest, args):
            return None
    if not command.required <= len(positional) <= len(command.arguments):
        return None
    args.update(zip(command.arguments, positional))
    return args


def _option(command: Command, token: str, rest: list[str], args: dict[str, Any]) -> bool:
    """Read the option ``token`` (and its value from ``rest``) into ``args``; False when
    typer must answer it."""
    if token.startswith("--"):
        name, eq, value = token.partition("=")
        if name in command.flags and not eq:
            args[command.flags[name]] = True
            return True
        attached = value if eq else None
    else:  # a short option: -f json or -fjson
        name, attached = token[:2], token[2:] or None
    if name not in command.values:
        return False
    if attached is None:
        if not rest or rest[0] == "--":
            return False
        attached = rest.pop(0)
    param, convert = command.values[name]
    converted = convert(attached)
    if converted is None:
        return False
    args[param] = converted
    return True
