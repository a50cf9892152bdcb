"""CompactCores: the Live tab's CoreBars, kept to two rows for the Compare tab.

Up to two rows of bars it draws exactly like :class:`CoreBars` (ours solid, other
programs in the dimmer shade, and the same legend row, given ``ours``); when the
cores would need more rows at this width it draws one block per core instead
(``cores ▂▇█▁▃▅…  avg 41%``), wrapped to at most :data:`MAX_ROWS` rows, with the
legend under them.

:class:`OursMeter` says how much of the machine was ours, as the Live tab counts
it: gil-tui itself (the ``own_cpu`` clock of the services, ``time.process_time``)
and every process it started (a matrix's or a sweep's workers and their children).
"""

from __future__ import annotations

import math
import os
import time
from typing import Callable

import psutil
from rich.style import Style

from gil_tui.ui.widgets.core_bars import SPARKS, CoreBars, layout, legend_parts

MAX_ROWS = 2
LABEL = "cores "


#: Our processes are read at most this often (listing them is not free).
OURS_GAP = 0.45


def children_cpu() -> float:
    """CPU seconds of every process gil-tui started: those that ended (and were waited
    for) and those still running, their ended children included."""
    times = os.times()
    total = times.children_user + times.children_system
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return total
    for child in children:
        try:
            t = child.cpu_times()
        except psutil.Error:
            continue  # gone meanwhile: counted once it is waited for
        total += t.user + t.system + t.children_user + t.children_system
    return total


class OursMeter:
    """Our CPU in percent of one core between two readings (None without ``own_cpu``)."""

    def __init__(self, own_cpu: Callable[[], float] | None,
                 children: Callable[[], float] = children_cpu,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._own, self._children, self._clock = own_cpu, children, clock
        self._last: tuple[float, float] | None = None
        self._value: float | None = None

    def percent(self) -> float | None:
        if self._own is None:
            return None
        now = self._clock()
        if self._last is not None and now - self._last[0] < OURS_GAP:
            return self._value
        cpu = self._own() + self._children()
        last, self._last = self._last, (now, cpu)
        self._value = 0.0 if last is None else max(0.0, 100.0 * (cpu - last[1]) / (now - last[0]))
        return self._value


def dense_rows(cores: int, width: int) -> int:
    per_row = max(1, width - len(LABEL) - 10)
    return min(MAX_ROWS, max(1, math.ceil(cores / per_row)))


class CompactCores(CoreBars):
    """Per-core load in at most two rows."""

    def _dense(self, width: int) -> bool:
        return layout(len(self.percents), width)[1] > MAX_ROWS

    def get_content_height(self, container, viewport, width: int) -> int:
        cores = len(self.percents)
        if not cores or not self._dense(width):
            return super().get_content_height(container, viewport, width)
        return dense_rows(cores, width) + (1 if self.ours is not None else 0)

    def _rows(self, width: int) -> list[list[tuple[str, Style]]]:
        width = max(20, width)
        if not self.percents or not self._dense(width):
            return super()._rows(width)
        per_row = max(1, width - len(LABEL) - 10)
        label = self._styles["label"]
        others = self._styles["others"]
        ours_share = 1.0
        if self.ours is not None and sum(self.percents) > 0:
            ours_share = min(1.0, self.ours / sum(self.percents))
        rows: list[list[tuple[str, Style]]] = [[(LABEL, label)]]
        shown = self.percents[: per_row * MAX_ROWS]
        for n, percent in enumerate(shown):
            if n and n % per_row == 0:
                rows.append([(" " * len(LABEL), label)])
            # one block per core cannot be split: the shade of whoever had most of it
            rows[-1].append((SPARKS[min(7, max(0, int(percent / 100 * 7.999)))],
                             self._level_style(percent) if ours_share >= 0.5 else others))
        average = sum(self.percents) / len(self.percents)
        more = len(self.percents) - len(shown)
        rows[-1].append((f" +{more}" if more else "", label))
        rows[-1].append((f"  avg {average:3.0f}%", self._level_style(average)))
        if self.ours is not None:
            own, theirs = legend_parts(self.percents, self.ours, self.running, width)
            rows.append([(own, label), (theirs, others)])
        return rows
