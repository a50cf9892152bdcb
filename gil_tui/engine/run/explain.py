"""Plain-words explanations of a finished run, derived from its numbers only.

Nothing here guesses: each sentence comes from the measured wall time, CPU time,
speedup against the sequential baseline, the worker count, the usable cores,
whether the interpreter ran with the GIL, and how many cores *other* programs
kept busy during the run and during its baseline
(:mod:`gil_tui.engine.run.share`).

The rule every sentence obeys: a figure is explained only by a cause that can
produce it. :func:`expected_cores` says how many cores a mode can keep busy on
this work; a speedup beyond that is noise (said so, never "the GIL"), and a run
that fell short while other programs took the cores it needed says that,
instead of drawing a conclusion about threads, processes or the GIL.
"""

from __future__ import annotations

from dataclasses import dataclass

from gil_tui.engine.run.share import SHARED
from gil_tui.engine.text import SCALED, plural, speedup_level

__all__ = ["BEYOND", "CONTENDED", "FASTER", "Outcome", "crowded", "expected_cores", "explain"]

#: Below this many cores busy, a sequential CPU run was not given a whole core.
CONTENDED = 0.8
#: From this many cores busy, threads ran in parallel.
PARALLEL_BUSY = 1.3
#: From this speedup on, a run is "faster than sequential" in words (slower: see
#: :func:`gil_tui.engine.text.speedup_level`).
FASTER = 1.1
#: A run that reached less than this share of the speedup its mode allows fell short.
SHORT = 0.8
#: A speedup above this many times the cores a mode can use is not a real one.
BEYOND = 1.1
#: Free cores a run may lack before other programs count as taking the ones it needed.
FREE_SLACK = 0.1
#: The workloads that wait instead of computing.
WAITING = ("io", "sleep")


def _value(item: object) -> str:
    return str(getattr(item, "value", item))


def expected_cores(workload: object, mode: object, workers: int, cores: int | None,
                   gil_enabled: bool | None, tasks: int | None = None) -> float:
    """How many cores a run of this kind keeps busy on a quiet machine.

    Waiting work (io, sleep) and asyncio: ~0 (the time goes on waiting). Sequential:
    1. Threads on a GIL build: 1 for cpu (one thread runs Python at a time), but
    ``min(workers, cores)`` for hash (hashlib releases the GIL). Threads with the GIL
    off, processes and subinterpreters: ``min(workers, cores)``. Never more workers
    than tasks. An unknown GIL state (None) counts as a GIL build.
    """
    workload, mode = _value(workload), _value(mode)
    if workload in WAITING or mode == "asyncio":
        return 0.0
    if mode == "sequential":
        return 1.0
    if mode == "threads" and workload == "cpu" and gil_enabled is not False:
        return 1.0
    width = min(max(1, workers), max(1, cores or 1))
    if tasks:
        width = min(width, tasks)
    return float(width)


def crowded(others: float | None, cores: int, needed: float) -> bool:
    """Did other programs take cores a run needed? ``others``: their cores, on average;
    ``needed``: the cores the run should keep busy. Waiting work needs none."""
    if others is None or needed <= 0:
        return False
    return others >= SHARED or cores - others < needed - FREE_SLACK


