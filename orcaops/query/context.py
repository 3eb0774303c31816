"""What the compiler knows while compiling one query, and how it words value errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orcaops.core.errors import QueryError
from orcaops.query import fields
from orcaops.query.sql import Sql


@dataclass(frozen=True)
class Context:
    """Facts shared by every predicate of one query.

    Attributes:
        query: the query text as printed above error carets (see ``parser.printable``).
        now: the instant relative dates (``-7d``, ``today``) resolve against, UTC.
        log_index: compile ``log:`` terms to read through the log index views.
        log_days: the query's top-level day window as a condition on ``day``
            (``orcaops.query.window``), which every log subquery adds; None without one.
    """

    query: str
    now: datetime
    log_index: bool = False
    log_days: Sql | None = None

    def error(
        self, reason: str, pos: int, expected: Sequence[str] = (), hint: str = ""
    ) -> QueryError:
        """A QueryError at ``pos``: "<reason> at column N: [<hint> ]expected <...>"."""
        detail = " or ".join(expected)
        tail = " ".join(t for t in (hint, f"expected {detail}" if detail else "") if t)
        message = f"{reason} at column {pos + 1}" + (f": {tail}" if tail else "")
        return QueryError(message, self.query, pos, list(expected))

    def bad_value(self, name: str, kind: str, raw: str, pos: int) -> QueryError:
        """The value does not parse as the field's kind: name the field and accepted forms."""
        hint = fields.VALUE_HINTS[kind]
        forms = fields.VALUE_FORMS.get(kind)
        expected = f"{hint} ({forms})" if forms else hint
        return self.error(f"Invalid value {raw!r} for {name}", pos, [expected])

    def unknown_choice(self, name: str, raw: str, choices: Sequence[str], pos: int) -> QueryError:
        """A value outside a closed set (status, level, is): suggest the closest."""
        import difflib  # only for the error message: not at import

        close = difflib.get_close_matches(raw.lower(), [c.lower() for c in choices], n=1)
        guess = next((c for c in choices if close and c.lower() == close[0]), None)
        hint = f"did you mean {guess}?" if guess else ""
        return self.error(f"Unknown {name} value {raw!r}", pos, [f"one of {', '.join(choices)}"], hint)

    def wrong_shape(self, name: str, kind: str, shape: str, pos: int) -> QueryError:
        """A comparison, range or regex given to a field that does not take one."""
        return self.error(f"{name} does not take {shape}", pos, [fields.VALUE_HINTS[kind]])

    def unknown_field(self, name: str, suggestions: Sequence[str], pos: int) -> QueryError:
        """Unknown field: the closest valid names first, then every valid one."""
        valid = fields.field_names()
        if suggestions:
            guess = f"did you mean {suggestions[0]}? "
        else:
            guess = "to search for text containing ':', put it in quotes; "
        reason = f"Unknown field {name!r} at column {pos + 1}: {guess}valid fields: {', '.join(valid)}"
        return QueryError(reason, self.query, pos, valid)
