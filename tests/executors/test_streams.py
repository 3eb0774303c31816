"""Output lines: Docker's timestamped stream, masking, numbering, the live callback."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from orcaops.executors.streams import LineCollector, parse_docker_time, split_docker_log

T0 = "2026-11-21T09:52:25.243464746Z"
T1 = "2026-11-21T09:52:26.000000001Z"


def test_parse_docker_time() -> None:
    assert parse_docker_time(T0) == datetime(2026, 11, 21, 9, 52, 25, 243464, tzinfo=timezone.utc)
    assert parse_docker_time("2026-11-21T10:00:00+02:00") == datetime(
        2026, 11, 21, 8, 0, tzinfo=timezone.utc)
    assert parse_docker_time("not a time") is None


def test_split_lines_and_timestamps() -> None:
    chunks = [f"{T0} one\n{T0} two\n".encode(), f"{T1} three\n".encode()]
    got = list(split_docker_log(chunks))
    assert [line for _, line in got] == ["one", "two", "three"]
    assert got[2][0] == datetime(2026, 11, 21, 9, 52, 26, tzinfo=timezone.utc)


def test_long_line_split_by_docker_is_joined() -> None:
    # Docker cuts lines over 16 KiB into messages that each carry a timestamp.
    chunks = [f"{T0} {'a' * 5}".encode(), f"{T1} {'b' * 5}\n".encode()]
    assert list(split_docker_log(chunks)) == [(parse_docker_time(T0), "aaaaabbbbb")]


def test_carriage_returns_kept_crlf_dropped_last_line_without_newline() -> None:
    chunks = [f"{T0} 10%\r50%\r100%\n{T0} dos line\r\n{T0} tail".encode()]
    assert [line for _, line in split_docker_log(chunks)] == ["10%\r50%\r100%", "dos line",
                                                               "tail"]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert [line for _, line in split_docker_log([f"{T0} ".encode() + b"\xff ok\n"])] == [
        "\ufffd ok"]


def test_collector_masks_numbers_by_time_and_survives_a_broken_display() -> None:
    shown: list[str] = []

    def display(stream: str, line: str) -> None:
        shown.append(line)
        if len(shown) == 2:
            raise BrokenPipeError

    collector = LineCollector(None, ["hunter22"], display)
    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    collector.add("stderr", t + timedelta(seconds=2), "late")
    collector.add("stdout", t, "password hunter22 used")
    collector.add("stdout", t + timedelta(seconds=1), "after the display broke")
    entries = collector.entries()
    assert [(e.line_number, e.source, e.message) for e in entries] == [
        (1, "stdout", entries[0].message), (2, "stdout", "after the display broke"),
        (3, "stderr", "late")]
    assert "hunter22" not in entries[0].message and "hunter22" not in "".join(shown)
    assert len(shown) == 2  # the display was dropped, the recording was not
