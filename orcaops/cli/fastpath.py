"""``orcaops runs search`` without typer, for the plain calls that need nothing of it.

Typer costs a cold call ~50 ms of imports, and parsing builds a pydantic TypeAdapter per
parameter (~80 ms more with pydantic's import) — more than the search itself. ``plan``
recognises the ordinary shape ``[--home H] runs search [QUERY] [options]`` with options it
knows and values it can convert exactly as typer would; the call then goes to
``orcaops.cli.runsearch.run_search``, the function the typer command calls. Anything else —
``--help``, ``--interactive``, an unknown option, a value typer might reject, a missing
value, a second argument — gets None, and typer handles the call, so every usage message
still comes from typer. ``tests/cli/test_fastpath.py`` checks that the option table matches
the typer command and that both ways give the same output and exit code.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orcaops.cli.common import DEFAULT_FORMAT, DEFAULT_LIMIT
from orcaops.cli.runsearch import run_search
from orcaops.core.vocabulary import DEFAULT_SORT

# Click's shell-completion request (``_ORCAOPS_COMPLETE=...``): typer answers it.
COMPLETE_VAR = "_ORCAOPS_COMPLETE"
HOME_OPTION, HOME_ENVVAR = "--home", "ORCAOPS_HOME"


def _path(value: str) -> Path | None:
    # Typer turns the text into a Path and, with no checks asked, does nothing else.
    return Path(value) if value and not value.startswith("-") else None


def _int(value: str) -> int | None:
    digits = value.removeprefix("-")
    # Plain ASCII digits: what pydantic and int() read alike (not "1_000", "+1", " 1", "١").
    if digits.isascii() and digits.isdigit() and len(digits) <= 18:
        return int(value)
    return None


def _text(value: str) -> str | None:
    return value


# Options of ``runs search`` taking a value: name → (parameter, conversion to its type).
VALUE_OPTIONS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "--limit": ("limit", _int), "-n": ("limit", _int),
    "--sort": ("sort", _text), "-s": ("sort", _text),
    "--format": ("fmt", _text), "-f": ("fmt", _text),
    "--output": ("output", _path), "-o": ("output", _path),
}
FLAG_OPTIONS = {"--facets": "facets", "--show-sql": "show_sql"}
DEFAULTS: dict[str, Any] = {
    "query": "", "limit": DEFAULT_LIMIT, "sort": DEFAULT_SORT, "facets": False,
    "fmt": DEFAULT_FORMAT, "output": None, "show_sql": False, "interactive": False,
}


@dataclass(frozen=True)
class SearchCall:
    """A ``runs search`` whose arguments are known: ``state`` holds ``home``."""

    state: dict[str, Any]
    args: dict[str, Any]

    def run(self, *, exiting: bool = False) -> None:
        """Run it and exit as typer's standalone mode does (0 after success).

        Args:
            exiting: the process ends after this call (``python -m orcaops``), so what the
                imports built may be left to the operating system (see ``_freeze_imports``).
        """
        args = dict(self.args)
        query = args.pop("query")
        # A one-shot call allocates ~100k objects (mostly imports) and leaves almost no
        # cyclic garbage: the collector's ~45 passes over them cost ~8 ms. Off for the call,
        # back on after it (callers in the same process keep their collector).
        collecting = gc.isenabled()
        gc.disable()
        if exiting:
            _freeze_imports()
        try:
            run_search(self.state, query, **args)
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


def _freeze_imports() -> None:
    """Import the search's Python modules and move every object alive now out of the
    collector's reach (``gc.freeze``), before DuckDB is imported.

    At exit CPython collects the cycles the cleared modules leave (classes, functions and
    their globals: most of the heap), ~15 ms of this call; frozen objects are skipped and the
    operating system reclaims them. DuckDB's objects are created after the freeze and are
    still collected: its bindings report any of theirs left alive at exit on stderr.
    """
    import orcaops.core.render
    import orcaops.query
    import orcaops.warehouse.search  # noqa: F401

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


def plan(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> SearchCall | None:
    """The ``runs search`` that ``argv`` asks for, or None when typer must handle ``argv``."""
    if COMPLETE_VAR in environ:
        return None
    home, i = _root_options(argv)
    if i is None or list(argv[i:i + 2]) != ["runs", "search"]:
        return None
    args = _search_arguments(argv[i + 2:])
    if args is None:
        return None
    if home is None:
        env = environ.get(HOME_ENVVAR)
        home = Path(env) if env else None  # click ignores an empty variable
    return SearchCall({"home": home}, args)


def _root_options(argv: Sequence[str]) -> tuple[Path | None, int | None]:
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
        home = _path(value)
        if home is None:
            return None, None
        i += 1
    return home, i


def _search_arguments(argv: Sequence[str]) -> dict[str, Any] | None:
    """``runs search``'s parameters from its arguments, parsed the way click parses them."""
    args = dict(DEFAULTS)
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
        if token.startswith("--"):
            name, eq, value = token.partition("=")
            if name in FLAG_OPTIONS and not eq:
                args[FLAG_OPTIONS[name]] = True
                continue
            attached = value if eq else None
        else:  # a short option: -f json or -fjson
            name, attached = token[:2], token[2:] or None
        if name not in VALUE_OPTIONS:
            return None
        if attached is None:
            if not rest or rest[0] == "--":
                return None
            attached = rest.pop(0)
        param, convert = VALUE_OPTIONS[name]
        converted = convert(attached)
        if converted is None:
            return None
        args[param] = converted
    if len(positional) > 1:
        return None
    if positional:
        args["query"] = positional[0]
    return args
