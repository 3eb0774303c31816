"""Commands register from an explicit list that cannot silently miss a module, and the
command tree holds every public command."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

import orcaops.cli as cli

# The public commands (README, "A tour"); a command missing from the tree fails here.
PUBLIC = {
    "run", "import", "sql", "demo", "doctor", "compact", "recover", "serve", "report",
    "runs search", "runs show", "runs logs", "runs diff", "runs watch", "runs export",
    "jobs summary", "debug", "logs parse", "metrics", "baselines", "anomalies", "flaky",
    "forecast", "predict", "recommendations", "patterns", "mcp", "otel export",
}


def _tree() -> set[str]:
    cli._register()
    names: set[str] = set()

    def walk(cmd, path: str) -> None:
        names.add(path.strip())
        for name, child in (getattr(cmd, "commands", None) or {}).items():
            walk(child, f"{path} {name}")

    walk(typer.main.get_command(cli.app), "")
    return names


def test_every_public_command_is_registered() -> None:
    missing = PUBLIC - _tree()
    assert not missing, f"commands not registered: {sorted(missing)}"


def test_every_module_that_adds_commands_is_a_command_module() -> None:
    folder = Path(cli.__file__).parent
    adds = {p.stem for p in folder.glob("*.py")
            if re.search(r"\.command\(|add_typer\(", p.read_text("utf-8"))}
    assert adds == set(cli.COMMAND_MODULES)


def test_a_module_in_neither_list_stops_the_cli(monkeypatch) -> None:
    monkeypatch.setattr(cli, "HELPER_MODULES", tuple(m for m in cli.HELPER_MODULES
                                                     if m != "options"))
    try:
        cli._register()
    except RuntimeError as e:
        assert "options is in neither" in str(e)
    else:
        raise AssertionError("an unlisted module was accepted")
