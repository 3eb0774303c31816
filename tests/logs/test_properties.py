"""Properties over open-ended input: never raises, one output row per input line."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orcaops.logs import analyze_text, parse_run_log, parse_text, redact_text

FRAGMENTS = ["Traceback (most recent call last):", '  File "/a.py", line 1, in f', "ValueError: x",
             "\tat com.x.Y.f(Y.java:1)", "Caused by: java.io.IOException: y", "panic: boom",
             "goroutine 1 [running]:", "main.main()", "\t/app/m.go:3 +0x1", "npm ERR! code E1",
             "npm ERR! x", "____ test_x ____", "E   assert 1", "x.py:1: AssertionError",
             "thread 'main' panicked at src/m.rs:1:1:", "error[E0425]: x", " --> src/m.rs:1:1",
             '{"level":"error","msg":"m"}', "level=info msg=x", "081109 203615 148 INFO a.B: c",
             "\x1b[31m", "\r", "-----BEGIN PRIVATE KEY-----", "password=x", "\x00", "é", "{", "}"]
line = st.one_of(st.text(max_size=80), st.sampled_from(FRAGMENTS),
                 st.lists(st.sampled_from(FRAGMENTS + [" ", "=", ":"]), max_size=6).map("".join))
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(line, max_size=40), st.sampled_from([None, "failed", "success", "timeout"]),
       st.sampled_from([None, 0, 1, 137]))
def test_parse_run_log_never_raises_and_keeps_rows(lines, status, exit_code):
    log = parse_run_log(lines, status=status, exit_code=exit_code)
    n = len(lines)
    for col in (log.line_number, log.ts, log.stream, log.level, log.message, log.template_id,
                log.template, log.parsed, log.is_error, log.stacktrace_id):
        assert len(col) == n
    assert log.line_number == list(range(1, n + 1))
    assert set(log.level) <= {"DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
    assert all("\r" not in m and "\x1b" not in m for m in log.message)
    json.dumps(log.analysis)
    json.dumps(log.stack_traces)
    if log.first_error_line is not None:
        assert 1 <= log.first_error_line <= n
    for st_ in log.stack_traces:
        assert 1 <= st_["first_line"] <= st_["last_line"] <= n


@SETTINGS
@given(st.text(max_size=400))
def test_text_entry_points_never_raise(text):
    log = parse_text(text)
    expected = len(text.split("\n")) - (1 if text.endswith("\n") else 0) if text else 0
    assert len(log) == expected
    json.dumps(analyze_text(text))
    redact_text(text)
