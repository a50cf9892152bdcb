"""The Live tab's sampling loop, without Textual: the cores at the chosen rate, and the
process tree of the run under way at most :data:`TREE_HZ` times a second.

:class:`SampleLoop` runs in a thread (the pane starts it in a thread worker) and
reports each sample through a callback; the pane turns it into a message. With an
``own_cpu`` clock (``time.process_time``) each sample also says how much CPU gil-tui
itself used meanwhile (its drawing and sampling: a cost of watching, counted with the
run, not with other programs, as :mod:`gil_tui.engine.run.share` counts it).
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from gil_tui.engine.system.monitor import CoreSample, TreeSample
from gil_tui.ui.services import CoreSamplerLike, TreeSamplerLike

#: The run's process tree (workers table, status) is sampled and drawn at most this
#: often; the cores at the chosen rate (4 Hz by default).
TREE_HZ = 2.0

#: (cores, the run's process tree or None, the pid that tree belongs to, gil-tui's own
#: CPU since the previous sample in percent of one core, or None when not measured)
Report = Callable[[CoreSample, "TreeSample | None", "int | None", "float | None"], None]


class SampleLoop:
    """Samples the cores ``hz`` times a second and the tree of :attr:`pid`, when set."""

    def __init__(self, cores: Callable[[], CoreSamplerLike],
                 tree: Callable[[int], TreeSamplerLike], hz: float, report: Report,
                 own_cpu: Callable[[], float] | None = None) -> None:
        self._cores = cores
        self._tree = tree
        self._report = report
        self._own_cpu = own_cpu
        self._wake = threading.Event()
        #: Samples per second of the cores.
        self.hz = hz
        #: The process whose tree is sampled (a run's worker); None between runs.
        self.pid: int | None = None
        #: Called with the new rate when :meth:`set_rate` changes it (the app remembers it).
        self.rate_listeners: list[Callable[[float], None]] = []

    def set_rate(self, hz: float) -> None:
        """Sample ``hz`` times a second from now on (the next sample comes at once)."""
        changed = hz != self.hz
        self.hz = hz
        self.wake()
        if changed:
            for listener in list(self.rate_listeners):
                listener(hz)

    def wake(self) -> None:
        """End the current pause (a new rate, or the loop is to stop)."""
        self._wake.set()

    def run(self, cancelled: Callable[[], bool]) -> None:
        """Sample until ``cancelled()`` (blocking: call it from a thread)."""
        cores = self._cores()
        tree = None
        tree_pid: int | None = None
        tree_at = 0.0
        own = OwnShare(self._own_cpu)
        while not cancelled():
            started = time.monotonic()
            pid = self.pid
            if pid != tree_pid:
                tree, tree_pid = (self._tree(pid) if pid else None), pid
                tree_at = 0.0
            # The run's processes and threads at most TREE_HZ times a second: reading
            # every thread's times and redrawing the table costs the run CPU, while
            # the cores keep the full rate.
            due = tree is not None and started - tree_at >= 1.0 / TREE_HZ - 0.02
            try:
                core_sample = cores.sample()
                tree_sample = tree.sample() if due and tree is not None else None
                if due:
                    tree_at = started
            except Exception:  # a vanished process: try again next tick
                tree_sample = None
                core_sample = None
            if core_sample is not None and not cancelled():
                self._report(core_sample, tree_sample, tree_pid, own.percent(started))
            pause = 1.0 / self.hz - (time.monotonic() - started)
            self._wake.wait(max(0.02, pause))
            self._wake.clear()


class OwnShare:
    """gil-tui's own CPU between two calls, in percent of one core (None: no clock)."""

    def __init__(self, clock: Callable[[], float] | None) -> None:
        self._clock = clock
        self._last: tuple[float, float] | None = None

    def percent(self, now: float) -> float | None:
        if self._clock is None:
            return None
        cpu = self._clock()
        last, self._last = self._last, (now, cpu)
        if last is None or now <= last[0]:
            return 0.0
        return max(0.0, 100.0 * (cpu - last[1]) / (now - last[0]))


def ours_percent(own: float | None, tree: float | None) -> float | None:
    """Our CPU in percent of one core: the run's process tree (None between runs) and
    gil-tui itself (None when not measured); None when neither is known."""
    if own is None and tree is None:
        return None
    return (own or 0.0) + (tree or 0.0)
