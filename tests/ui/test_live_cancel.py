"""Cancelling a Live run at any moment (issue 13, leftover): before the run's worker task
has started, while the interpreter is measured, while the worker process is being
started, between its start and its first event, between the baseline and the run,
in the middle, after the end. Each time: the tab is idle and says "cancelled", the
next `r` runs, no process is left, and the session has the cancelled run (and the
history nothing of it), as a cancel in the middle of a run has always done.

Every moment is reached by holding the run there (a runner, the worker's start or the
history write that waits for the test), never by timing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading

import pytest
from textual import events

from gil_tui.engine.history.store import HistoryStore
from gil_tui.engine.run.calibration import CalibrationStore
from gil_tui.engine.run.runner import Runner
from gil_tui.engine.run.spec import Mode, Workload
from gil_tui.engine.system import processes
from gil_tui.ui.app import make_app
from gil_tui.ui.palette import cancel_runs
from gil_tui.ui.selection import Selection
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.live.pane import LivePane

from .fakes import ReplayRunner, fake_services
from .test_live import descendants, status_text, wait_for

HERE = {"hostname": "here", "cpu_count_usable": 2}


class Hold:
    """Holds the first caller of :meth:`here` until :meth:`release` (or its task is
    cancelled); ``reached`` says a caller got there. Later callers pass."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self._go = asyncio.Event()
        self._used = False

    async def here(self) -> None:
        if self._used:
            return
        self._used = True
        self.reached.set()
        await self._go.wait()

    def release(self) -> None:
        self._go.set()


class HeldReplay(ReplayRunner):
    """A replayed runner held before its first event (where a worker would be started)."""

    def __init__(self, spec, url, hold: Hold) -> None:
        super().__init__(spec, url)
        self.hold = hold

    async def events(self):
        await self.hold.here()
        async for event in super().events():
            yield event


def with_runner(services: Services, runner) -> Services:
    return dataclasses.replace(services, runner=runner)


def real_services(tmp_path, runner=None) -> Services:
    """Real worker runs (Runner), the rest fixed; the history in ``tmp_path``."""
    services = fake_services(history=lambda: HistoryStore(tmp_path / "h.jsonl", machine=HERE))
    return with_runner(services, runner or (lambda spec, url: Runner(spec, latency_url=url)))


#: A real run of a fraction of a second, with no baseline to run first.
TINY = Selection(workload=Workload.CPU, mode=Mode.SEQUENTIAL, scale=0.02, tasks=2)


async def cancelled_then_runs_again(pilot, pane: LivePane, before: set[int],
                                    records: int = 1, then: Selection | None = None) -> None:
    """The tab is idle and says so, nothing is left, the session has ``records`` records
    the last of them cancelled; then `r` (with ``then`` selected) runs to its end, and `x`
    after it does nothing."""
    await wait_for(pilot, lambda: not pane.running and len(pane.session.records) >= records, 20)
    await wait_for(pilot, lambda: not (descendants() - before), 10)
    text = status_text(pilot.app)
    assert text.startswith("cancelled"), text
    assert "cancelling" not in text
    assert len(pane.session.records) == records, pane.session.records
    assert pane.session.records[-1].cancelled
    if then is not None:
        pane.selection = then
    await pilot.press("r")
    await wait_for(pilot, lambda: not pane.running and len(pane.session.records) > records, 60)
    assert pane.session.records[-1].ok, pane.session.records[-1]
    assert status_text(pilot.app).startswith("done")
    done = list(pane.session.records)
    await pilot.press("x")  # after the end: nothing to cancel, nothing changes
    await pilot.pause()
    assert pane.session.records == done and not pane.running
    assert not (descendants() - before)


@pytest.mark.parametrize("how", ["keys in one read", "palette"])
async def test_a_cancel_before_the_run_worker_has_started(how) -> None:
    """The reported bug: `r` then `x` in one read of the terminal (or the palette's Cancel
    right after `r`) cancelled the pane's worker task before its first step, so the code
    that clears "running" never ran: "cancelling…" for ever, and `r` refused."""
    before = descendants()
    app = make_app(tab="live", services=fake_services(delay=0.01))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.pause()
        if how == "palette":
            pane.action_run()
            await cancel_runs(app)  # no step of the event loop in between
        else:
            app.post_message(events.Key("r", "r"))
            app.post_message(events.Key("x", "x"))
        await cancelled_then_runs_again(pilot, pane, before)
        assert [r.spec.mode for r in pane.session.records] == [
            Mode.SEQUENTIAL, Mode.SEQUENTIAL, Mode.THREADS], "the baseline was cancelled"


