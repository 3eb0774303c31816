"""Failure evidence in a step's output, ranked by how specifically it says what went wrong.

Each rule is a regex over one cleaned line, a rank and a kind. A test framework's failure
section names the failing test; a compiler or linter diagnostic names a file and line; a
dependency error names what is missing; an exception says what broke; any other error line is
weaker still. Lines that only report that something *else* failed (``npm ERR! code
ELIFECYCLE``, ``make: *** [all] Error 2``, ``3 failing``, ``error: could not compile``) are the
weakest: they are consequences, and the cause is printed above them.
"""

from __future__ import annotations

import re

import polars as pl

from orcaops.logs.literals import Prefiltered
from orcaops.logs.rootcause import GIVEUP_RE, RECOVER_RE, WRAPPER_RE
from orcaops.logs.rx import ascii_rx

BLOCK_MAX = 30
NEAR = 60
NEAR_BELOW = 5
_CASCADE_GAP = 3
_CLUSTER_GAP = 15

# (regex, rank, kind, label). Rank decides; among equal ranks the first line of the step wins
# (compilers and test runners print the first failure first; later ones are often fallout).
_RULES: tuple[tuple[str, int, str, str], ...] = (
    # Test frameworks' failure sections (pytest, go, JUnit/Gradle, Surefire, RSpec/mocha/
    # PHPUnit/ExUnit/Jasmine numbered failures, minitest, cargo test, TAP, Pester, Perl).
    (r"^_{3,} \S.* _{3,}$", 6, "test", "pytest failure"),
    (r"^\s*(?:--- )?FAIL: \S", 6, "test", "go test failure"),
    (r"^\S+ > .+ FAILED$|<<< (?:FAILURE|ERROR)!", 6, "test", "JUnit failure"),
    (r"^\s{0,6}1\) \S", 6, "test", "first failed test"),
    (r"^(?:Failure|Error):$", 6, "test", "minitest failure"),
    (r"^---- \S+ stdout ----$", 6, "test", "cargo test failure"),
    (r"^\s*not ok \d+", 6, "test", "TAP failure"),
    (r"^\s*\[-\] \S|^#\s+Failed test\b|^\s*[✗✕✖]\s+test", 6, "test", "test failure"),
    (r"^\s*Found errors in \w+|^\s*FAILED TESTS?:?$", 6, "test", "test failure"),
    # Compiler and linter diagnostics (a warning only where nothing else is found).
    (r"^\S+?:\d+:(?:\d+:)?\s*(?:\[?\w+\]?\s*)?warning\b", 2, "compile", "warning"),
    # (Rules are split into their anchored and unanchored alternatives: Python's re tries an
    # alternation holding one unanchored branch at every position of the line.)
    (r"^(?:\s*\S+?:\d+(?::\d+)?:\s*(?:fatal )?error\b|error(?:\[E\d+\])?: |\[error\]\s+\S|"
     r"ERROR in |CMake Error|\s*\d+:\d+\s+error\s|\S+\.\w+:\d+: \S|\S+?:\d+:\d+: [A-Z]+\d+ )",
     5, "compile", "compiler or linter error"),
    (r"\berror TS\d+:|undefined reference to|(?:❌|✖|✗)\s+\S", 5, "compile",
     "compiler or linter error"),
    # Dependencies, tools and files that are not there.
    (r"PackagesNotFoundError|Could NOT find|Unable to find image|manifest (?:for \S+ )?"
     r"(?:not found|unknown)|No matching distribution|[Cc]ould not find (?:a version|compatible "
     r"versions)|can't find crate|\bERESOLVE\b|Could not resolve (?:dependencies|host)|"
     r"Could not find remote branch|not found in upstream|ModuleNotFoundError|"
     r"Cannot find module|No Rakefile found|is currently not installed|command not found|"
     r"No such file or directory|unable to access|\b404 Not Found\b|\[404\]|"
     r"Permission denied", 4, "dependency", "missing dependency, file or right"),
    (r"^\s*Error: \S|^\s*ERROR: \S|^\S+: error: ", 4, "error", "error"),
    # Exceptions, crashes, aborts.
    (r"^(?:\s*Traceback \(most recent call last\)|\s*\*\* \(\w+|E {2,}\S|"
     r"\s*(?:[\w$]+\.)*[A-Z][\w$]*(?:Exception|Error)\b:|fatal: |\s*FATAL\b)",
     3, "exception", "exception"),
    (r"panicked at|AddressSanitizer|Segmentation fault|Access violation|\btimed out\b",
     3, "exception", "exception"),
    # The word, not a file name (``Error.swift``).
    (r"\b(?:ERROR|[Ee]rror|FAILED|[Ff]ailed|FAILURE|FAIL)(?:$|[^.\w]|\.(?:$|[^a-z]))|"
     r"\bERR!|\baborted!", 2, "error", "error line"),
)
_COMPILED = [(Prefiltered(rx), rank, kind, label) for rx, rank, kind, label in _RULES]
# One pass finds the lines any rule can match; only those are ranked. Over a long step the pass
# runs in Rust (polars): Python's re tried the alternation at every position of every line
# (most of the time analysing the LogChunks logs).
_ANY_TEXT = "|".join(f"(?:{rx})" for rx, *_ in _RULES)
_ANY = re.compile(_ANY_TEXT)
_ANY_RUST = "(?m)" + ascii_rx(_ANY_TEXT)
_RUST_FROM = 8
_CASCADE = re.compile(r"^npm ERR!|^make(?:\[\d+\])?: (?:\*\*\*|Leaving directory)|"
                      r"^note: Run with `RUST_BACKTRACE|^error Command failed|"
                      r"^info Visit https://yarnpkg|^\s*\d+ (?:passing|failing|pending)\b")
