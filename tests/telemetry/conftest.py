"""A real OTLP/HTTP receiver: a stdlib HTTP server on a free loopback port that keeps every
request to /v1/traces, /v1/logs and /v1/metrics decoded with the OpenTelemetry protobufs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

REQUESTS = {"/v1/traces": ExportTraceServiceRequest, "/v1/logs": ExportLogsServiceRequest,
            "/v1/metrics": ExportMetricsServiceRequest}


@dataclass
class Receiver:
    url: str
    received: dict[str, list[Any]] = field(default_factory=lambda: {p: [] for p in REQUESTS})
    headers: list[dict[str, str]] = field(default_factory=list)

    def spans(self) -> list[tuple[Any, Any]]:
        """(resource, span) of every span received."""
        return [(rs.resource, s) for req in self.received["/v1/traces"]
                for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans]

    def logs(self) -> list[Any]:
        return [r for req in self.received["/v1/logs"] for rl in req.resource_logs
                for sl in rl.scope_logs for r in sl.log_records]

    def metrics(self) -> dict[str, list[Any]]:
        """Data points by metric name."""
        out: dict[str, list[Any]] = {}
        for req in self.received["/v1/metrics"]:
            for rm in req.resource_metrics:
                for sm in rm.scope_metrics:
                    for m in sm.metrics:
                        out.setdefault(m.name, []).extend(m.gauge.data_points)
        return out


def attrs(items: Any) -> dict[str, Any]:
    """OTLP KeyValues as a dict of Python values."""
    out: dict[str, Any] = {}
    for kv in items:
        v = kv.value
        kind = v.WhichOneof("value")
        out[kv.key] = ([x.string_value for x in v.array_value.values] if kind == "array_value"
                       else getattr(v, kind))
    return out


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            kind = REQUESTS.get(self.path)
            if kind is None:
                self.send_response(404)
                self.end_headers()
                return
            message = kind()
            message.ParseFromString(body)
            box["r"].received[self.path].append(message)
            box["r"].headers.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["r"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box["r"]
    server.shutdown()
    server.server_close()