@dataclass(frozen=True)
class Outcome:
    workload: str            # cpu | io | sleep | hash
    mode: str                # sequential | threads | processes | asyncio | subinterpreters
    workers: int
    wall_s: float
    cpu_s: float
    cores: int               # usable cores on the machine
    gil_enabled: bool | None  # at run time; None when unknown
    baseline_wall_s: float | None = None   # the sequential run of the same work
    baseline_busy: float | None = None     # cores the sequential run kept busy
    others: float | None = None            # cores other programs used during this run
    baseline_others: float | None = None   # ... and during its baseline
    tasks: int | None = None

    @property
    def busy(self) -> float:
        """Average number of cores kept busy (CPU seconds / wall seconds)."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def speedup(self) -> float | None:
        if not self.baseline_wall_s or self.wall_s <= 0:
            return None
        return self.baseline_wall_s / self.wall_s

    @property
    def waiting(self) -> bool:
        return _value(self.workload) in WAITING

    @property
    def expected_cores(self) -> float:
        return expected_cores(self.workload, self.mode, self.workers, self.cores,
                              self.gil_enabled, self.tasks)

    @property
    def expected_speedup(self) -> float:
        """The speedup this mode can reach here, against a sequential run on one core."""
        if self.waiting:
            return float(min(self.workers, self.tasks or self.workers))
        return max(1.0, self.expected_cores)

    @property
    def shared(self) -> bool:
        """Other programs took cores this run needed."""
        return crowded(self.others, self.cores, self.expected_cores)

    @property
    def baseline_shared(self) -> bool:
        """Other programs took the core its (CPU-bound) sequential baseline needed."""
        if self.waiting:
            return False
        if crowded(self.baseline_others, self.cores, 1.0):
            return True
        return self.baseline_busy is not None and self.baseline_busy < CONTENDED


def _cores(value: float) -> str:
    return f"{value:.1f} core" + ("" if round(value, 1) == 1.0 else "s")


def _speed(speedup: float | None) -> str:
    if speedup is None:
        return ""
    if speedup >= FASTER:
        return f"{speedup:.1f}x faster than sequential"
    if speedup_level(speedup) == "slow":
        return f"{1 / speedup:.1f}x slower than sequential"
    return "about as fast as sequential"


def _who(outcome: Outcome) -> str:
    noun = {"threads": "thread", "processes": "process", "asyncio": "task",
            "subinterpreters": "subinterpreter"}.get(_value(outcome.mode), "worker")
    return plural(outcome.workers, noun, "processes" if noun == "process" else None)


def _others(value: float | None) -> str:
    return f"other programs used {_cores(value or 0.0)}"


def explain(outcome: Outcome) -> str:
    """One or two sentences of what just happened; when the machine was shared and the
    figure shows it, that instead of a conclusion."""
    if _value(outcome.mode) == "sequential":
        return _baseline(outcome)
    doubt = _doubt(outcome)
    if doubt:
        return doubt
    return _explain(outcome) + _shared_note(outcome)


def _shared_note(o: Outcome) -> str:
    """When other programs took cores this run or its baseline needed (the run is marked
    noisy), a note that says so after the explanation; else ""."""
    if o.shared:
        return (f" Note: the machine was shared ({_others(o.others)} during this run, which "
                f"needed {_cores(o.expected_cores)}), so the figure is noisy; run again when "
                "the machine is quiet.")
    if o.waiting:
        return ""
    if crowded(o.baseline_others, o.cores, 1.0):
        return (f" Note: the machine was shared ({_others(o.baseline_others)} during the "
                "sequential baseline), so the speedup is noisy; run both again when the "
                "machine is quiet.")
    base = o.baseline_busy
    if base is not None and base < CONTENDED:
        return (f" Note: the sequential run got only {base:.2f} of a core, so something "
                "else was using this machine; the figures are noisy.")
    return ""


def _baseline(outcome: Outcome) -> str:
    busy = outcome.busy
    text = (f"The baseline: one worker did all the work in {outcome.wall_s:.2f} s, "
            f"keeping {_cores(busy)} busy.")
    if outcome.waiting:
        return text
    if crowded(outcome.others, outcome.cores, 1.0):
        return text + (f" Note: {_others(outcome.others)} meanwhile, so the speedups measured "
                       "against it are noisy; run again when the machine is quiet.")
    if busy < CONTENDED:
        text += (f" Note: the sequential run got only {busy:.2f} of a core, so something "
                 "else was using this machine; the figures are noisy.")
    return text


def _doubt(o: Outcome) -> str:
    """Instead of a conclusion: why this figure cannot be read as one (or "")."""
    gain = o.speedup
    if o.waiting or gain is None:
        return ""
    expected = o.expected_speedup
    gil_threads = (_value(o.mode) == "threads" and _value(o.workload) == "cpu"
                   and o.gil_enabled is not False)
    if gain >= max(SCALED, BEYOND * expected):
        if gil_threads:
            head = (f"{_who(o)} came out {gain:.1f}x faster than sequential, which the GIL "
                    "does not allow for pure-Python threads: not a real speedup but noise")
        else:
            head = (f"{_who(o)} came out {gain:.1f}x faster than sequential, more than "
                    f"{plural(round(o.expected_cores), 'core')} can give: not a real "
                    "speedup but noise")
        if o.baseline_others is not None and crowded(o.baseline_others, o.cores, 1.0):
            why = f"; {_others(o.baseline_others)} during the sequential baseline and slowed it"
        elif o.baseline_busy is not None and o.baseline_busy < CONTENDED:
            why = (f"; the sequential baseline got only {o.baseline_busy:.2f} of a core, "
                   "so it was slowed")
        else:
            why = ("; the sequential baseline was slowed (other programs, or a CPU that "
                   "changed speed)")
        return head + why + ". Run both again when the machine is quiet."
    if gain < SHORT * expected and (o.shared or o.busy < 0.5):
        if o.shared:
            what = f"{_others(o.others)} during this run"
        else:
            what = (f"this run kept only {_cores(o.busy)} busy although its work needs the "
                    "CPU, so other programs took it")
        text = (f"{what}: expected ~{expected:.0f}x, measured {gain:.1f}x; run again when "
                "the machine is quiet.")
        return text[0].upper() + text[1:]
    return ""


def _explain(outcome: Outcome) -> str:
    busy = outcome.busy
    speed = _speed(outcome.speedup)
    tail = f": {speed}." if speed else "."
    mode, workload = _value(outcome.mode), _value(outcome.workload)

    if outcome.waiting or busy < 0.5:
        if not outcome.waiting:  # CPU work that got less than half a core, without a baseline
            return (f"{_who(outcome)} kept only {_cores(busy)} busy although the work needs "
                    f"the CPU: other programs took it{tail}")
        text = (f"{_who(outcome)} kept only {_cores(busy)} busy: the time went on waiting, "
                f"and they waited at the same time{tail}")
        if mode == "processes":
            text += " Processes work here, but threads or asyncio do it for less."
        return text

    if mode == "threads":
        parallel = busy >= PARALLEL_BUSY or speedup_level(outcome.speedup) == "good"
        if outcome.gil_enabled is False:
            if parallel:
                return (f"{_who(outcome)} kept {_cores(busy)} busy: with the GIL off they "
                        f"ran Python in parallel{tail}")
            return (f"{_who(outcome)} kept {_cores(busy)} busy even with the GIL off"
                    f"{tail} Something else serialised them (a lock, or too few cores).")
        if workload == "hash":
            if parallel:
                return (f"{_who(outcome)} kept {_cores(busy)} busy under the GIL: the work ran "
                        f"in hashlib, which releases the GIL on large buffers{tail}")
            return (f"{_who(outcome)} kept {_cores(busy)} busy{tail} hashlib releases the GIL, "
                    f"so they could use {_cores(outcome.expected_cores)}: something else "
                    "held them back (busy cores, or memory bandwidth); run again to check.")
        if outcome.speedup is not None and outcome.speedup >= FASTER:  # below SCALED: noise
            return (f"{_who(outcome)}, {_cores(busy)} busy: the GIL let one thread run Python "
                    f"at a time, so no real gain ({outcome.speedup:.1f}x is within the noise "
                    "of this machine).")
        return (f"{_who(outcome)}, {_cores(busy)} busy: the GIL let one thread run Python "
                f"at a time{tail}")

    if mode == "processes":
        text = f"{_who(outcome)} kept {_cores(busy)} busy, each with its own interpreter{tail}"
        if outcome.workers > outcome.cores:
            text += f" Only {outcome.cores} cores here, so more processes cannot help."
        return text

    if mode == "subinterpreters":
        return _subinterpreters(outcome, tail)

    return f"{_who(outcome)} kept {_cores(busy)} busy{tail}"


def _subinterpreters(outcome: Outcome, tail: str) -> str:
    """One line: a GIL per subinterpreter (PEP 684), no shared objects, a start-up cost."""
    busy, who = outcome.busy, _who(outcome)
    parallel = busy >= PARALLEL_BUSY or speedup_level(outcome.speedup) == "good"
    if parallel:
        return (f"{who} kept {_cores(busy)} busy: each has its own GIL, so they ran Python "
                "on several cores in one process, sharing no objects, after a start-up cost "
                f"each{tail}")
    if outcome.expected_cores <= 1:
        if outcome.workers <= 1:
            why = "it has its own GIL, but alone it runs on one core"
        elif outcome.cores <= 1:
            why = "each has its own GIL, but this machine has one core for them all"
        else:
            why = "each has its own GIL, but the work was one task, so one of them ran it"
        return f"{who} kept {_cores(busy)} busy: {why}, plus a start-up cost{tail}"
    return (f"{who} kept {_cores(busy)} busy although each has its own GIL{tail} Something "
            "held them back: busy cores, or a start-up cost (gil-tui costs measures it) too "
            "large for this little work.")
