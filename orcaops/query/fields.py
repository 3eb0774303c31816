"""The field registry: every field of the search language, as data.

A field is one entry: its name, aliases, kind (which decides how values are parsed and which
SQL shape it compiles to) and the column(s) it reads. SQL identifiers in compiled queries come
only from this table, never from user text. Adding a field is adding a line here (and, for a
new kind, one handler in ``orcaops.query.predicates``).
"""

from __future__ import annotations

from dataclasses import dataclass

from orcaops.core.vocabulary import LEVELS, STATUSES

# Kinds. They name what a value means, not a SQL type.
KEYWORD = "keyword"  # whole value, case-insensitive, wildcards * ?
TAGS = "tags"  # keyword matched against any element of a VARCHAR[] column
META = "meta"  # keyword over a key of the metadata JSON object (meta.<key>)
TEXT = "text"  # case-insensitive substring, * wildcard
ID_PREFIX = "id-prefix"  # prefix of an id, case-sensitive like the ids themselves
INTEGER = "integer"
NUMBER = "number"
DURATION = "duration"  # seconds; units ms s m h d w
MEMORY = "memory"  # MB; binary units KB MB GB TB
AFTER = "after"  # started_at >= date
BEFORE = "before"  # started_at < date
DATE = "date"  # a DATE column compared with dates
ERROR = "error"  # first_error / error_message on the run, or error lines in logs
LOG = "log"  # message of any log line
LEVEL = "level"  # runs with a log line at that level or more severe
PRESENCE = "presence"  # has:<field> / missing:<field>
STATE = "state"  # is:failed|flaky|anomalous|running
TEST = "test"  # runs with a test case of that name (tests table; wildcards)
TEST_STATUS = "test-status"  # runs with a test case of that status

STATES = ("failed", "flaky", "anomalous", "running")
TEST_STATUSES = ("passed", "failed", "error", "skipped")  # the tests table's status column


@dataclass(frozen=True)
class Field:
    """One searchable field.

    Attributes:
        name: canonical name, as users type it.
        kind: one of the kind constants above.
        column: the runs column it reads (None for fields over other tables).
        aliases: other names for it.
        choices: accepted values, when the set is closed (checked unless wildcards are used).
        help: a one-line description for error messages and docs.
    """

    name: str
    kind: str
    column: str | None
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    help: str = ""


REGISTRY: tuple[Field, ...] = (
    Field("id", ID_PREFIX, "job_id", help="job_id prefix"),
    Field("status", KEYWORD, "status", choices=STATUSES, help="run status"),
    Field("image", KEYWORD, "image", help="container image"),
    Field("command", TEXT, "command", aliases=("cmd",), help="command text contains"),
    Field("tag", TAGS, "tags", aliases=("tags",), help="any tag equals"),
    Field("triggered_by", KEYWORD, "triggered_by", aliases=("by",), help="cli, api, mcp:<agent>"),
    Field("intent", TEXT, "intent", help="intent text contains"),
    Field("parent", ID_PREFIX, "parent_job_id", help="parent job_id prefix"),
    Field("exit", INTEGER, "exit_code", help="exit code"),
    Field("duration", DURATION, "duration_s", help="run time"),
    Field("queue", DURATION, "queue_wait_s", help="time queued"),
    Field("memory", MEMORY, "memory_peak_mb", aliases=("mem",), help="peak memory"),
    Field("cpu", DURATION, "cpu_seconds", help="CPU time"),
    Field("cost", NUMBER, "estimated_cost_usd", help="estimated cost in USD"),
    Field("after", AFTER, "started_at", help="started at or after"),
    Field("before", BEFORE, "started_at", help="started before"),
    Field("day", DATE, "day", help="UTC day of the run"),
    Field("meta", META, "metadata", help="meta.<key>: a metadata value"),
    Field("category", KEYWORD, "failure_category", help="failure category"),
    Field("error", ERROR, None, help="first error, error message or error log lines contain"),
    Field("log", LOG, None, help="a log line contains (phrase, wildcard or /regex/)"),
    Field("level", LEVEL, None, choices=LEVELS, help="has log lines at this level or worse"),
    Field("host", KEYWORD, "host", help="host that ran the job"),
    Field("executor", KEYWORD, "executor", help="docker or local"),
    Field("fingerprint", KEYWORD, "error_fingerprint", help="error fingerprint"),
    Field("has", PRESENCE, None, help="has:<field>: the field has a value"),
    Field("missing", PRESENCE, None, help="missing:<field>: the field is absent or empty"),
    Field("is", STATE, None, choices=STATES, help="is:failed|flaky|anomalous|running"),
    Field("test", TEST, None, aliases=("tests",),
          help="a test case of this name ran (name, Class.name or file::name; wildcards)"),
    Field("test.status", TEST_STATUS, None, choices=TEST_STATUSES,
          help="a test case ended so: passed, failed, error, skipped"),
)

