"""Write ``orcaops/query/lalr.py``, the parser of ``grammar.lark``, with lark's standalone tool.

Run ``python -m orcaops.query.build_parser`` after changing the grammar (or upgrading lark);
a test fails while the file's stamp (the grammar's hash, lark's version, the options) is not
the current one.

Why a generated parser: importing lark (its grammar compiler, Earley parsers, and the
``regex`` package it loads when installed) and loading the cached tables cost a cold
``orcaops runs search`` ~40 ms, about a tenth of the call. The standalone module holds only
lark's LALR runtime and the tables of this grammar; lark is needed only to regenerate it.

The module lark writes is under the Mozilla Public License 2.0 (see its header), unlike lark
itself (MIT). Two edits are made to it: a header with the stamp, and no ``import regex``
(lark uses that package only for ``\\p{...}`` classes or ``regex=True``; the grammar has
neither).
"""

from __future__ import annotations

import hashlib
import io
from importlib import resources
from pathlib import Path

TARGET = Path(__file__).with_name("lalr.py")
# The options orcaops.query.parser used with Lark.open_from_package before.
OPTIONS = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True}
HEADER = """\
# Generated from orcaops/query/grammar.lark by `python -m orcaops.query.build_parser`:
# do not edit. Lark's standalone LALR runtime plus this grammar's tables (MPL-2.0, below).
# stamp: {stamp}
# ruff: noqa
# mypy: ignore-errors
"""
_REGEX_IMPORT = """\
try:
    import regex
    _has_regex = True
except ImportError:
    _has_regex = False
"""
_NO_REGEX = """\
_has_regex = False  # orcaops: the grammar has no \\p{...} classes; see build_parser.py
"""


def grammar() -> str:
    return resources.files("orcaops.query").joinpath("grammar.lark").read_text("utf-8")


def stamp() -> str:
    """What ``lalr.py`` was built from: the grammar's hash, lark's version, the options."""
    import lark

    digest = hashlib.sha256(grammar().encode()).hexdigest()[:16]
    options = ",".join(f"{k}={v}" for k, v in sorted(OPTIONS.items()))
    return f"grammar-sha256={digest} lark={lark.__version__} {options}"


def written_stamp(path: Path = TARGET) -> str | None:
    """The stamp in the header of ``path`` (None if it has none)."""
    for line in path.read_text("utf-8").splitlines()[:5]:
        if line.startswith("# stamp: "):
            return line.removeprefix("# stamp: ")
    return None


def generate() -> str:
    """The text of ``lalr.py`` for the grammar and the lark version installed.

    The state numbers in the tables vary from run to run (lark builds them from sets); the
    parser they describe does not.
    """
    from lark import Lark
    from lark.tools.standalone import gen_standalone

    out = io.StringIO()
    gen_standalone(Lark(grammar(), **OPTIONS), out=out)
    text = out.getvalue()
    if text.count(_REGEX_IMPORT) != 1:
        raise RuntimeError("lark's standalone output changed: update build_parser._REGEX_IMPORT")
    return HEADER.format(stamp=stamp()) + text.replace(_REGEX_IMPORT, _NO_REGEX)


def main() -> None:
    TARGET.write_text(generate(), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
