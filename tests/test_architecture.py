"""The package layout holds: no import cycles, and each layer imports only the layers below.

Every ``import`` counts, at module level or inside a function (a lazy import is still a
dependency). The layers, bottom up (docs/ARCHITECTURE.md):

core → query, logs → warehouse → ingest, analytics and testing, executors and artifacts →
alerts, policies → api (the facade) → report → cli, server; demo writes through ingest only.
``testing`` (tests as data) sits beside ``analytics``: the two may use each other, module
cycles excepted. ``telemetry`` (OTLP export, Prometheus metrics) reads history beside
analytics, under the api.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import orcaops

ROOT = Path(orcaops.__file__).parent

# layer -> the other layers it may import (beyond itself and core, which every layer may).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "query": set(),
    "logs": set(),
    "warehouse": {"query", "logs"},
    "ingest": {"logs", "warehouse", "testing"},
    "analytics": {"query", "logs", "warehouse", "testing"},
    "testing": {"query", "logs", "warehouse", "analytics", "artifacts"},
    "artifacts": {"testing"},
    "executors": {"logs", "artifacts"},
    # Runs seen from outside (OTLP export, Prometheus /metrics): reads history like analytics.
    "telemetry": {"query", "logs", "warehouse", "analytics", "testing"},
    # run policies: applied recommendations as per-key defaults, judged on the runs after.
    "policies": {"query", "logs", "warehouse", "analytics", "alerts"},
    "demo": {"ingest", "testing"},
    # Alert rules: the search language and the store below, anomalies beside.
    "alerts": {"query", "warehouse", "analytics"},
    # Other engines (Daft) for the search language and the main analytics, beside DuckDB's.
    "engines": {"query", "warehouse", "analytics"},
    "api": {"query", "logs", "warehouse", "ingest", "analytics", "executors", "testing",
            "artifacts", "alerts", "policies", "telemetry", "engines"},
    "report": {"api", "query", "logs", "warehouse", "analytics", "testing", "alerts"},
    "server": {"api", "query", "logs", "warehouse", "analytics", "report", "executors",
               "testing", "artifacts", "telemetry", "package", "policies"},
    "cli": {"api", "query", "logs", "warehouse", "ingest", "analytics", "executors", "report",
            "server", "demo", "testing", "artifacts", "telemetry", "package", "policies",
            "engines"},
    # orcaops/__init__.py and __main__.py: the public face and ``python -m orcaops``.
    "package": {"api", "executors", "warehouse", "cli", "report"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        if path.name == "_lalr.py":  # lark's generated module (built at install)
            continue
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()

    def resolve(name: str) -> str:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for target in targets:
                if target.startswith("orcaops"):
                    found = resolve(target)
                    if found != name:
                        graph[name].add(found)
    return graph


def _layer(module: str) -> str:
    parts = module.split(".")
    return "package" if len(parts) == 1 or parts[1] == "__main__" else parts[1]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_each_layer_imports_only_what_is_below_it() -> None:
    wrong = sorted(f"{a} -> {b}" for a, targets in _graph().items() for b in targets
                   if _layer(b) not in ALLOWED[_layer(a)] | {_layer(a), "core"})
    assert wrong == []


def test_every_folder_is_a_known_layer() -> None:
    folders = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(ALLOWED) - {"api", "package"}
    loose = {p.stem for p in ROOT.glob("*.py")} - {"__init__", "__main__", "api"}
    assert loose == set(), "modules at the package root beyond the public face"
