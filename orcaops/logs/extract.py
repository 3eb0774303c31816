"""Format detection and field extraction over a whole column of lines (polars, in Rust)."""

from __future__ import annotations

import polars as pl

from orcaops.logs.formats import FORMATS, LogFormat, any_format_regex

_TS = pl.Datetime("us", "UTC")
SCHEMA = {"idx": pl.Int64, "fmt": pl.String, "ts": _TS, "level_raw": pl.String,
          "msg": pl.String, "fields": pl.String}
_ANY: dict[int, str] = {}


def _iso(col: pl.Expr) -> pl.Expr:
    s = (col.str.replace(r" ([+-]\d{2}:?\d{2})$", "$1").str.replace(",", ".")
         .str.replace_all("/", "-").str.replace(" ", "T"))
    s = pl.when(s.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$")).then(s).otherwise(s + "Z")
    return s.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_zone="UTC",
                             time_unit="us")


def ts_expr(fmt: LogFormat, year: int) -> pl.Expr:
    """The UTC timestamp a format's ``ts`` (or ``epoch``) group denotes, null if unreadable."""
    g = pl.col("g")
    if fmt.ts_kind == "iso":
        out = _iso(g.struct.field("ts"))
    elif fmt.ts_kind == "epoch":
        out = pl.from_epoch(g.struct.field("epoch").cast(pl.Int64, strict=False), time_unit="s")
    elif fmt.ts_kind in ("strptime", "yearless"):
        raw = g.struct.field("ts")
        if fmt.ts_kind == "yearless":  # the line has no year: take the run's
            raw = pl.lit(f"{year} ") + raw.str.replace_all(" +", " ")
        out = raw.str.to_datetime(fmt.ts_format, strict=False, time_zone="UTC")
    else:
        return pl.lit(None, dtype=_TS)
    return out.cast(pl.Datetime("us")).dt.replace_time_zone("UTC") if fmt.ts_kind == "epoch" \
        else out.dt.cast_time_unit("us").dt.convert_time_zone("UTC")


def _fields_expr(fmt: LogFormat) -> pl.Expr:
    g = pl.col("g")
    cols = [g.struct.field(f) for f in fmt.fields] + [pl.lit(fmt.name).alias("format")]
    return pl.struct(cols).struct.json_encode()


def _rows_of(fmt: LogFormat, rows: pl.DataFrame, year: int) -> pl.DataFrame:
    g = pl.col("g")
    level = g.struct.field("level") if "level" in fmt.regex else pl.lit(None, pl.String)
    msg = pl.col("line") if fmt.keep_line else g.struct.field("msg")
    return rows.select(
        pl.col("idx"), pl.lit(fmt.name).alias("fmt"), ts_expr(fmt, year).alias("ts"),
        level.cast(pl.String).alias("level_raw"), msg.alias("msg"),
        _fields_expr(fmt).alias("fields"))


def extract(lines: pl.Series, year: int) -> pl.DataFrame:
    """Detect each line's format and extract its fields.

    Args:
        lines: Cleaned lines.
        year: Year for formats that write none (syslog, Android).

    Returns:
        One row per line, in order: ``fmt`` (format name or null), ``ts`` (UTC or null),
        ``level_raw`` (as written, null if none), ``msg`` (the line when no format matched) and
        ``fields`` (JSON object text of the other groups, null if no format matched).
    """
    df = pl.DataFrame({"idx": pl.int_range(len(lines), eager=True, dtype=pl.Int64),
                       "line": lines})
    key = len(FORMATS)
    if key not in _ANY:  # the registry only grows: its length identifies its content
        _ANY.clear()
        _ANY[key] = any_format_regex()
    rest = df.filter(pl.col("line").str.contains(_ANY[key]))
    parts = []
    for fmt in FORMATS:
        if rest.height == 0:
            break
        rest = rest.with_columns(pl.col("line").str.extract_groups(fmt.regex).alias("g"))
        hit = pl.col("g").struct.field("msg").is_not_null()
        matched = rest.filter(hit)
        if matched.height:
            parts.append(_rows_of(fmt, matched, year))
            rest = rest.filter(~hit)
        rest = rest.drop("g")
    found = pl.concat(parts) if parts else pl.DataFrame(schema=SCHEMA)
    out = df.join(found.cast(SCHEMA), on="idx", how="left", maintain_order="left")
    return out.with_columns(pl.coalesce("msg", "line").alias("msg")).drop("line")
