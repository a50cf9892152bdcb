"""How much of the machine other programs used while a run went on.

A speedup only teaches something when the run had the cores it asked for. On a
laptop a browser or a build often takes half a core or more, and then "threads
1.2x" or "processes 1.3x" says more about the neighbours than about the GIL.
So every run measures, next to its own CPU time, the machine's busy time over
the same interval (psutil's per-CPU counters, every process), and the share of
other programs is what is left after ours:

    others = (machine busy seconds - our CPU seconds) / wall seconds

"Ours" is the run's worker tree plus the gil-tui process that drives it (its
drawing and sampling are a cost of watching, not a neighbour). The figure is in
cores: 0.8 means other programs kept eight tenths of one core busy on average.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["SHARED", "Share", "ShareMeter", "others_cores", "start_meter", "stop_meter"]

#: From this many cores used by other programs on average, a run counts as shared.
SHARED = 0.3


def others_cores(machine_busy_s: float, ours_s: float, wall_s: float) -> float | None:
    """Cores other programs kept busy on average; None when it cannot be known."""
    if not wall_s or wall_s <= 0 or machine_busy_s < 0 or ours_s < 0:
        return None
    return max(0.0, machine_busy_s - ours_s) / wall_s


@dataclass(frozen=True)
class Share:
    """The machine's busy time during one interval, and how much of it was ours."""

    wall_s: float
    machine_busy_s: float
    ours_s: float

    @property
    def others(self) -> float | None:
        return others_cores(self.machine_busy_s, self.ours_s, self.wall_s)


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


class ShareMeter:
    """Started when a run starts, stopped with the run's own CPU seconds.

    ``stop(worker_cpu_s)`` adds this process's CPU time over the interval to the
    worker's (the worker reports its own, children included), so the driver's
    cost never counts as another program's.
    """

    def __init__(self) -> None:
        # imported here: explain and the calibration read SHARED without loading asyncio
        from gil_tui.engine.system.processes import system_busy_seconds

        self._busy = system_busy_seconds
        self._t0 = time.monotonic()
        self._busy0 = self._busy()
        self._own0 = _own_cpu()

    def stop(self, worker_cpu_s: float | None) -> Share | None:
        if worker_cpu_s is None:
            return None
        wall = time.monotonic() - self._t0
        busy = self._busy() - self._busy0
        ours = worker_cpu_s + max(0.0, _own_cpu() - self._own0)
        return Share(wall_s=wall, machine_busy_s=busy, ours_s=ours)


def start_meter(factory: Callable[[], Any] | None = ShareMeter) -> Any:
    """A started meter from ``factory``, or None (none asked for, or the machine's
    counters cannot be read: the run goes on without the figure)."""
    if factory is None:
        return None
    try:
        return factory()
    except Exception:  # noqa: BLE001 - without the figure a run is still a run
        return None


def stop_meter(meter: Any, worker_cpu_s: float | None,
               worker_wall_s: float | None = None) -> float | None:
    """Cores other programs used since ``meter`` started (3 decimals), or None.

    ``worker_wall_s``: how long the worker says the run took. When the meter's own
    interval does not match it (a recorded run replayed in a blink, a worker stopped
    and resumed), the two figures do not describe the same time: None.
    """
    if meter is None:
        return None
    try:
        found = meter.stop(worker_cpu_s)
        others = found.others if found is not None else None
    except Exception:  # noqa: BLE001
        return None
    if others is None:
        return None
    if worker_wall_s is not None and not _same_interval(found.wall_s, worker_wall_s):
        return None
    return round(others, 3)


def _same_interval(meter_s: float, worker_s: float) -> bool:
    """The meter ran from hello to result: the run, plus a little on either side."""
    return worker_s * 0.8 - 0.05 <= meter_s <= worker_s * 1.5 + 0.5
