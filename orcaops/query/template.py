"""Building :class:`~orcaops.query.sql.Sql` from a template, keeping params in text order."""

from __future__ import annotations

import re
from typing import Any

from orcaops.query.sql import Sql

_SLOT = re.compile(r"\{(\w+)\}")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def fmt(template: str, **parts: Sql) -> Sql:
    """Fill ``{name}`` slots with fragments.

    Params are collected in the order the slots appear in the text, so a fragment used twice
    contributes its params twice, each time where its placeholders are.

    Args:
        template: constant SQL with ``{name}`` slots (never user text).
        **parts: the fragments for the slots.

    Returns:
        The combined fragment.
    """
    text: list[str] = []
    params: list[Any] = []
    views: set[str] = set()
    last = 0
    for slot in _SLOT.finditer(template):
        part = parts[slot.group(1)]
        text.extend((template[last:slot.start()], part.text))
        params.extend(part.params)
        views |= part.views
        last = slot.end()
    text.append(template[last:])
    return Sql("".join(text), tuple(params), frozenset(views))


def param(value: Any) -> Sql:
    """One bound value: ``?``."""
    return Sql("?", (value,))


def col(name: str) -> Sql:
    """A column of ``runs`` or ``logs``, by its registry name."""
    # Identifiers reach SQL text, so refuse anything that is not a plain column name, in
    # case a registry entry is ever built from outside input.
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a column identifier: {name!r}")
    return Sql(name)
