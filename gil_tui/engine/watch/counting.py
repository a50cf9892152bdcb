"""Counting a watched tree: which processes count, how many at once, and its CPU time.

Both front ends (the app and ``--no-tui``/``--json``) count through this module,
from the same samples, so they cannot disagree about a program.

**Which processes count** (:class:`ProcessCount`): a process counts when two
samples in a row saw it (it lived at least one full sampling interval), and the
program itself (the root) always counts, whatever it exec'd into: a launcher that
execs (a pyenv shim, ``env``, a wrapper script ending in ``exec``) keeps the pid,
so the shim and the Python it became are one process.  The short-lived helpers a
launcher runs before that (a pyenv shim runs several ``pyenv-*`` commands) live
between two samples and are not counted: a 1-process program reads as 1 process
however it was started, and however the first sample happens to fall.

**CPU time** (:class:`TreeAccount`) is the sum over the tree.  While it runs it
is estimated two ways and the larger kept (both count a CPU second only once):
the last CPU time seen of every process ever seen, and the live processes' own
time plus the root's ``children_*`` times (the children it has reaped, even
those that lived between two samples).  The session replaces it at the end with
the kernel's total from ``os.wait4`` when it started the program.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import psutil

from gil_tui.engine.system.monitor import CoreSample, ProcessSample, TreeSample, TreeSampler

#: intervals shorter than this give no "cores now" figure (too noisy)
MIN_RATE_INTERVAL = 0.05

#: a process: (pid, create time); a pid alone can be reused
Key = tuple[int, float]


@dataclass(frozen=True)
class ThreadRow:
    pid: int
    tid: int
    cpu_percent: float  # of one core, over the last interval
    cpu_s: float


@dataclass(frozen=True)
class WatchSnapshot:
    """One sample of the watched tree, ready to draw."""

    elapsed_s: float
    cores: CoreSample  # busy % of every logical CPU of the machine
    cores_now: float  # cores the tree kept busy over the last interval
    avg_cores: float  # CPU seconds / wall seconds since start (or attach)
    peak_cores: float
    cpu_s: float
    processes: tuple[ProcessSample, ...]  # at most max_rows, tree order (root first)
    threads: tuple[ThreadRow, ...]  # at most max_rows, busiest first
    #: processes in the tree now, shown or not; after the end, those of the last live sample
    process_count: int
    #: threads of the processes shown; after the end, those of the last live sample
    thread_count: int
    hidden_processes: int  # process_count - len(processes)
    processes_seen: int  # processes that counted so far (see ProcessCount)
    running: bool  # False once the program has exited (even before it is reaped)
    exit_code: int | None
    #: the program's tree and gil-tui (drawing it is a cost of watching) over the last
    #: interval, in percent of one core: what of the machine's busy time was ours; None
    #: when not measured
    ours_percent: float | None = None
    #: cores other programs kept busy on average since the start (or attach): the
    #: machine's busy time minus ours (:mod:`gil_tui.engine.run.share`); None: unknown
    others_cores: float | None = None


def thread_rows(tree: TreeSample, limit: int) -> tuple[ThreadRow, ...]:
    """Every thread of the sampled processes, busiest first, at most ``limit``."""
    rows = sorted(
        (ThreadRow(p.pid, th.tid, th.cpu_percent, th.cpu_s)
         for p in tree.processes for th in p.threads),
        key=lambda row: -row.cpu_percent,
    )
    return tuple(rows[:limit])


class MemberSampler(TreeSampler):
    """A TreeSampler that also remembers every member it listed (pid -> create time),
    the ones beyond ``max_processes`` included."""

    def __init__(self, root_pid: int, max_processes: int) -> None:
        super().__init__(root_pid, include_root=True, max_processes=max_processes)
        self.members: dict[int, float] = {}  # of the last sample

    def _members(self):  # noqa: ANN202 - the base class's hook
        members, extra = super()._members()
        every = members
        if extra and self._root is not None:
            try:
                every = [self._root] + self._root.children(recursive=True)
            except psutil.Error:
                every = members
        found: dict[int, float] = {}
        for proc in every:
            try:
                found[proc.pid] = proc.create_time()
            except psutil.Error:
                pass
        self.members = found
        return members, extra


class ProcessCount:
    """The one rule for counting a watched tree's processes (see the module docstring)."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self._previous: set[Key] = set()
        self.seen: set[Key] = set()
        self.max_processes = 0
        self.max_threads = 0

    def update(self, threads_of: Mapping[Key, int]) -> tuple[int, int]:
        """One sample: ``threads_of`` maps every member now to its thread count (0 when
        not read). Returns (processes, threads) that count in this sample."""
        counted = [key for key in threads_of
                   if key in self._previous or key[0] == self.root_pid]
        self._previous = set(threads_of)
        self.seen.update(counted)
        processes = len(counted)
        threads = sum(threads_of[key] for key in counted)
        self.max_processes = max(self.max_processes, processes)
        self.max_threads = max(self.max_threads, threads)
        return processes, threads


