"""The line formats OrcaOps recognises without being told, as data: one regex per format.

A format is a regex with named groups: ``msg`` (required; the message), ``level`` and ``ts``
(optional) and any other group, which becomes a field of the line's ``parsed`` JSON (logger,
component, pid, thread...). Formats are tried in order per line and the first that matches
wins, so specific formats come before generic ones. A new format is one :func:`register` call.

The regexes run in Rust (polars) over the whole column, so they use the syntax common to Rust's
``regex`` crate and Python's ``re``: no look-around, no back-references, no ``\\b``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ISO = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?"
_LVL = (r"(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL|CRIT|ALERT|EMERG|"
        r"FINE|FINER|FINEST|CONFIG|trace|debug|info|notice|warn|warning|error|fatal|critical|"
        r"Trace|Debug|Info|Notice|Warn|Warning|Error|Fatal|Critical)")
_SYSLOG_TS = r"[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}"


@dataclass(frozen=True)
class LogFormat:
    """One line format.

    Attributes:
        name: Short name, stored as ``format`` in ``parsed``.
        regex: Anchored regex with named groups (``msg`` required).
        ts_kind: How to read the ``ts`` group: ``iso``, ``strptime`` (with ``ts_format``),
            ``yearless`` (strptime of ``"<year> " + ts``), ``epoch`` (the ``epoch`` group,
            seconds) or None (no usable date).
        ts_format: chrono/strftime format for ``strptime`` and ``yearless``.
        keep_line: Keep the whole line as the message (``npm ERR! ...``, ``Error: ...``) where
            the prefix is part of what the line says.
        probe: A regex for the first 12 characters of a matching line, reading every digit
            as ``0`` (None: any start). Only a speed-up: lines are grouped by that prefix
            shape and a format is tried only on shapes its probe accepts.
    """

    name: str
    regex: str
    ts_kind: str | None = None
    ts_format: str | None = None
    keep_line: bool = False
    probe: str | None = None
    fields: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        groups = tuple(re.compile(self.regex).groupindex)
        if "msg" not in groups:
            raise ValueError(f"format {self.name!r}: the regex needs a (?P<msg>...) group")
        # The detection prefilter uses the text before the message group as a regex of its own.
        re.compile(self.regex.split("(?P<msg>")[0])
        object.__setattr__(self, "fields", tuple(g for g in groups
                                                 if g not in ("ts", "level", "msg")))


FORMATS: list[LogFormat] = [
    LogFormat("hdfs", r"^(?P<ts>\d{6} \d{6}) +(?P<pid>\d+) +(?P<level>[A-Z]+) +"
              r"(?P<component>[\w.$\-]+): (?P<msg>.*)$", "strptime", "%y%m%d %H%M%S",
              probe=r"\d{6} \d{5}"),
    LogFormat("spark", r"^(?P<ts>\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) +(?P<level>[A-Z]+) +"
              r"(?P<component>[\w.$\-]+): (?P<msg>.*)$", "strptime", "%y/%m/%d %H:%M:%S",
              probe=r"\d\d/\d\d/\d\d \d\d:"),
    LogFormat("zookeeper", r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) +- +"
              r"(?P<level>[A-Z]+) +\[(?P<thread>.*?):(?P<component>[\w$.]+)@(?P<lineno>\d+)\]"
              r" +- +(?P<msg>.*)$", "iso",
              probe=r"\[?\d{4}-\d\d-\d\d[T ]\d"),
    LogFormat("openstack", r"^(?:(?P<logfile>\S+\.log\S*) +)?(?P<ts>\d{4}-\d{2}-\d{2} "
              r"\d{2}:\d{2}:\d{2}\.\d+) +(?P<pid>\d+) +(?P<level>[A-Z]+) +(?P<component>[\w.]+)"
              r" +(?:\[(?P<req>[^\]]*)\] +)?(?P<msg>.*)$", "iso",
              probe=r"(?:[a-z][\w.\-]*|\d{4}-\d\d-\d\d )"),
    LogFormat("spring", rf"^(?P<ts>{ISO}) +(?P<level>[A-Z]+) +(?P<pid>\d+) +--- +"
              r"\[ *(?P<thread>[^\]]*)\] +(?P<logger>\S+) +: (?P<msg>.*)$", "iso",
              probe=r"\[?\d{4}-\d\d-\d\d[T ]\d"),
    LogFormat("python_dash", rf"^(?P<ts>{ISO}) +- +(?P<logger>\S+) +- +(?P<level>[A-Za-z]+) +- +"
              r"(?P<msg>.*)$", "iso",
              probe=r"\[?\d{4}-\d\d-\d\d[T ]\d"),
    LogFormat("zap", rf"^(?P<ts>{ISO})\t(?P<level>[A-Za-z]+)\t(?:(?P<caller>[^\t]+:\d+)\t)?"
              r"(?P<msg>[^\t]*)(?:\t(?P<fields>\{.*\}))?$", "iso",
              probe=r"\[?\d{4}-\d\d-\d\d[T ]\d"),
    # A thread name may hold one bracketed part ("[QuorumPeer[myid=1]/0.0.0.0:2181:...]").
    LogFormat("iso_level", rf"^\[?(?P<ts>{ISO})\]? +(?:- +)?\[?(?P<level>{_LVL})\]?:? +"
              r"(?:\[(?P<thread>[^\]\[]*(?:\[[^\]\[]*\][^\]\[]*)*)\] +)?(?:- +)?(?:(?P<logger>[A-Za-z_$][\w$\-]*"
              r"(?:\.[\w$\-]+)+)(?: *:| +-) +)?(?P<msg>.*)$", "iso",
              probe=r"\[?\d{4}-\d\d-\d\d[T ]\d"),
    LogFormat("logback_time", r"^(?P<time>\d{2}:\d{2}:\d{2}[.,]\d{3}) +\[(?P<thread>[^\]]+)\] +"
              r"(?P<level>[A-Z]+) +(?P<logger>\S+) +- (?P<msg>.*)$",
              probe=r"\d\d:\d\d:\d\d"),
    LogFormat("glog", r"^(?P<level>[IWEF])(?P<ts>\d{4} \d{2}:\d{2}:\d{2}\.\d+) +(?P<pid>\d+) +"
              r"(?P<file>[^\s:\]]+:\d+)\] (?P<msg>.*)$", "yearless", "%Y %m%d %H:%M:%S%.f",
              probe=r"[IWEF]\d{4} \d\d:"),
    LogFormat("go_log", r"^(?P<ts>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) +"
              r"(?:(?P<file>[\w.\-/]+\.go:\d+): +)?(?P<msg>.*)$", "iso",
              probe=r"\d{4}/\d\d/\d\d "),
    LogFormat("android", r"^(?P<ts>\d{2}-\d{2} +\d{2}:\d{2}:\d{2}\.\d{3}) +(?P<pid>\d+) +"
              r"(?P<tid>\d+) +(?P<level>[VDIWEFA]) +(?P<component>[^:]*?) *: (?P<msg>.*)$",
              "yearless", "%Y %m-%d %H:%M:%S%.f",
              probe=r"\d\d-\d\d +\d\d:"),
    LogFormat("android_brief", r"^(?P<level>[VDIWEFA])/(?P<component>[^(:]+?) *\( *(?P<pid>\d+)\)"
              r": (?P<msg>.*)$",
              probe=r"[VDIWEFA]/"),
    LogFormat("apache_error", r"^\[(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2}"
              r"(?:\.\d+)? \d{4})\] +\[(?:(?P<module>\w+):)?(?P<level>[a-z]+\d?)\] +"
              r"(?:\[pid (?P<pid>\d+)(?::tid \d+)?\] +)?(?:\[client (?P<client>[^\]]+)\] +)?"
              r"(?P<msg>.*)$", "strptime", "%a %b %d %H:%M:%S%.f %Y",
              probe=r"\[[A-Z][a-z]{2} [A-Z][a-z]{2} "),
    LogFormat("apache_access", r"^(?P<client>\S+) \S+ (?P<user>\S+) \[(?P<ts>\d{2}/[A-Z][a-z]{2}/"
              r"\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] (?P<msg>\"[^\"]*\" (?P<status>\d{3}) .*)$",
              "strptime", "%d/%b/%Y:%H:%M:%S %z",
              probe=r"[\w.:\-]+ [\w\-]"),
    LogFormat("rfc5424", rf"^<(?P<pri>\d{{1,3}})>1 (?P<ts>{ISO}|-) (?P<host>\S+) (?P<component>\S+)"
              r" (?P<pid>\S+) (?P<msgid>\S+) (?:-|\[.*?\]) ?(?P<msg>.*)$", "iso",
              probe=r"<\d{1,3}>\d "),
    LogFormat("syslog", rf"^(?P<ts>{_SYSLOG_TS}) +(?P<host>\S+) +(?P<component>[^\[:]{{1,60}}?)"
              r"(?:\[(?P<pid>\d+)\])?(?: \((?P<address>[^)]*)\))?: (?P<msg>.*)$",
              "yearless", "%Y %b %d %H:%M:%S",
              probe=r"[A-Z][a-z]{2} +\d{1,2} \d"),
    LogFormat("syslog_bare", rf"^(?P<ts>{_SYSLOG_TS}) +(?P<host>\S+) +(?P<msg>.*)$",
              "yearless", "%Y %b %d %H:%M:%S",
              probe=r"[A-Z][a-z]{2} +\d{1,2} \d"),
    LogFormat("python", r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?P<logger>[\w.\-<>]*):"
              r"(?P<msg>.*)$",
              probe=r"(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):"),
    LogFormat("pytest_log", r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) +(?P<logger>[\w.\-<>]+)"
              r":(?P<file>[\w.\-/]+):(?P<lineno>\d+) (?P<msg>.*)$",
              probe=r"(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) "),
    LogFormat("npm", r"^npm (?P<level>ERR!|WARN|warn|notice|info|verb|error|http|timing|sill)"
              r"(?P<msg>(?: .*)?)$", keep_line=True,
              probe=r"npm "),
    LogFormat("winston", r"^(?P<level>error|warn|info|http|verbose|debug|silly): (?P<msg>.*)$",
              keep_line=True,
              probe=r"(?:error|warn|info|http|verbose|debug|silly): "),
    LogFormat("pino_pretty", r"^\[(?P<time>[^\]]{8,35})\] +(?P<level>TRACE|DEBUG|INFO|WARN|ERROR|"
              r"FATAL) *(?:\((?P<pid>\d+)(?: on (?P<host>[^)]*))?\))?: (?P<msg>.*)$",
              probe=r"\["),
    LogFormat("bracket_level", rf"^\[(?P<level>{_LVL})\]:? *(?P<msg>.*)$", keep_line=True,
              probe=r"\["),
    LogFormat("level_prefix", r"^(?P<level>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|"
              r"CRITICAL|SEVERE|Warning|Error|Fatal)(?::|\s+-)? +(?P<msg>.*)$", keep_line=True,
              probe=r"(?:TRACE|DEBUG|INFO|NOTICE|WARN|ERROR|FATAL|CRITICAL|SEVERE|Warning|Error|Fatal)"),
    LogFormat("iso_prefix", rf"^\[?(?P<ts>{ISO})\]? +(?P<msg>.*)$", "iso",
              probe=r"\[?\d{4}-\d\d-\d\d[T ]\d"),
    LogFormat("time_prefix", r"^\[?(?P<time>\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)\]? +(?P<msg>.*)$",
              probe=r"\[?\d\d:\d\d:\d\d"),
]


def register(fmt: LogFormat, before: str | None = None) -> None:
    """Add a format to the registry.

    Args:
        fmt: The format.
        before: Name of the format it must be tried before; appended when None.
    """
    names = [f.name for f in FORMATS]
    FORMATS.insert(names.index(before) if before in names else len(FORMATS), fmt)