FIELDS: dict[str, Field] = {f.name: f for f in REGISTRY}
ALIASES: dict[str, str] = {a: f.name for f in REGISTRY for a in f.aliases}
META_PREFIX = "meta."

# What a value of each kind looks like, for "expected ..." in error messages.
VALUE_HINTS: dict[str, str] = {
    KEYWORD: "a value (wildcards * and ? allowed)",
    TAGS: "a tag (wildcards * and ? allowed)",
    META: "a value (wildcards * and ? allowed)",
    TEXT: 'a word, a "quoted phrase" or a /regex/',
    ID_PREFIX: "a job id or its prefix",
    INTEGER: "an integer",
    NUMBER: "a number",
    DURATION: "a number or duration",
    MEMORY: "a number or memory size",
    AFTER: "a date",
    BEFORE: "a date",
    DATE: "a date",
    ERROR: 'a word, a "quoted phrase" or a /regex/',
    LOG: 'a word, a "quoted phrase" or a /regex/',
    LEVEL: "a log level (DEBUG, INFO, WARN, ERROR, FATAL)",
    PRESENCE: "a field name",
    STATE: "one of failed, flaky, anomalous, running",
    TEST: "a test name (wildcards * and ? allowed)",
    TEST_STATUS: "a test status (passed, failed, error, skipped)",
}

# The accepted forms, spelled out when a value is rejected.
VALUE_FORMS: dict[str, str] = {
    INTEGER: "e.g. 1, >0, [1 TO 3]",
    NUMBER: "e.g. 0.5, >0.01, [0.1 TO 2]",
    DURATION: "seconds or 500ms, 90s, 5m, 2h, 1d; e.g. >60, [1m TO 5m]",
    MEMORY: "MB or 512KB, 64MB, 2GB (binary units); e.g. >1GB, [256MB TO 1GB]",
    AFTER: "2026-01-01, 2026-01-01T10:00:00Z, -7d, -24h, -30m, today, yesterday",
    BEFORE: "2026-01-01, 2026-01-01T10:00:00Z, -7d, -24h, -30m, today, yesterday",
    DATE: "2026-01-01, -7d, today, yesterday; e.g. >=2026-01-01, [2026-01-01 TO 2026-01-31]",
    LEVEL: "DEBUG, INFO, WARN, ERROR, FATAL; level:WARN keeps WARN and worse, level:=WARN only WARN",
}


class UnknownFieldError(LookupError):
    """Raised by :func:`lookup` with the suggestions the caller puts in a QueryError."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.suggestions = suggestions


def field_names() -> list[str]:
    """Every name a query may use before ``:``, aliases and ``meta.<key>`` included, sorted."""
    names = [f.name for f in REGISTRY if f.kind != META] + list(ALIASES)
    return sorted(names) + ["meta.<key>"]


def lookup(name: str) -> tuple[Field, str | None]:
    """Find the field a query names.

    Args:
        name: the name before ``:`` as typed (case-insensitive; ``meta.`` keys keep their case).

    Returns:
        The field and, for ``meta.<key>``, the key (else None).

    Raises:
        UnknownFieldError: no such field; carries the closest valid names.
    """
    lowered = name.lower()
    if lowered.startswith(META_PREFIX) and len(name) > len(META_PREFIX):
        return FIELDS["meta"], name[len(META_PREFIX):]
    canonical = ALIASES.get(lowered, lowered)
    if canonical in FIELDS:
        return FIELDS[canonical], None  # "meta" alone: has:meta, or an error naming meta.<key>
    candidates = [n for n in field_names() if n != "meta.<key>"] + ["meta"]
    import difflib  # only for the error message: not at import

    suggestions = difflib.get_close_matches(lowered, candidates, n=1, cutoff=0.6)
    suggestions = ["meta.<key>" if s == "meta" else s for s in suggestions]
    raise UnknownFieldError(name, suggestions)


def value_hint(name: str) -> str:
    """What a value of the named field looks like ("a number or duration"); generic if unknown."""
    try:
        spec, _ = lookup(name)
    except UnknownFieldError:
        return "a value"
    return VALUE_HINTS[spec.kind]
