"""A run's test rows at import and record time: given, from JUnit XML, or from its log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from orcaops.core.errors import InputError
from orcaops.testing.cases import parse_entries
from orcaops.testing.junit import parse_junit
from orcaops.testing.logresults import log_test_rows

if TYPE_CHECKING:
    from orcaops.logs import ParsedLog


def import_tests(entries: Any, junit: Any) -> list[dict[str, Any]]:
    """Rows from an import record's ``"tests"`` list and ``"junit"`` documents.

    Raises:
        InputError: a bad entry or document, named by its index (``junit[1]: ...``).
    """
    rows = parse_entries(entries) if entries is not None else []
    if junit is None:
        return rows
    if not isinstance(junit, list) or not all(isinstance(d, str) for d in junit):
        raise InputError("'junit' must be a list of JUnit XML documents as strings")
    for i, doc in enumerate(junit):
        try:
            rows.extend(parse_junit(doc))
        except InputError as e:
            raise InputError(f"junit[{i}]: {e}") from None
    return rows


def run_tests(given: Sequence[dict[str, Any]] | None, log: ParsedLog | None
              ) -> Sequence[dict[str, Any]]:
    """The rows to store for a run: those given (even none), else those its log reports."""
    if given is not None:
        return given
    if log is None or not log.message:
        return ()
    return log_test_rows(log.message)
