"""``<home>/alerts/rules``: a file present while some alert rule exists, so the check after
every recorded run costs one ``stat`` when there is none."""

from __future__ import annotations

from pathlib import Path

MARKER = "rules"


def rules_exist(home: Path) -> bool:
    """Whether some rule may exist (one ``stat``)."""
    return (home / "alerts" / MARKER).exists()


def mark(home: Path, present: bool) -> None:
    """Create (``present``) or remove the marker."""
    path = home / "alerts" / MARKER
    if present:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    else:
        path.unlink(missing_ok=True)