class TreeAccount:
    """CPU time, cores busy now and at the peak, and the process count of one watched tree.

    The caller serialises the calls (the session holds its lock).
    """

    def __init__(self, *, root_pid: int, attached: bool, cpu_count: int, t0: float,
                 wall0: float, children_cpu: Callable[[], float | None]) -> None:
        self.attached = attached
        self.cpu_count = cpu_count
        self.t0, self.wall0 = t0, wall0
        self.count = ProcessCount(root_pid)
        self._children_cpu = children_cpu
        self._base: dict[Key, float] = {}
        self._last: dict[Key, float] = {}
        self._seen_sum = 0.0
        self._children_base: float | None = None
        self._rate_t: float | None = None
        self._rate_cpu = 0.0
        self.estimate = 0.0
        self.cores_now = 0.0
        self.peak = 0.0
        self.samples = 0

    def add(self, tree: TreeSample, created: Mapping[int, float], t: float,
            baseline: bool = False) -> None:
        """Account one tree sample taken at ``t``; ``created`` maps every member's pid to
        its create time. ``baseline`` (attach): the CPU time so far is not ours to count."""
        live = 0.0
        threads_of: dict[Key, int] = {(pid, when): 0 for pid, when in created.items()}
        for proc in tree.processes:
            key = (proc.pid, created.get(proc.pid, 0.0))
            threads_of[key] = proc.num_threads
            live += self._cpu(key, proc, baseline)
        self.count.update(threads_of)
        children = self._children_cpu()
        if children is not None and self._children_base is None:
            # started here: every reaped child counts; attached: from now on
            self._children_base = children if self.attached else 0.0
        reaped = live + (max(0.0, children - self._children_base)
                         if children is not None and self._children_base is not None else 0.0)
        self.estimate = max(self.estimate, self._seen_sum, reaped)
        if baseline:
            self._rate_t, self._rate_cpu = t, self.estimate
            return
        self.samples += 1
        last_t = self._rate_t if self._rate_t is not None else self.t0
        if t - last_t >= MIN_RATE_INTERVAL:
            rate = (self.estimate - self._rate_cpu) / (t - last_t)
            self.cores_now = min(float(self.cpu_count), max(0.0, rate))
            self.peak = max(self.peak, self.cores_now)
            self._rate_t, self._rate_cpu = t, self.estimate

    def _cpu(self, key: Key, proc: ProcessSample, baseline: bool) -> float:
        """This process's CPU time since it was first seen (attach) or since it started."""
        if key not in self._base:
            old = self.attached and (baseline or key[1] < self.wall0)
            self._base[key] = proc.cpu_s if old else 0.0
            self._last[key] = self._base[key]
        self._seen_sum += max(0.0, proc.cpu_s - self._last[key])
        self._last[key] = max(self._last[key], proc.cpu_s)
        return max(0.0, proc.cpu_s - self._base[key])


__all__ = [
    "Key",
    "MemberSampler",
    "ProcessCount",
    "ThreadRow",
    "TreeAccount",
    "WatchSnapshot",
    "thread_rows",
]
