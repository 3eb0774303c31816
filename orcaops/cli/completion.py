"""Typing help for ``orcaops runs search -i`` (prompt_toolkit): completion and inline errors.

Field names complete with their ``:``; after ``field:`` come the values the warehouse holds
for it (the facets: statuses, images, tags, categories...) or its closed set of choices
(levels, ``is:`` states, ``has:``/``missing:`` fields). A query that does not compile is
refused at Enter with its message, and the cursor moves to where the problem is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.validation import ValidationError, Validator

from orcaops.core.errors import QueryError
from orcaops.core.vocabulary import LEVELS, STATUSES
from orcaops.query import compile_query
from orcaops.query.fields import STATES, field_names
from orcaops.query.refine import refine

# Which facet (``Warehouse.facets``) holds the known values of a field.
FACET_OF = {"status": "status", "image": "image", "tag": "tag", "tags": "tag",
            "triggered_by": "triggered_by", "by": "triggered_by", "category": "failure_category",
            "exit": "exit_code", "day": "day"}
_PRESENCE = ("parent", "intent", "error", "log", "tag", "image", "exit", "category")
_FIXED = {"status": STATUSES, "level": LEVELS, "is": STATES, "has": _PRESENCE,
          "missing": _PRESENCE}
_BREAKS = " \t("


def prompt_reader(values: Mapping[str, Sequence[str]], history_file: str,
                  current: Callable[[], str]) -> Callable[[str], str]:
    """A ``read(prompt)`` for the search loop: completion, history, errors at the caret.

    Args:
        values: known values per facet (see :class:`QueryCompleter`).
        history_file: where typed queries are kept between sessions.
        current: the loop's current query (``+term`` refines it).
    """
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    def as_query(line: str) -> str | None:
        line = line.strip()
        return None if not line or line.startswith(":") else refine(current(), line)

    session: PromptSession[str] = PromptSession(
        history=FileHistory(history_file), completer=QueryCompleter(values),
        validator=QueryValidator(as_query), validate_while_typing=False,
        complete_while_typing=True)
    return lambda prompt: session.prompt(prompt)


def _current_word(text: str) -> str:
    start = max(text.rfind(c) for c in _BREAKS) + 1
    word = text[start:]
    return word[1:] if word.startswith("-") else word


class QueryCompleter(Completer):
    """Completes field names and the known values of the field being typed.

    Args:
        values: known values per facet name (``{"image": ["python:3.11", ...]}``).
    """

    def __init__(self, values: Mapping[str, Sequence[str]]) -> None:
        self.values = values
        self.fields = [n for n in field_names() if n != "meta.<key>"] + ["meta."]

    def get_completions(self, document: Document, complete_event: CompleteEvent
                        ) -> Iterator[Completion]:
        word = _current_word(document.text_before_cursor)
        if ":" not in word:
            for name in self.fields:
                if name.startswith(word.lower()) and word:
                    yield Completion(name if name.endswith(".") else name + ":",
                                     start_position=-len(word))
            return
        field, typed = word.split(":", 1)
        for value in self._values(field.lower()):
            text = f'"{value}"' if any(c in value for c in ' ()"') else value
            if value.lower().startswith(typed.lower().strip('"')):
                yield Completion(text, start_position=-len(typed))

    def _values(self, field: str) -> Iterable[str]:
        fixed = _FIXED.get(field)
        if fixed:
            return fixed
        facet = FACET_OF.get(field)
        return [str(v) for v in self.values.get(facet, ())] if facet else ()


class QueryValidator(Validator):
    """Refuses a query that does not compile, with the cursor at the problem.

    Args:
        complete: turns the typed line into the full query (``+term`` refines the current
            one); None for lines that are commands, not queries.
    """

    def __init__(self, complete: Callable[[str], str | None]) -> None:
        self.complete = complete

    def validate(self, document: Document) -> None:
        query = self.complete(document.text)
        if not query:
            return
        try:
            compile_query(query)
        except QueryError as e:
            offset = len(query) - len(document.text)  # the part +term added in front
            position = max(0, min(len(document.text), (e.position or 0) - offset))
            raise ValidationError(cursor_position=position, message=e.reason) from None
