"""Sampling the machine while a benchmark runs: pure data, psutil only, no UI.

* :class:`CoreSampler` gives the busy percentage of every logical CPU since the
  previous call.  It keeps its own previous ``cpu_times`` instead of using
  ``psutil.cpu_percent(interval=None)``, whose state is global to the process:
  two samplers (a pane and a benchmark script) would steal each other's deltas.
* :class:`TreeSampler` follows a root process and its descendants and gives,
  per process, CPU %, RSS and threads, and per thread the CPU % computed from
  ``Process.threads()`` user+system deltas over the wall time between calls.

Both calls block for a few milliseconds (they read ``/proc``); the UI calls them
from a thread, never on its event loop.  Processes or threads that vanish
between two calls are dropped without a word.
"""

from __future__ import annotations

import os
import platform
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

# fields of psutil.cpu_times() already counted in user/nice (Linux)
_GUEST_FIELDS = ("guest", "guest_nice")
_IDLE_FIELDS = ("idle", "iowait")


@dataclass(frozen=True)
class CoreSample:
    """Busy percentage (0-100) of each logical CPU over the last interval."""

    percents: tuple[float, ...]
    t: float  # time.monotonic() when taken


def _busy_total(times: Any) -> tuple[float, float]:
    total = 0.0
    idle = 0.0
    for name in times._fields:
        if name in _GUEST_FIELDS:
            continue
        value = getattr(times, name)
        total += value
        if name in _IDLE_FIELDS:
            idle += value
    return total - idle, total


class CoreSampler:
    """Per-core CPU % between successive :meth:`sample` calls.

    The first call only primes the sampler and reports 0.0 for every core.
    """

    def __init__(self) -> None:
        self._last: list[tuple[float, float]] | None = None

    def sample(self) -> CoreSample:
        now = time.monotonic()
        current = [_busy_total(t) for t in psutil.cpu_times(percpu=True)]
        last, self._last = self._last, current
        if last is None or len(last) != len(current):
            return CoreSample(tuple(0.0 for _ in current), now)
        percents = []
        for (busy0, total0), (busy1, total1) in zip(last, current):
            d_total = total1 - total0
            if d_total <= 0:
                percents.append(0.0)
                continue
            value = 100.0 * (busy1 - busy0) / d_total
            percents.append(round(min(100.0, max(0.0, value)), 1))
        return CoreSample(tuple(percents), now)


@dataclass(frozen=True)
class ThreadSample:
    tid: int  # native thread id
    cpu_percent: float  # of one core, over the last interval
    cpu_s: float  # user + system seconds since the thread started


@dataclass(frozen=True)
class ProcessSample:
    pid: int
    ppid: int
    name: str
    cpu_percent: float  # over the last interval; 100 = one core busy
    rss: int  # bytes
    num_threads: int
    threads: tuple[ThreadSample, ...]
    cpu_s: float  # user + system seconds of this process (not its children)


@dataclass(frozen=True)
class TreeSample:
    t: float  # time.monotonic() when taken
    processes: tuple[ProcessSample, ...]
    total_cpu_percent: float
    #: processes left out because the tree had more than ``max_processes``
    truncated: int = 0


@dataclass
class _Seen:
    """What the previous sample saw of one process."""

    t: float
    cpu_s: float
    threads: dict[int, float] = field(default_factory=dict)


