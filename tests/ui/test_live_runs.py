"""The Live tab's runs and the run gate, without an app: LiveRuns drives replayed runs
through the engine's drive() and reports to a recording view."""

from __future__ import annotations

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
