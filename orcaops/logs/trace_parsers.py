"""One parser per stack-trace dialect. Each takes (lines, start) and returns a Trace or None."""

from __future__ import annotations

import re
from collections.abc import Callable

from orcaops.logs.trace import MAX_TRACE_LINES, Trace, make_frame

Parser = Callable[[list[str], int], "Trace | None"]

# --- Python ------------------------------------------------------------------------------
_PY_START = re.compile(r"^\s*Traceback \(most recent call last\):")
_PY_FILE = re.compile(r'^\s+File "([^"]+)", line (\d+)(?:, in (.+))?')
_PY_EXC = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_PY_CHAIN = re.compile(r"^(?:During handling of the above exception|"
                       r"The above exception was the direct cause)")


def _skip_blank(lines: list[str], k: int) -> int:
    while k < len(lines) and not lines[k].strip():
        k += 1
    return k


def _py_chained(lines: list[str], j: int) -> int | None:
    """Index after the next ``Traceback`` line if a chained traceback follows ``j``."""
    k = _skip_blank(lines, j)
    if k < len(lines) and _PY_CHAIN.match(lines[k]):
        k = _skip_blank(lines, k + 1)
        if k < len(lines) and _PY_START.match(lines[k]):
            return k + 1
    return None


def parse_python(lines: list[str], i: int) -> Trace | None:
    """A Python traceback, with chained tracebacks (``During handling...``) included."""
    frames, chain = [], []
    exc, msg, event, j, n = "", "", i, i + 1, len(lines)
    while j < n and j - i < MAX_TRACE_LINES:
        ln = lines[j]
        m = _PY_FILE.match(ln)
        if m:
            frames.append(make_frame(m.group(3), m.group(1), m.group(2)))
        elif ln[:1] in (" ", "\t") and ln.strip():
            pass  # source line or ^^^^ markers
        else:
            m = _PY_EXC.match(ln)
            if not m or not ln.strip():
                break
            exc, msg, event = m.group(1), m.group(2) or "", j
            chain.append(exc)
            nxt = _py_chained(lines, j + 1)
            if nxt is None:
                j += 1
                break
            j = nxt
            continue
        j += 1
    if not frames and not exc:
        return None
    return Trace(exc, msg, frames, i, max(j - 1, i), "python", event, chain)


# --- pytest failure sections --------------------------------------------------------------
_PT_HEAD = re.compile(r"^_{3,} (.+?) _{3,}\s*$")
_PT_END = re.compile(r"^(?:_{3,} .+ _{3,}|={3,}.*)\s*$")
_PT_LOC = re.compile(r"^([\w./\\\-]+\.py):(\d+): (?:in (\S+)|([A-Za-z_][\w.]*))\s*$")
_PT_E = re.compile(r"^E\s+(.*)$")


def parse_pytest(lines: list[str], i: int) -> Trace | None:
    """A pytest failure section (``____ test_x ____`` up to the next section)."""
    head = _PT_HEAD.match(lines[i])
    if head is None:
        return None
    test = head.group(1)
    frames: list[dict] = []
    exc, msg, event, j = "", "", None, i + 1
    while j < len(lines) and j - i < MAX_TRACE_LINES and not _PT_END.match(lines[j]):
        m = _PT_LOC.match(lines[j])
        if m:
            frames.append(make_frame(m.group(3) or test.split("::")[-1].split(".")[-1],
                                     m.group(1), m.group(2)))
            exc = m.group(4) or exc
        else:
            e = _PT_E.match(lines[j])
            if e and event is None:
                event, msg = j, e.group(1).strip()
        j += 1
    if event is None and not exc:
        return None
    if not exc:
        head = re.match(r"([A-Z][\w.]*(?:Error|Exception))", msg)
        exc = head.group(1) if head else "AssertionError"
    if msg.startswith(exc + ":"):
        msg = msg[len(exc) + 1:].strip()
    return Trace(exc, msg, frames, i, j - 1, "python", event if event is not None else i, [exc])


# --- Java, Kotlin, .NET, Node: "at ..." frames ---------------------------------------------
_AT_HEAD = re.compile(
    r"^(?:Exception in thread \"[^\"]*\" |(Unhandled [Ee]xception\.) |Uncaught )?"
    r"((?:[a-zA-Z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Throwable|Failure|Fault))"
    r"(?: \[\w+\])?(?::\s?(.*))?\s*$")
