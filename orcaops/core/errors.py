"""One error hierarchy for the whole package.

Library code raises these and never prints or exits; the CLI (``orcaops.cli``) catches
``OrcaOpsError`` in one place, writes the message to stderr and exits 2 for bad input
(``InputError`` and its children) or 1 for runtime failures.
"""

from __future__ import annotations


class OrcaOpsError(Exception):
    """Root of every error OrcaOps raises on purpose."""

    exit_code = 1


class InputError(OrcaOpsError, ValueError):
    """Bad input from the user: an argument, a file, a query. CLI exit code 2."""

    exit_code = 2


class QueryError(InputError):
    """A search query that cannot be parsed or compiled.

    Attributes:
        query: the query text.
        position: 0-based offset into ``query`` where the problem is, or None.
        reason: what is wrong, in words.
        expected: what would have been accepted there (may be empty).
    """

    def __init__(
        self,
        reason: str,
        query: str = "",
        position: int | None = None,
        expected: list[str] | None = None,
    ) -> None:
        self.reason = reason
        self.query = query
        self.position = position
        self.expected = list(expected or [])
        super().__init__(self._render())

    def _render(self) -> str:
        if self.position is None:
            return self.reason
        caret_line = " " * (self.position + 2) + "^"
        return f"{self.reason}\n  {self.query}\n{caret_line}"

    def __str__(self) -> str:
        return self._render()


class NotFoundError(InputError):
    """A job id, baseline key or other named thing that does not exist."""


class WarehouseError(OrcaOpsError):
    """The warehouse could not be read or written (storage, Delta, DuckDB)."""


class ExecutorError(OrcaOpsError):
    """A job could not be started or supervised (Docker engine, process)."""


class TelemetryError(OrcaOpsError):
    """Runs could not be exported to OpenTelemetry (no SDK installed, the collector refused
    or did not answer)."""
