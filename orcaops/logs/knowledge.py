"""The knowledge base of known failures: what a log line means and how to fix it.

Patterns are data: a regex, a category and solutions in which
``{1}``, ``{2}``... are replaced by the regex's groups. Order matters: the first pattern that
matches a run's root-cause line decides its category, so specific patterns come first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, TypeVar

from orcaops.logs.literals import Prefiltered


class Pattern(Protocol):
    """What matching needs of a pattern: a built-in ``KnownPattern`` or a learned
    ``orcaops.core.models.FailurePattern``."""

    @property
    def pattern(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def solutions(self) -> list[str]: ...


@dataclass(frozen=True)
class KnownPattern:
    """A built-in pattern: the fields of ``FailurePattern`` without its counts.

    A plain dataclass, not the pydantic model: reading a stored run (``jobs summary``,
    ``debug``) needs the knowledge base, and pydantic would cost a cold call ~0.15 s.
    ``Warehouse.failure_patterns`` turns these into ``FailurePattern`` with their counts.
    """

    id: str
    pattern: str
    category: str
    title: str
    description: str
    solutions: list[str] = field(default_factory=list)


def _p(id: str, pattern: str, category: str, title: str, description: str,
       *solutions: str) -> KnownPattern:
    return KnownPattern(id=id, pattern=pattern, category=category, title=title,
                        description=description, solutions=list(solutions))


BUILTIN_PATTERNS: list[KnownPattern] = [
    _p("oom-killed", r"OOMKilled|Out of memory: Kill|oom-kill|^Killed\s*$|\bexit code 137\b",
       "oom", "Killed for using too much memory",
       "The kernel or the container runtime killed the process at its memory limit.",
       "Raise the memory limit (e.g. `orcaops run --memory 2g`)",
       "Reduce parallelism or batch size so peak memory fits"),
    _p("py-memory-error", r"\bMemoryError\b|Cannot allocate memory|std::bad_alloc|"
       r"memory allocation of \d+ bytes failed|\bout of memory\b", "oom",
       "Out of memory", "A process could not allocate memory.",
       "Raise the memory limit", "Process the data in smaller chunks"),
    _p("node-heap-oom", r"JavaScript heap out of memory", "oom", "Node.js heap exhausted",
       "V8 hit its heap limit.", "Set NODE_OPTIONS=--max-old-space-size=4096",
       "Raise the container memory limit"),
    _p("java-oom", r"java\.lang\.OutOfMemoryError(?:: (.+))?", "oom", "Java heap exhausted",
       "The JVM ran out of memory ({1}).", "Raise -Xmx (e.g. JAVA_OPTS=-Xmx2g)",
       "Raise the container memory limit"),
    _p("py-module-not-found", r"ModuleNotFoundError: No module named '([\w\-]+)", "dependency",
       "Python module not installed", "The module '{1}' is not installed in the image.",
       "pip install {1}", "Add {1} to requirements.txt / pyproject.toml and rebuild the image"),
    _p("py-import-name", r"ImportError: cannot import name '(\w+)' from '([\w.]+)'", "dependency",
       "Incompatible package version", "'{1}' no longer exists in {2}.",
       "Pin {2} to a version that provides {1}", "pip install --upgrade {2}"),
    _p("pip-no-distribution", r"No matching distribution found for ([^\s;]+)", "dependency",
       "Package version not available", "pip cannot find {1} for this Python/platform.",
       "Check the name and version of {1}", "Relax the version pin of {1}"),
    _p("pip-resolution", r"ResolutionImpossible|Cannot install .+ because these package "
       r"versions have conflicting dependencies", "dependency", "Conflicting requirements",
       "pip could not resolve a consistent set of versions.",
       "Loosen conflicting pins", "Run `pip install` with a constraints file"),
    _p("node-module-not-found", r"Cannot find module '([^']+)'", "dependency",
       "Node module not installed", "The module '{1}' cannot be resolved.",
       "npm install {1}", "Run `npm ci` before this step"),
    _p("npm-eresolve", r"npm ERR! code ERESOLVE", "dependency", "npm peer dependency conflict",
       "npm could not resolve the dependency tree.", "npm install --legacy-peer-deps",
       "Align the conflicting peer versions"),
    _p("npm-404", r"npm ERR! 404 .*'([^']+)'", "dependency", "npm package not found",
       "'{1}' is not in the registry.", "Check the package name {1}"),
    _p("go-missing-module", r"no required module provides package (\S+)|cannot find package "
       r"\"([^\"]+)\"", "dependency", "Go package missing", "Go cannot find {1}.",
       "go get {1}", "go mod tidy"),
    _p("maven-resolve", r"Could not resolve dependencies for project (\S+)|"
       r"Could not transfer artifact (\S+)", "dependency", "Maven dependency unresolved",
       "Maven could not download a dependency.", "Check the repository settings and versions",
       "mvn -U dependency:resolve"),
    _p("java-class-not-found", r"(?:ClassNotFoundException|NoClassDefFoundError):? ([\w.$/]+)",
       "dependency", "Java class missing", "{1} is not on the classpath.",
       "Add the dependency that provides {1}"),
    _p("apt-missing", r"E: Unable to locate package (\S+)", "dependency", "apt package missing",
       "apt cannot find {1}.", "Run apt-get update first", "Check the package name {1}"),
    _p("command-not-found", r"(?:^|\s)([\w.\-]+): (?:command )?not found|"
       r"exec: \"([^\"]+)\": executable file not found", "dependency", "Command not installed",
       "'{1}' is not installed in the image or not on PATH.",
       "Install {1} in the image", "Check PATH"),
    _p("connection-refused", r"(?i)connection refused|ECONNREFUSED", "network",
       "Connection refused", "Nothing was listening at the address the job connected to.",
       "Check that the service is running and reachable from the container",
       "Wait for the service to be ready before starting (health check / retry)"),
    _p("dns", r"(?i:could not resolve host|name or service not known|"
       r"temporary failure in name resolution|no such host|getaddrinfo failed)|\bENOTFOUND\b", "network",
       "DNS lookup failed", "A host name could not be resolved.",
       "Check the host name and the container's DNS / network settings"),
    _p("network-timeout", r"(?i)ETIMEDOUT|connection timed out|read timed out|i/o timeout|"
       r"connect timeout|ConnectTimeoutError|ECONNRESET|connection reset by peer", "network",
       "Network timeout", "A network operation timed out or was reset.",
       "Check connectivity from the container", "Add retries with backoff"),
    _p("tls", r"(?i)certificate verify failed|x509: certificate|SSLError|"
       r"unable to get local issuer certificate", "network", "TLS certificate problem",
       "A TLS certificate could not be verified.", "Install CA certificates in the image"),
    _p("permission-denied", r"(?i)permission denied|EACCES|operation not permitted|"
       r"PermissionError|AccessDenied|403 Forbidden", "permission", "Permission denied",
       "The process lacked the rights for a file, socket or API.",
       "Check file ownership and the user the container runs as",
       "Check the credentials' scopes"),
    _p("disk-full", r"No space left on device|ENOSPC", "runtime", "Disk full",
       "The filesystem ran out of space.", "Free disk space or mount a larger volume"),
    _p("missing-env-keyerror", r"KeyError: '([A-Z][A-Z0-9_]{2,})'", "config",
       "Environment variable missing", "The job read {1} but it is not set.",
       "Set it: orcaops run --env {1}=...", "Give it a default in the code"),
    _p("missing-env", r"(?i)(?:environment variable|env var)\s+['\"`]?(\w+)['\"`]?\s+"
       r"(?:is\s+)?(?:not set|missing|required|undefined)|missing required (?:env|config)\w*",
       "config", "Configuration missing", "A required setting ({1}) is missing.",
       "Set {1} (orcaops run --env {1}=...)"),
    _p("config-file-missing", r"No such file or directory:? '?([^'\s]+\.(?:ya?ml|json|toml|ini|"
       r"cfg|conf|env|properties))", "config", "Configuration file missing",
       "{1} does not exist in the container.", "Mount or copy {1} into the image"),
    _p("config-invalid", r"(?i)invalid (?:configuration|config)|yaml\.scanner\.ScannerError|"
       r"JSONDecodeError|could not parse config", "config", "Invalid configuration",
       "A configuration file could not be read.", "Validate the configuration file"),
    _p("image-pull", r"pull access denied|manifest unknown|repository does not exist", "config",
       "Image not available", "The image could not be pulled.",
       "Check the image name and tag, and registry credentials"),
    _p("compiler-error", r"error\[E\d{4}\]|error: could not compile|error TS\d+:|"
       r"cannot find symbol|COMPILATION ERROR|undefined reference to|\.\w+:\d+:\d+: error:|"
       r"^\S+\.go:\d+:\d+: |SyntaxError: ", "build", "Compilation failed",
       "The code does not compile.", "Fix the compiler error at the reported location"),
    _p("build-tool", r"make(?:\[\d+\])?: \*\*\* |BUILD FAILED|FAILURE: Build failed|"
       r"\[ERROR\] Failed to execute goal|ERROR: failed to solve|The command '.*' returned a "
       r"non-zero code", "build", "Build step failed", "A build step exited with an error.",
       "Look at the first error above this line"),
    _p("test-failure", r"\bAssertionError\b|AssertionFailedError|\b\d+ failed\b|--- FAIL:|"
       r"Tests:\s+\d+ failed|FAILED \((?:failures|errors)=|^FAILED \S+::|expect\(.*\)\.|"
       r"ComparisonFailure|Expected: .* but was|assert .* ==", "test", "Tests failed",
       "One or more tests failed.", "Run the failing test locally",
       "Check recent changes to the code under test"),
    _p("timeout", r"(?i)\btimed out after\b|deadline exceeded|Timeout of \d+ms exceeded|"
       r"\bTimeoutError\b|exceeded the timeout", "timeout", "Timed out",
       "An operation exceeded its time limit.", "Raise the timeout or speed up the step"),
    _p("segfault", r"Segmentation fault|SIGSEGV|core dumped", "runtime", "Crashed (segfault)",
       "The process crashed with a memory access violation.",
       "Check native extensions and their versions"),
    _p("nil-pointer", r"nil pointer dereference|NullPointerException|"
       r"Cannot read propert(?:y|ies) of (?:undefined|null)|'NoneType' object",
       "runtime", "Null dereference", "Code used a null/None/nil value.",
       "Check the value is set before it is used"),
    _p("npm-lifecycle", r"npm ERR! code ELIFECYCLE|npm ERR! Lifecycle script", "build",
       "npm script failed", "An npm script exited with an error.",
       "Look at the script output above the npm ERR! block"),
]


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> Prefiltered:
    # Prefiltered: most patterns start with \b, (?i) or an alternation, which re tries at
    # every position; a substring test of their required literals rules most texts out.
    return Prefiltered(pattern, re.M)


def fill(template: str, groups: tuple[str | None, ...]) -> str:
    """Substitute ``{1}``, ``{2}``... with regex groups (a missing group becomes the first)."""
    first = next((g for g in groups if g), "")
    def sub(m: re.Match[str]) -> str:
        k = int(m.group(1))
        return (groups[k - 1] if k <= len(groups) and groups[k - 1] else first) or "?"
    return re.sub(r"\{(\d+)\}", sub, template)


P = TypeVar("P", bound=Pattern)


def match_patterns(text: str, patterns: Sequence[P] | None = None
                   ) -> list[tuple[P | KnownPattern, list[str]]]:
    """Known failure patterns found in text, in knowledge-base order.

    Args:
        text: A line, an error block or a whole log.
        patterns: The knowledge base; :data:`BUILTIN_PATTERNS` when None.

    Returns:
        ``(pattern, solutions)`` pairs, solutions with ``{n}`` replaced by the match's groups.
    """
    out: list[tuple[P | KnownPattern, list[str]]] = []
    kb: Sequence[P | KnownPattern] = BUILTIN_PATTERNS if patterns is None else patterns
    for pat in kb:
        m = _compiled(pat.pattern).search(text)
        if m:
            out.append((pat, [fill(s, m.groups()) for s in pat.solutions]))
    return out


def describe(pattern: Pattern, text: str) -> str:
    """The pattern's description with groups of its match in ``text`` substituted."""
    m = _compiled(pattern.pattern).search(text)
    return fill(pattern.description, m.groups() if m else ())
