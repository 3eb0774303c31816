"""What every command shares at run time: the warehouse, checking and showing output.

No typer here (the option declarations are in ``orcaops.cli.options``): ``orcaops runs
search`` can run through ``orcaops.cli.fastpath`` without importing it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orcaops.core.errors import InputError

if TYPE_CHECKING:
    import typer

    Ctx = typer.Context | dict[str, Any]

DEFAULT_FORMAT = "table"
DEFAULT_LIMIT = 50

STATUS_STYLE = {"success": "green", "failed": "red", "timeout": "yellow", "error": "red",
                "cancelled": "magenta", "running": "cyan", "queued": "cyan"}
RUN_COLUMNS = ("job_id", "status", "image", "command", "started_at", "duration_s", "exit_code",
               "tags")
# C0 and C1 control characters but tab and newline: a stored ``\r``, BEL or stray ESC must
# not move the cursor or ring the terminal of whoever looks at a run.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def state(ctx: Ctx) -> dict[str, Any]:
    """What this invocation keeps (``home``, the warehouse): ``ctx`` is a typer Context, or
    the dict itself when the command runs without typer (``orcaops.cli.fastpath``)."""
    return ctx if isinstance(ctx, dict) else ctx.ensure_object(dict)


def warehouse(ctx: Ctx) -> Any:
    """The warehouse of this invocation (opened once, on first use)."""
    obj = state(ctx)
    if "wh" not in obj:
        from orcaops.api import Warehouse
        from orcaops.core.config import home_settings

        # One command per process: views besides runs are created when a query names one.
        obj["wh"] = Warehouse(home_settings(obj.get("home")), lazy_views=True)
    return obj["wh"]


def engine_warehouse(ctx: Ctx, engine: str, ray_address: str | None) -> Any:
    """This invocation's warehouse with search and analytics on ``engine`` (``--engine``)."""
    obj = state(ctx)
    key = f"wh-{engine}"
    if key not in obj:
        from orcaops.api import Warehouse
        from orcaops.core.config import home_settings

        obj[key] = Warehouse(home_settings(obj.get("home")), lazy_views=True,
                             engine=engine, ray_address=ray_address)
    return obj[key]


def reader(ctx: Ctx) -> Any:
    """A reader of this invocation's warehouse; cheaper than ``warehouse`` when only reading."""
    obj = state(ctx)
    if "wh" in obj:
        return obj["wh"].reader
    if "reader" not in obj:
        from orcaops.warehouse.connection import open_reader

        obj["reader"] = open_reader(obj.get("home"))
    return obj["reader"]


def home_of(ctx: Ctx) -> Path:
    """The OrcaOps home of this invocation (``--home``, ``$ORCAOPS_HOME`` or the default)."""
    from orcaops.core.config import resolve_home

    return resolve_home(state(ctx).get("home"))


def check_format(fmt: str, output: Path | None) -> None:
    from orcaops.core.render import FORMATS

    if fmt not in FORMATS:
        raise InputError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "parquet" and output is None:
        raise InputError("--format parquet needs --output FILE (Parquet is binary)")
    if fmt == "table" and output is not None:
        raise InputError("--output needs a file format: add --format json, jsonl, csv or "
                         "parquet (a table is for the terminal)")
    check_output(output)


def check_output(output: Path | None) -> None:
    """Refuse an ``--output`` that names a folder (``-o ""`` is the current one)."""
    if output is not None and Path(output).is_dir():
        raise InputError(f"--output {str(output)!r} is a folder; give a file path, e.g. "
                         "-o results.json")


def write_output(output: Path, text: str) -> None:
    """Write a command's ``--output`` file; a path that cannot be written is bad input."""
    check_output(output)
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write --output {str(output)!r}: "
                         f"{e.strerror or e}; give a file path you can write") from e


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def console(stderr: bool = False) -> Any:
    import os

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output is not cut to 80 columns: rows stay whole for grep and less.
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 200
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def emit(data: Any, fmt: str, output: Path | None, *, columns: tuple[str, ...] | None = None,
         title: str | None = None) -> None:
    """Show ``data`` (a DataFrame, model, list of models or dict) in the chosen format."""
    from orcaops.core.render import as_frame, to_json, write_frame

    check_format(fmt, output)
    if fmt == "json" and not hasattr(data, "columns"):
        text = to_json(data) + "\n"
        if output:
            write_output(output, text)
        else:
            out(text)
        return
    frame = as_frame(data)
    if fmt == "table":
        print_table(frame, columns=columns, title=title)
        return
    try:
        written = write_frame(frame, fmt, output)
    except OSError as e:
        raise InputError(f"cannot write --output {str(output)!r}: "
                         f"{e.strerror or e}; give a file path you can write") from e
    if written is not None:
        sys.stdout.write(written)


