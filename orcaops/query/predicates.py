"""One SQL shape per field kind, for ``field:value`` terms and bare words.

Every handler receives the parsed term and returns :class:`~orcaops.query.sql.Sql` (a
condition on the run) or :class:`~orcaops.query.sql.LogLine` (a condition on one log line).
Identifiers come from the registry; values are bound with :func:`param`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from orcaops.core.vocabulary import FAILED_STATUSES
from orcaops.query import ast, fields, ranges
from orcaops.query.context import Context
from orcaops.query.fields import Field
from orcaops.query.patterns import check_regex, to_pattern
from orcaops.query.sql import ANOMALOUS_RUNS, FLAKY_KEYS, TESTS, LogLine, Sql, join, sql
from orcaops.query.template import col, fmt, param

Part = Sql | LogLine
Handler = Callable[[Context, Field, str | None, ast.Term], Part]

_META_KEY = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_TAG = "lambda t: "  # DuckDB >= 1.3 lambda syntax; `t` is one tag
BARE_COLUMNS = ("job_id", "image", "command", "intent")


def compile_term(ctx: Context, term: ast.Term) -> Part:
    """Compile ``field:value``.

    Raises:
        QueryError: unknown field, or a value the field does not accept.
    """
    try:
        spec, key = fields.lookup(term.field)
    except fields.UnknownFieldError as exc:
        raise ctx.unknown_field(term.field, exc.suggestions, term.pos) from None
    value = term.value
    if isinstance(value, ast.Comparison) and value.op == "=" and spec.kind != fields.LEVEL:
        value = value.operand  # `=v` is v for every kind but level (a bare level is a minimum)
    if isinstance(value, ast.Word) and value.raw == "*" and not value.quoted and spec.column:
        return presence(ctx, spec, key, term.pos)  # field:* means the field has a value
    return HANDLERS[spec.kind](ctx, spec, key, ast.Term(term.field, value, term.pos))


def compile_bare(ctx: Context, word: ast.Word) -> Sql:
    """A bare word or phrase: contained in job_id, image, command or intent, or in a tag."""
    like = _contains(word)
    parts = [fmt(_ilike("{c}", like), c=col(c), v=param(like)) for c in BARE_COLUMNS]
    parts.append(_any_tag(_ilike("t", like), param(like)))
    return join("OR", parts)


def _ilike(target: str, like: str) -> str:
    """``target ILIKE {v}``, with the ESCAPE clause only when the pattern escapes something:
    DuckDB's escaping ILIKE runs ~2x slower than the plain one (which it can also simplify)."""
    return f"{target} ILIKE {{v}}" + (" ESCAPE '\\'" if "\\" in like else "")


def _contains(word: ast.Word) -> str:
    return "%" + to_pattern(word.raw, single_char=False).like + "%"


def _any_tag(template: str, value: Sql) -> Sql:
    return fmt("len(list_filter(tags, " + _TAG + template + ")) > 0", v=value)


def _string_match(ctx: Context, name: str, target: Sql, value: ast.Value, kind: str) -> Sql:
    """Whole-value (keyword) or substring (text) match of ``target``; regex for both."""
    if isinstance(value, ast.Regex):
        return fmt("regexp_matches({c}, {v}, 'i')", c=target, v=param(_regex(ctx, value)))
    word = _word(ctx, name, kind, value)
    if kind == fields.TEXT:
        like = _contains(word)
        return fmt(_ilike("{c}", like), c=target, v=param(like))
    pattern = to_pattern(word.raw, single_char=True)
    if pattern.has_wildcard:
        return fmt(_ilike("{c}", pattern.like), c=target, v=param(pattern.like))
    return fmt("lower({c}) = {v}", c=target, v=param(pattern.literal.lower()))


def _word(ctx: Context, name: str, kind: str, value: ast.Value) -> ast.Word:
    if isinstance(value, ast.Word):
        return value
    shape = {ast.Comparison: "comparisons", ast.Range: "ranges", ast.Regex: "a /regex/"}
    raise ctx.wrong_shape(name, kind, shape[type(value)], value.pos)


def _regex(ctx: Context, value: ast.Regex) -> str:
    problem = check_regex(value.pattern)
    if problem:
        reason, offset = problem
        raise ctx.error(f"Invalid regex: {reason}", value.pos + 1 + offset, ["a valid regex"])
    return value.pattern


