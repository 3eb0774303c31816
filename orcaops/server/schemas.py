"""Request and response bodies of the HTTP API that are not library models.

The library's pydantic models (``Anomaly``, ``PerformanceBaseline``, ``Recommendation``,
``JobSummary``…) are used as they are; these cover what only the wire needs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from orcaops.core.vocabulary import DEFAULT_SORT

MAX_PAGE = 10_000
MAX_LOG_CHARS = 50_000_000  # a log to analyse travels in one request body
ExportFormat = Literal["json", "jsonl", "csv", "parquet"]


class ErrorBody(BaseModel):
    """What every 400/401/404/500 carries; ``error`` is the CLI's message, caret included."""

    error: str
    type: str


class FacetCount(BaseModel):
    value: str | None
    count: int


class SearchResponse(BaseModel):
    """``orcaops runs search --format json``: the page of runs, the total and the facets."""

    total: int
    runs: list[dict[str, Any]]
    facets: dict[str, list[FacetCount]] = Field(default_factory=dict)


class SearchRequest(BaseModel):
    """An advanced search: the query, paging, which facets, and the format to answer in."""

    query: str = Field("", description='A search query, e.g. "status:failed image:py*".')
    limit: int | None = Field(50, ge=0, description="At most this many runs; null = all "
                              "(only for the export formats jsonl, csv, parquet).")
    sort: str = Field(DEFAULT_SORT, description="A field; a leading - sorts descending.")
    facets: bool | list[str] = Field(True, description="true for every facet, or the names: "
                                     "status image tag triggered_by exit_code "
                                     "failure_category day.")
    format: ExportFormat = Field("json", description="json answers {total, runs, facets}; "
                                 "jsonl, csv and parquet answer a file of the runs.")


class LogsResponse(BaseModel):
    job_id: str
    returned: int
    truncated: bool
    lines: list[dict[str, Any]]


class SqlRequest(BaseModel):
    sql: str = Field(..., description="One read-only statement over the views.")
    params: list[Any] = Field(default_factory=list, description="Values for ? placeholders.")
    limit: int = Field(1000, ge=0, le=MAX_PAGE, description="At most this many rows.")


class SqlResponse(BaseModel):
    columns: list[str]
    total: int
    returned: int
    truncated: bool
    rows: list[dict[str, Any]]


class AckRequest(BaseModel):
    resolution: str | None = Field(None, description="What was found or done.")


class LogText(BaseModel):
    text: str = Field(..., max_length=MAX_LOG_CHARS, description="The log, as text.")


class ForecastPoint(BaseModel):
    ts: datetime
    yhat: float | None
    yhat_lower: float | None
    yhat_upper: float | None


class Health(BaseModel):
    status: str
    version: str


class AlertRuleRequest(BaseModel):
    """``orcaops alerts add``: a rule's name, query, window, condition and channels."""

    name: str = Field(description="Unique: letters, digits, '_', '.' or '-'.")
    query: str = Field("", description="Search query choosing the runs; empty: all runs.")
    window: str = Field("1h", description="How far back the runs count: 30m, 1h, 1d.")
    when: str = Field(description="Condition: count > 5, error_rate > 5%, "
                      "p95(duration) > 10m, sum(cost) per day > 100.")
    notify: list[str] = Field(default_factory=list, description="Channels: webhook:URL, "
                              "slack:URL, email:ADDRESS or log (default log).")
    remind: str | None = Field(None, description="While firing, notify again after this long.")
    replace: bool = Field(False, description="Overwrite a rule of this name.")


class SilenceRequest(BaseModel):
    """How long a rule stays silent."""

    duration: str = Field("1h", description="30m, 2h, 1d; 0 ends a silence.")
