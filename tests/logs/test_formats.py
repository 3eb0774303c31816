"""Per-format parsing: every format is detected without being told, with level, ts, message."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import pytest

from orcaops.logs import normalize_level, parse_run_log
from orcaops.logs.extract import _detectors, extract
from orcaops.logs.formats import FORMATS
from orcaops.logs.headers import MIN_LINES, header_length

UTC = timezone.utc
NOW_YEAR = datetime.now(UTC).year

CASES = [
    # (line, format, level, ts, message)
    ("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block "
     "blk_38865049064139660 terminating", "hdfs", "INFO", datetime(2008, 11, 9, 20, 36, 15, tzinfo=UTC),
     "PacketResponder 1 for block blk_38865049064139660 terminating"),
    ("17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers "
     "for [TERM, HUP, INT]", "spark", "INFO", datetime(2017, 6, 9, 20, 10, 40, tzinfo=UTC),
     "Registered signal handlers for [TERM, HUP, INT]"),
    ("2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774]"
     " - Notification time out: 3200", "zookeeper", "INFO",
     datetime(2015, 7, 29, 17, 41, 44, 747000, tzinfo=UTC), "Notification time out: 3200"),
    ("nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO "
     "nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae - - -] "
     "10.11.10.1 \"GET /v2/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.2477829",
     "openstack", "INFO", datetime(2017, 5, 16, 0, 0, 0, 8000, tzinfo=UTC),
     "10.11.10.1 \"GET /v2/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.2477829"),
    ("2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: "
     "Created MRAppMaster for application appattempt_1445144423722_0020_000001", "iso_level",
     "INFO", datetime(2015, 10, 18, 18, 1, 47, 978000, tzinfo=UTC),
     "Created MRAppMaster for application appattempt_1445144423722_0020_000001"),
    ("03-17 16:13:38.811  1702  2395 W WindowManager: wtoken = AppWindowToken{9f4ef63}", "android",
     "WARN", datetime(NOW_YEAR, 3, 17, 16, 13, 38, 811000, tzinfo=UTC),
     "wtoken = AppWindowToken{9f4ef63}"),
    ("E/AndroidRuntime( 2227): FATAL EXCEPTION: main", "android_brief", "ERROR", None,
     "FATAL EXCEPTION: main"),
    ("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
     "apache_error", "INFO", datetime(2005, 12, 4, 4, 47, 44, tzinfo=UTC),
     "workerEnv.init() ok /etc/httpd/conf/workers2.properties"),
    ("[Sun Dec 04 04:52:04 2005] [error] mod_jk child workerEnv in error state 6", "apache_error",
     "ERROR", datetime(2005, 12, 4, 4, 52, 4, tzinfo=UTC), "mod_jk child workerEnv in error state 6"),
    ("Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for invalid user webmaster from "
     "173.234.31.186 port 38926 ssh2", "syslog", "INFO",
     datetime(NOW_YEAR, 12, 10, 6, 55, 46, tzinfo=UTC),
     "Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2"),
    ("Jun  9 06:06:20 combo kernel: Linux version 2.6.5-1.358", "syslog", "INFO",
     datetime(NOW_YEAR, 6, 9, 6, 6, 20, tzinfo=UTC), "Linux version 2.6.5-1.358"),
    ("Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::"
     "listenerCallback - Thunderbolt HPD packet", "syslog", "INFO",
     datetime(NOW_YEAR, 7, 1, 9, 0, 55, tzinfo=UTC),
     "IOThunderboltSwitch<0>(0x0)::listenerCallback - Thunderbolt HPD packet"),
    ("WARNING:root:disk almost full", "python", "WARN", None, "disk almost full"),
    ("2024-03-01 10:00:00,123 - myapp - ERROR - could not connect", "python_dash", "ERROR",
     datetime(2024, 3, 1, 10, 0, 0, 123000, tzinfo=UTC), "could not connect"),
    ("2024-03-01 10:00:00.123  INFO 4711 --- [           main] c.e.App                : Started App",
     "spring", "INFO", datetime(2024, 3, 1, 10, 0, 0, 123000, tzinfo=UTC), "Started App"),
    ("2024-03-01T10:00:00.123+02:00 ERROR [main] com.example.Api - request failed", "iso_level",
     "ERROR", datetime(2024, 3, 1, 8, 0, 0, 123000, tzinfo=UTC), "request failed"),
    ("2024-03-01T10:00:00.000Z\tWARN\tapp/main.go:12\tslow request\t{\"ms\": 912}", "zap", "WARN",
     datetime(2024, 3, 1, 10, 0, tzinfo=UTC), "slow request"),
    ("E0301 10:00:00.123456    1234 main.go:42] failed to sync", "glog", "ERROR",
     datetime(NOW_YEAR, 3, 1, 10, 0, 0, 123456, tzinfo=UTC), "failed to sync"),
    ("2009/11/10 23:00:00 main.go:10: listening on :8080", "go_log", "INFO",
     datetime(2009, 11, 10, 23, 0, tzinfo=UTC), "listening on :8080"),
    ("npm ERR! code ELIFECYCLE", "npm", "ERROR", None, "npm ERR! code ELIFECYCLE"),
    ("npm WARN deprecated request@2.88.2: request has been deprecated", "npm", "WARN", None,
     "npm WARN deprecated request@2.88.2: request has been deprecated"),
    ("error: Cannot find module 'express'", "winston", "ERROR", None,
     "error: Cannot find module 'express'"),
    ("[12:00:00.000] INFO (1234 on api-1): server listening", "pino_pretty", "INFO", None,
     "server listening"),
    ("12:00:00.123 [main] DEBUG c.e.Cache - warming", "logback_time", "DEBUG", None, "warming"),
    ("<34>1 2003-10-11T22:14:15.003Z mymachine su 77 ID47 - 'su root' failed on /dev/pts/8",
     "rfc5424", "INFO", datetime(2003, 10, 11, 22, 14, 15, 3000, tzinfo=UTC),
     "'su root' failed on /dev/pts/8"),
    ("[ERROR] Failed to execute goal on project orders", "bracket_level", "ERROR", None,
     "[ERROR] Failed to execute goal on project orders"),
    ("WARNING: Running pip as the 'root' user", "level_prefix", "WARN", None,
     "WARNING: Running pip as the 'root' user"),
    ("2024-03-01T10:00:00.1234567Z ##[group]Run actions/checkout@v4", "iso_prefix", "INFO",
     datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=UTC), "Run actions/checkout@v4"),
    ('{"level":"error","time":"2024-03-01T10:00:00Z","msg":"db down"}', "json", "ERROR",
     datetime(2024, 3, 1, 10, 0, tzinfo=UTC), "db down"),
    ('{"level":40,"time":1709287200000,"msg":"slow"}', "json", "WARN",
     datetime(2024, 3, 1, 10, 0, tzinfo=UTC), "slow"),
    ('time=2024-03-01T10:00:00Z level=debug msg="cache miss" key=a', "logfmt", "DEBUG",
     datetime(2024, 3, 1, 10, 0, tzinfo=UTC), "cache miss"),
    ("just some build output", None, "INFO", None, "just some build output"),
]


@pytest.mark.parametrize("line,fmt,level,ts,message", CASES, ids=[c[1] or "plain" for c in CASES])
def test_format_detected_and_parsed(line, fmt, level, ts, message):
    log = parse_run_log([line])
    assert log.level == [level]
    assert log.message == [message]
    assert log.ts == [ts]
    parsed = log.parsed[0]
    if fmt is None:
        assert parsed is None
    elif fmt not in ("json", "logfmt"):
        assert f'"format":"{fmt}"' in parsed


def test_formats_are_detected_per_line_in_a_mixed_log():
    lines = [c[0] for c in CASES]
    log = parse_run_log(lines)
    assert log.message == [c[4] for c in CASES]
    assert log.analysis["formats"]["syslog"] == 3


def test_prefix_shape_dispatch_matches_trying_every_format():
    """The speed-up (probes) never changes which format claims a line."""
    pys = _detectors()[1]
    for line, *_ in CASES:
        brute = next((FORMATS[k].name for k, p in enumerate(pys) if p.match(line)), None)
        got = extract(pl.Series([line]), 2024).fmt[0]
        assert got == brute or got in ("json", "logfmt") or brute is None, line


@pytest.mark.parametrize("raw,expected", [
    ("WARNING", "WARN"), ("Info", "INFO"), ("SEVERE", "ERROR"), ("V", "DEBUG"), ("D", "DEBUG"),
    ("I", "INFO"), ("W", "WARN"), ("E", "ERROR"), ("F", "FATAL"), ("CRITICAL", "FATAL"),
    ("notice", "INFO"), ("core:error", "ERROR"), ("50", "ERROR"), ("err!", "ERROR"),
    ("trace", "DEBUG"), ("bogus", None), (None, None)])
def test_level_aliases_normalise(raw, expected):
    assert normalize_level(raw) == expected


def test_given_timestamps_win_and_naive_ones_are_utc():
    given = datetime(2024, 1, 2, 3, 4, 5)
    log = parse_run_log(["2009/11/10 23:00:00 hello", "plain"], timestamps=[given, None])
    assert log.ts == [given.replace(tzinfo=UTC), None]


def test_yearless_formats_take_the_year_of_given_timestamps():
    log = parse_run_log(["Jun  9 06:06:20 combo kernel: boot", "x"],
                        timestamps=[None, datetime(2019, 6, 9, tzinfo=UTC)])
    assert log.ts[0] == datetime(2019, 6, 9, 6, 6, 20, tzinfo=UTC)


def test_a_registered_format_is_detected():
    from orcaops.logs.formats import LogFormat, register

    fmt = LogFormat("acme", r"^ACME\|(?P<level>\w+)\|(?P<component>\w+)\|(?P<msg>.*)$",
                    probe=r"ACME\|")
    register(fmt, before="level_prefix")
    try:
        log = parse_run_log(["ACME|WARN|billing|invoice 42 late", "plain"])
        assert log.level == ["WARN", "INFO"]
        assert log.message[0] == "invoice 42 late"
        assert '"component":"billing"' in log.parsed[0]
    finally:
        FORMATS.remove(fmt)
    assert parse_run_log(["ACME|WARN|billing|x"]).parsed == [None]


def test_a_format_needs_a_message_group():
    from orcaops.logs.formats import LogFormat

    with pytest.raises(ValueError, match="msg"):
        LogFormat("bad", r"^(?P<level>\w+) (?P<text>.*)$")


def test_line_shapes_are_the_same_in_python_and_rust():
    from orcaops.logs.extract import _RUST_SHAPES, _shapes

    lines = [c[0] for c in CASES] + ["", "12345678901234567", "é1 ü9 ½ ٣ x", "\t0\u00a09"]
    many = lines * (_RUST_SHAPES // len(lines) + 1)
    assert _shapes(many)[:len(lines)] == _shapes(lines)
    assert _shapes(["2024-03-01 10:00:00 x"]) == ["0000-00-00 0"]


def _layout_lines() -> list[str]:
    """A layout no registered format knows: time, node, component, state, sequence, message."""
    messages = ["running", "configured out", "Link error on port <n>", "disk <n> is full"]
    comps = [("node", "status"), ("partition", "status"), ("switch", "error")]
    out = []
    for i in range(40):
        comp, state = comps[i % 3]
        msg = messages[i % 4].replace("<n>", str(i))
        out.append(f"{1_700_000_000 + i}.{i % 1000:03d} node-{i % 9} {comp} {state} [{100 + 7 * i}]"
                   f" {msg}")
    return out


def test_a_shared_header_is_found_by_column_statistics() -> None:
    lines = _layout_lines()
    assert header_length(lines) == 5
    log = parse_run_log(lines)
    assert log.message == lines  # the message is kept as written
    assert set(log.parsed) == {None}  # no registered format claimed the lines
    by_msg = dict(zip(lines, log.template))
    assert {by_msg[x] for x in lines if x.endswith(" running")} == {"running"}
    assert {by_msg[x] for x in lines if "is full" in x} == {"disk <*> is full"}
    assert len({t for x, t in by_msg.items() if x.endswith(" running")}) == 1


def test_a_level_in_a_detected_header_is_the_level() -> None:
    levels = ["INFO", "FATAL", "INFO", "WARNING"]
    lines = [f"- {1_117_838_570 + i} R02-M1-N{i % 4} RAS KERNEL {levels[i % 4]} "
             f"instruction cache parity error corrected" for i in range(20)]
    assert header_length(lines) == 6
    log = parse_run_log(lines)
    assert log.level[:4] == ["INFO", "FATAL", "INFO", "WARN"]
    assert set(log.template) == {"instruction cache parity error corrected"}


def test_plain_output_has_no_header() -> None:
    ci = ["Collecting requests", "3 passed, 1 failed in 2.5s", "npm run build",
          "Step 1/7 : FROM python:3.11", "Compiling foo v0.1.0", "", "error: could not compile",
          "  --> src/main.rs:3:5", "task 7 started", "task 8 started", "task 9 started"] * 3
    assert header_length(ci) == 0
    assert header_length([f"task {i} started on node {i}" for i in range(30)]) == 0
    assert header_length(_layout_lines()[:MIN_LINES - 1]) == 0  # too few lines to tell
