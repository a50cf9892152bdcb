"""The Live tab's status after the Costs panel (13.20), and the rows of runs that did not
finish (the python column, the automatic baseline's tag)."""

from __future__ import annotations

import threading

import pytest

from gil_tui.ui.app import make_app
from gil_tui.ui.tabs.live.pane import LivePane
from gil_tui.ui.tabs.live.results_table import ResultsTable, found_cell, python_cells

from .fakes import fake_services
from .test_live import fake_costs, status_text, wait_for


def rows(app) -> list[list[str]]:
    table = app.query_one(ResultsTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


@pytest.mark.parametrize("close", ["escape", "c"])
async def test_closing_the_costs_panel_brings_the_status_back(monkeypatch, close) -> None:
    """The last run's "done" comes back when the panel closes: the status no longer says
    "costs measured (c or escape closes)" about a panel that is gone."""
    import gil_tui.engine.demos.costs as costs

    monkeypatch.setattr(costs, "run_costs", lambda *a, **k: fake_costs())
    monkeypatch.setattr(costs, "remember", lambda result: None)
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await wait_for(pilot, lambda: not pane.running and len(pane.session.records) == 2)
        before = status_text(app)
        assert before.startswith("done · cpu, threads x2"), before
        await pilot.press("c")
        await wait_for(pilot, lambda: not pane.running, 10)
        assert "costs measured (c or escape closes)" in status_text(app)
        await pilot.press(close)
        await pilot.pause()
        assert not pane.costs_open
        assert status_text(app) == before
        await pilot.press("c")  # and again: the same status each time
        await wait_for(pilot, lambda: not pane.running, 10)
        await pilot.press(close)
        await pilot.pause()
        assert status_text(app) == before


async def test_closing_the_panel_while_it_measures_brings_the_idle_status_back(
        monkeypatch) -> None:
    """Closed before any run and while measuring: the measurement is cancelled, and the
    status is idle again (not "costs not measured" about a closed panel)."""
    import gil_tui.engine.demos.costs as costs

    started = threading.Event()

    def slow(*args, cancel, on_start, **kwargs):
        started.set()
        if not cancel.wait(30):  # only a cancel ends it
            raise AssertionError("not cancelled")
        raise costs.CostsCancelled("cancelled")

    monkeypatch.setattr(costs, "run_costs", slow)
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(LivePane)
        before = status_text(app)
        await pilot.press("c")
        await wait_for(pilot, started.is_set, 10)
        assert "measuring creation costs" in status_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not pane.running, 10)
        await pilot.pause()
        assert status_text(app) == before == "idle · press r to run"


async def test_a_cancelled_baseline_keeps_its_python_and_its_auto_tag() -> None:
    """A run cancelled after its worker said hello: its interpreter as the finished runs
    show it; the automatic baseline keeps "(auto)" whether it finished or not."""
    app = make_app(tab="live", services=fake_services(delay=0.2))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await wait_for(pilot, lambda: pane.run_display.tracker is not None
                       and pane.run_display.tracker.hello is not None)
        await pilot.press("x")
        await wait_for(pilot, lambda: not pane.running and pane.session.records)
        await pilot.pause()
        [cancelled] = rows(app)
        assert cancelled[0] == "cpu (auto)" and cancelled[5] == "cancelled"
        python = cancelled[3]
        assert python.endswith("GIL") or "GIL off" in python, cancelled
        await pilot.press("r")  # the baseline again, finished this time, then the run
        await wait_for(pilot, lambda: not pane.running and len(pane.session.records) == 3, 30)
        await pilot.pause()
        newest, baseline, first = rows(app)
        assert (newest[0], baseline[0], first[0]) == ("cpu", "cpu (auto)", "cpu (auto)")
        assert newest[3] == baseline[3] == first[3] == python


async def test_a_run_cancelled_at_once_names_its_python() -> None:
    """Cancelled as it starts (`r` and `x` together): its interpreter is named all the same
    (from its worker's hello, or from what is known of it: see the next test)."""
    app = make_app(tab="live", services=fake_services(delay=0.2))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r", "x")
        await wait_for(pilot, lambda: not pane.running and pane.session.records)
        await pilot.pause()
        [cancelled] = rows(app)
        assert cancelled[0] == "cpu (auto)" and cancelled[3], cancelled


def test_the_python_of_a_run_without_a_result() -> None:
    """What discovery knows of the interpreter; gil-tui's own when nothing is known; an
    earlier run's cell in the same interpreter before that."""
    from gil_tui.engine.run.session import RunRecord
    from gil_tui.engine.run.spec import Mode, RunSpec, Workload
    from gil_tui.engine.system.interpreters import Interpreter

    def found(path: str, source: str, version: str, free: bool, gil: bool | None):
        return Interpreter(path=path, realpath=path, source=source, version=version,
                           version_info=tuple(int(p) for p in version.split(".")),
                           implementation="cpython", free_threaded=free, gil_enabled=gil,
                           cpu_count=2, has_aiohttp=False, supported=True, reason=None)

    here = [found("/venv/bin/python", "current", "3.11.7", False, True),
            found("/opt/py314t", "uv", "3.14.0", True, False)]
    assert found_cell(None, here) == "3.11.7 GIL"
    assert found_cell("/opt/py314t", here) == "3.14.0t GIL off"
    assert found_cell(None, []) == "this Python" and found_cell("/gone", here) == ""
    spec = RunSpec(Workload.CPU, Mode.THREADS, python="/gone")
    cancelled = RunRecord(spec=spec, error="cancelled", cancelled=True)
    assert python_cells([cancelled], {}) == [""]
    assert python_cells([cancelled], {0: "3.13.1 GIL"}) == ["3.13.1 GIL"]
