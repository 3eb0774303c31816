"""The CLI's fd-2 filter drops delta-rs panic reports and nothing else."""

from __future__ import annotations

from orcaops.warehouse.native_stderr import keep_lines

PANIC = ["thread 'tokio-rt-worker' (32114) panicked at /x/object_store/src/buffered.rs:369:41:\n",
         "Already shut down\n"]
BACKTRACE = ["stack backtrace:\n", "   0: rust_begin_unwind\n", "             at /rustc/x.rs:1\n",
             ("note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose "
              "backtrace.\n"), "\n"]


def test_panic_reports_are_dropped_with_or_without_backtraces() -> None:
    lines = ["before\n", *PANIC, *BACKTRACE, *PANIC,
             "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
             "error: disk full at /h/warehouse (No space left on device)\n"]
    kept, state = keep_lines(lines, "")
    assert kept == ["before\n", "error: disk full at /h/warehouse (No space left on device)\n"]
    assert state == ""


def test_ordinary_output_right_after_a_panic_is_kept() -> None:
    kept, _ = keep_lines([*PANIC, "imported 3 runs\n", "note: a note of ours\n"], "")
    assert kept == ["imported 3 runs\n", "note: a note of ours\n"]


def test_a_report_split_across_reads_is_still_dropped() -> None:
    kept, state = keep_lines(PANIC[:1], "")
    assert kept == [] and state == "message"
    kept, state = keep_lines([PANIC[1], *BACKTRACE, "next\n"], state)
    assert kept == ["next\n"]
