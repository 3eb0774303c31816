"""The words OrcaOps uses everywhere: run statuses, log levels, failure categories, sorting.

Search, every CLI option, the HTTP API, MCP and the executors read these tuples; nothing else
spells them out.

Log levels, in order of severity, are ``DEBUG INFO WARN ERROR FATAL``; the spellings real logs
and users write (``warning``, ``severe``, ``crit``…) are read as one of them. **A level filter
names the least severe level it keeps**: ``level:WARN`` in a search and ``--level warn`` on
``orcaops runs logs`` both mean WARN, ERROR and FATAL. A comparison says otherwise:
``level:=WARN`` (``--level =warn``) is WARN alone, ``level:<ERROR`` is DEBUG, INFO and WARN.
"""

from __future__ import annotations

from orcaops.core.errors import InputError

STATUSES: tuple[str, ...] = ("queued", "running", "success", "failed", "timeout", "cancelled",
                             "error")
# A run "failed" (is:failed, failure rates, debug) when it ended in one of these.
FAILED_STATUSES: tuple[str, ...] = ("failed", "timeout", "error")
FINISHED_STATUSES: tuple[str, ...] = ("success", "failed", "timeout", "cancelled", "error")

LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")
ERROR_LEVELS: tuple[str, ...] = ("ERROR", "FATAL")
# How people (and log formats, in words) spell the stored levels.
LEVEL_ALIASES: dict[str, str] = {
    "TRACE": "DEBUG", "VERBOSE": "DEBUG", "FINE": "DEBUG", "V": "DEBUG", "D": "DEBUG",
    "INFORMATION": "INFO", "NOTICE": "INFO", "I": "INFO",
    "WARNING": "WARN", "W": "WARN",
    "ERR": "ERROR", "SEVERE": "ERROR", "E": "ERROR",
    "CRITICAL": "FATAL", "CRIT": "FATAL", "PANIC": "FATAL", "EMERG": "FATAL", "F": "FATAL",
}

FAILURE_CATEGORIES: tuple[str, ...] = ("build", "dependency", "test", "runtime", "timeout", "oom",
                                       "network", "permission", "config", "unknown")

# Exit codes that say how a process ended: timeout(1) gives 124; 128 + SIGKILL (9) is what the
# kernel's OOM killer (or any kill -9) leaves; a shell gives 126 (found, not executable) and 127
# (not found).
EXIT_TIMEOUT, EXIT_KILLED, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND = 124, 137, 126, 127

# Newest first, ties by job_id: the order of every listing of runs unless told otherwise.
DEFAULT_SORT = "-started_at"


def level_name(text: str) -> str | None:
    """The stored level a user's spelling means (``warning`` → ``WARN``), or None."""
    upper = text.strip().upper()
    upper = LEVEL_ALIASES.get(upper, upper)
    return upper if upper in LEVELS else None


def levels_between(op: str, level: str) -> tuple[str, ...]:
    """The stored levels ``op level`` keeps: ``>=`` (a bare level), ``>``, ``<``, ``<=``, ``=``."""
    at = LEVELS.index(level)
    picks = {">": LEVELS[at + 1:], ">=": LEVELS[at:], "<": LEVELS[:at], "<=": LEVELS[:at + 1],
             "=": (level,)}
    return picks[op]


def level_filter(text: str) -> tuple[str, ...]:
    """The levels an option value such as ``error``, ``>=warn`` or ``=info`` keeps.

    Raises:
        InputError: the text is no level (the message lists the levels).
    """
    raw = text.strip()
    op = next((o for o in (">=", "<=", ">", "<", "=") if raw.startswith(o)), ">=")
    name = level_name(raw[len(op):] if raw.startswith(op) else raw)
    if name is None:
        raise InputError(f"unknown level {text!r}: use one of {', '.join(LEVELS)} "
                         f"(or a spelling such as warning, severe, critical), optionally "
                         f"after >=, >, <=, < or =")
    return levels_between(op, name)