# Consequence lines of build tools beyond WRAPPER_RE: cargo's, sbt's task summary, xcodebuild's.
_CONSEQUENCE = re.compile(r"(?i)^error: could not compile|^\[error\] \(.*\) |"
                          r"^\[error\] Total time|\*\* [A-Z ]*FAILED \*\*")
# The same patterns behind literal prefilters (most lines hold none of their literals).
_WRAPPER = Prefiltered(WRAPPER_RE.pattern)
_RECOVER = Prefiltered(RECOVER_RE.pattern)
_GIVEUP = Prefiltered(GIVEUP_RE.pattern)
_NO_ERRORS = re.compile(r"\b0 errors?\b")
_RULE_LINE = re.compile(r"^[=\-]{5,}")
_PENDING = re.compile(r"^\s*(?:Pending|Skipped)\b.*:\s*(?:\(.*\))?$")
_FAILURES = re.compile(r"^\s*(?:Failures|Errors|Failed examples)\s*:|\d+ failing\b|"
                       r"^There (?:was|were) \d+ (?:failure|error)")
_SECTION_BACK = 300
_NEW_ITEM = re.compile(r"^\s{0,6}\d+\) \S|^_{3,} \S.* _{3,}$|^\s*--- (?:FAIL|PASS|SKIP)|"
                       r"^\S+ > .+ (?:FAILED|PASSED|SKIPPED)$|"
                       r"^(?:Failure|Error):$|^---- \S+ stdout ----$|^\s*(?:not )?ok \d+")


def _pending(messages: list[str], i: int, start: int) -> bool:
    """Whether the numbered item at ``i`` lists a pending or skipped test, not a failure
    (RSpec prints ``Pending:`` items numbered like its ``Failures:``)."""
    for j in range(i - 1, max(start, i - _SECTION_BACK) - 1, -1):
        m = messages[j]
        if _PENDING.match(m):
            return True
        if _FAILURES.match(m):
            return False
    return False


def rank(line: str, candidate: bool = False) -> tuple[int, str, str] | None:
    """How specific a line is as failure evidence.

    Args:
        line: A cleaned message.
        candidate: The line is known to match some rule (the Rust prefilter found it).

    Returns:
        ``(rank, kind, label)``, rank 1 for a consequence line (``make: ***``), None when the
        line is no evidence.
    """
    if not candidate and not _ANY.search(line):
        return None
    for rx, r, kind, label in _COMPILED:
        if rx.search(line):
            break
    else:
        return None
    if r < 6 and (_WRAPPER.search(line.strip()) or _CONSEQUENCE.search(line)):
        return 1, "exit", "consequence line"
    if _NO_ERRORS.search(line):
        return None  # "✖ 1 problem (0 errors, 1 warning)": a summary of warnings
    if _RECOVER.search(line) and not _GIVEUP.search(line):
        return 1, "exit", "recovered error"  # "Error: connection reset, retrying"
    return r, kind, label


