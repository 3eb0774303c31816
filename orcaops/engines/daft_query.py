"""The search language's syntax tree → a Daft filter over the ``runs`` table.

The same tree the DuckDB compiler visits (``orcaops.query.ast``), one ``visit_<Node>`` per
class, and the same registry, patterns, value parsers and errors: a query is first compiled
for DuckDB (pure, a few hundred microseconds) so every ``QueryError`` is the one DuckDB users
see, then visited again here. Values never become text: they are Daft literals.

Three-valued logic: DuckDB's WHERE keeps TRUE rows and the SQL compiler wraps every NOT in
``coalesce(x, FALSE)``. Mapping NULL to FALSE commutes with AND and OR, so each leaf here is
``fill_null(False)`` and the tree is two-valued: the same runs are kept.

Conditions on other tables (log lines, test cases) become marker columns: the distinct
``(job_id, write_id)`` pairs of matching child rows, left-joined to ``runs``. Pairing on the
write id is the strict form of the DuckDB views' visibility rule (a child row belongs to the
runs row of its write), so lines of a run being replaced never count twice.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from orcaops.core.config import analysis_now
from orcaops.core.errors import InputError
from orcaops.core.vocabulary import FAILED_STATUSES
from orcaops.query import ast, fields, ranges
from orcaops.query.compiler import compile_node
from orcaops.query.context import Context
from orcaops.query.parser import parse_query, printable
from orcaops.query.patterns import to_pattern
from orcaops.query.predicates import BARE_COLUMNS

if TYPE_CHECKING:
    from daft import DataFrame, Expression

WRITE_KEY = "_orcaops_write"  # coalesce(write_id, ''): what pairs a child row with its run


class EngineFeatureError(InputError):
    """A feature the chosen engine cannot run (``is:flaky`` on Daft); says which engine can."""


@dataclass
class DaftTables:
    """The lazily read tables a Daft search reads; each carries ``WRITE_KEY``."""

    runs: DataFrame
    logs: Callable[[], DataFrame]
    tests: Callable[[], DataFrame]


@dataclass
class DaftFilter:
    """A compiled search: a boolean expression over runs plus the marker joins it reads.

    Attributes:
        where: the condition, never NULL.
        marks: (column name, distinct ``job_id``/``WRITE_KEY`` pairs) to left-join first.
    """

    where: Expression
    marks: list[tuple[str, DataFrame]] = field(default_factory=list)

    def apply(self, runs: DataFrame) -> DataFrame:
        """``runs`` kept by the condition, with the columns it had."""
        from daft import col, lit

        columns = runs.column_names
        for name, ids in self.marks:
            runs = runs.join(ids.with_column(name, lit(True)), on=["job_id", WRITE_KEY],
                             how="left")
        return runs.where(self.where).select(*(col(c) for c in columns))


def compile_daft(text: str, tables: DaftTables, *, now: datetime | None = None) -> DaftFilter:
    """Compile a search query for Daft.

    Raises:
        QueryError: exactly where and why DuckDB's compiler would.
        EngineFeatureError: the query needs something Daft cannot run here.
    """
    moment = now or analysis_now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    tree = parse_query(text)
    compile_node(tree, text=text, now=moment)  # the DuckDB compiler's checks and errors
    ctx = Context(printable(text), moment.astimezone(timezone.utc))
    compiler = DaftCompiler(ctx, tables)
    return DaftFilter(compiler.visit(tree), compiler.marks)


class DaftCompiler:
    """Visits syntax-tree nodes; one ``visit_<Node>`` per node class, like ``Compiler``."""

    def __init__(self, ctx: Context, tables: DaftTables) -> None:
        self.ctx = ctx
        self.tables = tables
        self.marks: list[tuple[str, DataFrame]] = []

    def visit(self, node: ast.Node) -> Expression:
        """Dispatch to ``visit_<class name>``; a class without a rule is a programming error."""
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise TypeError(f"no Daft rule for {type(node).__name__}; add "
                            f"DaftCompiler.visit_{type(node).__name__}")
        result: Expression = method(node)
        return result

    def visit_MatchAll(self, node: ast.MatchAll) -> Expression:
        from daft import lit

        return lit(True)

    def visit_Not(self, node: ast.Not) -> Expression:
        return ~self.visit(node.item)

    def visit_And(self, node: ast.And) -> Expression:
        return functools.reduce(lambda a, b: a & b, [self.visit(i) for i in node.items],
                                self.visit_MatchAll(ast.MatchAll()))

    def visit_Or(self, node: ast.Or) -> Expression:
        from daft import lit

        return functools.reduce(lambda a, b: a | b, [self.visit(i) for i in node.items],
                                lit(False))

    def visit_Bare(self, node: ast.Bare) -> Expression:
        from daft import col, element

        rx = _like_regex(_contains(node.value), case=False)
        parts = [col(c).regexp(rx) for c in BARE_COLUMNS]
        parts.append(col("tags").list_map(element().regexp(rx)).list_bool_or())
        return _never_null(functools.reduce(lambda a, b: a.fill_null(False) | b.fill_null(False),
                                            parts))

    def visit_Term(self, node: ast.Term) -> Expression:
        spec, key = fields.lookup(node.field)
        value = node.value
        if isinstance(value, ast.Comparison) and value.op == "=" and spec.kind != fields.LEVEL:
            value = value.operand
        term = ast.Term(node.field, value, node.pos)
        if isinstance(value, ast.Word) and value.raw == "*" and not value.quoted and spec.column:
            return self.presence(spec, key)
        handler = getattr(self, "kind_" + spec.kind.replace("-", "_"), None)
        if handler is None:
            handler = self.kind_range
        return _never_null(handler(spec, key, term))

    # -- one method per field kind ---------------------------------------------------------

    def kind_keyword(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col

        assert spec.column is not None
        if spec.choices and isinstance(term.value, ast.Word):
            pattern = to_pattern(term.value.raw, single_char=True)
            if not pattern.has_wildcard:
                return _eq(col(spec.column), pattern.literal.lower())
        return _string_match(col(spec.column), term.value, fields.KEYWORD)

    def kind_text(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col

        assert spec.column is not None
        return _string_match(col(spec.column), term.value, fields.TEXT)

    def kind_tags(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col, element

        return col("tags").list_map(_string_match(element(), term.value, fields.KEYWORD)
                                    .fill_null(False)).list_bool_or()

    def kind_meta(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col

        target = _udfs().json_text(col("metadata"), key or "")
        if isinstance(term.value, (ast.Comparison, ast.Range)):
            number = _udfs().to_number(target)
            return _compare(self.ctx, term.field, fields.NUMBER, number, term.value)
        return _string_match(target, term.value, fields.KEYWORD)

    def kind_id_prefix(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col

        assert spec.column is not None and isinstance(term.value, ast.Word)
        pattern = to_pattern(term.value.raw, single_char=True)
        if pattern.has_wildcard:
            return col(spec.column).regexp(_like_regex(pattern.like + "%", case=True))
        return col(spec.column).startswith(pattern.literal)

    def kind_log(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col

        return self.mark(self.tables.logs(),
                         _string_match(col("message"), term.value, fields.TEXT))

    def kind_error(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col

        on_run = [_string_match(col(c), term.value, fields.TEXT).fill_null(False)
                  for c in ("first_error", "error_message")]
        line = col("is_error") & _string_match(col("message"), term.value, fields.TEXT)
        return on_run[0] | on_run[1] | self.mark(self.tables.logs(), line)

    def kind_level(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col, lit

        wanted = ranges.levels(self.ctx, term.field, term.value)
        if not wanted:
            return lit(False)
        return self.mark(self.tables.logs(), col("level").is_in(wanted))

    def kind_state(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col

        assert isinstance(term.value, ast.Word)
        name = term.value.raw.lower()
        if name == "failed":
            return col("status").is_in(list(FAILED_STATUSES))
        if name == "running":
            return _eq(col("status"), "running")
        view = "flaky_keys" if name == "flaky" else "anomalous_runs"
        raise EngineFeatureError(
            f"is:{name} cannot run on the Daft engine: it reads the analytics view {view} "
            "(window statistics over each job's history), which only DuckDB computes; "
            "search without --engine daft (engine=\"duckdb\")")

    def kind_test(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col

        names = (col("name"), col("classname") + "." + col("name"),
                 col("file") + "::" + col("name"))
        cond = functools.reduce(lambda a, b: a | b, [
            _string_match(n, term.value, fields.KEYWORD).fill_null(False) for n in names])
        return self.mark(self.tables.tests(), cond)

    def kind_test_status(self, spec: fields.Field, key: str | None, term: ast.Term
                         ) -> Expression:
        from daft import col

        assert isinstance(term.value, ast.Word)
        pattern = to_pattern(term.value.raw, single_char=True)
        if pattern.has_wildcard:
            cond = col("status").regexp(_like_regex(pattern.like, case=False))
        else:
            cond = _eq(col("status"), pattern.literal.lower())
        return self.mark(self.tables.tests(), cond)

    def kind_presence(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        assert isinstance(term.value, ast.Word)
        target, target_key = fields.lookup(term.value.raw)
        found = _never_null(self.presence(target, target_key))
        return found if spec.name == "has" else ~found

    def kind_range(self, spec: fields.Field, key: str | None, term: ast.Term) -> Expression:
        from daft import col

        assert spec.column is not None
        if spec.kind in (fields.AFTER, fields.BEFORE):
            assert isinstance(term.value, ast.Word)
            from daft import lit

            instant = ranges.parse(self.ctx, term.field, spec.kind, term.value)
            target = col(spec.column)
            return target >= lit(instant) if spec.kind == fields.AFTER else target < lit(instant)
        return _compare(self.ctx, term.field, spec.kind, col(spec.column), term.value)

    # -- shared shapes ---------------------------------------------------------------------

    def presence(self, spec: fields.Field, key: str | None) -> Expression:
        """The field has a value: non-null, and non-empty for text and lists."""
        from daft import col, lit

        if spec.kind == fields.META:
            if key is None:
                return _udfs().has_keys(col("metadata"))
            return _non_empty(_udfs().json_text(col("metadata"), key))
        if spec.kind == fields.TAGS:
            return col("tags").list_count() > lit(0)
        if spec.kind == fields.ERROR:
            return _non_empty(col("first_error")) | _non_empty(col("error_message"))
        if spec.kind == fields.LOG:
            return self.mark(self.tables.logs(), lit(True))
        if spec.kind == fields.LEVEL:
            return self.mark(self.tables.logs(), _non_empty(col("level")))
        if spec.kind in (fields.TEST, fields.TEST_STATUS):
            return self.mark(self.tables.tests(), lit(True))
        assert spec.column is not None  # the DuckDB compiler refused the others
        if spec.kind in (fields.KEYWORD, fields.TEXT, fields.ID_PREFIX):
            return _non_empty(col(spec.column))
        return col(spec.column).not_null()

    def mark(self, child: DataFrame, cond: Expression) -> Expression:
        """Runs with a row of ``child`` meeting ``cond``: a marker column joined later."""
        from daft import col

        name = f"_orcaops_mark{len(self.marks)}"
        ids = child.where(cond.fill_null(False)).select("job_id", WRITE_KEY).distinct()
        self.marks.append((name, ids))
        return col(name).fill_null(False)


def _eq(target: Expression, value: Any) -> Expression:
    """``target = value`` (Daft's stubs type ``==`` as bool)."""
    from daft import lit

    same: Expression = target == lit(value)  # type: ignore[assignment]
    return same


def _never_null(expr: Expression) -> Expression:
    return expr.fill_null(False)


def _non_empty(target: Expression) -> Expression:
    from daft import lit

    return target.fill_null("") != lit("")


def _contains(word: ast.Word) -> str:
    return "%" + to_pattern(word.raw, single_char=False).like + "%"


def _like_regex(like: str, *, case: bool) -> str:
    """A LIKE pattern (``%``, ``_``, ``\\`` escapes) as the anchored regex that matches the
    same strings; ILIKE is the case-insensitive one."""
    out = ["(?s" + ("" if case else "i") + ")^"]
    chars = iter(like)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "".join(out) + "$"


def _string_match(target: Expression, value: ast.Value, kind: str) -> Expression:
    """Whole-value (keyword) or substring (text) match; a /regex/ for both."""
    if isinstance(value, ast.Regex):
        return target.regexp("(?i)" + value.pattern)
    assert isinstance(value, ast.Word)  # the DuckDB compiler refused other shapes
    if kind == fields.TEXT:
        return target.regexp(_like_regex(_contains(value), case=False))
    pattern = to_pattern(value.raw, single_char=True)
    if pattern.has_wildcard:
        return target.regexp(_like_regex(pattern.like, case=False))
    return _eq(target.lower(), pattern.literal.lower())


def _compare(ctx: Context, name: str, kind: str, target: Expression, value: ast.Value
             ) -> Expression:
    """``=``, ``>``... or an inclusive range, like ``ranges.compare``."""
    from daft import lit

    if isinstance(value, ast.Word):
        return _eq(target, ranges.parse(ctx, name, kind, value))
    if isinstance(value, ast.Comparison):
        bound = lit(ranges.parse(ctx, name, kind, value.operand))
        ops: dict[str, Callable[[Any, Any], Expression]] = {
            ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b, "=": lambda a, b: a == b}
        return ops[value.op](target, bound)
    assert isinstance(value, ast.Range)
    low = None if value.low is None else ranges.parse(ctx, name, kind, value.low)
    high = None if value.high is None else ranges.parse(ctx, name, kind, value.high)
    if low is not None and high is not None:
        return (target >= lit(low)) & (target <= lit(high))
    if low is not None:
        return target >= lit(low)
    if high is not None:
        return target <= lit(high)
    return target.not_null()


# -- metadata JSON, with DuckDB's json_extract_string / TRY_CAST meanings ---------------------

def json_text(text: str | None, key: str) -> str | None:
    """``json_extract_string(TRY_CAST(text AS JSON), '$."a"."b"')`` for ``key`` ``a.b``:
    strings as they are, other values as compact JSON, NULL when absent or not JSON."""
    value = _loads(text)
    for segment in key.split("."):
        if not isinstance(value, dict) or segment not in value:
            return None
        value = value[segment]
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def to_number(text: str | None) -> float | None:
    """``TRY_CAST(text AS DOUBLE)``."""
    if text is None or "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def has_keys(text: str | None) -> bool:
    """``coalesce(len(json_keys(TRY_CAST(text AS JSON))), 0) > 0``."""
    value = _loads(text)
    return isinstance(value, dict) and len(value) > 0


_NOT_JSON = object()


def _loads(text: str | None) -> Any:
    if text is None:
        return _NOT_JSON
    try:
        return json.loads(text, parse_constant=_reject)
    except ValueError:
        return _NOT_JSON


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # DuckDB's JSON has no NaN nor Infinity


@dataclass(frozen=True)
class _Udfs:
    json_text: Any
    to_number: Any
    has_keys: Any


@functools.lru_cache(maxsize=1)
def _udfs() -> _Udfs:
    """The row functions, wrapped for Daft on first use (daft is imported lazily)."""
    import daft

    string, double, boolean = (daft.DataType.string(), daft.DataType.float64(),
                               daft.DataType.bool())
    return _Udfs(daft.func(return_dtype=string)(json_text),
                 daft.func(return_dtype=double)(to_number),
                 daft.func(return_dtype=boolean)(has_keys))
