"""The Live tab's runs, without Textual: the automatic baseline, each run through the
engine's :func:`~gil_tui.engine.run.runner.drive` (as `gil-tui bench` does, so the
result is built in one place), the sitting's session and the results history.

The pane starts :meth:`LiveRuns.run` in a worker; a :class:`RunView`
(:class:`~gil_tui.ui.tabs.live.display.RunDisplay`) draws what it is told.

Cancelling is a state of the plan, not of the pane's worker task: :meth:`LiveRuns.arm`
(when `r` is accepted, before that worker exists) clears it, :meth:`LiveRuns.cancel`
sets it and cancels the runner under way, if any. Whatever the plan is doing then
(not started yet, measuring the interpreter, between two runs, starting a worker,
running), it ends with the run it was at recorded as cancelled, as a cancel in the
middle of a run does; nothing is left to be cleaned up by cancelling a task that may
not have started.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Protocol, Sequence, TypeVar

from gil_tui.engine.history.store import HistoryError
from gil_tui.engine.run.events import Event
from gil_tui.engine.run.latency import LatencyServer
from gil_tui.engine.run.results import RunError, RunResult
from gil_tui.engine.run.runner import RunnerLike, drive
from gil_tui.engine.run.session import RunRecord, Session
from gil_tui.engine.run.spec import RunSpec, Workload
from gil_tui.engine.run.tracker import RunTracker
from gil_tui.ui.services import Services

#: Shown while the automatic baseline runs.
BASELINE_NOTE = "sequential baseline first (automatic), to measure the speedup"

#: (spec, ran automatically as the baseline of the next one)
Plan = list[tuple[RunSpec, bool]]

T = TypeVar("T")


class RunView(Protocol):
    """What :class:`LiveRuns` reports, as it happens."""

    def run_started(self, tracker: RunTracker, note: str) -> None:
        """A run begins; ``tracker`` follows its events."""

    def run_event(self, event: Event, pid: int | None) -> None:
        """An event of the run under way (``pid``: its worker's, once started)."""

    def run_finished(self, record: RunRecord, records: Sequence[RunRecord]) -> None:
        """The run ended (ok, failed or cancelled); ``records``: the session's, oldest first."""

    def warn(self, text: str) -> None:
        """Something went wrong beside the run (the history could not be written)."""


class LiveRuns:
    """Every run of the Live tab, one at a time."""

    def __init__(self, services: Services, view: RunView) -> None:
        self.services = services
        self.view = view
        self.session = Session()
        #: The runner of the run under way (None between runs).
        self.runner: RunnerLike | None = None
        #: The plan under way (or the next one) was cancelled.
        self.cancelled = False
        self._cancel_event = asyncio.Event()
        self._latency: LatencyServer | None = None
        self._latency_url: str | None = None

    def plan(self, spec: RunSpec) -> Plan:
        """``spec``, after its sequential baseline when the session has none yet."""
        baseline = self.session.baseline_spec(spec)
        return [(spec, False)] if baseline is None else [(baseline, True), (spec, False)]

    def arm(self) -> None:
        """A new plan is about to start: it is not cancelled (yet)."""
        self.cancelled = False
        self._cancel_event = asyncio.Event()

    async def run(self, plan: Plan) -> None:
        """Run the plan in order, up to its first run that did not succeed (a cancelled
        plan: up to the run it was at, recorded as cancelled)."""
        for spec, auto in plan:
            record = await self.run_one(spec, auto)
            if not record.ok:
                break

    async def unless_cancelled(self, step: Callable[[], Awaitable[T]]) -> T | None:
        """``step()``'s outcome, or None when the plan is cancelled before or while it
        runs (then it is cancelled, and has ended, when this returns)."""
        if self.cancelled:
            return None
        task = asyncio.ensure_future(step())
        stop = asyncio.ensure_future(self._cancel_event.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not task.done():  # cancelled (or this task was): the step ends first
                task.cancel()
                await asyncio.wait({task})
        if task.cancelled():
            return None
        return task.result()

    async def run_one(self, spec: RunSpec, auto: bool = False) -> RunRecord:
        """One run to its end: its record is in the session, its result in the history."""
        tracker = RunTracker(spec)
        self.view.run_started(tracker, BASELINE_NOTE if auto else "")
        result: RunResult | None = None
        try:
            url = await self._latency_for(spec)
            runner = self.runner = self.services.runner(spec, url)
            if self.cancelled:  # before it started: it never starts (its stream says so)
                await runner.cancel()

            def seen(event: Event) -> None:
                tracker.feed(event)
                self.view.run_event(event, runner.pid)

            result = await drive(runner, spec, on_event=seen, share=self.services.share_meter)
            record = self.session.add_result(result, auto_baseline=auto)
        except RunError as exc:
            record = self.session.add_failure(spec, exc.error.message,
                                              cancelled=exc.error.cancelled, auto_baseline=auto)
        except asyncio.CancelledError:
            self._finished(self.session.add_failure(spec, "cancelled", cancelled=True,
                                                    auto_baseline=auto))
            raise
        except Exception as exc:  # a bug or an environment problem: say it, keep going
            result = None
            record = self.session.add_failure(spec, f"{type(exc).__name__}: {exc}",
                                              auto_baseline=auto)
        finally:
            self.runner = None  # a cancel from now on is for the next run of the plan
        self._finished(record)
        if result is not None:  # off the event loop: the file is locked while written
            problem = await asyncio.to_thread(self.remember, result)
            if problem is not None:
                self.view.warn(problem)
        return record

    def _finished(self, record: RunRecord) -> None:
        self.view.run_finished(record, self.session.records)

    async def cancel(self) -> None:
        """Cancel the plan under way (or about to start), and its runner if one is there
        (its worker then sees a "cancelled" error and ends)."""
        self.cancelled = True
        self._cancel_event.set()
        runner = self.runner
        if runner is not None:
            await runner.cancel()

    async def close(self) -> None:
        """Stop the latency server (quitting)."""
        if self._latency is not None:
            await self._latency.stop()
            self._latency = None

    def remember(self, result: RunResult) -> str | None:
        """Append a run to the results history (blocking: call it from a thread);
        why it could not be, or None."""
        try:
            self.services.history().append(result, source="live")
        except (HistoryError, OSError) as exc:  # said in a status line: short, no path
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            return f"The run was not added to the history: {why}"
        return None

    async def _latency_for(self, spec: RunSpec) -> str | None:
        if spec.workload is not Workload.IO:
            return None
        if self.services.latency_url is not None:
            return await self.services.latency_url()
        if self._latency is None:
            self._latency = LatencyServer()
            self._latency_url = await self._latency.start()
        return self._latency_url
