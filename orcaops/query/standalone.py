"""The query parser's runtime: lark's standalone LALR module for ``grammar.lark``, made on
first use in the user's cache directory.

Importing lark (its grammar compiler, Earley parsers, and the ``regex`` package it loads when
installed) and loading cached parse tables cost a cold ``orcaops runs search`` ~40 ms, about
a tenth of the call. lark's standalone tool writes a module holding only its LALR runtime and
this grammar's tables; importing that costs a quarter as much. The module is lark's own code
(its standalone output is under the MPL-2.0), so it is not part of this repository: it is
generated from the installed lark, once per grammar and lark install, into
``$XDG_CACHE_HOME/orcaops`` (default ``~/.cache/orcaops``) and imported from there. Where
that folder cannot be written the module is built in memory, for the process only.

One edit is made to lark's output: no ``import regex`` (lark uses that package only for
``\\p{...}`` classes or ``regex=True``; the grammar has neither).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import sys
from pathlib import Path
from types import ModuleType

GRAMMAR = Path(__file__).with_name("grammar.lark")
OPTIONS = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True}
_REGEX_IMPORT = """\
try:
    import regex
    _has_regex = True
except ImportError:
    _has_regex = False
"""
_NO_REGEX = "_has_regex = False  # orcaops: the grammar has no \\p{...} classes\n"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "orcaops"


def key() -> str:
    """Changes with the grammar, the options and the lark install (found without importing
    lark: the path, size and time of its ``__init__.py``)."""
    spec = importlib.util.find_spec("lark")
    origin = spec.origin if spec and spec.origin else ""
    try:
        st = os.stat(origin)
        install = f"{origin}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        install = origin
    text = GRAMMAR.read_bytes() + repr(sorted(OPTIONS.items())).encode() + install.encode()
    return hashlib.sha256(text).hexdigest()[:16]


def generate() -> str:
    """The module's source for the grammar and the lark installed (imports lark)."""
    from lark import Lark
    from lark.tools.standalone import gen_standalone

    out = io.StringIO()
    gen_standalone(Lark(GRAMMAR.read_text("utf-8"), **OPTIONS), out=out)
    text = out.getvalue()
    if text.count(_REGEX_IMPORT) != 1:
        raise RuntimeError("lark's standalone output changed: update orcaops/query/"
                           "standalone.py's _REGEX_IMPORT")
    return text.replace(_REGEX_IMPORT, _NO_REGEX)


def load(folder: Path | None = None) -> ModuleType:
    """The standalone module: imported from the cache, generated there first if needed."""
    name = f"orcaops_query_lalr_{key()}"
    if name in sys.modules:
        return sys.modules[name]
    path = (folder or cache_dir()) / f"{name}.py"
    if not path.is_file():
        try:
            _write(path, generate())
        except OSError:
            return _in_memory(name, generate())
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:  # a damaged cache file: rebuild it rather than fail the query
        del sys.modules[name]
        text = generate()
        try:
            _write(path, text)
        except OSError:
            pass
        return _in_memory(name, text)
    return module


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # whole or absent, even with other processes at it
    finally:
        tmp.unlink(missing_ok=True)


def _in_memory(name: str, text: str) -> ModuleType:
    module = ModuleType(name)
    sys.modules[name] = module
    exec(compile(text, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 -- lark's output
    return module
