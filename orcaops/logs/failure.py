"""Where a run failed: the failing step, and the lines in it a person should read first.

A CI log holds many error-looking lines the run survived (apt warnings, retried downloads, a
linter run with ``|| true``). What made it fail is found from the end, as a person reads it:

1. the **anchor**, where the run failed: the first step that exited non-zero (Travis' ``The
   command "..." exited with 1.``, GitHub Actions' ``Process completed with exit code 1``),
   else ``Done. Your build exited with 1``, else the end of the log;
2. the **step**: the lines between the step's echoed command (``$ make test``) and the anchor;
3. in the step, the **cause**: the most specific failure evidence (a test framework's failure
   section, a compiler/linter diagnostic, an exception, then any error line), the first of its
   kind, and the block of lines that belong to it (:mod:`orcaops.logs.evidence`).

When the step printed nothing that looks like a failure, the anchor line itself is the cause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orcaops.logs.evidence import BLOCK_MAX, best_evidence, block_end, failure_point, rank

STEP_EXIT_RE = re.compile(
    r'^\s*(?:The command "(?P<cmd>.*?)" (?:failed and )?exited with (?P<code>\d+)'
    r"|(?:##\[error\])?Process completed with exit code (?P<gha>\d+))")
STEP_EXIT_TAIL_RE = re.compile(r'^\s*" (?:failed and )?exited with \d+\.?\s*$')
_ACTIONS_RUN = re.compile(r"^Run (\S.*)$")
_MULTILINE_COMMAND = 'The command "'
_COMMAND_LINES = 60
BUILD_DONE_RE = re.compile(r"^\s*Done\. Your build exited with (\d+)|^ERROR: Job failed\b")
COMMAND_ECHO = "$ "
_STATED_WITHIN = 8
TIMEOUT_EXIT = 124


@dataclass
class RootCause:
    """The lines a person should read first (0-based, inclusive indexes).

    Attributes:
        first: First line of the block.
        last: Last line of the block.
        line: The line stating the error (``first_error``), inside the block.
        reason: Why these lines: what kind of evidence, in which step.
        step: The failing step's command, when the log echoed it.
        kind: Kind of evidence (``test``, ``compile``, ``dependency``, ``exception``,
            ``error``, ``exit``); the category starts from it.
    """

    first: int
    last: int
    line: int
    reason: str
    step: str | None = None
    kind: str = "error"
    code: int | None = None

    def to_dict(self, messages: list[str]) -> dict[str, object]:
        """The JSON record (1-based line numbers, the block's text)."""
        return {"first_line": self.first + 1, "last_line": self.last + 1,
                "text": "\n".join(messages[self.first:self.last + 1]), "reason": self.reason}


def find_anchor(messages: list[str]) -> tuple[int, str | None, int | None]:
    """Where the run failed.

    Args:
        messages: Cleaned messages.

    Returns:
        ``(index, command, exit_code)``: the first step that exited non-zero (its command and
        code), else the build's final verdict line, else ``len(messages)`` with no command.
    """
    done = None
    for i, m in enumerate(messages):
        if m.startswith(_MULTILINE_COMMAND) and "exited with" not in m:
            m = _joined_command(messages, i)
        elif "exit" not in m and "Done" not in m and "Job failed" not in m:
            continue  # the regexes are only worth running on these few lines
        hit = STEP_EXIT_RE.match(m)
        if hit:
            code = int(hit.group("code") or hit.group("gha"))
            if code != 0:
                return i, hit.group("cmd"), code
            continue
        if done is None and BUILD_DONE_RE.match(m):
            done = i
    return (done if done is not None else len(messages)), None, None


def _joined_command(messages: list[str], i: int) -> str:
    """A ``The command "..." exited with N.`` line whose command spans lines, as one line."""
    for j in range(i + 1, min(len(messages), i + _COMMAND_LINES)):
        if STEP_EXIT_TAIL_RE.search(messages[j]):
            return " ".join(messages[i:j + 1])
    return messages[i]


Anchor = tuple[int, str | None, int | None]


def reports_failure(messages: list[str], found: Anchor | None = None) -> bool:
    """Whether the log itself says the run failed (a step or the build exited non-zero).

    Args:
        messages: Cleaned messages.
        found: :func:`find_anchor`'s answer when the caller has it.
    """
    anchor, _, code = found or find_anchor(messages)
    if code is not None:
        return True
    if anchor < len(messages):
        done = BUILD_DONE_RE.match(messages[anchor])
        return done is not None and (done.group(1) is None or done.group(1) != "0")
    return False


def step_start(messages: list[str], anchor: int, command: str | None) -> int:
    """The first line of the failing step's output.

    The step starts after its echoed command (``$ cmd``); a log that does not echo it starts
    after the previous step's exit line, or after the last echoed command before the anchor.
    """
    echo = COMMAND_ECHO + command[:60] if command else None
    last_echo = None
    for i in range(anchor - 1, -1, -1):
        m = messages[i]
        if echo is not None and m.startswith(echo):
            return i + 1
        if STEP_EXIT_RE.match(m):
            return i + 1
        if last_echo is None and m.startswith(COMMAND_ECHO):
            last_echo = i
            if echo is None:
                break
    return last_echo + 1 if last_echo is not None else 0


def _actions_step(messages: list[str], anchor: int, start: int) -> tuple[int, str | None]:
    """A GitHub Actions step: it starts after its group header ``Run <command>``."""
    for i in range(anchor - 1, start - 1, -1):
        hit = _ACTIONS_RUN.match(messages[i])
        if hit:
            return i + 1, hit.group(1)
    return start, None


def stated_error(messages: list[str], first: int, last: int, kind: str) -> int:
    """The line of a block that states the error (``first_error``).

    A test section's header names the test; the assertion or exception printed just under it
    says what went wrong. Other blocks start with their error.
    """
    if kind != "test":
        return first
    for i in range(first + 1, min(last, first + _STATED_WITHIN) + 1):
        got = rank(messages[i])
        if got is not None and got[0] >= 3 and got[1] != "test":
            return i
    return first


def find_root_cause(messages: list[str], anchored: Anchor | None = None) -> RootCause | None:
    """The root-cause block of a failed run.

    Args:
        messages: Cleaned messages (one per line).
        anchored: :func:`find_anchor`'s answer when the caller has it.

    Returns:
        The block, or None for an empty log.
    """
    if not messages:
        return None
    anchor, command, code = anchored or find_anchor(messages)
    start = step_start(messages, anchor, command)
    if command is None and anchor < len(messages) and "Process completed" in messages[anchor]:
        start, command = _actions_step(messages, anchor, start)
    where = f'in step "{command[:80]}"' if command else "before the end of the log"
    point = failure_point(messages, start, anchor)
    if code == TIMEOUT_EXIT:  # killed by timeout(1): where it stopped is not a cause
        return RootCause(anchor, anchor, anchor, f"the step timed out (exit {code})", command,
                         "exit", code)
    # A log that marks no step or verdict (a job's own output, not a CI log) has no other
    # steps' noise: its weak evidence counts anywhere.
    found = best_evidence(messages, start, anchor,
                          anywhere=anchor == len(messages) and start == 0)
    if found is None and start > 0:  # the step printed nothing: look before it
        found = best_evidence(messages, max(0, start - 200), anchor)
    if found is not None:
        line, kind, label = found
        end = block_end(messages, line, point if line < point else anchor,
                        section=kind == "test")
        return RootCause(line, end, stated_error(messages, line, end, kind), f"{label} {where}",
                         command, kind, code)
    if anchor < len(messages):
        return RootCause(anchor, anchor, anchor,
                         f"the step exited with {code}" if code is not None
                         else "the build's final verdict", command, "exit", code)
    last = len(messages) - 1
    while last > 0 and not messages[last].strip():
        last -= 1
    return RootCause(max(0, last - BLOCK_MAX + 1), last, last,
                     "no failure evidence: the last lines of the log", None, "exit")
