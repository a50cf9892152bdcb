"""Plain-words explanations of a finished run, derived from its numbers only.

Nothing here guesses: each sentence comes from the measured wall time, CPU time,
speedup against the sequential baseline, the worker count, the usable cores and
whether the interpreter ran with the GIL.
"""

from __future__ import annotations

from dataclasses import dataclass


#: Below this many cores busy, a sequential CPU run was not given a whole core.
CONTENDED = 0.8


@dataclass(frozen=True)
class Outcome:
    workload: str            # cpu | io | sleep | hash
    mode: str                # sequential | threads | processes | asyncio
    workers: int
    wall_s: float
    cpu_s: float
    cores: int               # usable cores on the machine
    gil_enabled: bool | None  # at run time; None when unknown
    baseline_wall_s: float | None = None   # the sequential run of the same work
    baseline_busy: float | None = None     # cores the sequential run kept busy

    @property
    def busy(self) -> float:
        """Average number of cores kept busy (CPU seconds / wall seconds)."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def speedup(self) -> float | None:
        if not self.baseline_wall_s or self.wall_s <= 0:
            return None
        return self.baseline_wall_s / self.wall_s


def _cores(value: float) -> str:
    return f"{value:.1f} core" + ("" if round(value, 1) == 1.0 else "s")


def _speed(speedup: float | None) -> str:
    if speedup is None:
        return ""
    if speedup >= 1.1:
        return f"{speedup:.1f}x faster than sequential"
    if speedup <= 0.9:
        return f"{1 / speedup:.1f}x slower than sequential"
    return "about as fast as sequential"


def _who(outcome: Outcome) -> str:
    noun = {"threads": "thread", "processes": "process", "asyncio": "task"}.get(
        outcome.mode, "worker")
    plural = "es" if noun == "process" else "s"
    return f"{outcome.workers} {noun}{plural if outcome.workers != 1 else ''}"


def explain(outcome: Outcome) -> str:
    """One or two sentences of what just happened, and a warning if the machine was busy."""
    text = _explain(outcome)
    cpu_work = outcome.workload in ("cpu", "hash")
    base = outcome.busy if outcome.mode == "sequential" else outcome.baseline_busy
    if cpu_work and base is not None and base < CONTENDED:
        text += (f" Note: the sequential run got only {base:.2f} of a core, so something "
                 "else was using this machine; the figures are noisy.")
    return text


def _explain(outcome: Outcome) -> str:
    busy = outcome.busy
    speed = _speed(outcome.speedup)
    tail = f": {speed}." if speed else "."
    waiting = busy < 0.5

    if outcome.mode == "sequential":
        return (f"The baseline: one worker did all the work in {outcome.wall_s:.2f} s, "
                f"keeping {_cores(busy)} busy.")

    if waiting:
        text = (f"{_who(outcome)} kept only {_cores(busy)} busy: the time went on waiting, "
                f"and they waited at the same time{tail}")
        if outcome.mode == "processes":
            text += " Processes work here, but threads or asyncio do it for less."
        return text

    if outcome.mode == "threads":
        parallel = busy >= 1.3 or (outcome.speedup is not None and outcome.speedup >= 1.3)
        if outcome.gil_enabled is False:
            if parallel:
                return (f"{_who(outcome)} kept {_cores(busy)} busy: with the GIL off they "
                        f"ran Python in parallel{tail}")
            return (f"{_who(outcome)} kept {_cores(busy)} busy even with the GIL off"
                    f"{tail} Something else serialised them (a lock, or too few cores).")
        if parallel:
            where = "hashlib, which releases the GIL on large buffers" \
                if outcome.workload == "hash" else "C code that releases the GIL"
            return (f"{_who(outcome)} kept {_cores(busy)} busy under the GIL: the work ran "
                    f"in {where}{tail}")
        return (f"{_who(outcome)}, {_cores(busy)} busy: the GIL let one thread run Python "
                f"at a time{tail}")

    if outcome.mode == "processes":
        text = f"{_who(outcome)} kept {_cores(busy)} busy, each with its own interpreter{tail}"
        if outcome.workers > outcome.cores:
            text += f" Only {outcome.cores} cores here, so more processes cannot help."
        return text

    return f"{_who(outcome)} kept {_cores(busy)} busy{tail}"