def failure_point(messages: list[str], start: int, end: int) -> int:
    """Where the step's final cascade of consequence lines begins (``end`` when there is none).

    ``npm ERR! code ELIFECYCLE``, ``make: *** Error 2``, ``error: could not compile``: a
    failing step ends with lines that only say that something above failed. The cause was
    printed just before the first of them.
    """
    i = end - 1
    while i >= start and not messages[i].strip():
        i -= 1
    first = end
    gap = 0
    while i >= start and gap <= _CASCADE_GAP:
        m = messages[i]
        if m.strip() and (_WRAPPER.search(m.strip()) or _CASCADE.search(m)):
            first, gap = i, 0
        else:
            gap += 1
        i -= 1
    return first


def _candidates(messages: list[str], start: int, end: int) -> tuple[list[int], bool]:
    """Indexes in ``start:end`` of lines some rule may match, and whether they were checked
    (a short step: all of them, unchecked)."""
    if end - start < _RUST_FROM:
        return list(range(start, end)), False
    hits = pl.Series(messages[start:end], dtype=pl.String).str.contains(_ANY_RUST)
    return [start + int(k) for k in hits.arg_true().to_list()], True


def best_evidence(messages: list[str], start: int, end: int, *, anywhere: bool = False
                  ) -> tuple[int, str, str] | None:
    """The most specific evidence of the step ``messages[start:end]``.

    Test failure sections count anywhere in the step (a runner prints them long before its
    summary), the first one winning. Weaker evidence counts only near the step's failure
    point (:func:`failure_point`): error-looking lines far above it are noise the run went on
    from. Among equal ranks the last cluster wins, from its first line (a compiler's first
    error of the burst that ended the build).

    Args:
        messages: Cleaned messages.
        start: First line of the step.
        end: The anchor (excluded).
        anywhere: Count weak evidence anywhere in the lines (a log without steps, such as a
            job's own output, has no noise from other steps).

    Returns:
        ``(index, kind, label)`` or None when the step holds no evidence.
    """
    point = failure_point(messages, start, end)
    near = start if anywhere else max(start, point - NEAR)
    best: tuple[int, int, str, str] | None = None
    prev = -1
    rows, checked = _candidates(messages, start, point)
    for i in rows:
        got = rank(messages[i], checked)
        if got is None or got[0] < 2 or (got[0] < NEAR_BELOW and i < near):
            continue
        r = got[0]
        if r == 6 and got[2] == "first failed test" and _pending(messages, i, start):
            continue
        if best is None or r > best[0] or (r == best[0] < 6 and i - prev > _CLUSTER_GAP):
            best = (r, i, got[1], got[2])
        if best[0] == r:
            prev = i
    if best is not None:
        return _first_repeat(messages, start, best[1]), best[2], best[3]
    if point == end:  # no final cascade: a sub-task's cascade inside the step, if any
        point = _last_consequence(messages, start, end)
    i = point - 1
    while i >= start and not messages[i].strip():
        i -= 1
    if i < start:
        return None
    # No evidence: what was printed just before the cascade or the exit line (its last two
    # lines: a linter's file name and its complaint); at the end of a log that stops
    # without either, its last line.
    j = i - 1 if end < len(messages) and i > start and messages[i - 1].strip() else i
    return j, "error", "output before the failure"


def _last_consequence(messages: list[str], start: int, end: int) -> int:
    """Where the last cascade of consequence lines in ``start:end`` begins (``end`` if none)."""
    for i in range(end - 1, start - 1, -1):
        m = messages[i].strip()
        if m and (_WRAPPER.search(m) or _CONSEQUENCE.search(m)):
            while i > start and (_WRAPPER.search(messages[i - 1].strip())
                                 or _CASCADE.search(messages[i - 1])):
                i -= 1
            return i
    return end


def _first_repeat(messages: list[str], start: int, i: int) -> int:
    """The first time the step printed line ``i`` (a retried command repeats its error: the
    first attempt is where it started)."""
    text = messages[i]
    for j in range(start, i):
        if messages[j] == text:
            return j
    return i


def block_end(messages: list[str], first: int, stop: int, section: bool = False) -> int:
    """The last line of the block that starts at ``first``.

    The block runs to a blank line (across blank lines when the text after them is indented,
    or always in a test's failure ``section``), stops before the next failure item, a rule
    line (``=====``) and ``stop``, and is at most :data:`BLOCK_MAX` lines.
    """
    end, i = first, first + 1
    limit = min(stop, len(messages), first + BLOCK_MAX)
    while i < limit:
        m = messages[i]
        if not m.strip():
            j = i + 1
            while j < limit and not messages[j].strip():
                j += 1
            if j >= limit or not (section or messages[j][:1].isspace()):
                break
            i = j
            continue
        if _NEW_ITEM.match(m) or _RULE_LINE.match(m):
            break
        end = i
        i += 1
    return end
