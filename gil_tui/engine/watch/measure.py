"""The figures of one watched tree: sampled, accounted, turned into snapshots and a summary.

A :class:`Measure` belongs to one :class:`~gil_tui.engine.watch.session.WatchSession`:
the session starts or attaches to the program and tells when it ended; the measure
samples the machine's cores and the program's tree, keeps the accounting
(:class:`~gil_tui.engine.watch.counting.TreeAccount`, the one counting rule of
every front end) and gives a :class:`WatchSnapshot` per sample and the
:class:`Summary` figures.  Samples come from one thread at a time (a UI worker or
the headless loop); the end comes from the session's threads; a lock keeps the
two apart.

It also measures what the rest of the machine did meanwhile: a
:class:`~gil_tui.engine.run.share.ShareMeter` (the one the runs use) gives the cores
other programs kept busy since the start, and each snapshot says how much of the
cores' busy time was ours (the tree, plus gil-tui drawing it), so the bars can show
both.  On a shared machine the summary then says the figures are noisy instead of
drawing a conclusion from them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import psutil

from gil_tui.engine.run.share import ShareMeter, start_meter
from gil_tui.engine.system.monitor import CoreSampler, TreeSample
from gil_tui.engine.watch.counting import MemberSampler, TreeAccount, WatchSnapshot, thread_rows


@dataclass(frozen=True)
class Ending:
    """How the program ended, as far as the session knows."""

    at: float  # time.monotonic()
    exit_code: int | None = None
    #: the kernel's CPU total for the tree (os.wait4), when the program was ours
    rusage_cpu: float | None = None
    #: cores other programs kept busy from the start to the end (None: unknown)
    others_cores: float | None = None


class Measure:
    """Sampling and accounting for one watched tree (see the module docstring)."""

    def __init__(self, pid: int, root: psutil.Process | None, *, attached: bool,
                 max_rows: int, cpu_count: int, t0: float | None = None,
                 wall0: float | None = None) -> None:
        """``t0``/``wall0``: when the program started (``time.monotonic()``/``time.time()``;
        default now, the moment of attaching)."""
        self.pid, self.root, self.attached, self.max_rows = pid, root, attached, max_rows
        self.cpu_count = cpu_count
        self.t0 = time.monotonic() if t0 is None else t0
        self.lock = threading.Lock()
        self.ending: Ending | None = None
        self._tree = MemberSampler(pid, max_rows)
        self._cores = CoreSampler()
        self._account = TreeAccount(root_pid=pid, attached=attached, cpu_count=cpu_count,
                                    t0=self.t0, wall0=time.time() if wall0 is None else wall0,
                                    children_cpu=self._children_cpu)
        self._last_counts = (0, 0)  # processes and threads of the last live sample
        #: the machine's busy time from now on (None: its counters cannot be read)
        self._share = start_meter(ShareMeter)
        self._own_last: tuple[float, float] | None = None  # (monotonic, process_time)

    def _children_cpu(self) -> float | None:
        if self.root is None:
            return None
        try:
            times = self.root.cpu_times()
        except psutil.Error:
            return None
        return getattr(times, "children_user", 0.0) + getattr(times, "children_system", 0.0)

    def baseline(self) -> None:
        """Attached: what the tree used before now is not ours to count."""
        with self.lock:
            self._account.add(self._tree.sample(), self._tree.members, time.monotonic(),
                              baseline=True)

    def prime(self) -> None:
        """The first real sample of the cores covers [now, then]."""
        self._cores.sample()

    def end(self, exit_code: int | None = None, rusage_cpu: float | None = None) -> None:
        with self.lock:
            if self.ending is None:
                cpu = max(self._account.estimate, rusage_cpu or 0.0)
                self.ending = Ending(time.monotonic(), exit_code, rusage_cpu,
                                     self._others(cpu))

    def _others(self, cpu_s: float) -> float | None:
        """Cores other programs used since the start, given the tree's CPU seconds."""
        if self._share is None:
            return None
        try:
            found = self._share.stop(cpu_s)
        except Exception:  # noqa: BLE001 - without the figure the watch goes on
            return None
        others = found.others if found is not None else None
        return None if others is None else round(others, 3)

    def _own_percent(self, now: float) -> float:
        """gil-tui's own CPU since the previous sample, in percent of one core."""
        cpu = time.process_time()
        last, self._own_last = self._own_last, (now, cpu)
        if last is None or now <= last[0]:
            return 0.0
        return max(0.0, 100.0 * (cpu - last[1]) / (now - last[0]))

    def sample(self) -> tuple[WatchSnapshot, dict[str, Any]]:
        """Sample now (blocks a few ms: call it from a thread, not an event loop).
        Returns the snapshot and the figures it was built from (:meth:`figures`)."""
        cores = self._cores.sample()
        if self.ending is not None:
            tree = TreeSample(time.monotonic(), (), 0.0, 0)
        else:
            t_start = time.monotonic()
            tree = self._tree.sample()
            t = (t_start + time.monotonic()) / 2
            with self.lock:
                if self.ending is None:
                    self._account.add(tree, self._tree.members, t)
        # nothing alive while the end is not told yet: the root exited and waits to be
        # reaped (a few ms); the snapshot says so rather than show an empty tree
        running = self.ending is None and bool(tree.processes)
        count = len(tree.processes) + tree.truncated
        threads = sum(p.num_threads for p in tree.processes)
        if tree.processes:
            self._last_counts = (count, threads)
        else:  # after the end: the last picture, not an empty tree
            count, threads = self._last_counts
        figures = self.figures()
        tree_now = self._account.cores_now if running else 0.0
        ours = None if self._share is None else \
            round(100.0 * tree_now + self._own_percent(time.monotonic()), 1)
        snapshot = WatchSnapshot(
            elapsed_s=figures["wall_s"],
            cores=cores,
            cores_now=round(self._account.cores_now, 2) if running else 0.0,
            avg_cores=figures["avg_cores"],
            peak_cores=figures["peak_cores"],
            cpu_s=figures["cpu_s"],
            processes=tree.processes,
            threads=thread_rows(tree, self.max_rows),
            process_count=count,
            thread_count=threads,
            hidden_processes=tree.truncated,
            processes_seen=figures["processes_seen"],
            running=running,
            exit_code=self.ending.exit_code if self.ending is not None else None,
            ours_percent=ours,
            others_cores=figures["others_cores"],
        )
        return snapshot, figures

    def figures(self) -> dict[str, Any]:
        """The measured fields of a :class:`~gil_tui.engine.watch.summary.Summary`."""
        with self.lock:
            account, ending = self._account, self.ending
            end = ending.at if ending is not None else time.monotonic()
            wall = max(0.0, end - self.t0)
            cpu, source = account.estimate, "samples"
            if ending is not None and ending.rusage_cpu is not None:
                cpu, source = max(cpu, ending.rusage_cpu), "rusage"
            avg = cpu / wall if wall > 0 else 0.0
            others = ending.others_cores if ending is not None else self._others(cpu)
            started = 0 if self.attached else 1  # a program we started is at least 1 of each
            return dict(
                wall_s=round(wall, 4),
                cpu_s=round(cpu, 4),
                avg_cores=round(avg, 3),
                peak_cores=round(min(float(self.cpu_count), max(account.peak, avg)), 3),
                max_processes=max(account.count.max_processes, started),
                max_threads=max(account.count.max_threads, started),
                processes_seen=max(len(account.count.seen), started),
                exit_code=ending.exit_code if ending is not None else None,
                cpu_count=self.cpu_count,
                samples=account.samples,
                cpu_source=source,
                others_cores=others,
            )


__all__ = ["Ending", "Measure"]