_AT = re.compile(r"^\s+at ")
_DOTNET_AT = re.compile(r"^\s+at (.+?\))(?: in (.+?):line (\d+))?\s*$")
_JAVA_AT = re.compile(r"^\s+at ([\w$.<>/\[\]]+)\(([^)]*)\)")
_NODE_AT = re.compile(r"^\s+at (?:(.+?) \((.*)\)|(.+))\s*$")
_LOC = re.compile(r"^(.*?):(\d+)(?::\d+)?$")
_AT_MORE = re.compile(r"^\s+(?:\.\.\. \d+ (?:more|common frames omitted)|--- End of .*---"
                      r"|Suppressed: .*)\s*$")
_CAUSE = re.compile(r"^\s*(?:Caused by: |---> |Suppressed: )"
                    r"((?:[a-zA-Z_$][\w$]*\.)*[A-Z][\w$]*)")
_ANY_EXC = re.compile(r"((?:[a-zA-Z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error))")


def _at_frame(ln: str) -> tuple[dict, str]:
    m = _DOTNET_AT.match(ln)
    if m and m.group(2):
        return make_frame(m.group(1).split("(")[0], m.group(2), m.group(3)), "dotnet"
    m = _JAVA_AT.match(ln)
    if m:
        loc = _LOC.match(m.group(2))
        file = loc.group(1) if loc else m.group(2)
        lang = "kotlin" if file.endswith(".kt") else "java" if loc or "Method" in file else ""
        return make_frame(m.group(1), file or None, loc.group(2) if loc else None), lang or "dotnet"
    m = _NODE_AT.match(ln)
    loc = _LOC.match(m.group(2) or m.group(3) or "") if m else None
    fn = m.group(1) if m else None
    return make_frame(fn, loc.group(1) if loc else (m.group(2) if m else None),
                      loc.group(2) if loc else None), "node" if loc else ""


def parse_at_style(lines: list[str], i: int) -> Trace | None:
    """An exception header followed by ``at ...`` frames (Java/Kotlin/.NET/Node)."""
    head = _AT_HEAD.match(lines[i])
    start = i
    if head is None:  # frames without a header line: the line before states the error
        if not _AT.match(lines[i]) or i == 0 or not lines[i - 1].strip():
            return None
        start, found = i - 1, _ANY_EXC.search(lines[i - 1])
        exc, msg, j = (found.group(1) if found else ""), lines[i - 1].strip(), i
    else:
        exc, msg, j = head.group(2), (head.group(3) or "").strip(), i + 1
    frames, chain, langs = [], [exc] if exc else [], set()
    while j < len(lines) and j - i < MAX_TRACE_LINES:
        ln = lines[j]
        if _AT.match(ln):
            frame, lang = _at_frame(ln)
            frames.append(frame)
            langs.add(lang)
        elif cause := _CAUSE.match(ln):
            chain.append(cause.group(1))
            langs.add("java" if "Caused by" in ln else "")
        elif not _AT_MORE.match(ln):
            break
        j += 1
    if not frames:
        return None
    lang = next((x for x in ("dotnet", "kotlin", "java", "node") if x in langs), "java")
    if head is not None and head.group(1) or exc.startswith("System."):
        lang = "dotnet"
    fatal = lines[start].startswith(("Exception in thread", "Unhandled", "Uncaught"))
    return Trace(exc, msg, frames, start, j - 1, lang, start, chain, fatal)


# --- Go panics and goroutine dumps --------------------------------------------------------
_GO_START = re.compile(r"^(?:(panic|fatal error): (.*)|goroutine \d+ \[.*\]:\s*$)")
_GO_LINE = re.compile(r"^(?:goroutine \d+ \[.*\]:|\[signal .*\]|\t.*|\s+panic: .*|"
                      r"created by .*|[\w./*()\-\[\]{}, ]+\(.*\)|exit status \d+|"
                      r"\[recovered\].*)\s*$")
_GO_FILE = re.compile(r"^\t(.+?):(\d+)(?: \+0x[0-9a-f]+)?\s*$")


def parse_go(lines: list[str], i: int) -> Trace | None:
    """A Go panic or ``fatal error`` with its goroutine dump (or a bare goroutine dump)."""
    m = _GO_START.match(lines[i])
    if m is None:
        return None
    kind, msg = (m.group(1), m.group(2).strip()) if m.group(1) else ("goroutine dump", "")
    frames, fn, j = [], None, i + 1
    while j < len(lines) and j - i < MAX_TRACE_LINES:
        ln = lines[j]
        if not ln.strip():
            k = _skip_blank(lines, j)
            if k < len(lines) and lines[k].startswith(("goroutine ", "[signal ")):
                j = k
                continue
            break
        if not _GO_LINE.match(ln):
            break
        f = _GO_FILE.match(ln)
        if f and fn is not None:
            frames.append(make_frame(fn, f.group(1), f.group(2)))
            fn = None
        elif not ln.startswith(("\t", "goroutine ", "[", "exit status")):
            fn = re.sub(r"\([^()]*\)$", "", ln.strip().removeprefix("created by "))
            fn = fn.split(" in goroutine ")[0]
        j += 1
    if not frames:
        return None
    return Trace(kind, msg, frames, i, j - 1, "go", i, [kind], fatal=kind != "goroutine dump")


