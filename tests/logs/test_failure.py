"""The root-cause block: anchored at the failing step, the evidence in it, the category."""

from __future__ import annotations

from orcaops.logs import analyze_text, parse_run_log, parse_text
from orcaops.logs.clean import clean_line
from orcaops.logs.evidence import failure_point
from orcaops.logs.failure import find_anchor, find_root_cause

TRACE = ['Traceback (most recent call last):', '  File "/app/job.py", line 9, in <module>',
         '    main()', '  File "/app/job.py", line 7, in main', '    raise RuntimeError("db down")',
         'RuntimeError: db down']


def test_warning_then_uncaught_traceback_is_the_error_live_and_offline():
    # A script warns, then dies of an uncaught exception; plain output follows the trace.
    lines = ["WARNING: retrying after 1s", *TRACE, "cleanup: removed /tmp/job.lock"]
    live = parse_run_log(lines, streams=["stderr"] * len(lines), status="failed", exit_code=1)
    offline = parse_text("\n".join(lines) + "\n")
    for log in (live, offline):
        assert log.level[0] == "WARN"
        assert log.level[1:7] == ["ERROR"] * 6
        assert log.level[7] == "INFO"
        assert log.n_error == 1
        assert log.first_error == "RuntimeError: db down" and log.first_error_line == 7
        assert log.root_cause is not None
        assert log.root_cause["first_line"] == 2 and log.root_cause["last_line"] == 7
        assert log.failure_category == "runtime"
    assert live.root_cause == offline.root_cause


def test_logger_that_goes_on_after_a_warning_trace_survived_it():
    lines = ["WARNING:root:retrying fetch", *TRACE, "INFO:root:fetched on second attempt"]
    log = parse_run_log(lines, status="success", exit_code=0)
    assert log.level[1:7] == ["WARN"] * 6
    assert log.n_error == 0 and log.first_error is None and log.root_cause is None


TRAVIS = """$ git clone --depth=50 https://github.com/o/r.git
error: could not lock config file, retrying
$ npm ci
added 900 packages
$ npm test
> jest

  ● Orders › creates an order

    expect(received).toBe(expected)
ERROR something the runner logged and survived
 FAIL  src/orders.test.js
  1) Orders creates an order
     AssertionError: expected 500 to equal 201
      at Context.<anonymous> (src/orders.test.js:12:5)

  12 passing
  1 failing
npm ERR! code ELIFECYCLE
npm ERR! errno 1
npm ERR! r@1.0.0 test: `jest`
travis_time:end:0a1b:start=1,finish=2,duration=1\x1b[0K\x1b[31;1mThe command "npm test" exited with 1.\x1b[0m
$ echo after_failure
Done. Your build exited with 1.
"""


def test_block_is_the_failed_test_of_the_failing_step():
    doc = analyze_text(TRAVIS)
    rc = doc["root_cause"]
    assert rc["first_line"] == 13 and rc["last_line"] == 15
    assert rc["text"].startswith("  1) Orders creates an order")
    assert 'npm test' in rc["reason"]
    assert doc["first_error"]["line_number"] == 14
    assert rc["first_line"] <= doc["first_error"]["line_number"] <= rc["last_line"]
    assert doc["failure_category"] == "test"


def test_anchor_is_the_first_step_that_exited_nonzero():
    msgs = [clean_line(x) for x in TRAVIS.splitlines()]
    assert msgs[21] == 'The command "npm test" exited with 1.'
    assert find_anchor(msgs) == (21, "npm test", 1)
    assert find_anchor(["ok", "Done. Your build exited with 1."]) == (1, None, None)
    assert find_anchor(["ok"]) == (1, None, None)


def test_cause_is_just_above_the_consequence_cascade():
    msgs = ["$ npm run lint", "src/a.css", "Code style issues found in the above file(s).",
            "npm ERR! code ELIFECYCLE", "npm ERR! errno 1",
            'The command "npm run lint" exited with 1.']
    assert failure_point(msgs, 1, 5) == 3
    rc = find_root_cause(msgs)
    assert rc is not None and (rc.first, rc.line) == (1, 1)
    assert parse_text("\n".join(msgs)).failure_category == "build"


def test_compiler_error_beats_earlier_noise_and_names_the_category():
    msgs = ["$ cargo build", "warning: unused variable `x`", "   Compiling app v0.1.0",
            "error[E0425]: cannot find value `CURSOR` in this scope",
            "  --> src/cursor.rs:70:26", "", "error: aborting due to previous error",
            "error: could not compile `app`.", 'The command "cargo build" exited with 101.']
    log = parse_text("\n".join(msgs))
    assert log.first_error_line == 4
    assert log.root_cause is not None and log.root_cause["last_line"] == 5
    assert log.failure_category == "build"


