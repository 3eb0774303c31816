"""Which error made a run fail, and a fingerprint that recognises it in other runs.

An *error event* is a stack trace / error block, or an error line outside one. The root cause is
the first event that was not recovered from (no ``retrying``/``ignored``/``succeeded`` right
after it) and that is not a consequence line (``npm ERR! code ELIFECYCLE``, ``make: ***``,
``exit status 1``, a test summary). Fingerprints follow Sentry's order: exception types plus
in-app frames when there is a trace, else the normalised message.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from orcaops.logs.templates import mask_text
from orcaops.logs.trace import Trace

RECOVER_RE = re.compile(
    r"(?i)\b(?:retry(?:ing)?|retried|will retry|backing off|back-?off|recovered|"
    r"reconnect(?:ed|ing)|ignor(?:e|ed|ing)|skipp(?:ed|ing)|fall(?:ing)? ?back|continuing|"
    r"handled|succeeded|successfully|attempt \d+ ?(?:/|of) ?\d+)\b")
GIVEUP_RE = re.compile(r"(?i)giving up|gave up|max(?:imum)? retries|retries exhausted|"
                       r"all \d+ attempts|aborting|fatal|no more retries")
WRAPPER_RE = re.compile(
    r"^npm ERR! (?:code |errno |syscall |path |A complete log|Lifecycle|Failed at|"
    r"This is probably|Tell the author|Exit status|\s*$)|^make(?:\[\d+\])?: \*\*\*|"
    r"exit(?:ed)? (?:with )?(?:code|status) \d+|Process completed with exit code|"
    r"returned non-zero exit status|^Error: Process|^ERROR: Job failed|^\s*Build failed|"
    r"^FAILED \(|short test summary|^=+ .*(?:failed|error).* =+$|^Ran \d+ tests?|^FAIL\s*$|"
    r"^FAIL\s+\S+\s+[\d.]+s$|^exit status \d+|Command failed|^error: could not compile|"
    r"^error: aborting due to|^FAILED \S+::|(?:PASSED|FAILED|ERROR)\s*(?:\[\s*\d+%\])?\s*$|"
    r"^Error: Command failed|^\s*\d+ (?:failed|errors?)\b|^Tests?:\s+\d+ failed")
_WINDOW = 5


@dataclass
class ErrorEvent:
    """One error of a run (0-based indexes)."""

    index: int
    order: int
    text: str
    level: str
    trace: Trace | None = None
    recovered: bool = False
    wrapper: bool = False


def _recovered(text: str, after: list[str]) -> bool:
    window = " \n".join([text, *after])
    return bool(RECOVER_RE.search(window)) and not GIVEUP_RE.search(window)


def build_events(messages: list[str], levels: list[str], error_rows: list[int],
                 traces: list[tuple[Trace, str]], in_trace: dict[int, int]) -> list[ErrorEvent]:
    """The error events of a run, in order, each marked recovered / consequence-only.

    Args:
        messages: Cleaned messages.
        levels: Level per line.
        error_rows: Indexes of ERROR/FATAL lines.
        traces: Each trace with its level.
        in_trace: Line index to trace index, for lines inside a trace.

    Returns:
        Events ordered by where they start.
    """
    events = [ErrorEvent(t.event, t.first, messages[t.event], lvl, t)
              for t, lvl in traces if lvl in ("ERROR", "FATAL")]
    starts = {t.first for t, lvl in traces
              if lvl in ("ERROR", "FATAL") and t.language not in ("npm", "rust", "go")}
    # An error record directly followed by its trace (log.error("...", exc_info=True)) is one
    # error: the trace, which says what went wrong.
    events += [ErrorEvent(i, i, messages[i], levels[i]) for i in error_rows
               if i not in in_trace and i + 1 not in starts]
    events.sort(key=lambda e: e.order)
    for ev in events:
        end = ev.trace.last + 1 if ev.trace else ev.index + 1
        after = [m for m in messages[end:end + _WINDOW * 2] if m.strip()][:_WINDOW]
        ev.recovered = ev.level != "FATAL" and _recovered(ev.text, after)
        ev.wrapper = bool(WRAPPER_RE.search(ev.text.strip())) and (
            ev.trace is None or ev.trace.language == "npm")
    return events


def select_root(events: list[ErrorEvent], failed: bool) -> ErrorEvent | None:
    """The root-cause event: first unrecovered specific error, then weaker choices.

    Args:
        events: From :func:`build_events`.
        failed: Whether the run failed; a failed run whose errors all look recovered still
            gets its last error as the cause, a successful one its first.

    Returns:
        The event, or None when the run printed no error.
    """
    live = [e for e in events if not e.recovered]
    specific = [e for e in live if not e.wrapper]
    if specific:
        return specific[0]
    if live:
        return live[0]
    if events:
        return events[-1] if failed else events[0]
    return None


def _frame_key(frame: dict) -> str:
    fn = frame.get("function") or ""
    fn = re.sub(r"\(.*\)$|\$\d+|0x[0-9a-fA-F]+|\.func\d+|\blambda\$\w+|<lambda>", "", fn)
    file = os.path.basename((frame.get("file") or "").replace("\\", "/"))
    return f"{fn}@{file}"


def fingerprint_parts(ev: ErrorEvent) -> list[str]:
    """What identifies an error across runs (no line numbers, ids, timestamps)."""
    t = ev.trace
    if t is not None:
        frames = [f for f in t.frames if f["in_app"]] or t.frames
        parts = ["type:" + ",".join(t.chain or [t.exception_type])]
        parts += [_frame_key(f) for f in frames[-30:]]
        if len(parts) == 1 or t.language in ("npm", "go", "rust"):
            parts.append("msg:" + mask_text(t.message))
        return parts
    text = re.sub(r"^E\s+", "", ev.text.strip())
    return ["msg:" + mask_text(text)]


def fingerprint(ev: ErrorEvent) -> str:
    """A 16-hex fingerprint of an error event, equal for the same error in any run."""
    data = "\n".join(fingerprint_parts(ev)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def trace_text(messages: list[str], trace: Trace) -> str:
    """The statement lines of a trace (exception and ``Caused by`` lines, not frames)."""
    lines = messages[trace.first:trace.last + 1]
    picked = [ln for ln in lines if ln and not ln[:1].isspace()][:40]
    return "\n".join(picked or lines[:5])
