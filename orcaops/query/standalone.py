"""The query parser's runtime: lark's standalone LALR module for ``grammar.lark``, built at
install time into ``orcaops/query/_lalr.py``, with lark itself as the fallback.

Importing lark (its grammar compiler, Earley parsers, and the ``regex`` package it loads when
installed) and building or loading its tables costs a cold ``orcaops runs search`` several
times what importing a standalone module does (bench/README.md, "CLI cold start"). lark's
standalone tool writes a module holding only its LALR runtime and this grammar's tables. That
module is lark's own code (MPL-2.0), so it is not in the repository: ``make install`` and a
wheel build write it (``python -m orcaops.query.build_parser``), and it records the grammar it
was built from. Nothing is generated at run time: when the module is missing or was built for
another grammar, the parser is lark's own ``Lark`` (with lark's cache), which parses the same.

One edit is made to lark's output: no ``import regex`` (lark uses that package only for
``\\p{...}`` classes or ``regex=True``; the grammar has neither).
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

GRAMMAR = Path(__file__).with_name("grammar.lark")
BUILT = Path(__file__).with_name("_lalr.py")
OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True}


def key() -> str:
    """Changes with the grammar and the parser options."""
    text = GRAMMAR.read_bytes() + repr(sorted(OPTIONS.items())).encode()
    return hashlib.sha256(text).hexdigest()[:16]


def load() -> ModuleType | None:
    """The built module when it matches the grammar, else None (use lark itself)."""
    try:
        module = importlib.import_module("orcaops.query._lalr")
    except Exception:  # noqa: BLE001 -- absent or damaged: lark parses the same
        sys.modules.pop("orcaops.query._lalr", None)
        return None
    return module if getattr(module, "ORCAOPS_GRAMMAR_KEY", None) == key() else None


def lark_parser() -> Any:
    """The grammar's parser from lark itself (the fallback), with lark's own table cache."""
    from lark import Lark

    return Lark(GRAMMAR.read_text("utf-8"), cache=True, **OPTIONS)

