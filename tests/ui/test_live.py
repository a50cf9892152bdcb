"""The Live tab: keys, real tiny runs, cancelling, failures, and no orphans."""

from __future__ import annotations

import os
import sys
import time

import psutil
import pytest

from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.spec import Mode, Workload
from gil_tui.ui.app import make_app
from gil_tui.ui.selection import Selection
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.live.pane import LivePane
from gil_tui.ui.widgets.core_bars import CoreBars
from gil_tui.ui.tabs.live.results_table import ResultsTable

from .fakes import fake_services


def descendants() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await pilot.pause(0.05)


async def test_keys_change_the_selection() -> None:
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        assert pane.selection == Selection()
        await pilot.press("w")
        assert pane.selection.workload is Workload.IO
        assert pane.selection.workers == 16, "I/O workloads start with many workers"
        await pilot.press("m", "m")  # threads -> processes -> asyncio
        assert pane.selection.mode is Mode.ASYNCIO
        await pilot.press("w")  # sleep keeps asyncio; hash does not allow it
        await pilot.press("w")
        assert pane.selection.workload is Workload.HASH
        assert pane.selection.mode is Mode.THREADS
        await pilot.press("plus", "plus", "minus")
        assert pane.selection.workers == 3
        await pilot.press("t")
        assert pane.selection.tasks == 2
        await pilot.press("s")
        assert pane.selection.scale == 2.0
        await pilot.press("k")
        assert pane.selection.start_method is None, "start method is for processes only"
        await pilot.press("m")
        assert pane.selection.mode is Mode.PROCESSES
        await pilot.press("k")
        assert pane.selection.start_method == "fork"
        await pilot.press("f")
        assert pane.sample_hz == 1.0
        controls = str(app.query_one("#live-controls").render())
        assert "hash" in controls and "processes" in controls and "fork" in controls


async def test_cores_are_drawn_between_runs() -> None:
    app = make_app(tab="live", services=fake_services(cores=(97.0, 12.0)))
    async with app.run_test(size=(100, 30)) as pilot:
        bars = app.query_one(CoreBars)
        await wait_for(pilot, lambda: len(bars.percents) == 2)
        text = str(bars.render())
        assert "CPU0" in text and "CPU1" in text
        assert "97%" in text and "12%" in text


async def test_replayed_run_adds_baseline_then_result() -> None:
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await wait_for(pilot, lambda: not pane.running and len(pane.session.records) == 2)
        base, run = pane.session.records
        assert base.auto_baseline and base.spec.mode is Mode.SEQUENTIAL
        assert run.spec.mode is Mode.THREADS and run.speedup is not None
        table = app.query_one(ResultsTable)
        assert table.row_count == 2
        first_row = [str(cell) for cell in table.get_row_at(0)]
        assert first_row[1] == "threads" and first_row[4].endswith(" s")
        explain = str(app.query_one("#live-explain").render())
        assert "thread" in explain


async def test_run_refused_while_running() -> None:
    app = make_app(tab="live", services=fake_services(delay=0.2))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await pilot.pause(0.1)
        assert pane.running
        await pilot.press("r")
        await pilot.pause()
        assert any("under way" in str(n.message) for n in app._notifications)
        await pilot.press("x")
        await wait_for(pilot, lambda: not pane.running)
        assert pane.session.records[-1].cancelled


def tiny(mode: Mode, **kw) -> Selection:
    return Selection(workload=Workload.CPU, mode=mode, workers=2, scale=0.02, tasks=4, **kw)


async def test_real_tiny_run_shows_a_result_row() -> None:
    before = descendants()
    app = make_app(tab="live", services=Services(sample_hz=10.0, discover=lambda: []))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        pane.selection = tiny(Mode.PROCESSES)
        await pilot.press("r")
        await wait_for(pilot, lambda: not pane.running and len(pane.session.records) == 2, 60)
        assert all(record.ok for record in pane.session.records), pane.session.records
        assert app.query_one(ResultsTable).row_count == 2
        result = pane.session.records[-1].result
        assert result.interpreter.version == "%d.%d.%d" % sys.version_info[:3]
    assert descendants() <= before


