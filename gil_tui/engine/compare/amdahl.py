"""Amdahl's law fitted to measured speedups, and what the fit says in words.

Amdahl's law: when a fraction ``s`` of the work is serial, ``n`` cores give a
speedup of ``1 / (s + (1 - s) / n)``, which can never exceed ``1 / s``.

:func:`fit` finds the ``s`` in [0, 1] that minimises the sum of squared
differences between the measured speedups and the law (least squares on the
speedups themselves, not on a linearised form). A point measured with more
workers than the machine has cores is fitted at ``n = cores``: extra workers
beyond the cores cannot run at the same time, and counting them would blame the
missing cores on the serial fraction.

Only measured points go in. With fewer than :data:`MIN_POINTS` of them, or
none with more than one core at work, there is no fit: :func:`fit` returns
``None`` and :func:`describe` says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = ["MIN_POINTS", "AmdahlFit", "amdahl_speedup", "fit", "describe"]

MIN_POINTS = 3
_GRID = 2000


def amdahl_speedup(serial_fraction: float, n: float) -> float:
    """The speedup Amdahl's law predicts on ``n`` cores."""
    if n <= 0:
        raise ValueError("n must be above 0")
    return 1.0 / (serial_fraction + (1.0 - serial_fraction) / n)


@dataclass(frozen=True)
class AmdahlFit:
    """The fitted serial fraction and how well it matches the points."""

    serial_fraction: float
    #: (n used in the fit, measured speedup) for every point
    points: tuple[tuple[float, float], ...]
    #: root mean square of (measured - predicted) speedups
    rmse: float
    cores: int | None = None

    @property
    def parallel_fraction(self) -> float:
        return 1.0 - self.serial_fraction

    @property
    def limit(self) -> float:
        """The speedup no number of cores can beat: ``1 / s`` (infinite when s is 0)."""
        return math.inf if self.serial_fraction <= 0 else 1.0 / self.serial_fraction

    def predict(self, n: float) -> float:
        """The fitted speedup on ``n`` cores (workers beyond ``cores`` count as ``cores``)."""
        if self.cores is not None:
            n = min(n, self.cores)
        return amdahl_speedup(self.serial_fraction, n)

    def curve(self, ns: Iterable[float]) -> list[tuple[float, float]]:
        """(n, fitted speedup) pairs, for drawing the fitted line next to the points."""
        return [(n, self.predict(n)) for n in ns]

    def words(self, cores: int | None = None) -> str:
        """The fit in one or two plain sentences."""
        return describe(self, cores=cores if cores is not None else self.cores)


def _effective(points: Iterable[tuple[float, float]], cores: int | None) -> list[tuple[float, float]]:
    used = []
    for n, speedup in points:
        if n is None or speedup is None:
            continue
        n, speedup = float(n), float(speedup)
        if not (math.isfinite(n) and math.isfinite(speedup)) or n < 1 or speedup <= 0:
            continue
        if cores is not None and cores >= 1:
            n = min(n, float(cores))
        used.append((n, speedup))
    return used


def _sse(s: float, points: Sequence[tuple[float, float]]) -> float:
    return sum((speedup - amdahl_speedup(s, n)) ** 2 for n, speedup in points)


def fit(points: Iterable[tuple[float, float]], *, cores: int | None = None) -> AmdahlFit | None:
    """Least-squares serial fraction for ``(workers, speedup)`` points; None when too few.

    The search is a fine grid over [0, 1] refined by golden-section search
    around the best grid point, so it finds the global minimum even when the
    sum of squares has more than one dip.
    """
    used = _effective(points, cores)
    if len(used) < MIN_POINTS or not any(n > 1 for n, _ in used):
        return None
    best = min(range(_GRID + 1), key=lambda i: _sse(i / _GRID, used))
    low, high = max(0.0, (best - 1) / _GRID), min(1.0, (best + 1) / _GRID)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    for _ in range(60):
        if _sse(c, used) <= _sse(d, used):
            b = d
        else:
            a = c
        c, d = b - ratio * (b - a), a + ratio * (b - a)
    s = (a + b) / 2
    for edge in (low, high):  # the minimum may sit on the boundary of [0, 1]
        if _sse(edge, used) < _sse(s, used):
            s = edge
    rmse = math.sqrt(_sse(s, used) / len(used))
    return AmdahlFit(serial_fraction=s, points=tuple(used), rmse=rmse, cores=cores)


def _pct(fraction: float) -> str:
    value = 100 * fraction
    if value >= 99.5:
        return f"{value:.1f}%" if value < 99.95 else "100%"
    return f"{value:.0f}%"


def describe(result: AmdahlFit | None, *, points: int | None = None, cores: int | None = None) -> str:
    """The fit in words, or why there is none (``points``: how many were measured)."""
    if result is None:
        counted = "no measured points" if not points else (
            f"only {points} measured point" + ("" if points == 1 else "s"))
        return (f"No Amdahl fit: {counted}; at least {MIN_POINTS} are needed, "
                "with at least one using more than one core.")
    s = result.serial_fraction
    cores = cores if cores is not None else result.cores
    if s >= 0.95:
        return (f"Practically none of this work ran in parallel (serial fraction "
                f"{_pct(s)}): more workers did not make it faster, and more cores would not "
                f"either (at most {result.limit:.2f}x).")
    text = f"About {_pct(result.parallel_fraction)} of this work ran in parallel"
    if s < 0.005:
        return (text + ": the fit sets no useful limit; speedup followed the core count "
                "(ideal scaling).")
    text += f" (serial fraction {_pct(s)})"
    if cores and cores > 1:
        text += (f": on this machine's {cores} cores that gives at most "
                 f"{amdahl_speedup(s, cores):.2f}x, and no number of cores could give more than "
                 f"{result.limit:.1f}x.")
    else:
        text += f": no number of cores could make it more than {result.limit:.1f}x faster."
    return text