async def test_a_cancel_while_the_interpreter_is_measured(tmp_path) -> None:
    """The probe (before an interpreter's first run) stops; nothing is kept of it."""
    path = tmp_path / "calibration.json"
    hold = Hold()
    services = with_runner(fake_services(calibrations=lambda: CalibrationStore(path)),
                           lambda spec, url: HeldReplay(spec, url, hold))
    before = descendants()
    app = make_app(tab="live", services=services)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await wait_for(pilot, hold.reached.is_set)
        assert "measuring" in status_text(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: not pane.running, 20)
        assert not path.exists(), "a cancelled probe measured nothing"
        hold.release()
        await cancelled_then_runs_again(pilot, pane, before)
        assert path.exists(), "measured by the next run"


@pytest.mark.parametrize("made", [False, True], ids=["before-fork", "after-fork"])
async def test_a_cancel_while_the_worker_is_being_started(tmp_path, monkeypatch, made) -> None:
    """The engine's side: the runner is cancelled while its worker is being started (not
    made yet, or made but not handed to the runner): the worker ends at once."""
    real = processes.start_async
    hold = Hold()
    procs = []

    async def held_start(*args, **kwargs):
        if made:
            procs.append(await real(*args, **kwargs))
        await hold.here()
        return procs.pop() if procs else await real(*args, **kwargs)

    monkeypatch.setattr(processes, "start_async", held_start)
    before = descendants()
    app = make_app(tab="live", services=real_services(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        pane.selection = TINY.replace(scale=50.0)  # never ends by itself in time
        await pilot.press("r")
        await wait_for(pilot, hold.reached.is_set)
        assert len(descendants() - before) == (1 if made else 0)
        await pilot.press("x")
        hold.release()
        await cancelled_then_runs_again(pilot, pane, before, then=TINY)
    history, _ = HistoryStore(tmp_path / "h.jsonl", machine=HERE).load()
    assert [e.result.spec.scale for e in history] == [TINY.scale], "only the run that ended"


async def test_a_cancel_between_the_start_and_the_first_event(tmp_path) -> None:
    """A worker that is slow to say hello (a busy machine, a slow interpreter) is ended."""
    script = tmp_path / "slow_worker.py"
    script.write_text("import time\ntime.sleep(120)\n")
    made: list[Runner] = []

    def runner(spec, url):  # the first run's worker never says hello; the next one is real
        made.append(Runner(spec, latency_url=url, worker_path=None if made else str(script)))
        return made[-1]

    before = descendants()
    app = make_app(tab="live", services=real_services(tmp_path, runner))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        pane.selection = TINY
        await pilot.press("r")
        await wait_for(pilot, lambda: len(descendants() - before) == 1)
        assert made[0].hello is None and pane.running
        await pilot.press("x")
        await cancelled_then_runs_again(pilot, pane, before)


async def test_a_cancel_between_the_baseline_and_the_run(tmp_path) -> None:
    """The baseline ended and is written to the history; a cancel then is the run's."""
    written = threading.Event()
    go = threading.Event()
    store = tmp_path / "h.jsonl"

    def history() -> HistoryStore:
        if not written.is_set():
            written.set()
            go.wait(30)  # (in the thread the history is written from)
        return HistoryStore(store, machine=HERE)

    before = descendants()
    app = make_app(tab="live", services=fake_services(history=history))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await wait_for(pilot, written.is_set)
        await pilot.press("x")
        go.set()
        await cancelled_then_runs_again(pilot, pane, before, records=2)
        base, cancelled, run = pane.session.records
        assert base.ok and base.auto_baseline
        assert cancelled.spec.mode is Mode.THREADS and run.spec.mode is Mode.THREADS
        assert run.speedup is not None, "against the baseline that ended"
    entries, _ = HistoryStore(store, machine=HERE).load()
    assert [e.result.spec.mode for e in entries] == [Mode.SEQUENTIAL, Mode.THREADS]


async def test_a_cancel_in_the_middle_of_a_replayed_run() -> None:
    hold = Hold()

    class HeldAfterHello(ReplayRunner):
        async def events(self):
            async for event in super().events():
                yield event
                if type(event).__name__ == "Hello":
                    await hold.here()

    services = with_runner(fake_services(), lambda spec, url: HeldAfterHello(spec, url))
    app = make_app(tab="live", services=services)
    before = descendants()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await wait_for(pilot, hold.reached.is_set)
        assert status_text(app).startswith("running")
        await pilot.press("x")
        hold.release()
        await cancelled_then_runs_again(pilot, pane, before)