class TreeSampler:
    """CPU, memory and threads of a process and its descendants.

    Per-thread and per-process percentages are deltas since the previous call;
    a process seen for the first time is measured from its creation time, and a
    thread first seen in a known process from the previous sample, so short-lived
    workers show their real load at once.
    """

    def __init__(self, root_pid: int, include_root: bool = True, max_processes: int = 256):
        if max_processes < 1:
            raise ValueError("max_processes must be at least 1")
        self.root_pid = root_pid
        self.include_root = include_root
        self.max_processes = max_processes
        self._root: psutil.Process | None = None
        self._seen: dict[tuple[int, float], _Seen] = {}
        self._max_percent = 100.0 * (psutil.cpu_count() or 1)

    def _root_process(self) -> psutil.Process | None:
        if self._root is None:
            try:
                self._root = psutil.Process(self.root_pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                return None
        if not self._root.is_running():
            return None
        return self._root

    def _members(self) -> tuple[list[psutil.Process], int]:
        root = self._root_process()
        if root is None:
            return [], 0
        try:
            children = root.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            children = []
        members = ([root] if self.include_root else []) + children
        extra = max(0, len(members) - self.max_processes)
        return members[: self.max_processes], extra

    def sample(self) -> TreeSample:
        now = time.monotonic()
        wall = time.time()
        members, truncated = self._members()
        samples: list[ProcessSample] = []
        seen: dict[tuple[int, float], _Seen] = {}
        for proc in members:
            try:
                result = self._sample_one(proc, now, wall)
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue  # gone between listing and reading
            if result is None:
                continue
            key, state, sample = result
            seen[key] = state
            samples.append(sample)
        self._seen = seen
        total = round(sum(s.cpu_percent for s in samples), 1)
        return TreeSample(now, tuple(samples), total, truncated)

    def _sample_one(
        self, proc: psutil.Process, now: float, wall: float
    ) -> tuple[tuple[int, float], _Seen, ProcessSample] | None:
        with proc.oneshot():
            try:
                if proc.status() == psutil.STATUS_ZOMBIE:
                    return None  # exited, not reaped yet: nothing left to show
                created = proc.create_time()
                times = proc.cpu_times()
            except psutil.AccessDenied:
                return None
            ppid = _or_default(proc.ppid, 0)
            name = _or_default(proc.name, "?")
            rss = _or_default(lambda: proc.memory_info().rss, 0)
            num_threads = _or_default(proc.num_threads, 0)
            raw_threads = _or_default(proc.threads, [])
        cpu_s = times.user + times.system
        key = (proc.pid, created)
        prev = self._seen.get(key)
        if prev is not None:
            dt = now - prev.t
            base_cpu = prev.cpu_s
        else:
            dt = wall - created
            base_cpu = 0.0
        percent = self._percent(cpu_s - base_cpu, dt, self._max_percent)

        threads = []
        thread_cpu: dict[int, float] = {}
        for th in raw_threads:
            t_cpu = th.user_time + th.system_time
            thread_cpu[th.id] = t_cpu
            if prev is not None:
                # a thread new since the last sample did all its work in this interval
                t_percent = self._percent(t_cpu - prev.threads.get(th.id, 0.0), dt, 100.0)
            else:
                t_percent = self._percent(t_cpu, dt, 100.0)
            threads.append(ThreadSample(th.id, t_percent, round(t_cpu, 3)))
        sample = ProcessSample(
            pid=proc.pid,
            ppid=ppid,
            name=name,
            cpu_percent=percent,
            rss=rss,
            num_threads=num_threads or len(threads),
            threads=tuple(threads),
            cpu_s=round(cpu_s, 3),
        )
        return key, _Seen(now, cpu_s, thread_cpu), sample

    @staticmethod
    def _percent(cpu_delta: float, dt: float, cap: float) -> float:
        if dt <= 0.001:
            return 0.0
        return round(min(cap, max(0.0, 100.0 * cpu_delta / dt)), 1)


def _or_default(getter, default):
    try:
        return getter()
    except psutil.AccessDenied:
        return default


def _usable_cpus() -> int | None:
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return count()
    if hasattr(os, "sched_getaffinity"):
        try:
            return len(os.sched_getaffinity(0))
        except OSError:
            pass
    return os.cpu_count()


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine_info() -> dict[str, Any]:
    """Facts about this machine that belong next to exported results."""
    try:
        memory = psutil.virtual_memory().total
    except Exception:  # noqa: BLE001 - informative only
        memory = None
    return {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "system": platform.system(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count_logical": psutil.cpu_count(logical=True),
        "cpu_count_physical": psutil.cpu_count(logical=False),
        "cpu_count_usable": _usable_cpus(),
        "memory_total": memory,
    }


__all__ = [
    "CoreSample",
    "CoreSampler",
    "ProcessSample",
    "ThreadSample",
    "TreeSample",
    "TreeSampler",
    "machine_info",
]
