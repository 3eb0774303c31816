"""Resource samples of a running job, taken on a background thread.

Docker: the engine's stats stream (``GET /containers/{id}/stats``) publishes about once a
second whatever is asked, so Docker samples come at most that often; a longer interval keeps
every n-th. Local: psutil over the process tree, at the requested interval.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import psutil

from orcaops.core.models import ResourceSample, utcnow
from orcaops.executors.spool import Spool
from orcaops.executors.streams import parse_docker_time

MB = 1024.0 * 1024.0


class SampleSink:
    """Keeps samples, spools each one, and tracks the totals a run record needs."""

    def __init__(self, spool: Spool | None) -> None:
        self._spool = spool
        self._lock = threading.Lock()
        self.samples: list[ResourceSample] = []
        self.cpu_seconds: float | None = None
        self.peak_mb: float | None = None

    def add(self, sample: ResourceSample, cpu_seconds: float | None = None,
            peak_mb: float | None = None) -> None:
        """Keep one sample; ``cpu_seconds``/``peak_mb`` are cumulative readings, if known."""
        with self._lock:
            self.samples.append(sample)
            if self._spool is not None:
                self._spool.append_sample(sample)
            if cpu_seconds is not None:
                self.cpu_seconds = max(self.cpu_seconds or 0.0, cpu_seconds)
            peaks = [p for p in (peak_mb, sample.memory_mb, self.peak_mb) if p is not None]
            self.peak_mb = max(peaks) if peaks else None

    def preload(self, samples: list[ResourceSample]) -> None:
        """Take samples spooled by a recorder that died, without spooling them again.

        Their cumulative CPU reading was not spooled, so CPU time is estimated by
        integrating ``cpu_percent`` over the gaps between them.
        """
        with self._lock:
            self.samples.extend(samples)
            cpu = 0.0
            for prev, cur in zip(samples, samples[1:]):
                if cur.cpu_percent is not None:
                    cpu += cur.cpu_percent / 100.0 * (cur.ts - prev.ts).total_seconds()
            if samples:
                self.cpu_seconds = max(self.cpu_seconds or 0.0, cpu)
            peaks = [s.memory_mb for s in samples if s.memory_mb is not None]
            if self.peak_mb is not None:
                peaks.append(self.peak_mb)
            self.peak_mb = max(peaks) if peaks else None


class DockerStats:
    """Turns successive Docker stats documents into samples (CPU % needs the previous one)."""

    def __init__(self) -> None:
        self._prev_cpu: tuple[int, int] | None = None

    def convert(self, stats: dict[str, Any]) -> tuple[ResourceSample, float, float | None] | None:
        """One stats document as ``(sample, cpu_seconds, peak_mb)``; None once the container
        has stopped (the engine then reports zeros)."""
        cpu = stats.get("cpu_stats") or {}
        total = int((cpu.get("cpu_usage") or {}).get("total_usage") or 0)
        mem = stats.get("memory_stats") or {}
        if not total and not mem:
            return None
        rx, tx = _network(stats.get("networks"))
        read, write = _blkio(stats.get("blkio_stats") or {})
        usage = mem.get("usage")
        memory_mb = (usage - _inactive_file(mem)) / MB if usage is not None else None
        sample = ResourceSample(
            ts=_parse_read(stats.get("read")), cpu_percent=self._cpu_percent(cpu, total),
            memory_mb=memory_mb, memory_limit_mb=_mb(mem.get("limit")),
            network_rx_bytes=rx, network_tx_bytes=tx, block_read_bytes=read,
            block_write_bytes=write, pids=(stats.get("pids_stats") or {}).get("current"))
        return sample, total / 1e9, _mb(mem.get("max_usage"))

    def _cpu_percent(self, cpu: dict[str, Any], total: int) -> float | None:
        system = int(cpu.get("system_cpu_usage") or 0)
        prev, self._prev_cpu = self._prev_cpu, (total, system)
        if prev is None or system <= prev[1]:
            return None
        ncpu = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage")
                                             or [1])
        return round((total - prev[0]) / (system - prev[1]) * ncpu * 100.0, 2)


def sample_docker(open_stream: Callable[[], Iterable[dict[str, Any]]], sink: SampleSink,
                  stop: threading.Event, interval: float) -> None:
    """Thread body: read a decoded stats stream into ``sink`` until ``stop`` or its end."""
    conv = DockerStats()
    last: datetime | None = None
    try:
        for stats in open_stream():
            if stop.is_set():
                return
            got = conv.convert(stats)
            if got is None:
                continue
            sample, cpu_s, peak = got
            # 0.2 s slack: the engine's ~1 s cadence jitters, and interval=1 must keep them all.
            if last is None or (sample.ts - last).total_seconds() >= interval - 0.2:
                sink.add(sample, cpu_s, peak)
                last = sample.ts
    except Exception:  # noqa: BLE001 - the container went away: sampling simply ends
        return


class ProcessTree:
    """psutil readings over a process and its descendants."""

    def __init__(self, pid: int) -> None:
        self._root = psutil.Process(pid)
        self._prev: tuple[float, float] | None = None

    def sample(self) -> tuple[ResourceSample, float] | None:
        """One reading as ``(sample, cpu_seconds so far)``; None once the process is gone."""
        procs = self._processes()
        if not procs:
            return None
        cpu = rss = 0.0
        read = write = 0
        for proc in procs:
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    cpu += times.user + times.system
                    rss += proc.memory_info().rss
                    io = proc.io_counters()
                    read, write = read + io.read_bytes, write + io.write_bytes
            except (psutil.Error, AttributeError):
                continue  # exited between listing and reading
        now = utcnow()
        sample = ResourceSample(
            ts=now, cpu_percent=self._percent(now.timestamp(), cpu), memory_mb=rss / MB,
            memory_limit_mb=psutil.virtual_memory().total / MB, block_read_bytes=read,
            block_write_bytes=write, pids=len(procs))
        return sample, cpu

    def _processes(self) -> list[psutil.Process]:
        try:
            return [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            return []

    def _percent(self, when: float, cpu: float) -> float | None:
        prev, self._prev = self._prev, (when, cpu)
        if prev is None or when <= prev[0]:
            return None
        return round(max(cpu - prev[1], 0.0) / (when - prev[0]) * 100.0, 2)


def sample_process(pid: int, sink: SampleSink, stop: threading.Event,
                   interval: float) -> None:
    """Thread body: sample the tree under ``pid`` every ``interval`` seconds until ``stop``."""
    try:
        tree = ProcessTree(pid)
    except psutil.Error:
        return  # it already exited
    while not stop.is_set():
        got = tree.sample()
        if got is None:
            return
        sink.add(got[0], got[1])
        stop.wait(interval)


def start_thread(target: Callable[..., None], *args: Any, name: str) -> threading.Thread:
    """A daemon thread, so a stuck stream can never keep the interpreter alive."""
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread


def _network(networks: dict[str, Any] | None) -> tuple[int | None, int | None]:
    # With network mode "none" (and on --bridge=none engines) there is no interface at all.
    if not networks:
        return None, None
    rx = sum(int(n.get("rx_bytes") or 0) for n in networks.values())
    tx = sum(int(n.get("tx_bytes") or 0) for n in networks.values())
    return rx, tx


def _blkio(blkio: dict[str, Any]) -> tuple[int | None, int | None]:
    entries = blkio.get("io_service_bytes_recursive")
    if entries is None:
        return None, None
    read = sum(int(e.get("value") or 0) for e in entries if str(e.get("op")).lower() == "read")
    write = sum(int(e.get("value") or 0) for e in entries if str(e.get("op")).lower() == "write")
    return read, write


def _inactive_file(mem: dict[str, Any]) -> int:
    # What `docker stats` subtracts: page cache the kernel can drop is not the job's memory.
    stats = mem.get("stats") or {}
    return int(stats.get("total_inactive_file", stats.get("inactive_file", 0)) or 0)


def _mb(value: Any) -> float | None:
    return round(float(value) / MB, 3) if value else None


def _parse_read(text: str | None) -> datetime:
    if not text or text.startswith("0001-"):
        return utcnow()
    return parse_docker_time(text) or utcnow()
