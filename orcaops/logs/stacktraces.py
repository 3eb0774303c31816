"""Stack traces and error blocks: finding them in a run and grouping their lines.

A cheap pass in Rust (:data:`START_RE`) marks the lines where a trace may start; only there does
a Python parser (``orcaops.logs.trace_parsers``) walk forward, so the cost is proportional to
the size of the traces, not of the log.
"""

from __future__ import annotations

from orcaops.logs.trace import Trace
from orcaops.logs.trace_parsers import PARSERS

START_RE = (
    r"^\s*Traceback \(most recent call last\):"
    r"|^_{3,} .+ _{3,}\s*$"
    r"|^(?:Exception in thread \"[^\"]*\" |Unhandled [Ee]xception\. |Uncaught )?"
    r"(?:[a-zA-Z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Throwable|Failure|Fault)"
    r"(?: \[\w+\])?(?::|\s*$)"
    r"|^Unhandled [Ee]xception"
    r"|^\s+at \S"
    r"|^panic: |^fatal error: |^goroutine \d+ \["
    r"|^thread '[^']*' panicked at"
    r"|^npm ERR! "
    r"|^error(?:\[E\d+\])?: "
)

def find_traces(lines: list[str], candidates: list[int]) -> list[Trace]:
    """Group the stack traces and error blocks of a run.

    Args:
        lines: Messages of the run (cleaned).
        candidates: Indexes of lines matching :data:`START_RE`, ascending.

    Returns:
        Non-overlapping traces in order of their first line.
    """
    traces: list[Trace] = []
    done = 0
    for i in candidates:
        if i < done:
            continue
        for start, parse in PARSERS:
            if start.match(lines[i]):
                trace = parse(lines, i)
                if trace is not None and trace.first >= done:
                    traces.append(trace)
                    done = trace.last + 1
                    break
    return traces
