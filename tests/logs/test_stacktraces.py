"""Stack traces and error blocks in every language: grouped, typed, linked from their lines."""

from __future__ import annotations

import pytest

from orcaops.logs import parse_text

CASES = [
    # file, language, exception type, first line, last line, error line, in-app frame function
    ("python_traceback.log", "python", "KeyError", 3, 10, 10, "run"),
    ("java_caused_by.log", "java", "org.springframework.beans.factory.BeanCreationException",
     3, 9, 3, "com.example.orders.OrdersApplication.main"),
    ("go_panic.log", "go", "panic", 2, 16, 2, "main.(*Server).handle"),
    ("node_stack.log", "node", "TypeError", 8, 12, 8, "computeTotal"),
    ("rust_panic.log", "rust", "panic", 4, 6, 4, None),
    ("dotnet.log", "dotnet", "System.InvalidOperationException", 3, 7, 3,
     "Orders.Worker.ExecuteAsync"),
    ("pytest_fail.log", "python", "AssertionError", 11, 21, 18, "test_create_order"),
    ("npm_err.log", "npm", "ERESOLVE", 2, 9, 3, None),
]


@pytest.mark.parametrize("name,lang,exc,first,last,error_line,fn", CASES,
                         ids=[c[1] + ":" + c[0] for c in CASES])
def test_trace_is_grouped(fixture_text, name, lang, exc, first, last, error_line, fn):
    log = parse_text(fixture_text(name))
    assert len(log.stack_traces) == 1
    st = log.stack_traces[0]
    assert (st["language"], st["exception_type"]) == (lang, exc)
    assert (st["first_line"], st["last_line"], st["error_line"]) == (first, last, error_line)
    ids = {log.stacktrace_id[i - 1] for i in range(first, last + 1)}
    assert ids == {st["id"]}
    outside = [log.stacktrace_id[i] for i in range(len(log)) if not first <= i + 1 <= last]
    assert set(outside) <= {None}
    if fn is not None:
        assert fn in [f["function"] for f in st["frames"] if f["in_app"]]
    assert all(log.is_error[first - 1:last])


def test_java_cause_chain_is_recorded(fixture_text):
    st = parse_text(fixture_text("java_caused_by.log")).stack_traces[0]
    assert st["chain"] == ["org.springframework.beans.factory.BeanCreationException",
                           "java.net.ConnectException"]
    assert [f["in_app"] for f in st["frames"]] == [False, True, False, True]


def test_python_chained_tracebacks_are_one_trace():
    text = """Traceback (most recent call last):
  File "/app/a.py", line 3, in load
    return json.loads(raw)
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/a.py", line 9, in <module>
    load()
RuntimeError: config unreadable
"""
    log = parse_text(text)
    assert len(log.stack_traces) == 1
    st = log.stack_traces[0]
    assert st["exception_type"] == "RuntimeError"
    assert st["chain"] == ["json.decoder.JSONDecodeError", "RuntimeError"]
    assert (st["first_line"], st["last_line"]) == (1, 11)


def test_go_goroutine_dump_frames(fixture_text):
    st = parse_text(fixture_text("go_panic.log")).stack_traces[0]
    assert st["message"].startswith("runtime error: invalid memory address")
    assert [(f["function"], f["line"]) for f in st["frames"]][:3] == [
        ("main.(*Server).handle", 57), ("main.main", 14), ("main.worker", 21)]


def test_rust_backtrace_frames():
    text = """thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 7', src/lib.rs:10:5
stack backtrace:
   0: rust_begin_unwind
             at /rustc/abc/library/std/src/panicking.rs:645:5
   1: orders::total
             at ./src/lib.rs:10:5
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
"""
    st = parse_text(text).stack_traces[0]
    assert st["message"] == "index out of bounds: the len is 3 but the index is 7"
    assert [f["in_app"] for f in st["frames"]] == [True, False, True]
    assert st["last_line"] == 7  # the note belongs to the panic


def test_rustc_error_block():
    text = """error[E0425]: cannot find value `x` in this scope
 --> src/main.rs:2:5
  |
2 |     x
  |     ^ not found in this scope

error: could not compile `orders` (bin "orders") due to 1 previous error
"""
    log = parse_text(text)
    st = log.stack_traces[0]
    assert (st["exception_type"], st["first_line"], st["last_line"]) == ("E0425", 1, 5)
    assert log.failure_category == "build"
    assert log.first_error_line == 1


def test_kotlin_frames_are_kotlin():
    text = """Exception in thread "main" java.lang.IllegalArgumentException: bad id
\tat com.example.MainKt.parse(Main.kt:5)
\tat com.example.MainKt.main(Main.kt:2)
"""
    st = parse_text(text).stack_traces[0]
    assert st["language"] == "kotlin"
    assert parse_text(text).level[0] == "FATAL"


def test_warning_with_traceback_that_run_survived_is_not_an_error():
    text = """WARNING:root:retrying fetch
Traceback (most recent call last):
  File "/app/f.py", line 2, in fetch
    raise TimeoutError()
TimeoutError
INFO:root:fetched on second attempt
"""
    log = parse_text(text)
    assert log.level[1:5] == ["WARN"] * 4
    assert log.n_error == 0 and log.first_error is None