def test_step_that_printed_no_evidence_blames_its_exit_line():
    msgs = ["$ ./build.sh", "building", "",
            'The command "$TIMEOUT 35m ./build.sh" exited with 124.']
    log = parse_text("\n".join(msgs))
    assert log.first_error_line == 4
    assert log.failure_category == "timeout"


def test_missing_dependency_and_network_categories():
    dep = ["$ conda create -n t numpy=1.10.4", "PackagesNotFoundError: The following packages "
           "are not available from current channels:", "", "  - numpy=1.10.4"]
    assert parse_run_log(dep, status="failed", exit_code=1).failure_category == "dependency"
    net = ["$ prove t", "t/https.t .. Connection error: Connect timeout at t/https.t line 17.",
           'The command "prove t" exited with 1.']
    assert parse_text("\n".join(net)).failure_category == "network"


def test_terminal_lines_fold_markers_and_crlf():
    text = ("travis_fold:start:install\r\x1b[0Kinstalling\r\n"
            "Downloading 10%\rDownloading 100%\r\n"
            "##[group]Run npm test\n##[endgroup]\n"
            "travis_time:end:00aa:start=1,finish=2,duration=1\x1b[0K\x1b[31;1mThe command \"x\""
            " exited with 1.\x1b[0m\r\n")
    log = parse_text(text)
    assert log.message == ["installing", "Downloading 100%", "Run npm test", "",
                           'The command "x" exited with 1.']
    assert log.line_number == [1, 2, 3, 4, 5]


def test_github_actions_step_timestamps_and_groups():
    text = ("2024-01-15T10:00:00.1234567Z ##[group]Run npm ci\n"
            "2024-01-15T10:00:00.2234567Z error: old lockfile, retrying\n"
            "2024-01-15T10:00:01.0000000Z ##[endgroup]\n"
            "2024-01-15T10:00:01.5000000Z ##[group]Run npx tsc\n"
            "2024-01-15T10:00:01.6000000Z ##[endgroup]\n"
            "2024-01-15T10:00:02.0000000Z src/a.ts(3,5): error TS2322: Type 'string' is not "
            "assignable to type 'number'.\n"
            "2024-01-15T10:00:03.0000000Z ##[error]Process completed with exit code 2.\n")
    log = parse_text(text)
    assert log.message[0] == "Run npm ci" and log.message[2] == ""
    assert log.ts[0] is not None and log.ts[0].isoformat().startswith("2024-01-15T10:00:00")
    assert log.first_error_line == 6
    assert log.root_cause is not None and 'step "npx tsc"' in log.root_cause["reason"]
    assert log.failure_category == "build"


def test_job_output_without_steps_blames_its_error_however_much_follows():
    lines = ["starting", *TRACE, *[f"cleanup {i}" for i in range(100)]]
    log = parse_run_log(lines, status="failed", exit_code=1)
    assert log.first_error == "RuntimeError: db down" and log.first_error_line == 7
    assert log.root_cause is not None and log.root_cause["first_line"] == 2


def test_pending_items_are_not_the_failed_test():
    msgs = ["$ bundle exec rspec", "Pending: (Failures listed here are expected)",
            "  1) Theme works with nil values", "     # not yet", "", "Failures:", "",
            "  1) PostAction adds a moderator post", "     Failure/Error: expect(x).to eq(10)",
            "       expected: 10", "            got: 9", "", "1 example, 1 failure",
            'The command "bundle exec rspec" exited with 1.']
    log = parse_text("\n".join(msgs))
    assert log.root_cause is not None and log.root_cause["first_line"] == 8
    assert log.failure_category == "test"


def test_category_follows_what_the_block_says():
    sass = ["$ test/sass-compile-tester.sh", "Error: Invalid CSS after \"2.3em\": expected "
            "expression", "        on line 86 of sass/components/dropdown.sass", "",
            'The command "test/sass-compile-tester.sh" exited with 65.']
    assert parse_text("\n".join(sass)).failure_category == "build"
    perms = ["$ ./install-jdk.sh", "./install-jdk.sh: Permission denied",
             'The command "./install-jdk.sh" exited with 126.']
    assert parse_text("\n".join(perms)).failure_category == "permission"
    missing = ["$ rake", "rake aborted!", "No Rakefile found (looking for: rakefile)",
               'The command "rake" exited with 1.']
    assert parse_text("\n".join(missing)).failure_category == "config"
