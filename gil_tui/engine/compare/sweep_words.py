"""What a scaling sweep shows, in words: the Amdahl fit only when the data can carry it.

Three cases, in this order:

1. Threads on a GIL build, on pure-Python work: the GIL lets one thread run Python at
   a time, so it caps the work at one core and predicts ~1x at every worker count. A
   serial fraction fitted to those points would blame the GIL on the work; the text
   says what the GIL predicts and that the small gains or losses measured are noise or
   the cost of switching threads.
2. Noisy points (:mod:`gil_tui.engine.compare.noise`: other programs on the cores, a
   point above what its workers can reach, a slowed baseline): no fit, and why, with
   the cores other programs used when they took part in it.
3. Otherwise :func:`gil_tui.engine.compare.amdahl.describe`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gil_tui.engine.compare import amdahl
from gil_tui.engine.compare.noise import most_others
from gil_tui.engine.run.share import SHARED
from gil_tui.engine.text import speedup

if TYPE_CHECKING:
    from gil_tui.engine.compare.sweep import SweepResult

__all__ = ["sweep_words"]


def _all_runs(result: "SweepResult") -> list:
    return [*result.baseline, *(r for items in result.runs.values() for r in items)]


def _others(result: "SweepResult") -> float | None:
    """The most cores other programs used during a run of the sweep, when that counts."""
    value = most_others(_all_runs(result))
    return value if value is not None and value >= SHARED else None


def _gil(result: "SweepResult") -> str:
    points = result.points
    text = ("No Amdahl fit: threads on a GIL build run pure Python one at a time, so the GIL "
            "caps this work at 1 core and predicts about 1x at every worker count")
    if points:
        low = min(p.speedup for p in points)
        high = max(p.speedup for p in points)
        figure = speedup(low) if round(low, 2) == round(high, 2) else \
            f"{speedup(low)} to {speedup(high)}"
        text += (f". The measured {figure} is noise or the cost of switching between "
                 "threads, not a serial fraction of the work")
    others = _others(result)
    if others is not None:
        text += f" (other programs used up to {others:.1f} cores meanwhile)"
    return text + ". Free-threaded builds, processes or subinterpreters can use more cores."


def _noisy(result: "SweepResult") -> str:
    """Why there is no fit, read from the points' own noise
    (:func:`gil_tui.engine.compare.noise.point_noise`, the rule that marked them)."""
    found = [(p, result.noise_of(p.workers, p.speedup)) for p in result.points]
    found = [(p, n) for p, n in found if n is not None]
    reasons = []
    crowd = [n.crowd for _, n in found if n.crowd is not None]
    if crowd:
        reasons.append(f"other programs used up to {max(crowd):.1f} cores during the sweep")
    for p, n in found:
        if n.kind == "beyond":
            reasons.append(f"the {p.workers}-worker point came out "
                           f"{speedup(p.speedup)}, more than the {n.cap:g}x it can reach")
            break
    starved = [n.baseline_busy for _, n in found if n.baseline_busy is not None]
    if starved:
        reasons.append(f"the sequential baseline kept only {min(starved):.2f} of a core busy")
    if not reasons:
        reasons.append("the machine was shared while it ran")
    return ("No Amdahl fit: " + "; ".join(reasons) + ", so these points measure the machine's "
            "other load, not this work. Run the sweep again when the machine is quiet.")


def sweep_words(result: "SweepResult") -> str:
    """The sweep in words (see the module docstring)."""
    if result.gil_capped and result.points:
        return _gil(result)
    if result.noisy:
        return _noisy(result)
    points = result.points
    return amdahl.describe(result.fit, points=len(points), cores=result.plan.cores)
