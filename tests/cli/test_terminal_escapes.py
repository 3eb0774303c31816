"""Stored text cannot drive the terminal of whoever reads it (issue 20, item 9).

A command holding ``ESC[2J`` cleared the screen of anyone running ``runs search`` (table)
or ``runs show``. Human-facing renderings remove ANSI sequences as log lines are cleaned,
show other control characters as ``\\xNN``, and print rich markup as the text it is.
"""

from __future__ import annotations

import json
from pathlib import Path

HOSTILE = "make \x1b[2J\x1b[H\x1b]0;pwned\x07test\rX\x07\x9b31m [bold]loud[/bold] \x1b"


def _import(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"job_id": "esc-1", "status": "failed", "command": HOSTILE,
                               "intent": "fix \x1b[31mred\x1b[0m", "tags": ["t\x1b[1m"],
                               "metadata": {"k": "v\x07"}}) + "\n", encoding="utf-8")
    assert cli("import", str(src)).exit_code == 0


def _assert_inert(text: str) -> None:
    assert not any(c in text for c in "\x1b\x9b\x07\r"), repr(text)


def test_search_table_and_show_print_no_control_characters(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _import(cli, tmp_path)
    for args in (("runs", "search", ""), ("runs", "search", "id:esc-1", "--facets"),
                 ("runs", "show", "esc-1"), ("sql", "SELECT command, intent FROM runs")):
        done = cli(*args)
        assert done.exit_code == 0, done.stderr
        _assert_inert(done.stdout)
        assert "make" in done.stdout, done.stdout
    shown = cli("runs", "show", "esc-1").stdout
    # Escape sequences are gone, lone control characters visible, markup printed as typed.
    assert "make test\\x0dX\\x07 [bold]loud[/bold] \\x1b\n" in shown, shown
    assert "fix red" in shown


def test_machine_formats_keep_the_stored_text(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--format json is for programs: the command comes back exactly as stored."""
    _import(cli, tmp_path)
    done = cli("runs", "show", "esc-1", "--format", "json")
    assert json.loads(done.stdout)["command"] == HOSTILE
