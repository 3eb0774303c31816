"""The failure category of a root-cause block, from what failed.

Decided from the block's text (what is missing, what broke), the kind of evidence that made it
the root cause (a test framework's failure section, a compiler diagnostic, an exception) and
the failing step's command (lint, compile, install, test, deploy), in that order of
specificity. A timeout inside a test framework counts as ``test``; lint, format and link
checks count as ``build``.
"""

from __future__ import annotations

import re

from orcaops.core.vocabulary import EXIT_TIMEOUT
from orcaops.logs.failure import RootCause

# (regex over the block text, category), first match wins: specific facts before kinds.
_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx), cat) for rx, cat in (
        (r"OOMKilled|Out of memory: Kill|JavaScript heap out of memory|OutOfMemoryError|"
         r"\bMemoryError\b|Cannot allocate memory|std::bad_alloc", "oom"),
        (r"(?i)permission denied|\bEACCES\b|operation not permitted|403 Forbidden", "permission"),
        (r"(?i)connection (?:error|refused|reset|timed out)|connect timeout|SSL connect error|"
         r"SSL routines|could not resolve host|name resolution|network is unreachable|"
         r"\bECONN\w+|\bETIMEDOUT\b|\bENOTFOUND\b|failed to download|unable to access|"
         r"temporary failure in name|TLS handshake", "network"),
        (r"PackagesNotFoundError|Could NOT find|Unable to find image|manifest (?:for \S+ )?"
         r"(?:not found|unknown)|No matching distribution|[Cc]ould not find (?:a version|"
         r"compatible versions)|can't find crate|\bERESOLVE\b|Could not resolve dependencies|"
         r"ModuleNotFoundError|No module named|Cannot find module|unable to resolve dependency|"
         r"version solving failed|404 Not Found|requires .* but|is experimental and subject|"
         r"Unable to locate package|No package \S+ available", "dependency"),
        (r"No Rakefile found|Task never defined|Could not find remote branch|"
         r"not found in upstream|is currently not installed|command not found|"
         r"No such file or directory|Unable to find a destination|Illegal switch|"
         r"[Uu]nknown option|[Ii]nvalid (?:configuration|config)", "config"),
        # What a compiler, transpiler or site generator says about the source.
        (r"(?i)syntax ?error|parse error|invalid syntax|unexpected (?:token|identifier|"
         r"character|end of)|undefined variable|illegal nesting|invalid css|"
         r"compil(?:e|ation) (?:error|failed)|error building|\bbuild failed\b", "build"),
    ))
_TIMEOUT = re.compile(r"(?i)\btimed out\b|\btimeout\b|deadline exceeded|exceeded the timeout")
_CRASH = re.compile(r"panicked at|Segmentation fault|SIGSEGV|AddressSanitizer|Access violation|"
                    r"core dumped|Abort trap")
_STEP_LINT = re.compile(r"(?i)lint|prettier|format|fmt\b|style|critic|rubocop|flake8|"
                        r"pycodestyle|clippy|checkstyle|\bcheck\b")
_STEP_DEPLOY = re.compile(r"(?i)deploy|publish|release|upload")
_STEP_TEST = re.compile(r"(?i)\btest|spec\b|\bcheck\b|jest|mocha|pytest|karma|prove|phpunit")


def classify(cause: RootCause, messages: list[str], exit_code: int | None = None
             ) -> tuple[str, bool]:
    """The category of a failed run from its root-cause block.

    Args:
        cause: The root-cause block (see :func:`orcaops.logs.failure.find_root_cause`).
        messages: Cleaned messages.
        exit_code: The run's exit code, when known (124 is ``timeout(1)``).

    Returns:
        ``(category, sure)``: one of ``FAILURE_CATEGORIES``, and whether the block's text or
        evidence decided it (not only the step's name or a default).
    """
    text = "\n".join(messages[cause.first:cause.last + 1])
    step = cause.step or ""
    if exit_code == EXIT_TIMEOUT or cause.code == EXIT_TIMEOUT:
        return "timeout", True
    for rx, cat in _TEXT_RULES:
        if rx.search(text):
            return cat, True
    if cause.kind == "test":
        return "test", True
    if _TIMEOUT.search(text):
        return ("test" if _STEP_TEST.search(step) else "timeout"), True
    if cause.kind == "compile":
        return "build", True
    if _CRASH.search(text):
        return "runtime", True
    if _STEP_DEPLOY.search(step):
        return "unknown", False  # a deploy's failure is none of build, test or runtime
    if _STEP_LINT.search(step):
        return "build", False
    if _STEP_TEST.search(step):
        return "test", False
    if cause.kind == "exception":
        return "runtime", False
    return ("build" if step else "unknown"), False