def inert(text: str) -> str:
    """``text`` that cannot drive a terminal: ANSI escape sequences removed as in log lines
    (``orcaops.logs.clean.ANSI_RE``), any other control character shown as ``\\xNN``."""
    if "\x1b" in text or "\x9b" in text:  # rare: the log cleaner (and polars) only then
        from orcaops.logs.clean import ANSI_RE

        text = re.sub(ANSI_RE, "", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def printable(text: str) -> str:
    """:func:`inert` text with rich markup (``[red]``) escaped, so it prints as written."""
    from rich.markup import escape

    return escape(inert(text))


def _cell(name: str, value: Any) -> str:
    from orcaops.core.render import human_duration

    if value is None:
        return ""
    if name.endswith("duration_s") or name in ("duration", "queue_wait_s"):
        return human_duration(value)
    if hasattr(value, "hour"):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def print_table(frame: Any, *, columns: tuple[str, ...] | None = None,
                title: str | None = None) -> None:
    """A rich table of ``frame`` (only ``columns`` where given and present)."""
    print_rows(list(frame.columns), frame.rows(), columns=columns, title=title)


def print_rows(names: list[str], rows: list[tuple[Any, ...]], *,
               columns: tuple[str, ...] | None = None, title: str | None = None) -> None:
    """A rich table of ``rows`` named ``names`` (only ``columns`` where given and present)."""
    from rich.markup import escape
    from rich.table import Table

    cols = [c for c in (columns or names) if c in names] or list(names)
    index = [names.index(c) for c in cols]
    shown = [[inert(_cell(c, values[i])) for c, i in zip(cols, index)] for values in rows]
    con = console()
    if _too_wide(cols, shown, con.width):
        _print_vertical(con, cols, shown, title)
        return
    table = Table(title=title, show_lines=False, header_style="bold")
    for c in cols:
        wide = c in ("command", "message", "description", "title", "intent", "first_error")
        table.add_column(c, overflow="ellipsis", no_wrap=not wide,
                         max_width=60 if wide else None)
    for values, cells in zip(rows, shown):
        row = {c: values[i] for c, i in zip(cols, index)}
        cells = [escape(cell) for cell in cells]  # stored text is never rich markup
        if "status" in row and row["status"] in STATUS_STYLE:
            i = cols.index("status")
            cells[i] = f"[{STATUS_STYLE[row['status']]}]{cells[i]}[/]"
        table.add_row(*cells)
    con.print(table)


# A column narrower than this shows too little of its values to be worth a table.
_MIN_COLUMN = 10


def _too_wide(cols: list[str], cells: list[list[str]], width: int) -> bool:
    """Whether a table would squeeze its columns below readable widths (``SELECT *``)."""
    need = sum(min(max([len(c)] + [len(r[k]) for r in cells[:50]]), _MIN_COLUMN) + 3
               for k, c in enumerate(cols))
    return len(cols) > 4 and need > width


def _print_vertical(con: Any, cols: list[str], cells: list[list[str]], title: str | None
                    ) -> None:
    """One block of ``name  value`` lines per row (psql's expanded display)."""
    from rich.markup import escape

    if title:
        con.print(f"[bold]{escape(title)}[/]")
    pad = max(len(c) for c in cols)
    for n, row in enumerate(cells, 1):
        con.print(f"[dim]-[ row {n} ]{'-' * max(pad - 8, 4)}[/]")
        for c, text in zip(cols, row):
            con.print(f"[bold]{escape(c):<{pad}}[/] | {escape(text)}")


def show_result(result: Any, facets: bool) -> None:
    """A table of the page of runs, the total, and the facets when asked.

    ``result`` is a ``SearchRows``, or a ``SearchResult`` (polars) as the interactive loop has.
    """
    if hasattr(result, "runs"):
        names, rows = list(result.runs.columns), result.runs.rows()
        found = {k: [{"value": v, "count": c} for v, c in f.rows()]
                 for k, f in result.facets.items()}
    else:
        names, rows, found = result.columns, result.rows, result.facets
    print_rows(names, rows, columns=RUN_COLUMNS,
               title=f"{result.total:,} runs match (showing {len(rows)})")
    if facets:
        for name, items in found.items():
            if items:
                print_rows(["value", "count"], [(r["value"], r["count"]) for r in items[:10]],
                           title=f"by {name}")
