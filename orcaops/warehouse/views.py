"""The stored views of ``queries/``: one SELECT per ``.sql`` file, the file stem is its name.

Leading ``-- key: value`` comment lines carry metadata: ``description`` and ``depends``
(comma-separated view names). Views are created in dependency order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from orcaops.core.errors import WarehouseError

_HEADER = re.compile(r"^--\s*([a-z_]+):\s*(.*)$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
BASE_VIEWS = ("runs", "logs", "samples", "tests")


@dataclass(frozen=True)
class ViewDef:
    """One stored view."""

    name: str
    sql: str
    description: str = ""
    depends: tuple[str, ...] = field(default_factory=tuple)


def queries_dir() -> Path:
    """Where the ``.sql`` files are: inside the installed package, or the repo's ``queries/``."""
    try:
        return Path(str(resources.files("orcaops.queries")))
    except (ModuleNotFoundError, TypeError):
        return Path(__file__).resolve().parents[2] / "queries"


def parse_view(name: str, text: str) -> ViewDef:
    """A view definition from the text of its file."""
    meta: dict[str, str] = {}
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            break
        meta[m.group(1)] = m.group(2).strip()
    deps = tuple(d.strip() for d in meta.get("depends", "").split(",") if d.strip())
    body = text.strip().rstrip(";").strip()
    return ViewDef(name=name, sql=body, description=meta.get("description", ""), depends=deps)


def load_views(directory: Path | None = None) -> list[ViewDef]:
    """Every view of ``queries/``, ordered so each comes after what it depends on."""
    directory = directory or queries_dir()
    views = {}
    for path in sorted(directory.glob("*.sql")):
        if not _NAME.match(path.stem):
            raise WarehouseError(f"view file {path.name}: names are lowercase snake_case")
        views[path.stem] = parse_view(path.stem, path.read_text(encoding="utf-8"))
    return _topological(views)


def _topological(views: dict[str, ViewDef]) -> list[ViewDef]:
    ordered: list[ViewDef] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == "done" or name in BASE_VIEWS:
            return
        if name not in views:
            raise WarehouseError(f"view {chain[-1]} depends on unknown view {name}")
        if state.get(name) == "visiting":
            raise WarehouseError(f"views depend on each other in a cycle: {' -> '.join(chain)}")
        state[name] = "visiting"
        for dep in views[name].depends:
            visit(dep, (*chain, dep))
        state[name] = "done"
        ordered.append(views[name])

    for name in views:
        visit(name, (name,))
    return ordered


# A name the SQL defines as a CTE: ``name AS (`` (``name AS MATERIALIZED (`` ...).
_CTE = re.compile(r"\b([a-z_][a-z0-9_]*)\s+as\s+(?:not\s+)?(?:materialized\s+)?\(")
_WORD = re.compile(r"[a-z_][a-z0-9_]*")


def free_names(sql: str) -> set[str]:
    """The names ``sql`` may read from the catalog: every word, less those it defines as
    CTEs before any use (a CTE is seen by the CTEs after it and the query, not before), so
    a query that inlines views' text as CTEs does not create those views too."""
    text = sql.lower()
    defined: dict[str, int] = {}
    for m in _CTE.finditer(text):
        defined.setdefault(m.group(1), m.start())
    return {w.group() for w in _WORD.finditer(text)
            if w.group() not in defined or w.start() < defined[w.group()]}


def view_closure(ordered: list[ViewDef], names: set[str]) -> list[ViewDef]:
    """The views of ``ordered`` (dependency order) named in ``names`` and every view they
    depend on, in the same order."""
    by_name = {v.name: v for v in ordered}
    wanted: set[str] = set()
    todo = [n for n in names if n in by_name]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(d for d in by_name[name].depends if d in by_name)
    return [v for v in ordered if v.name in wanted]
