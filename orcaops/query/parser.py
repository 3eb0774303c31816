"""Text → syntax tree: the Lark grammar, a Transformer to ``orcaops.query.ast``, and the one
place where lark's exceptions become :class:`~orcaops.core.errors.QueryError`.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from orcaops.core.errors import QueryError
from orcaops.query import ast
from orcaops.query.fields import value_hint
from orcaops.query.standalone import lark_parser, load

_lalr = load()
if TYPE_CHECKING:  # the same classes, from lark itself, for the type checker
    from lark import Lark, Token, Transformer, Tree
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
elif _lalr is not None:  # the module built at install (orcaops.query.standalone)
    Lark, Token, Transformer, Tree = _lalr.Lark, _lalr.Token, _lalr.Transformer, _lalr.Tree
    LarkError, UnexpectedInput = _lalr.LarkError, _lalr.UnexpectedInput
    UnexpectedCharacters, UnexpectedToken = _lalr.UnexpectedCharacters, _lalr.UnexpectedToken
else:
    from lark import Lark, Token, Transformer, Tree
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

MAX_QUERY_LENGTH = 10_000
# Words, phrases and values a query may hold: each is a predicate DuckDB evaluates per run
# (a 700-term OR held the server 8.3 s); a list that long belongs in `orcaops sql`.
MAX_QUERY_TERMS = 200
_TERM_TOKENS = frozenset({"WORD", "PHRASE", "VALUE", "REGEX"})
# Nesting of parentheses and NOT/-: the transformer, compiler and DuckDB's parser all recurse,
# and no real query comes close.
MAX_DEPTH = 64

_NESTING_RULES = frozenset(
    {"negation", "value_negation", "group", "or_expr", "and_expr", "value_or", "value_and"}
)
_TERM_START = frozenset({"FIELD", "WORD", "PHRASE", "_LPAR", "_MINUS", "_NOT"})
_VALUE_START = frozenset({"VALUE", "BOUND", "REGEX", "CMP", "_LSQB"})
_TOKEN_WORDS = {
    "$END": "end of query", "_RPAR": "')'", "_LPAR": "'('", "_RSQB": "']'", "_LSQB": "'['",
    "_AND": "AND", "_OR": "OR", "_NOT": "NOT", "_TO": "TO", "_MINUS": "'-'",
}


@functools.cache
def _parser() -> Lark:
    # The standalone module built at install has the tables ready and imports in a quarter of
    # lark's time; without it, lark itself.
    return _lalr.Lark_StandAlone() if _lalr is not None else lark_parser()


def parse_query(text: str) -> ast.Node:
    """Parse a search query into its syntax tree.

    Args:
        text: the query, e.g. ``'status:failed image:python* duration:>60'``.

    Returns:
        The root node; :class:`~orcaops.query.ast.MatchAll` for an empty query.

    Raises:
        QueryError: the text is not a query (with the position and what was expected there).
    """
    if not isinstance(text, str):
        raise TypeError(f"query must be a str, not {type(text).__name__}")
    _check_characters(text)
    consumed: list[Token] = []
    interactive = _parser().parse_interactive(text)
    try:
        # Token by token, so that on an error we know what came before (the field whose
        # value was expected), which lark's exception does not carry.
        for token in interactive.iter_parse():
            consumed.append(token)  # noqa: PERF402
        tree = interactive.feed_eof(consumed[-1] if consumed else None)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc, consumed) from exc
    except LarkError as exc:  # anything else lark may raise is still a bad query to the user
        raise QueryError(f"Cannot parse query: {exc}", text) from exc
    _check_terms(text, consumed)
    _check_depth(text, tree)
    return _ToAst().transform(tree)


def _check_characters(text: str) -> None:
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"Query is too long ({len(text):,} characters; the limit is {MAX_QUERY_LENGTH:,})",
            text[:80] + "…",
        )
    for pos, char in enumerate(text):
        # Control characters and lone surrogates cannot be typed on purpose and some cannot
        # even be encoded for the database driver; reject them here with a position.
        category = unicodedata.category(char)
        if (category == "Cc" and not char.isspace()) or category == "Cs":
            raise QueryError(
                f"Unexpected control character {char!r} at column {pos + 1}",
                printable(text), pos, ["a printable character"],
            )


def _check_terms(text: str, consumed: Sequence[Token]) -> None:
    terms = [t for t in consumed if t.type in _TERM_TOKENS]
    if len(terms) > MAX_QUERY_TERMS:
        pos = _pos(terms[MAX_QUERY_TERMS])
        raise QueryError(
            f"Query has too many terms ({len(terms):,}; the limit is {MAX_QUERY_TERMS}): "
            "narrow it, or match a long list with `orcaops sql`",
            printable(text), pos, [f"at most {MAX_QUERY_TERMS} terms"])


def _check_depth(text: str, tree: Tree[Token]) -> None:
    # Iterative on purpose: a recursive walk is what this guards against.
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        depth += node.data in _NESTING_RULES
        if depth > MAX_DEPTH:
            pos = getattr(node.meta, "start_pos", None) or 0
            raise QueryError(
                f"Query nests too deeply at column {pos + 1}: at most {MAX_DEPTH} levels of "
                "parentheses and NOT", printable(text), pos, ["fewer nested groups"],
            )
        stack.extend((child, depth) for child in node.children if isinstance(child, Tree))


def printable(text: str) -> str:
    """The query as shown above an error's caret: one character per character of ``text``.

    Tabs and newlines become spaces and other unprintable characters ``?``, so the caret
    (placed by offset) stays under the right character.
    """
    return "".join(c if c.isprintable() else " " if c.isspace() else "?" for c in text)


def _syntax_error(text: str, exc: UnexpectedInput, consumed: Sequence[Token]) -> QueryError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        if text[pos] == '"':
            return _error("Unterminated quoted phrase", text, pos, ['a closing "'])
        expected = _describe_expected(set(exc.allowed or ()), consumed)
        return _error(f"Unexpected character {text[pos]!r}", text, pos, expected)
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        token = exc.token
        pos = token.start_pos or 0
        expected_names = set(exc.expected or ())
        if token.type == "_RPAR" and "_RPAR" not in expected_names:
            return _error("Unexpected ')'", text, pos, ["no matching '('"], prefix="")
        what = _TOKEN_WORDS.get(token.type, repr(str(token)))
        expected = _describe_expected(expected_names, consumed)
        if token.type == "_LSQB" and expected == ["a search term"]:
            expected = ["a search term (a range follows a field: duration:[1m TO 5m])"]
        return _error(f"Unexpected {what}", text, pos, expected)
    expected_names = set(getattr(exc, "expected", None) or ())
    expected = _describe_expected(expected_names, consumed, at_end=True)
    return _error("Unexpected end of query", text, len(text), expected)


def _error(reason: str, text: str, pos: int, expected: list[str], prefix: str = "expected ") -> QueryError:
    detail = " or ".join(expected)
    message = f"{reason} at column {pos + 1}" + (f": {prefix}{detail}" if detail else "")
    return QueryError(message, printable(text), pos, expected)


def _describe_expected(
    names: set[str], consumed: Sequence[Token], at_end: bool = False
) -> list[str]:
    """Turn lark's terminal names into what a user would type."""
    last = consumed[-1].type if consumed else None
    if at_end and "_RPAR" in names:
        return ["')'"]
    if names & _VALUE_START or (last == "CMP" and "VALUE" in names):
        hint = value_hint(_last_field(consumed))
        return [hint + (" as the upper bound" if last == "_TO" else "")]
    if names == {"_RSQB", "_TO"}:
        after_to = len(consumed) > 1 and consumed[-2].type == "_TO"
        return ["']'"] if after_to else ["TO"]
    if "_RSQB" in names:
        return ["']'"]
    if names & _TERM_START:
        return ["a search term"]
    return [_TOKEN_WORDS.get(n, n.lower()) for n in sorted(names)]