def keyword(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """status, image, by, category...: the whole value, case-insensitive, * and ? wildcards."""
    assert spec.column is not None
    if spec.choices and isinstance(term.value, ast.Word):
        pattern = to_pattern(term.value.raw, single_char=True)
        if not pattern.has_wildcard and pattern.literal.lower() not in spec.choices:
            raise ctx.unknown_choice(spec.name, term.value.raw, spec.choices, term.value.pos)
        if not pattern.has_wildcard:
            # A closed set is stored exactly as its choices (lower case): a plain equality,
            # which Parquet statistics can prune and which runs faster than lower(c) = v.
            return fmt("{c} = {v}", c=col(spec.column), v=param(pattern.literal.lower()))
    return _string_match(ctx, term.field, col(spec.column), term.value, fields.KEYWORD)


def text(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """command, intent: the value occurs in the text, case-insensitive, * wildcard."""
    assert spec.column is not None
    return _string_match(ctx, term.field, col(spec.column), term.value, fields.TEXT)


def tags(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """tag:ci: any tag equals ci (case-insensitive; wildcards allowed)."""
    value = term.value
    if isinstance(value, ast.Regex):
        return _any_tag("regexp_matches(t, {v}, 'i')", param(_regex(ctx, value)))
    pattern = to_pattern(_word(ctx, term.field, spec.kind, value).raw, single_char=True)
    if pattern.has_wildcard:
        return _any_tag(_ilike("t", pattern.like), param(pattern.like))
    return fmt(
        "list_contains(list_transform(tags, " + _TAG + "lower(t)), {v})",
        v=param(pattern.literal.lower()),
    )


def meta_target(ctx: Context, key: str | None, pos: int) -> Sql:
    """``json_extract_string`` of one metadata key; the key is bound as a JSON path."""
    if key is None or not _META_KEY.fullmatch(key):
        raise ctx.error(
            f"Invalid metadata key {key or ''!r}", pos,
            ["meta.<key> with a key of letters, digits, '_', '-' and '.' (nesting)"],
        )
    path = "$." + ".".join(f'"{segment}"' for segment in key.split("."))
    return fmt("json_extract_string(TRY_CAST(metadata AS JSON), {p})", p=param(path))


def meta(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """meta.<key>:value matches like a keyword; comparisons and ranges compare numbers."""
    target = meta_target(ctx, key, term.pos)
    if isinstance(term.value, (ast.Comparison, ast.Range)):
        number = fmt("TRY_CAST({c} AS DOUBLE)", c=target)
        return ranges.compare(ctx, term.field, fields.NUMBER, number, term.value)
    return _string_match(ctx, term.field, target, term.value, fields.KEYWORD)


def id_prefix(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """id, parent: the id starts with the value (ids are case-sensitive)."""
    assert spec.column is not None
    pattern = to_pattern(_word(ctx, term.field, spec.kind, term.value).raw, single_char=True)
    if pattern.has_wildcard:
        return fmt("{c} LIKE {v} ESCAPE '\\'", c=col(spec.column), v=param(pattern.like + "%"))
    return fmt("starts_with({c}, {v})", c=col(spec.column), v=param(pattern.literal))


def log(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> LogLine:
    """log:x: some log line's message contains x (or matches /regex/)."""
    cond = _string_match(ctx, term.field, col("message"), term.value, fields.TEXT)
    pattern = None if isinstance(term.value, ast.Regex) else cond.params[0]
    return LogLine(cond, pattern)


def error(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """error:x: the run's first_error or error_message, or one of its error lines, has x."""
    parts = [
        _string_match(ctx, term.field, col(c), term.value, fields.TEXT)
        for c in ("first_error", "error_message")
    ]
    line = _string_match(ctx, term.field, col("message"), term.value, fields.TEXT)
    parts.append(LogLine(fmt("is_error AND {m}", m=line)).to_sql(days=ctx.log_days))
    return join("OR", parts)


def level(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> LogLine:
    """level:ERROR: the run has a line at that level; level:>=WARN: at any of those levels."""
    wanted = ranges.levels(ctx, term.field, term.value)
    if not wanted:  # level:>FATAL
        return LogLine(sql("FALSE"))
    if len(wanted) == 1:
        return LogLine(fmt("level = {v}", v=param(wanted[0])))
    placeholders = ", ".join("?" for _ in wanted)
    return LogLine(Sql(f"level IN ({placeholders})", tuple(wanted)))


def state(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """is:failed|running (status), is:flaky, is:anomalous (views from the analytics layer)."""
    word = _word(ctx, term.field, spec.kind, term.value)
    name = word.raw.lower()
    if name == "failed":
        return Sql("status IN (?, ?, ?)", FAILED_STATUSES)
    if name == "running":
        return sql("status = ?", "running")
    if name == "flaky":
        return sql(f"baseline_key IN (SELECT baseline_key FROM {FLAKY_KEYS})", views=[FLAKY_KEYS])
    if name == "anomalous":
        return sql(f"job_id IN (SELECT job_id FROM {ANOMALOUS_RUNS})", views=[ANOMALOUS_RUNS])
    raise ctx.unknown_choice("is", word.raw, spec.choices, word.pos)


# The spellings of a test case that test:NAME matches (whole value, case-insensitive).
_TEST_NAMES = ("name", "classname || '.' || name", "file || '::' || name")


def test_case(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """test:NAME: the run has a test case whose name (or Class.name, or file::name) matches."""
    parts = [_string_match(ctx, term.field, Sql(f"({target})"), term.value, fields.KEYWORD)
             for target in _TEST_NAMES]
    cond = join("OR", parts)
    return Sql(f"job_id IN (SELECT job_id FROM {TESTS} WHERE {cond.text})", cond.params,
               cond.views | {TESTS})


def test_status(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Sql:
    """test.status:failed: the run has a test case with that status (wildcards allowed)."""
    word = _word(ctx, term.field, spec.kind, term.value)
    pattern = to_pattern(word.raw, single_char=True)
    if pattern.has_wildcard:
        cond = fmt(_ilike("status", pattern.like), v=param(pattern.like))
    elif pattern.literal.lower() in spec.choices:
        cond = sql("status = ?", pattern.literal.lower())
    else:
        raise ctx.unknown_choice(spec.name, word.raw, spec.choices, word.pos)
    return Sql(f"job_id IN (SELECT job_id FROM {TESTS} WHERE {cond.text})", cond.params,
               cond.views | {TESTS})


def has_or_missing(ctx: Context, spec: Field, key: str | None, term: ast.Term) -> Part:
    """has:<field> (has a value) and missing:<field> (absent or empty)."""
    word = _word(ctx, term.field, spec.kind, term.value)
    try:
        target, target_key = fields.lookup(word.raw)
    except fields.UnknownFieldError as exc:
        raise ctx.unknown_field(word.raw, exc.suggestions, word.pos) from None
    found = presence(ctx, target, target_key, word.pos)
    if spec.name == "has":
        return found
    found_sql = found.to_sql(days=ctx.log_days) if isinstance(found, LogLine) else found
    return Sql(f"NOT ({found_sql.text})", found_sql.params, found_sql.views)


def presence(ctx: Context, spec: Field, key: str | None, pos: int) -> Part:
    """The field has a value: non-null, and non-empty for text and lists. Never NULL."""
    if spec.kind == fields.META:
        if key is None:
            return sql("coalesce(len(json_keys(TRY_CAST(metadata AS JSON))), 0) > 0")
        return _non_empty(meta_target(ctx, key, pos))
    if spec.kind == fields.TAGS:
        return sql("coalesce(len(tags), 0) > 0")
    if spec.kind == fields.ERROR:
        return join("OR", [_non_empty(col("first_error")), _non_empty(col("error_message"))])
    if spec.kind == fields.LOG:
        return LogLine(sql("TRUE"))
    if spec.kind == fields.LEVEL:
        return LogLine(_non_empty(col("level")))
    if spec.kind in (fields.TEST, fields.TEST_STATUS):
        return sql(f"job_id IN (SELECT job_id FROM {TESTS})", views=[TESTS])
    if spec.column is None:
        raise ctx.error(f"has: and missing: do not apply to {spec.name}", pos, ["a field with a value"])
    if spec.kind in (fields.KEYWORD, fields.TEXT, fields.ID_PREFIX):
        return _non_empty(col(spec.column))
    return fmt("{c} IS NOT NULL", c=col(spec.column))


def _non_empty(target: Sql) -> Sql:
    return fmt("coalesce({c}, '') <> ''", c=target)


HANDLERS: dict[str, Handler] = {
    fields.KEYWORD: keyword,
    fields.TEXT: text,
    fields.TAGS: tags,
    fields.META: meta,
    fields.ID_PREFIX: id_prefix,
    fields.LOG: log,
    fields.ERROR: error,
    fields.LEVEL: level,
    fields.STATE: state,
    fields.PRESENCE: has_or_missing,
    fields.TEST: test_case,
    fields.TEST_STATUS: test_status,
    **{kind: ranges.compile_range_term for kind in ranges.KINDS},
}
