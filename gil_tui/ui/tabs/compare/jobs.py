"""The Compare tab's matrix or sweep, from its plan to its summary line, without Textual.

:class:`CompareJob` opens the history (in a thread: it reads files), makes the
engine's :class:`~gil_tui.engine.compare.matrix.Matrix` or
:class:`~gil_tui.engine.compare.sweep.Sweep`, follows its progress (the runs done,
and the steps of the run under way) and ends with the words of the progress line
(:func:`running_text` while it runs, :func:`done_text` after). The progress row
(:mod:`gil_tui.ui.tabs.compare.progress`) runs :meth:`CompareJob.run` in a worker.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from gil_tui.engine.compare.matrix import Matrix, MatrixPlan, MatrixProgress
from gil_tui.engine.compare.model import MatrixResult, short_labels
from gil_tui.engine.compare.sweep import Sweep, SweepPlan, SweepProgress, SweepResult
from gil_tui.engine.run.events import Event, Hello, Progress
from gil_tui.engine.run.spec import Mode
from gil_tui.engine.run.tracker import progress_fraction
from gil_tui.engine.text import clean_line, duration_words, plural
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.compare.choice import CompareChoice

Plan = MatrixPlan | SweepPlan


def make_plan(choice: CompareChoice, view: str, targets: list[Any], cores: int) -> Plan:
    """The matrix (``view == "matrix"``) or the sweep of the first target (the one the
    scaling view sweeps) that the choice describes; raises ValueError when it cannot be
    made."""
    if view == "matrix":
        return MatrixPlan.make(choice.workload, targets, workers=choice.workers,
                               scale=choice.scale, repeat=choice.repeat)
    return SweepPlan.make(choice.workload, choice.sweep_mode, targets[0],
                          max_workers=choice.sweep_max, cores=cores, scale=choice.scale,
                          repeat=choice.repeat)


def plan_counts(plan: MatrixPlan) -> tuple[int, str]:
    """The runs a matrix makes (the engine's count) and its modes per interpreter (``3``,
    or ``3-4`` when some cannot run every mode: the cells the engine makes of the plan)."""
    per: dict[str, int] = {}
    for cell in MatrixResult.empty(plan).cells:
        if cell.status != "skipped":
            per[cell.target.path] = per.get(cell.target.path, 0) + 1
    low, high = min(per.values(), default=0), max(per.values(), default=0)
    return plan.total_runs, str(high) if low == high else f"{low}-{high}"


def _what(progress: MatrixProgress | SweepProgress, plan: Plan) -> tuple[str, str]:
    """The run under way, long and short: ``3.14t threads (2 workers)``, ``3.14t threads``."""
    if isinstance(progress, MatrixProgress) and isinstance(plan, MatrixPlan):
        cell = progress.cell
        if cell is None:
            return "", ""
        short = f"{clean_line(short_labels(plan.targets)[cell.target.path])} {cell.mode.value}"
        if cell.mode is Mode.SEQUENTIAL:
            return short, short
        return f"{short} ({plural(cell.workers, 'worker')})", short
    if isinstance(progress, SweepProgress) and isinstance(plan, SweepPlan):
        n = progress.workers
        if n is None:
            return f"{clean_line(plan.target.full)} sequential baseline", "baseline"
        return (f"{clean_line(plan.target.full)} {plan.mode.value} with "
                f"{plural(n, 'worker')}", f"{plan.mode.value} x{n}")
    return "", ""


def running_text(progress: MatrixProgress | SweepProgress | None, plan: MatrixPlan | SweepPlan,
                 elapsed: float, left: float | None = None, width: int | None = None) -> str:
    """``run 4 of 18 · 3.14t threads (2 workers) · pass 2 of 3 · 12 s · ~1 m 10 s left``,
    shortened until it fits in ``width`` cells (the count and the times stay)."""
    times = duration_words(elapsed)
    if left is not None:
        times += f" · ~{duration_words(left)} left"
    if progress is None:
        return f"starting… · {times}"
    n, total = min(progress.done + 1, progress.total), progress.total
    what, what_short = _what(progress, plan)
    passes = ("", "")
    if isinstance(plan, MatrixPlan) and plan.repeat > 1 and getattr(progress, "repeat", 0):
        now = progress.repeat
        passes = (f"pass {now} of {plan.repeat}", f"pass {now}/{plan.repeat}")
    count, count_short = f"run {n} of {total}", f"{n}/{total}"
    candidates = [
        (count, what, passes[0], times), (count_short, what, passes[1], times),
        (count_short, what_short, passes[1], times), (count_short, what_short, times),
        (count_short, times),
    ]
    texts = [" · ".join(part for part in parts if part) for parts in candidates]
    if width is None:
        return texts[0]
    return next((text for text in texts if len(text) <= width), texts[-1])


def done_text(runs: int, total: int, elapsed: float, *, cancelled: bool, failed: int = 0) -> str:
    text = (f"cancelled after {runs} of {total} runs" if cancelled
            else f"done: {runs} runs in {elapsed:.0f} s")
    if failed:
        text += f" · {plural(failed, 'cell')} failed"
    return text


class CompareJob:
    """One matrix or sweep; single use. ``on_started`` is called once the job's result
    exists (empty, filled in as runs end), ``on_moved`` at every step of its progress."""

    def __init__(self, plan: Plan, services: Services, *,
                 on_started: Callable[["CompareJob"], None],
                 on_moved: Callable[[], None]) -> None:
        self.plan = plan
        self.services = services
        self.on_started = on_started
        self.on_moved = on_moved
        self.engine: Matrix | Sweep | None = None
        self.progress: MatrixProgress | SweepProgress | None = None
        #: The outcome in words, once it ended (``done: 18 runs in 41 s``).
        self.summary = ""
        self._steps: dict[int, int] = {}
        self._total_steps = 0
        self._cancelled = False
        #: True once run() has ended (finished, cancelled or failed).
        self.done = False
        self._clock = services.compare_clock
        self._started = self._clock()
        #: The engine's last estimate of the seconds left, and when it came (the clock's).
        self._eta: tuple[float, float] | None = None

    @property
    def matrix(self) -> Matrix | None:
        return self.engine if isinstance(self.engine, Matrix) else None

    @property
    def sweep(self) -> Sweep | None:
        return self.engine if isinstance(self.engine, Sweep) else None

    @property
    def result(self) -> MatrixResult | SweepResult | None:
        """The matrix's or sweep's result (filled in as runs end); None before it starts."""
        return self.engine.result if self.engine is not None else None

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    async def run(self) -> MatrixResult | SweepResult:
        """Run it to its end (also when cancelled) and return its result."""
        try:
            return await self._run()
        finally:
            self.done = True

    async def _run(self) -> MatrixResult | SweepResult:
        store, machine = await asyncio.to_thread(self._open_history)
        run_fn = self.services.compare_run
        if isinstance(self.plan, MatrixPlan):
            self.engine = Matrix(self.plan, history=store, machine=machine, run_fn=run_fn,
                                 on_progress=self._moved, on_event=self._event)
        else:
            self.engine = Sweep(self.plan, history=store, run_fn=run_fn,
                                on_progress=self._moved, on_event=self._event)
        if self._cancelled:
            self.engine.cancel()
        self.on_started(self)
        result = await self.engine.run()
        if isinstance(result, MatrixResult):
            self.summary = done_text(len(result.runs), self.plan.total_runs, self.elapsed,
                                     cancelled=result.cancelled, failed=len(result.failed))
        else:
            runs = len(result.baseline) + sum(len(v) for v in result.runs.values())
            self.summary = done_text(runs, self.plan.total_runs, self.elapsed,
                                     cancelled=result.cancelled, failed=len(result.errors))
        return result

    def cancel(self) -> None:
        """Stop it: the current run's worker group is ended, no other run starts."""
        self._cancelled = True
        if self.engine is not None:
            self.engine.cancel()

    def _open_history(self) -> tuple[Any, dict[str, Any]]:
        """The history store and this machine's description (None and a fresh description
        when the history cannot be opened: the runs go on without it)."""
        try:
            store = self.services.history()
            return store, store.machine
        except Exception:  # noqa: BLE001 - the runs go on without a history
            from gil_tui.engine.system.monitor import machine_info

            return None, machine_info()

    def _moved(self, progress: MatrixProgress | SweepProgress) -> None:
        if progress.phase == "start":
            self._steps, self._total_steps = {}, 0
        self.progress = progress
        self._eta = None if progress.eta_s is None else (progress.eta_s, self._clock())
        self.on_moved()

    def _event(self, _where: Any, event: Event) -> None:
        if isinstance(event, Hello):
            self._steps, self._total_steps = {}, event.total_steps
        elif isinstance(event, Progress):
            self._steps[event.index] = event.done

    def left(self) -> float | None:
        """Seconds still to go: the engine's estimate at its last report (None before the
        first run has finished), less the time since."""
        if self._eta is None:
            return None
        eta, at = self._eta
        return max(0.0, eta - (self._clock() - at))

    def status(self, width: int | None = None) -> str:
        """``run 4 of 18 · 3.14t threads (2 workers) · pass 2 of 3 · 12 s · ~1 m left``,
        made to fit in ``width`` cells."""
        return running_text(self.progress, self.plan, self.elapsed, self.left(), width)

    def fraction(self) -> float | None:
        """How far the whole job got (the run under way counted by its steps); None
        before its first run."""
        p = self.progress
        if p is None:
            return None
        current = 0.0
        if p.phase == "start":
            current = progress_fraction(sum(self._steps.values()), self._total_steps)
        return progress_fraction(p.done + current, max(1, p.total))