def _last_field(consumed: Sequence[Token]) -> str:
    for token in reversed(consumed):
        if token.type == "FIELD":
            return str(token)[:-1]
    return ""


def _flatten(cls: type[ast.And | ast.Or], items: Sequence[Any]) -> Any:
    # (a OR b) OR c is one OR of three: flatter trees give shorter SQL and simpler goldens.
    flat: list[Any] = []
    for item in items:
        flat.extend(item.items if isinstance(item, cls) else (item,))
    return cls(tuple(flat))


def _pos(token: Token) -> int:
    return token.start_pos or 0


def _unquote(token: Token) -> str:
    # Only \" needs undoing here; other escapes (\* \\) are meaningful to wildcard handling.
    return str(token)[1:-1].replace('\\"', '"')


class _ToAst(Transformer):  # type: ignore[type-arg]
    """One method per grammar rule alias; builds ``orcaops.query.ast`` nodes, never SQL."""

    def start(self, items: list[Any]) -> ast.Node:
        return items[0] if items else ast.MatchAll()

    def or_expr(self, items: list[Any]) -> ast.Or:
        return _flatten(ast.Or, items)

    def and_expr(self, items: list[Any]) -> ast.And:
        return _flatten(ast.And, items)

    value_or = or_expr
    value_and = and_expr

    def negation(self, items: list[Any]) -> ast.Not:
        return ast.Not(items[0])

    value_negation = negation

    def bare_word(self, items: list[Token]) -> ast.Bare:
        return ast.Bare(self.plain(items), _pos(items[0]))

    def bare_phrase(self, items: list[Token]) -> ast.Bare:
        return ast.Bare(self.quoted(items), _pos(items[0]))

    def plain(self, items: list[Token]) -> ast.Word:
        return ast.Word(str(items[0]), False, _pos(items[0]))

    def quoted(self, items: list[Token]) -> ast.Word:
        return ast.Word(_unquote(items[0]), True, _pos(items[0]))

    def regex(self, items: list[Token]) -> ast.Regex:
        return ast.Regex(str(items[0])[1:-1].replace("\\/", "/"), _pos(items[0]))

    def comparison(self, items: list[Any]) -> ast.Comparison:
        op, operand = items
        return ast.Comparison(str(op), operand, _pos(op))

    def range(self, items: list[Any]) -> ast.Range:
        low, high = (None if w.raw == "*" and not w.quoted else w for w in items)
        return ast.Range(low, high, items[0].pos - 1)

    def group(self, items: list[Any]) -> Any:
        return items[0]

    def field_term(self, items: list[Any]) -> ast.Node:
        token, value = items
        return _distribute(str(token)[:-1], _pos(token), value)


def _distribute(field: str, pos: int, value: Any) -> ast.Node:
    """``field:(a OR NOT b)`` means ``field:a OR NOT field:b``."""
    rebuild: Callable[[Any], ast.Node] = functools.partial(_distribute, field, pos)
    if isinstance(value, ast.Or):
        return ast.Or(tuple(map(rebuild, value.items)))
    if isinstance(value, ast.And):
        return ast.And(tuple(map(rebuild, value.items)))
    if isinstance(value, ast.Not):
        return ast.Not(rebuild(value.item))
    return ast.Term(field, value, pos)


__all__ = ["MAX_DEPTH", "MAX_QUERY_LENGTH", "parse_query", "printable"]
