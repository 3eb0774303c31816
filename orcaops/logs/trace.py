"""One stack trace or error block, and its frames (``in_app`` or the runtime's own)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_TRACE_LINES = 5000

# Frames that belong to the runtime, the standard library or third-party packages; the rest are
# the application's own ("in-app", as Sentry calls them) and identify an error across runs.
_NOT_IN_APP = re.compile(
    r"site-packages|dist-packages|[/\\]lib[/\\]python\d|<frozen |node_modules|^node:|"
    r"^internal[/\\]|\(internal[/\\]|/usr/local/go/|/go/pkg/mod/|^runtime\.|^testing\.|"
    r"^(?:java|javax|jdk|sun|com\.sun|kotlin|kotlinx|scala|org\.junit|junit|org\.gradle|"
    r"org\.apache\.maven|org\.springframework|System|Microsoft|xunit|NUnit)\.|"
    r"/rustc/|library/std/|library/core/|\.cargo/registry|^std::|^core::|^rust_begin_unwind|"
    r"^__rust|^<frozen|/usr/lib/")


@dataclass
class Trace:
    """One stack trace or error block (0-based, inclusive line indexes).

    Attributes:
        exception_type: The outermost exception type (``ValueError``, ``java.io.IOException``,
            ``panic``, ``E0425``, the npm error code).
        message: Its message.
        frames: ``{"function", "file", "line", "in_app"}`` per frame, outermost call first as
            the log printed them.
        first: Index of the first line.
        last: Index of the last line.
        language: ``python java kotlin dotnet node go rust npm``.
        event: Index of the line that states the error (Python's last line, Java's first).
        chain: Every exception type in the chain (``Caused by``, chained tracebacks).
        fatal: Whether it ends the process by itself (a panic, an unhandled exception).
    """

    exception_type: str
    message: str
    frames: list[dict[str, Any]]
    first: int
    last: int
    language: str
    event: int
    chain: list[str] = field(default_factory=list)
    fatal: bool = False

    def to_dict(self, trace_id: str) -> dict[str, Any]:
        """The JSON-serialisable record (1-based line numbers)."""
        return {"id": trace_id, "exception_type": self.exception_type, "message": self.message,
                "frames": self.frames, "first_line": self.first + 1, "last_line": self.last + 1,
                "language": self.language, "error_line": self.event + 1,
                "chain": self.chain or [self.exception_type]}


def make_frame(function: str | None, file: str | None, line: str | int | None) -> dict[str, Any]:
    """A frame record, with ``in_app`` decided from its file and function."""
    where = file or ""
    in_app = not (_NOT_IN_APP.search(where) or _NOT_IN_APP.search(function or ""))
    return {"function": function, "file": file,
            "line": int(line) if line not in (None, "") else None, "in_app": bool(in_app)}
