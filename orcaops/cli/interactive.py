"""``orcaops runs search -i``: type a query, see runs and facets, refine, repeat."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from orcaops.core.errors import QueryError
from orcaops.query.refine import refine

HELP = """Type a query and press Enter; the results and facets refresh.
  +TERM   add a term to the current query      -TERM  exclude it
  :sort F sort by F (e.g. :sort -duration)     :limit N  show N runs
  :sql    show the SQL of the current query    :q  quit (or Ctrl-D)"""


def search_loop(wh: Any, query: str, *, limit: int, sort: str,
                read: Callable[[str], str] | None = None) -> None:
    """Run the interactive loop until the user quits.

    Args:
        read: reads one line after a prompt; by default a prompt_toolkit session on a
            terminal (completion from the warehouse's facets, history in the home,
            errors shown at the caret), else ``input``.
    """
    from orcaops.cli.common import console, show_result

    c = console()
    c.print(HELP)
    if read is None:
        read = _terminal_reader(wh, lambda: query) if sys.stdin.isatty() else input
    while True:
        if query:
            try:
                show_result(wh.search(query, limit=limit, sort=sort, facets=True), True)
            except QueryError as e:
                c.print(f"[red]{e}[/]")
        try:
            line = read(f"search [{query}]> ").strip()
        except (EOFError, KeyboardInterrupt):
            c.print()
            return
        if line in (":q", ":quit", "exit"):
            return
        if line.startswith(":sort "):
            sort = line.split(None, 1)[1]
        elif line.startswith(":limit "):
            limit = int(line.split(None, 1)[1]) if line.split(None, 1)[1].isdigit() else limit
        elif line == ":sql":
            c.print(wh.search_sql(query, limit=limit, sort=sort))
        elif line:
            query = refine(query, line)


def _terminal_reader(wh: Any, current: Callable[[], str]) -> Callable[[str], str]:
    from orcaops.cli.completion import prompt_reader

    values = {name: [v for v in frame["value"].to_list() if v is not None]
              for name, frame in wh.facets("").items()}
    history = wh.settings.home / "search_history"
    return prompt_reader(values, str(history), current)
