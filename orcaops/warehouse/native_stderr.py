"""Keeping delta-rs' panic reports off the terminal of the CLI.

A Delta write that fails (a full disk) makes delta-rs' worker threads panic, and Rust's
default hook prints each panic — with a backtrace under ``RUST_BACKTRACE`` — on file
descriptor 2, during the write and for a while after it (when the runtime winds down): dozens
of reports around our one-line error. Python cannot replace that hook, so the CLI process
routes fd 2 through a pipe whose reader passes everything on except panic reports. Only the
console script turns this on (``enable``), and only once deltalake is loaded (``install``),
so a cold ``runs search`` pays nothing and in-process callers keep their own stderr.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading

_PANIC = re.compile(r"^thread '.*' .*panicked at ")
# After the panic line and its message: the backtrace, its "note:", blank lines.
_TRAILER = re.compile(r"^(stack backtrace:|note: |\s+\d+: |\s+at |\s*$)")
_state = {"enabled": False, "installed": False}


def enable() -> None:
    """Filter fd 2 once deltalake is first used in this process (the CLI calls this)."""
    _state["enabled"] = True


def install() -> None:
    """Route fd 2 through the filter, if enabled and not done yet."""
    if not _state["enabled"] or _state["installed"]:
        return
    _state["installed"] = True
    try:
        original = os.dup(2)
        read_end, write_end = _channel(original)
    except OSError:
        return
    sys.stderr.flush()
    os.dup2(write_end, 2)
    os.close(write_end)
    pump = threading.Thread(target=_pump, args=(read_end, original), name="orcaops-stderr",
                            daemon=True)
    pump.start()
    atexit.register(_finish, pump)
    # (A pty's reader gets EIO instead of EOF once the last slave end closes: same end.)


def _channel(original: int) -> tuple[int, int]:
    """A pipe; a raw pseudo-terminal of the same size when stderr is a terminal, so what
    asks ``isatty`` (progress bars, console widths) still sees one."""
    if not os.isatty(original):
        return os.pipe()
    import fcntl
    import termios
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)  # bytes through unchanged (no "\n" -> "\r\n")
    try:
        size = fcntl.ioctl(original, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
    except OSError:
        pass
    return master, slave


def keep_lines(lines: list[str], state: str) -> tuple[list[str], str]:
    """The lines that are not part of a panic report; ``state`` carries across calls."""
    kept = []
    for line in lines:
        if _PANIC.match(line):
            state = "message"
        elif state == "message":
            state = "trailer"
        elif state == "trailer" and _TRAILER.match(line):
            pass
        else:
            state = ""
            kept.append(line)
    return kept, state


def _pump(read_end: int, out: int) -> None:
    state, partial = "", ""
    while True:
        try:
            chunk = os.read(read_end, 65536)
        except OSError:
            break
        if not chunk:
            break
        text = partial + chunk.decode("utf-8", errors="replace")
        lines = text.splitlines(keepends=True)
        partial = ""
        # A line still being written: a progress display shows it now, a possible panic
        # report waits for its end.
        if lines and not lines[-1].endswith(("\n", "\r")) and (
                state or lines[-1].startswith("thread '")):
            partial = lines.pop()
        kept, state = keep_lines(lines, state)
        if kept:
            try:
                os.write(out, "".join(kept).encode("utf-8"))
            except OSError:
                pass
    if partial and not state:
        try:
            os.write(out, partial.encode("utf-8"))
        except OSError:
            pass


def _finish(pump: threading.Thread) -> None:
    try:
        sys.stderr.flush()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # the pipe's last write end: the pump reads to its end
        os.close(devnull)
    except (OSError, ValueError):
        return
    pump.join(1.0)