async def test_cancel_ends_every_process() -> None:
    before = descendants()
    app = make_app(tab="live", services=Services(sample_hz=10.0, discover=lambda: []))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        long_run = Selection(workload=Workload.CPU, mode=Mode.PROCESSES, workers=2, scale=5.0)
        # a baseline of the same work is on record, so `r` starts the long run at once
        base_spec = long_run.to_spec().replace(mode=Mode.SEQUENTIAL, workers=1)
        pane.session.add_result(RunResult(spec=base_spec, wall_s=15.0, startup_s=0.0,
                                          cpu_s=15.0, workers=(),
                                          interpreter=InterpreterInfo("py", "3.11.7")))
        pane.selection = long_run
        await pilot.press("r")
        await wait_for(pilot, lambda: len(descendants() - before) >= 3, 30)
        started = time.monotonic()
        await pilot.press("x")
        await wait_for(pilot, lambda: not pane.running, 10)
        await wait_for(pilot, lambda: not (descendants() - before), 5)
        assert time.monotonic() - started < 2.0
        assert pane.session.records[-1].cancelled
        assert "cancelled" in [str(c) for c in app.query_one(ResultsTable).get_row_at(0)]


async def test_bad_interpreter_shows_the_error_and_the_app_goes_on(tmp_path) -> None:
    missing = str(tmp_path / "no-such-python")
    app = make_app(tab="live", services=Services(sample_hz=10.0, discover=lambda: []))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        pane.selection = tiny(Mode.SEQUENTIAL, python=missing, python_label="broken")
        await pilot.press("r")
        await wait_for(pilot, lambda: not pane.running and pane.session.records, 30)
        record = pane.session.records[-1]
        assert not record.ok and missing in record.error
        assert missing in str(app.query_one("#live-explain").render())
        await pilot.press("w")  # still answering keys
        assert pane.selection.workload is Workload.IO


async def test_quit_mid_run_leaves_nothing_behind() -> None:
    before = descendants()
    app = make_app(tab="live", services=Services(sample_hz=10.0, discover=lambda: []))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        pane.selection = Selection(workload=Workload.CPU, mode=Mode.SEQUENTIAL, scale=5.0)
        await pilot.press("r")
        await wait_for(pilot, lambda: pane.runner is not None and pane.runner.pid, 30)
        pid = pane.runner.pid
        await pilot.press("q")
        await pilot.pause(0.5)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not (descendants() - before)


@pytest.mark.parametrize("cores", [2, 16, 64, 128])
async def test_many_cores_fit(cores: int) -> None:
    app = make_app(tab="live", services=fake_services(cores=[50.0] * cores))
    async with app.run_test(size=(80, 24)) as pilot:
        bars = app.query_one(CoreBars)
        await wait_for(pilot, lambda: len(bars.percents) == cores)
        text = str(bars.render())
        assert f"CPU{cores - 1}" in text
        assert all(len(line) <= 80 for line in text.splitlines())
        # the status and the results stay on screen
        assert app.query_one("#live-status").region.height > 0
        assert app.query_one("#live-results").region.height > 0


async def test_lesson_try_it_selects_the_run_in_live() -> None:
    app = make_app(lesson="cpu-bound-threads", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert app.query_one("#main-tabs").active == "live"
        selection = app.query_one(LivePane).selection
        assert selection.workload is Workload.CPU and selection.mode is Mode.THREADS
        assert not app.query_one(LivePane).running, "selected, not started"


async def test_lesson_without_try_it_disables_the_key() -> None:
    app = make_app(lesson="interpreters", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert app.query_one("#main-tabs").active == "lessons"


async def test_live_command_selection_and_autostart() -> None:
    selection = Selection(workload=Workload.CPU, mode=Mode.PROCESSES, workers=2)
    app = make_app(tab="live", services=fake_services(), live_selection=selection,
                   live_run=True)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await wait_for(pilot, lambda: len(pane.session.records) == 2)
        assert pane.session.records[-1].spec.mode is Mode.PROCESSES


async def test_costs_preset_reports_a_failure_and_frees_the_tab(monkeypatch) -> None:
    import gil_tui.engine.demos.costs as costs

    def broken(*args, **kwargs):
        raise costs.CostsError("no start method works here")

    monkeypatch.setattr(costs, "run_costs", broken)
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("c")
        await wait_for(pilot, lambda: not pane.running, 10)
        assert "no start method works here" in str(app.query_one("#live-explain").render())
        await pilot.press("w")
        assert pane.selection.workload is Workload.IO


def test_runs_started_from_the_app_use_the_app_priority_setting() -> None:
    from gil_tui.engine.run.spec import RunSpec
    from gil_tui.ui.services import WORKER_NICE

    runner = Services().runner(RunSpec("sleep", "threads"), None)
    assert runner.nice == WORKER_NICE == 0, "fidelity first (see services.WORKER_NICE)"
