"""The failure category of a failed run."""

from __future__ import annotations

import re

from orcaops.core.vocabulary import (
    EXIT_KILLED,
    EXIT_NOT_EXECUTABLE,
    EXIT_NOT_FOUND,
    EXIT_TIMEOUT,
    FAILED_STATUSES,
)
from orcaops.logs.failclass import classify
from orcaops.logs.failure import RootCause
from orcaops.logs.knowledge import BUILTIN_PATTERNS, match_patterns
from orcaops.logs.literals import Prefiltered
from orcaops.logs.rootcause import ErrorEvent, trace_text

_TYPE_CATEGORY: tuple[tuple[Prefiltered, str], ...] = tuple(
    (Prefiltered(rx), cat) for rx, cat in (
        (r"ModuleNotFound|ImportError|ClassNotFound|NoClassDefFound|MODULE_NOT_FOUND|"
         r"ERESOLVE|E404", "dependency"),
        (r"Assert|ComparisonFailure", "test"),
        (r"MemoryError|OutOfMemory", "oom"),
        (r"SyntaxError|IndentationError|CompileError|CompilationError|^E\d{4}$", "build"),
        (r"Connect|Connection|Socket|SSL|HTTPError|URLError|UnknownHost|NameResolution|"
         r"Timeout|ECONN|ENOTFOUND|ETIMEDOUT", "network"),
        (r"Permission|AccessDenied|Unauthorized|Forbidden|EACCES|EPERM", "permission"),
        (r"Config|Environ|ImproperlyConfigured", "config"),
    ))
# Prefiltered (see orcaops.logs.literals): both search the last 30 lines of every failed run.
_OOM_RE = Prefiltered("|".join(p.pattern for p in BUILTIN_PATTERNS if p.category == "oom"),
                      re.M)
_TEST_SUMMARY_RE = Prefiltered(r"\b\d+ failed\b|^--- FAIL:|^Tests:\s+.*\d+ failed|"
                               r"FAILED \((?:failures|errors)=|^FAIL\s", re.M)
_MAX_SCANNED = 10
TAIL_LINES = 30  # the end of the log where OOM reports and test summaries are looked for


def is_failed(status: str | None, exit_code: int | None, root: ErrorEvent | None) -> bool:
    """Whether a run counts as failed: by status, else exit code, else an unrecovered error."""
    if status is not None:
        return status in FAILED_STATUSES
    if exit_code is not None:
        return exit_code != 0
    return root is not None and not root.recovered


def event_text(messages: list[str], ev: ErrorEvent) -> str:
    """The text knowledge-base patterns are matched against for one event."""
    return trace_text(messages, ev.trace) if ev.trace else ev.text


def categorize(status: str | None, exit_code: int | None, root: ErrorEvent | None,
               events: list[ErrorEvent], messages: list[str],
               cause: RootCause | None = None) -> str:
    """One of ``FAILURE_CATEGORIES`` for a failed run.

    Args:
        status: Run status (``timeout`` decides at once).
        exit_code: 137 means killed (out of memory), 124 ``timeout(1)``, 126/127 not
            executable / not found.
        root: The root-cause event.
        events: All error events.
        messages: Cleaned messages.
        cause: The root-cause block; when given (a failed run's), it decides
            (:func:`orcaops.logs.failclass.classify`), else the error events do.

    Returns:
        The category; ``unknown`` when nothing points anywhere.
    """
    if status == "timeout" or exit_code == EXIT_TIMEOUT:
        return "timeout"
    tail = "\n".join(messages[-TAIL_LINES:])
    live = [e for e in events if not e.recovered]
    if exit_code == EXIT_KILLED or _OOM_RE.search(tail) or any(_OOM_RE.search(e.text) for e in live):
        return "oom"
    guess = None
    if cause is not None and cause.kind != "event":
        guess, sure = classify(cause, messages, exit_code)
        if sure:
            return guess
    found = _from_events(status, exit_code, root, events, messages, live, tail)
    return guess if guess is not None and found == "unknown" else found


def _from_events(status: str | None, exit_code: int | None, root: ErrorEvent | None,
                 events: list[ErrorEvent], messages: list[str], live: list[ErrorEvent],
                 tail: str) -> str:
    """The category from the knowledge base over the error events (no decisive block)."""
    if root is not None:
        found = match_patterns(event_text(messages, root))
        if found:
            return found[0][0].category
        for ev_type in (root.trace.chain if root.trace else []):
            for rx, cat in _TYPE_CATEGORY:
                if rx.search(ev_type):
                    return cat
    for ev in live[:_MAX_SCANNED]:  # each costs a pass of the knowledge base; the first decide
        found = match_patterns(event_text(messages, ev))
        if found:
            return found[0][0].category
    if _TEST_SUMMARY_RE.search(tail):
        return "test"
    if exit_code in (EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND):
        return "permission" if exit_code == EXIT_NOT_EXECUTABLE else "dependency"
    return "runtime" if root is not None and root.trace is not None else "unknown"