# --- Rust panics and compiler errors ------------------------------------------------------
_RS_HEAD = re.compile(r"^thread '([^']*)' panicked at (?:'(.*)', )?([^\s:]+):(\d+)(?::\d+)?:?\s*$")
_RS_CONT = re.compile(r"^(?:note: .*|stack backtrace:|\s+\d+: .*|\s+at .*)$")
_RS_FN = re.compile(r"^\s+\d+: (?:0x[0-9a-f]+ - )?(.+)$")
_RS_AT = re.compile(r"^\s+at (.+?):(\d+)(?::\d+)?$")
_RUSTC = re.compile(r"^error(?:\[(E\d+)\])?: (.*)$")
_RUSTC_CONT = re.compile(r"^\s*(?:-->|\d*\s*\||=|\.\.\.)")


def parse_rust(lines: list[str], i: int) -> Trace | None:
    """A Rust panic (old and new message layout) with its backtrace if printed."""
    m = _RS_HEAD.match(lines[i])
    if m is None:
        return None
    msg, j = m.group(2), i + 1
    if msg is None:  # since Rust 1.73 the message is on the next line
        msg = lines[j] if j < len(lines) and not _RS_CONT.match(lines[j]) else ""
        j += 1 if msg else 0
    frames = [make_frame(None, m.group(3), m.group(4))]
    while j < len(lines) and j - i < MAX_TRACE_LINES and _RS_CONT.match(lines[j]):
        fn, at = _RS_FN.match(lines[j]), _RS_AT.match(lines[j])
        if fn:
            frames.append(make_frame(fn.group(1).strip(), None, None))
        elif at and frames:
            frames[-1].update(make_frame(frames[-1]["function"], at.group(1), at.group(2)))
        j += 1
    return Trace("panic", msg, frames, i, j - 1, "rust", i, ["panic"], fatal=True)


def parse_rustc(lines: list[str], i: int) -> Trace | None:
    """A rustc diagnostic block: ``error[E0425]: ...`` with its ``-->`` location and snippet."""
    m = _RUSTC.match(lines[i])
    loc = re.match(r"^\s*--> (.+?):(\d+)", lines[i + 1]) if i + 1 < len(lines) else None
    if m is None or loc is None:
        return None
    j = i + 1
    while j < len(lines) and j - i < MAX_TRACE_LINES and _RUSTC_CONT.match(lines[j]):
        j += 1
    return Trace(m.group(1) or "error", m.group(2), [make_frame(None, loc.group(1), loc.group(2))],
                 i, j - 1, "rust", i, [m.group(1) or "error"])


# --- npm ERR! blocks ---------------------------------------------------------------------
_NPM = re.compile(r"^npm ERR!")
_NPM_META = re.compile(r"^npm ERR!\s*(?:code|errno|syscall|path|dest|A complete log|"
                       r"Log files were|\s*$|\s+/)")


def parse_npm(lines: list[str], i: int) -> Trace | None:
    """Consecutive ``npm ERR!`` lines: one block with its error code."""
    j = i
    while j < len(lines) and j - i < MAX_TRACE_LINES and _NPM.match(lines[j]):
        j += 1
    if j - i < 2:
        return None
    code = next((ln.split("code", 1)[1].strip() for ln in lines[i:j]
                 if ln.startswith("npm ERR! code ")), "npm ERR!")
    event = next((k for k in range(i, j) if not _NPM_META.match(lines[k])), i)
    return Trace(code, lines[event][8:].strip(), [], i, j - 1, "npm", event, [code])


PARSERS: list[tuple[re.Pattern[str], Parser]] = [
    (_PY_START, parse_python),
    (_PT_HEAD, parse_pytest),
    (_RS_HEAD, parse_rust),
    (_GO_START, parse_go),
    (_RUSTC, parse_rustc),
    (_NPM, parse_npm),
    (re.compile(r"^(?:Exception in thread|Unhandled|Uncaught|\s+at |[\w$.]+(?:Exception|Error"
                r"|Throwable|Failure|Fault)\b)"), parse_at_style),
]
