"""Editing a query as the interactive search does: ``+term`` adds, ``-term`` excludes."""

from __future__ import annotations


def refine(current: str, line: str) -> str:
    """The next query: ``+term`` adds, ``-term`` excludes, anything else replaces."""
    if line.startswith("+"):
        return f"{current} {line[1:].strip()}".strip()
    if line.startswith("-") and ":" in line or line.startswith("-") and current:
        return f"{current} {line}".strip()
    return line
