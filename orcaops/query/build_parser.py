"""Build ``orcaops/query/_lalr.py``: lark's standalone parser for ``grammar.lark``.

Run by ``make install`` (and by hand after editing the grammar)::

    python -m orcaops.query.build_parser

The module it writes is lark's code (MPL-2.0) plus this grammar's tables, so it is built on
the user's machine at install time and never committed (see ``orcaops.query.standalone``).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from orcaops.query.standalone import BUILT, GRAMMAR, OPTIONS, key

_REGEX_IMPORT = """\
try:
    import regex
    _has_regex = True
except ImportError:
    _has_regex = False
"""
_NO_REGEX = "_has_regex = False  # orcaops: the grammar has no \\p{...} classes\n"
_KEY_LINE = "ORCAOPS_GRAMMAR_KEY = {!r}\n"


def generate() -> str:
    """The module's source for the grammar, from the lark installed (imports lark)."""
    from lark import Lark
    from lark.tools.standalone import gen_standalone

    out = io.StringIO()
    gen_standalone(Lark(GRAMMAR.read_text("utf-8"), **OPTIONS), out=out)
    text = out.getvalue()
    if text.count(_REGEX_IMPORT) != 1:
        raise RuntimeError("lark's standalone output changed: update orcaops/query/"
                           "standalone.py's _REGEX_IMPORT")
    return text.replace(_REGEX_IMPORT, _NO_REGEX) + "\n" + _KEY_LINE.format(key())


def build(path: Path = BUILT) -> Path:
    """Write the standalone module (what ``make install`` and a wheel build run)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(generate(), encoding="utf-8")
        os.replace(tmp, path)  # whole or absent, even with another build at it
    finally:
        tmp.unlink(missing_ok=True)
    return path


if __name__ == "__main__":
    print(f"wrote {build()}")
