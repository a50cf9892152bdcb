"""The Live tab's runs and the run gate, without an app: LiveRuns drives replayed runs
through the engine's drive() and reports to a recording view."""

from __future__ import annotations

import asyncio

from gil_tui.engine.history.store import HistoryStore
from gil_tui.engine.run.spec import Mode, RunSpec, Workload
from gil_tui.ui.run_gate import UNDER_WAY, RunGate
from gil_tui.ui.tabs.live.runs import BASELINE_NOTE, LiveRuns

from .fakes import FAKE_STARTED_AT, fake_services


class Recorder:
    """A RunView that keeps what it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def run_started(self, tracker, note):
        self.calls.append(("started", tracker.spec.mode, note))

    def run_event(self, event, pid):
        self.calls.append(("event", type(event).__name__, pid))

    def run_finished(self, record, records):
        self.calls.append(("finished", record.status, len(records)))

    def warn(self, text):
        self.calls.append(("warn", text))


async def test_a_plan_runs_its_baseline_first_and_keeps_both(tmp_path) -> None:
    here = {"hostname": "here"}
    store = tmp_path / "history.jsonl"
    view = Recorder()
    runs = LiveRuns(fake_services(history=lambda: HistoryStore(store, machine=here)), view)
    spec = RunSpec(Workload.CPU, Mode.THREADS, workers=2)
    plan = runs.plan(spec)
    assert [(s.mode, auto) for s, auto in plan] == [(Mode.SEQUENTIAL, True), (Mode.THREADS, False)]
    await runs.run(plan)
    assert [c for c in view.calls if c[0] != "event"] == [
        ("started", Mode.SEQUENTIAL, BASELINE_NOTE), ("finished", "ok", 1),
        ("started", Mode.THREADS, ""), ("finished", "ok", 2)]
    assert ("event", "Hello", 4242) in view.calls
    assert runs.runner is None and runs.plan(spec) == [(spec, False)], "the baseline is known"
    records = runs.session.records
    assert records[0].auto_baseline and records[1].speedup is not None
    assert all(r.result.started_at == FAKE_STARTED_AT for r in records)
    assert len(HistoryStore(store, machine=here).load()[0]) == 2


async def test_a_history_that_cannot_be_written_is_one_warning() -> None:
    def broken() -> HistoryStore:
        raise OSError("read-only file system")

    view = Recorder()
    runs = LiveRuns(fake_services(history=broken), view)
    record = await runs.run_one(RunSpec(Workload.CPU, Mode.SEQUENTIAL))
    assert record.ok
    assert view.calls[-1] == ("warn", "The run was not added to the history: "
                                      "read-only file system")


def test_the_gate_lets_one_run_at_a_time() -> None:
    class Pane:
        def __init__(self) -> None:
            self.running = False
            self.told: list[str] = []

        def notify(self, message, *, severity="information", timeout=None) -> None:
            self.told.append(message)

    gate, live, compare = RunGate(), Pane(), Pane()
    gate.join(live, lambda: live.running, "Live is busy")
    gate.join(compare, lambda: compare.running, "Compare is busy")
    assert not gate.refuse(live) and gate.busy(compare) is None
    live.running = True
    assert gate.refuse(live) and live.told == [UNDER_WAY]
    assert gate.refuse(compare) and compare.told == ["Live is busy"]


async def test_a_plan_cancelled_before_it_ran_records_its_first_run_cancelled(tmp_path) -> None:
    """A cancel that came before the plan's worker did anything (`r` then `x` at once):
    the plan's first run ends cancelled without a single event of its worker; the next
    plan (armed again) runs."""
    store = tmp_path / "history.jsonl"
    here = {"hostname": "here"}
    view = Recorder()
    runs = LiveRuns(fake_services(history=lambda: HistoryStore(store, machine=here)), view)
    spec = RunSpec(Workload.CPU, Mode.THREADS, workers=2)
    runs.arm()
    await runs.cancel()
    await runs.run(runs.plan(spec))
    assert view.calls == [("started", Mode.SEQUENTIAL, BASELINE_NOTE),
                          ("event", "Error", 4242), ("finished", "cancelled", 1)]
    assert runs.runner is None and not store.exists(), "nothing of it in the history"
    runs.arm()
    await runs.run(runs.plan(spec))
    assert [r.status for r in runs.session.records] == ["cancelled", "ok", "ok"]


async def test_a_step_before_the_runs_ends_when_the_plan_is_cancelled() -> None:
    """What the plan does before its runs (measuring the interpreter) stops on a cancel,
    and does not start at all once the plan is cancelled."""
    runs = LiveRuns(fake_services(), Recorder())
    runs.arm()
    started, ended = asyncio.Event(), []

    async def measure() -> str:
        started.set()
        try:
            await asyncio.sleep(60)
        finally:
            ended.append(True)
        return "measured"

    waiting = asyncio.ensure_future(runs.unless_cancelled(measure))
    await started.wait()
    await runs.cancel()
    assert await asyncio.wait_for(waiting, 5) is None and ended == [True], "it ended first"
    started.clear()
    assert await runs.unless_cancelled(measure) is None and not started.is_set()
    runs.arm()

    async def quick() -> str:
        return "sized"

    assert await runs.unless_cancelled(quick) == "sized"
