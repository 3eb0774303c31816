"""ANSI escapes, carriage-return overwrites and line numbering."""

from __future__ import annotations

from orcaops.logs import parse_run_log, parse_text, split_lines
from orcaops.logs.clean import clean_line


def test_ansi_escapes_are_removed_from_message():
    log = parse_run_log(["\x1b[1;31mERROR\x1b[0m: build \x1b]8;;http://x\x07link\x1b]8;;\x07 failed"])
    assert log.message == ["ERROR: build link failed"]
    assert log.level == ["ERROR"]


def test_carriage_return_shows_the_last_overwrite():
    log = parse_run_log(["Downloading 10%\rDownloading 55%\rDownloading 100%", "done\r"])
    assert log.message == ["Downloading 100%", "done"]


def test_escape_split_by_overwrite_does_not_survive():
    assert clean_line("\x1b[2K\r\x1b[32mok\x1b[0m") == "ok"
    assert parse_run_log(["\x1b[2K\r\x1b[32mok\x1b[0m"]).message == ["ok"]


def test_line_numbers_are_one_based_over_newlines():
    text = "a\r\nb\n\nc\rd\n"
    assert split_lines(text) == ["a", "b", "", "c\rd"]
    log = parse_text(text)
    assert log.line_number == [1, 2, 3, 4]
    assert log.message == ["a", "b", "", "d"]


def test_text_without_trailing_newline_keeps_last_line():
    assert split_lines("a\nb") == ["a", "b"]
    assert split_lines("") == []
    assert len(parse_text("")) == 0


def test_streams_are_kept_per_line():
    log = parse_run_log(["out", "err"], streams=["stdout", "stderr"])
    assert log.stream == ["stdout", "stderr"]
    assert list(log.records())[0].keys() == {"line_number", "ts", "level", "message",
                                             "template_id", "template", "is_error",
                                             "stacktrace_id"}


def test_mismatched_columns_are_an_input_error():
    import pytest

    from orcaops.core.errors import InputError

    with pytest.raises(InputError, match="2 lines but 1 streams"):
        parse_run_log(["a", "b"], streams=["stdout"])
