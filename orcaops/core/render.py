"""DataFrames and models → the output formats (json, jsonl, csv, parquet) and plain values.

Library code: returns text or writes files; never prints. The CLI chooses where it goes.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from orcaops.core.errors import InputError

if TYPE_CHECKING:
    import polars as pl

FORMATS = ("table", "json", "jsonl", "csv", "parquet")
JSON_TEXT_COLUMNS = {"metadata", "environment", "analysis", "parsed", "evidence", "solutions"}
# Output nests values at most this deep; anything deeper (stored before import refused it) is
# written as its JSON text, so the recursive encoders below cannot exhaust the stack.
MAX_OUTPUT_DEPTH = 64


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _is_frame(data: Any) -> bool:
    # polars is only imported by whoever made a frame: no import here keeps the CLI light.
    pl_mod = sys.modules.get("polars")
    return pl_mod is not None and isinstance(data, pl_mod.DataFrame)


def row_records(columns: Sequence[str], rows: Sequence[Sequence[Any]],
                json_cols: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: timestamps as ISO text, JSON text columns as objects."""
    wanted = set(JSON_TEXT_COLUMNS if json_cols is None else json_cols)
    records = []
    for row in rows:
        rec = {}
        for key, value in zip(columns, row):
            if key in wanted and isinstance(value, str):
                try:
                    decoded = json.loads(value)
                except (ValueError, RecursionError):
                    pass
                else:  # too deep to nest in the output: kept as the stored text
                    # (only text with enough brackets can be that deep: most skip the walk)
                    deep = (value.count("[") + value.count("{") > MAX_OUTPUT_DEPTH
                            and nests_deeper(decoded, MAX_OUTPUT_DEPTH))
                    value = value if deep else decoded
            else:
                value = _value(value)
            rec[key] = value
        records.append(rec)
    return records


def nests_deeper(value: Any, limit: int) -> bool:
    """Whether lists/dicts in ``value`` nest more than ``limit`` levels (iteratively)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list, tuple)):
            if depth >= limit:
                return True
            stack.extend((c, depth + 1) for c in (item.values() if isinstance(item, dict)
                                                   else item))
    return False


def frame_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame as JSON-ready dicts (see :func:`row_records`)."""
    import polars as pl

    json_cols = [c for c in frame.columns if c in JSON_TEXT_COLUMNS
                 and frame.schema[c] == pl.String]
    return row_records(frame.columns, frame.rows(), json_cols)


def to_json(data: Any) -> str:
    """JSON text of a frame, a model, a list of models or plain data, 2-space indented, with
    NaN and infinities as null (JSON has neither) and anything else as ``str(value)``.

    orjson writes it: Python's json module drops its C encoder whenever ``indent`` is set, and
    a page of runs took ~25 ms to encode that way (bench/README.md). The text parses to what
    ``json.dumps(finite(jsonable(data)), indent=2, default=str, ensure_ascii=False)`` gives
    (but a float used as a key is spelt as orjson writes numbers, NaN and infinities as
    "null"; no output of OrcaOps has such keys); what orjson refuses (an integer beyond 64 bits, a key that is not a scalar) goes through
    ``json.dumps`` itself, which raises the usual TypeError for such a key.
    """
    value = jsonable(data)
    try:
        return orjson.dumps(value, option=_ORJSON, default=str).decode()
    except TypeError:
        return json.dumps(finite(value), indent=2, default=str, ensure_ascii=False)


_ORJSON = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(data: Any, _depth: int = 0) -> Any:
    """``data`` as plain JSON-ready values (dicts, lists, text, numbers); a part nested
    deeper than ``MAX_OUTPUT_DEPTH`` becomes its JSON text."""
    kind = type(data)  # exact built-in types first: most values, and no attribute lookups
    if kind in _PLAIN:
        return data
    if _depth >= MAX_OUTPUT_DEPTH:
        return _as_text(data)
    if kind is dict:
        return {k: jsonable(v, _depth + 1) for k, v in data.items()}
    if kind is list:
        return [jsonable(v, _depth + 1) for v in data]
    if _is_frame(data):
        return frame_records(data)
    if hasattr(data, "model_dump"):
        return data.model_dump(mode="json")
    if hasattr(data, "to_dict"):
        return jsonable(data.to_dict(), _depth + 1)
    if isinstance(data, dict):
        return {k: jsonable(v, _depth + 1) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [jsonable(v, _depth + 1) for v in data]
    return _value(data)


def _as_text(data: Any) -> str:
    try:
        return json.dumps(finite(data), default=str, ensure_ascii=False)
    except (RecursionError, ValueError):
        return f"<a value nested deeper than {MAX_OUTPUT_DEPTH} levels>"


def finite(value: Any) -> Any:
    """``value`` with NaN and infinite floats (at any depth) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def as_frame(data: Any) -> pl.DataFrame:
    """A frame from a frame, a list of models or a list of dicts."""
    import polars as pl

    if isinstance(data, pl.DataFrame):
        return data
    rows = jsonable(data)
    if isinstance(rows, dict):
        rows = [rows]
    rows = [{k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in r.items()}
            for r in rows]
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()


def flat_for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV holds no lists or structs: nested columns become JSON text."""
    import polars as pl

    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, (pl.List, pl.Struct, pl.Array)):
            exprs.append(pl.col(name).map_elements(
                lambda v: json.dumps(jsonable(v.to_list() if hasattr(v, "to_list") else v)),
                return_dtype=pl.String).alias(name))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def write_frame(frame: pl.DataFrame, fmt: str, output: Path | None) -> str | None:
    """Write ``frame`` as ``fmt`` to ``output``; without an output return the text."""
    if fmt == "parquet":
        if output is None:
            raise InputError("--format parquet needs --output FILE (Parquet is binary)")
        frame.write_parquet(output)
        return None
    if fmt == "csv":
        text = flat_for_csv(frame).write_csv()
    elif fmt == "jsonl":
        text = "".join(json.dumps(finite(r), default=str, ensure_ascii=False) + "\n"
                       for r in frame_records(frame))
    elif fmt == "json":
        text = to_json(frame) + "\n"
    else:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if output is not None:
        Path(output).write_text(text, encoding="utf-8")
        return None
    return text


def human_duration(seconds: float | None, *, compact: bool = False, missing: str = "-") -> str:
    """A duration as people write it: ``850ms``, ``4.5s``, ``45s``, ``2m 03s``, ``1h 04m``.

    Args:
        seconds: the duration, or None.
        compact: no space between units (``4m12s``), for use inside sentences.
        missing: what None reads as.
    """
    if seconds is None:
        return missing
    s = float(seconds)
    if s < 1:
        return f"{s * 1000:.0f}ms" if s > 0 else "0s"
    if s < 10:
        return f"{s:.1f}".rstrip("0").rstrip(".") + "s"  # 4.5s, but 8s rather than 8.0s
    sep = "" if compact else " "
    m, sec = divmod(int(round(s)), 60)
    if m == 0:
        return f"{sec}s"
    if m < 60:
        return f"{m}m" if sec == 0 else f"{m}m{sep}{sec:02d}s"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}h" if m == 0 else f"{h}h{sep}{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{sep}{h:02d}h"


def human_mb(mb: float | None) -> str:
    """``410 MB`` or ``2.4 GB``."""
    if mb is None:
        return "?"
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"
