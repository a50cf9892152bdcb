"""The Compare tab in a small app of its own: keys, fake matrices and sweeps, a real tiny
matrix (and its cancel) with no process left behind, the history reload, copy, snapshots.

The fakes return real RunResults with fixed wall times, so every figure (and every
snapshot) is the same on each run; the elapsed-time clock is frozen too.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from itertools import count

import psutil
import pytest
from rich.console import Console
from rich.segment import ControlType
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Header, SelectionList, TabbedContent, TabPane

from gil_tui.engine.compare import amdahl
from gil_tui.engine.run.events import Error, Hello
from gil_tui.engine.history.store import HistoryEntry, HistoryStore
from gil_tui.engine.system.interpreters import Interpreter, probe
from gil_tui.engine.compare.matrix import MatrixProgress
from gil_tui.engine.compare.model import Cell, MatrixPlan, MatrixResult, Target
from gil_tui.engine.run.results import InterpreterInfo, RunError, RunResult
from gil_tui.engine.run.spec import Mode, RunSpec, Workload
from gil_tui.engine.compare.sweep import SweepPlan, SweepResult
from gil_tui.ui.tabs.compare.canvas import BrailleCanvas
from gil_tui.ui.tabs.compare.choice import CompareChoice, compare_command
from gil_tui.ui.tabs.compare.jobs import running_text
from gil_tui.ui.tabs.compare.rows import caption, failure_text, matrix_rows, span
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.compare.pane import ComparePane
from gil_tui.ui.tabs.compare.cores import CompactCores
from gil_tui.ui.tabs.compare.picker import InterpreterPicker
from gil_tui.ui.tabs.compare.scaling_view import ScalingView
from gil_tui.ui.widgets.key_bar import KeyBar
from gil_tui.ui.widgets.text_table import TextTable
from gil_tui.ui.tabs.compare.chart import chart_height, chart_text, plot_text

HERE = {"hostname": "here", "cpu_count_logical": 2, "cpu_count_usable": 2, "platform": "Linux-x"}
THERE = {"hostname": "laptop16", "cpu_count_logical": 16, "cpu_count_usable": 16,
         "platform": "Linux-y"}


def interp(path: str, version: str, *, ft: bool = False, source: str = "pyenv") -> Interpreter:
    info = tuple(int(p) for p in version.split("."))
    return Interpreter(path, path, source, version, info, "cpython", ft, not ft, 2, False, True,
                       None)


PY313 = interp("/py/3.13", "3.13.1", source="current")
PY314T = interp("/py/3.14t", "3.14.0", ft=True)
BROKEN = interp("/py/broken", "3.12.0")

#: (python, mode) -> wall times of successive runs: 3.13 threads do not scale, 3.14t's do;
#: subinterpreters (each with its own GIL) scale on both
WALLS = {
    ("/py/3.13", "sequential"): [2.0, 2.1, 1.98], ("/py/3.13", "threads"): [2.06, 2.1, 2.04],
    ("/py/3.13", "processes"): [1.04, 1.1, 1.06],
    ("/py/3.13", "subinterpreters"): [1.12, 1.15, 1.1],
    ("/py/3.14t", "sequential"): [2.3, 2.32, 2.28], ("/py/3.14t", "threads"): [1.2, 1.22, 1.18],
    ("/py/3.14t", "processes"): [1.18, 1.2, 1.19],
    ("/py/3.14t", "subinterpreters"): [1.25, 1.26, 1.24],
}


def info_for(path: str, cores: int = 2) -> InterpreterInfo:
    ft = path.endswith("t")
    return InterpreterInfo(path, "3.14.0" if ft else "3.13.1", gil_enabled=not ft,
                           free_threaded=ft, cpu_count=cores)


class FakeRuns:
    """The matrix's run_fn: fixed wall times; /py/broken cannot start."""

    def __init__(self, delay: float = 0.0, later_delay: float | None = None) -> None:
        self.delay = delay
        #: from the second call on (None: the same as ``delay``)
        self.later_delay = later_delay
        self.calls: list[RunSpec] = []
        self.counters: dict[tuple[str, str], count] = {}

    async def __call__(self, spec, *, latency_url=None, on_event=None) -> RunResult:
        self.calls.append(spec)
        delay = self.delay if len(self.calls) == 1 or self.later_delay is None \
            else self.later_delay
        if delay:
            await asyncio.sleep(delay)
        if spec.python == "/py/broken":
            raise RunError(Error("/py/broken failed to start: no such file", kind="start"))
        if on_event is not None:
            await on_event(Hello(0.0, "3.13.1", "cpython", spec.python, True, False, 2, 4242,
                                 None, "fork", False, None))
        key = (spec.python, spec.mode.value)
        wall = WALLS[key][next(self.counters.setdefault(key, count())) % 3]
        busy = 1.0 if spec.mode is Mode.SEQUENTIAL else 1.9
        return RunResult(spec, info_for(spec.python), wall_s=wall, startup_s=0.01,
                         cpu_s=wall * busy, workers=(), tasks=spec.effective_tasks,
                         started_at=1000.0)


class AmdahlRuns:
    """The sweep's run_fn: 10% serial work on 2 cores, sequential 2 s."""

    async def __call__(self, spec, *, latency_url=None, on_event=None) -> RunResult:
        n = 1 if spec.mode is Mode.SEQUENTIAL else min(spec.workers, 2)
        wall = 2.0 / amdahl.amdahl_speedup(0.1, n)
        return RunResult(spec, info_for(spec.python), wall_s=wall, startup_s=0.0,
                         cpu_s=wall * n, workers=(), tasks=spec.effective_tasks)


def services(tmp_path, run_fn=None, own_cpu=None) -> Services:
    """Fixed cores and a frozen clock; ``run_fn`` (None: real runs) makes every run;
    ``own_cpu`` (None: the core bars are not split, the same picture every time)."""
    store = tmp_path / "history.jsonl"
    fixed = {} if run_fn is None else {"compare_run": run_fn}
    return Services(history=lambda: HistoryStore(store, machine=HERE), discover=lambda: [],
                    compare_cores=2, compare_clock=lambda: 0.0, own_cpu=own_cpu, **fixed)


class PaneApp(App[None]):
    """Just the Compare pane, laid out as in gil-tui (header, tab bar, footer)."""

    TITLE = "gil-tui"
    CSS = """
    #main-tabs, #main-tabs > ContentSwitcher, #main-tabs TabPane { height: 1fr; padding: 0; }
    """
    BINDINGS = [Binding("q", "quit", "Quit", id="app.quit")]

    def __init__(self, svc: Services, found: list[Interpreter] | None = None,
                 cores=(97.0, 12.0)) -> None:
        super().__init__()
        self.svc, self.found, self.cores = svc, found, cores

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="main-tabs"):
            with TabPane("Compare", id="compare"):
                yield ComparePane(self.svc, id="compare-pane")
        yield KeyBar()

    def on_mount(self) -> None:
        pane = self.query_one(ComparePane)
        if self.found is not None:
            pane.set_interpreters(self.found)
        if self.cores:
            pane.show_cores(self.cores)
        self.query_one("#cmp-controls").focus()

    async def action_quit(self) -> None:
        """As gil-tui quits: the pane's matrix ends (and its processes) first."""
        await self.query_one(ComparePane).shutdown()
        self.exit()


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await pilot.pause(0.02)


def text_of(app: App, selector: str) -> str:
    widget = app.query_one(selector)
    return str(widget.render())


def rows(app: App, selector: str = "#cmp-table") -> list[list[str]]:
    return app.query_one(selector, TextTable).plain_rows()


def descendants() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


async def run_matrix(pilot, pane: ComparePane, timeout: float = 20.0) -> None:
    """Press r and wait until that matrix (or sweep) has ended."""
    before = pane.job
    await pilot.press("r")
    await wait_for(pilot, lambda: pane.job is not before and pane.job.done
                   and not pane.running, timeout)
    await pilot.pause()


# ---------------------------------------------------------------- keys


async def test_keys_change_the_choice(tmp_path) -> None:
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T, BROKEN])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        assert pane.choice.paths == ("/py/3.13", "/py/broken", "/py/3.14t"), "current first"
        assert pane.check_action("cancel", ()) is None, "nothing to cancel while idle"
        await pilot.press("w")
        assert pane.choice.workload is Workload.IO
        await pilot.press("w", "w")
        assert pane.choice.workload is Workload.CPU
        await pilot.press("plus")
        assert pane.choice.workers == 3
        await pilot.press("minus")
        assert pane.choice.workers is None, "back to auto"
        await pilot.press("minus")
        assert pane.choice.workers == 1
        await pilot.press("s", "n", "n")
        assert pane.choice.scale == 2.0 and pane.choice.repeat == 1
        controls = text_of(app, "#cmp-controls")
        for word in ("cpu", "3.13, 3.12, 3.14t", "2", "view matrix"):
            assert word in controls
        await pilot.press("m")
        assert pane.choice.sweep_mode is Mode.THREADS, "m is for the scaling view"
        await pilot.press("v", "m", "plus")
        assert pane.view == "scaling" and app.query_one("#cmp-scaling").display
        assert pane.choice.sweep_mode is Mode.PROCESSES and pane.choice.sweep_max == 5
        controls = text_of(app, "#cmp-controls")
        assert "processes" in controls and "1-5" in controls and "python 3.13" in controls


async def test_picker_keeps_at_least_one_interpreter(tmp_path) -> None:
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("i")
        picker = app.query_one(InterpreterPicker)
        options = app.query_one(SelectionList)
        assert picker.display and app.focused is options
        prompts = [str(options.get_option_at_index(n).prompt) for n in range(2)]
        assert "current" in prompts[0] and "free-threaded" in prompts[1]
        assert options.highlighted == 0
        await pilot.press("space")
        await wait_for(pilot, lambda: pane.choice.paths == ("/py/3.14t",))
        await pilot.press("down", "space")  # the last one: it comes back
        await pilot.pause(0.1)
        await wait_for(pilot, lambda: options.selected == ["/py/3.14t"])
        assert pane.choice.paths == ("/py/3.14t",)
        assert any("At least one" in n.message for n in app._notifications)
        await pilot.press("escape")
        assert not picker.display and app.focused is app.query_one("#cmp-controls")
        # a rescan keeps what the user picked
        pane.set_interpreters([PY313, PY314T, BROKEN])
        assert pane.choice.paths == ("/py/3.14t",)


async def test_waits_for_interpreters(tmp_path) -> None:
    app = PaneApp(services(tmp_path, FakeRuns()), None)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        assert "looking" in text_of(app, "#cmp-progress").lower()
        await pilot.press("r")
        assert not pane.running
        pane.set_interpreters([PY313])
        await pilot.pause()
        assert "r runs 1 python x 4 modes x 3 = 12 runs" in text_of(app, "#cmp-progress")
        pane.set_interpreters([PY313, interp("/py/3.11", "3.11.9")])
        await pilot.pause()
        assert "r runs 2 pythons x 3-4 modes x 3 = 21 runs" in text_of(app, "#cmp-progress")


# ---------------------------------------------------------------- the matrix


async def test_fake_matrix_fills_table_chart_and_verdict(tmp_path) -> None:
    fake = FakeRuns()
    app = PaneApp(services(tmp_path, fake), [PY313, PY314T, BROKEN])
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(ComparePane)
        await run_matrix(pilot, pane)
        table = rows(app)
        assert len(table) == 12
        assert table[0][:7] == ["3.13 GIL", "sequential", "1", "2.00 s", "1.98-2.10", "1.00x",
                                "1.00"]
        assert table[1][5] == "0.97x" and table[2][5] == "1.89x"
        assert table[3][1:2] + table[3][5:6] == ["subinterp.", "1.79x"]
        assert table[8][0] == "3.14t GIL off" and table[9][5] == "1.92x"
        assert table[9][7] == "ok"
        for row in table[4:8]:  # the broken interpreter: its reason, the others went on
            assert "failed to start: no such file" in row[7]
        chart = text_of(app, "#cmp-chart")
        assert "3.14t · free-threaded, GIL off" in chart and "ideal = 2 cores" in chart
        assert "1.92x" in chart and "failed" in chart
        verdict = text_of(app, "#cmp-verdict")
        assert "On 3.14t threads scaled 1.92x; on 3.13 they did not (0.97x)." in verdict
        assert "3.12 failed (every mode)" in verdict
        assert "done: 24 runs in 0 s · 4 cells failed" in text_of(app, "#cmp-progress")
        assert "on here (2 cores)" in text_of(app, "#cmp-caption")
        assert not pane.book.tables[0][0].cancelled
        entries, _ = HistoryStore(tmp_path / "history.jsonl", machine=HERE).load()
        assert len(entries) == 24 and {e.source for e in entries} == {"compare"}
        assert pane.check_action("cancel", ()) is None
        await pilot.press("w")  # answering keys after the run
        assert pane.choice.workload is Workload.IO


async def test_cancel_stops_the_matrix(tmp_path) -> None:
    fake = FakeRuns(delay=0.05, later_delay=3600)  # the second run can never finish by itself
    app = PaneApp(services(tmp_path, fake), [PY313, PY314T])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("r")
        await wait_for(pilot, lambda: len(fake.calls) >= 2)
        assert pane.check_action("cancel", ()) is True
        assert "run 2 of 24" in text_of(app, "#cmp-progress")
        await pilot.press("x")
        await wait_for(pilot, lambda: not pane.running, 30)
        result = pane.book.tables[0][0]
        assert result.cancelled and len(fake.calls) == 2
        assert "cancelled after 1 of 24 runs" in text_of(app, "#cmp-progress")
        assert [r[7] for r in rows(app)][1:] == ["cancelled"] * 7
        assert "cancelled" in text_of(app, "#cmp-verdict")


async def test_copy_puts_markdown_on_the_clipboard(tmp_path) -> None:
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        assert pane.check_action("copy", ()) is None
        await run_matrix(pilot, pane)
        await pilot.press("c")
        assert app.clipboard.startswith("**cpu: 2 workers")
        assert "| 3.14t | off (free-threaded) | threads | 2 |" in app.clipboard
        message = app.query_one("#cmp-progress-row").message.full  # said in the tab's line
        assert ("gil-tui compare cpu --python /py/3.13 --python /py/3.14t --workers 2 "
                "--scale 1 --repeat 3 --markdown") in message


async def test_core_bars_show_ours_and_other_programs_in_two_shades(tmp_path) -> None:
    """13.9: Compare's bars were one colour; like Live's, other programs' share is drawn in
    its own shade (readable without colour) with the same legend."""
    from gil_tui.ui.widgets.core_bars import SHADE

    app = PaneApp(services(tmp_path, FakeRuns(), own_cpu=lambda: 0.0), cores=None)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        bars = app.query_one(CompactCores)
        pane.show_cores([97.0, 60.0])  # nothing of ours runs: all of it is other programs
        await pilot.pause()
        drawn = str(bars.render())
        assert SHADE * 10 in drawn and "█" * 10 not in drawn.split("\n")[0], drawn
        assert "other programs 1.6 cores" in drawn and "█ gil-tui" in drawn, drawn
        assert bars.outer_size.height == 3, "two cores and the legend"
        # not measured (own_cpu None, as in the snapshots): one shade, no legend, as before
    app = PaneApp(services(tmp_path, FakeRuns()), cores=None)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(ComparePane).show_cores([97.0, 60.0])
        await pilot.pause()
        assert SHADE not in str(app.query_one(CompactCores).render())


async def test_show_cores_only_while_the_matrix_view_is_on_show(tmp_path) -> None:
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313], cores=None)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        bars = app.query_one(CompactCores)
        pane.show_cores([50.0, 60.0])
        assert bars.percents == (50.0, 60.0)
        await pilot.press("v")
        pane.show_cores([1.0, 2.0])
        assert bars.percents == (50.0, 60.0)


# ---------------------------------------------------------------- real runs


async def test_real_tiny_matrix_leaves_no_process(tmp_path) -> None:
    before = descendants()
    app = PaneApp(services(tmp_path), [probe(sys.executable, "current")])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        pane.choice = pane.choice.replace(scale=0.02, repeat=1)
        await run_matrix(pilot, pane, timeout=60)
        result = pane.book.tables[0][0]
        ran = [c for c in result.cells if c.status != "skipped"]  # subinterpreters: 3.12+
        assert [c.status for c in ran] == ["ok"] * len(ran), [c.error for c in result.cells]
        assert len(ran) >= 3 and all(c.speedup and c.speedup > 0 for c in ran)
        assert len(rows(app)) == len(ran) and text_of(app, "#cmp-verdict")
    assert descendants() <= before


async def test_real_cancel_leaves_no_process(tmp_path) -> None:
    before = descendants()
    app = PaneApp(services(tmp_path), [probe(sys.executable, "current")])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        pane.choice = pane.choice.replace(scale=2.0, repeat=1)
        await pilot.press("r")
        await wait_for(pilot, lambda: descendants() - before, 30)
        await pilot.press("x")
        await wait_for(pilot, lambda: not pane.running, 10)
        await wait_for(pilot, lambda: not (descendants() - before), 5)
        assert pane.book.tables[0][0].cancelled
    assert descendants() <= before


async def test_quit_mid_matrix_leaves_no_process(tmp_path) -> None:
    before = descendants()
    app = PaneApp(services(tmp_path), [probe(sys.executable, "current")])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        pane.choice = pane.choice.replace(scale=3.0, repeat=1)
        await pilot.press("r")
        await wait_for(pilot, lambda: descendants() - before, 30)
        children = descendants() - before
        await pilot.press("q")
    alive = [pid for pid in children if psutil.pid_exists(pid)
             and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert alive == [] and descendants() <= before


# ---------------------------------------------------------------- scaling view


async def test_scaling_view_shows_points_plot_and_fit(tmp_path) -> None:
    app = PaneApp(services(tmp_path, AmdahlRuns()), [PY313, PY314T])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("v")
        await run_matrix(pilot, pane)
        # threads on a GIL build, CPU work: 1.8x is noise, and no serial fraction is fitted
        fit = text_of(app, "#cmp-fit")
        assert "the GIL caps this work at 1 core" in fit and "ran in parallel" not in fit
        assert "threads with 1-4 workers on 3.13.1 · 2 cores" in text_of(app, "#cmp-sweep-caption")
        await pilot.press("m")  # processes: the fit
        assert pane.choice.sweep_mode is Mode.PROCESSES
        await run_matrix(pilot, pane)
        result = app.query_one(ScalingView).result
        assert [p.workers for p in result.points] == [1, 2, 3, 4]
        assert [r[0] for r in rows(app, "#cmp-points")] == ["1", "2", "3", "4"]
        fit = text_of(app, "#cmp-fit")
        assert "About 90% of this work ran in parallel" in fit
        plot = text_of(app, "#cmp-plot")
        assert plot.count("●") == 4 + 1 and "Amdahl fit" in plot and "ideal (2 cores)" in plot
        await pilot.press("c")
        assert "| 4 |" in app.clipboard
        # two points: no fit, and the view says so
        await pilot.press("minus", "minus")
        assert pane.choice.sweep_max == 2
        await run_matrix(pilot, pane)
        assert "No Amdahl fit: only 2 measured points" in text_of(app, "#cmp-fit")
        assert "(no fit)" in text_of(app, "#cmp-plot")


# ---------------------------------------------------------------- history


def _result(path: str, mode: str, wall: float, *, started: float, cores: int = 2,
            workers: int = 2) -> RunResult:
    spec = RunSpec("cpu", mode, workers=workers, scale=0.5, python=path)
    return RunResult(spec, info_for(path, cores), wall_s=wall, startup_s=0.0, cpu_s=wall,
                     workers=(), tasks=8, started_at=started)


async def test_history_reload_labels_imported_tables(tmp_path) -> None:
    store = HistoryStore(tmp_path / "history.jsonl", machine=HERE)
    for mode, wall in (("sequential", 2.0), ("threads", 2.1)):
        store.append(_result("/py/3.13", mode, wall, started=1000.0), source="compare",
                     matrix="m-here")
    there = [HistoryEntry(_result("/py/3.14t", mode, wall, started=2000.0, cores=16,
                                  workers=16), THERE, "compare", "m-there").as_imported()
             for mode, wall in (("sequential", 16.0), ("threads", 1.25))]
    store.append_entries(there)
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("h")
        await wait_for(pilot, lambda: len(pane.book) == 2)
        await pilot.pause()
        caption = text_of(app, "#cmp-caption")  # newest first: the imported one
        assert "History 1/2" in caption and "imported from laptop16 (16 cores)" in caption
        assert "laptop16 (16 cores)" in text_of(app, "#cmp-chart")
        assert [r[5] for r in rows(app)] == ["1.00x", "12.8x"]
        assert "laptop16" in app.query_one("#cmp-progress-row").message.full
        await pilot.press("right_square_bracket")
        caption = text_of(app, "#cmp-caption")
        assert "History 2/2" in caption and "on here (2 cores)" in caption
        assert "imported" not in caption and "laptop16" not in text_of(app, "#cmp-chart")
        assert [r[5] for r in rows(app)] == ["1.00x", "0.95x"], "never mixed with the 16 cores"
        await pilot.press("c")
        assert "gil-tui results --markdown" in app.query_one("#cmp-progress-row").message.full


# ---------------------------------------------------------------- pure parts


def test_choice_workers_step_back_to_auto_and_command_line() -> None:
    choice = CompareChoice(workload=Workload.CPU)
    assert choice.workers_text(cores=2) == "auto (2)"
    assert choice.add_workers(1, 2).workers == 3
    assert choice.add_workers(1, 2).add_workers(-1, 2).workers is None
    assert choice.next_workload().workers is None
    assert CompareChoice(workload=Workload.IO).workers_text() == "auto (16)"
    assert choice.add_sweep_max(-5, 2).sweep_max == 2
    command = compare_command("cpu", ["/a b/python"], workers=2, scale=0.5, repeat=3)
    assert command == "gil-tui compare cpu --python '/a b/python' --workers 2 --scale 0.5 " \
                      "--repeat 3 --markdown"
    assert "--scale" not in compare_command("io", ["p"], workers=None, scale=1, repeat=1)


def test_formats() -> None:
    assert span(2.38, 2.45, 3) == "2.38-2.45" and span(0.38, 0.41, 2) == "380-410 ms"
    assert span(1.0, 1.0, 1) == "-"
    cell = Cell(Target("/x/py", "3.12.0"), Mode.THREADS, 2, status="failed",
                error="not run: /x/py failed to start: boom")
    assert failure_text(cell) == "not run: failed to start: boom"


def test_canvas_draws_dots_and_marks() -> None:
    canvas = BrailleCanvas(2, 1)
    canvas.line(0, 0, 3, 3, "a")
    assert canvas.text_rows() == ["⡠⠊"]
    canvas.mark(3, 3, "●", "b")
    assert canvas.cell(1, 0) == ("●", "b") and canvas.cell(0, 0)[1] == "a"


def _matrix(cells: dict[tuple[str, str], float], targets: list[Target]) -> MatrixResult:
    plan = MatrixPlan.make("cpu", targets, workers=2, repeat=1)
    result = MatrixResult.empty(plan, "m", {"hostname": "h", "cpu_count_usable": 2})
    for cell in result.cells:
        wall = cells.get((cell.target.path, cell.mode.value))
        if wall is None:
            cell.status, cell.error = "failed", "boom"
            continue
        cell.runs.append(_result(cell.target.path, cell.mode.value, wall, started=1.0))
        cell.status = "ok"
    result.refresh()
    return result


def test_chart_marks_the_ideal_and_scales_to_it() -> None:
    result = _matrix({("/py/3.13", "sequential"): 2.0, ("/py/3.13", "threads"): 2.0},
                     [Target("/py/3.13", "3.13.1")])
    lines = chart_text(result, 60).plain.splitlines()
    assert lines[1] == "3.13 · GIL"
    threads = lines[3]
    assert threads.startswith("  threads    ") and threads.endswith("1.00x")
    assert threads.count("│") == 1 and lines[-1].endswith("ideal = 2 cores ─┘")
    assert threads.index("│") == lines[-1].index("┘"), "marker and legend line up"
    bar = threads[13:threads.index("│")].rstrip()
    assert abs(len(bar) - (threads.index("│") - 13 + 1) / 2) <= 1, "1x is half of the ideal 2x"
    assert "failed" in lines[4], "processes failed: no bar, the word"
    assert chart_text(None, 60).plain.startswith("No matrix yet")


def test_plot_without_enough_points_says_so() -> None:
    plan = SweepPlan.make("cpu", "threads", Target("/py/3.13", "3.13.1"), cores=2,
                          max_workers=4)
    result = SweepResult(plan, baseline=[_result("/py/3.13", "sequential", 2.0, started=1)])
    result.runs[2] = [_result("/py/3.13", "threads", 1.0, started=1)]
    text = plot_text(result, 60, 10).plain
    assert text.count("●") == 1 + 1 and "(no fit)" in text and "x: workers" in text
    assert len(text.splitlines()) == 10
    assert plot_text(None, 60, 10).plain.startswith("No sweep yet")


async def test_compact_cores_stay_small_with_many_cores() -> None:
    class CoresApp(App[None]):
        def compose(self) -> ComposeResult:
            yield CompactCores()

    app = CoresApp()
    async with app.run_test(size=(80, 10)) as pilot:
        bars = app.query_one(CompactCores)
        bars.push([50.0] * 64)
        await pilot.pause()
        assert bars.size.height <= 2
        assert "avg  50%" in str(bars.render())
        bars.push([97.0, 12.0])
        await pilot.pause()
        assert "CPU1" in str(bars.render()) and bars.size.height == 2


# ---------------------------------------------------------------- snapshots


async def _finished_matrix(pilot) -> None:
    pane = pilot.app.query_one(ComparePane)
    await run_matrix(pilot, pane)
    pilot.app.clear_notifications()
    await pilot.pause(0.3)


async def test_scroll_keys_scroll_the_view_and_the_focus_stays_on_the_controls(
        tmp_path) -> None:
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T, BROKEN])
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ComparePane)
        await run_matrix(pilot, pane)
        view = app.query_one("#cmp-matrix")
        assert view.max_scroll_y > 0, "at 80x24 the matrix is taller than the screen"
        await pilot.press("end")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("pageup", "home")
        await pilot.pause()
        assert view.scroll_y == 0
        await pilot.press("v")
        await pilot.pause()
        assert app.focused is app.query_one("#cmp-controls")
        assert pane.view == "scaling"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_finished_matrix_snapshot(snap_compare, tmp_path, size) -> None:
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T, BROKEN])
    assert snap_compare(app, terminal_size=size, run_before=_finished_matrix)


# ---------------------------------------------------------------- issue 13 and 15


class Terminal:
    """What Textual wrote to the terminal, update after update (cursor moves and text)."""

    def __init__(self, app: App) -> None:
        width, height = app.size
        self.console = Console(width=width, height=height, force_terminal=True,
                               color_system="truecolor", legacy_windows=False)
        self.cells = [[" "] * width for _ in range(height)]
        display = app._display

        def record(screen, renderable) -> None:
            if renderable is not None:
                self.feed(renderable)
            return display(screen, renderable)

        app._display = record

    def feed(self, renderable) -> None:
        x = y = 0
        for segment in self.console.render(renderable):
            for code in segment.control or ():
                if code[0] == ControlType.CURSOR_MOVE_TO:
                    x, y = code[1], code[2]
            if segment.control:
                continue
            for char in segment.text:
                if char == "\n":
                    x, y = 0, y + 1
                    continue
                if 0 <= y < len(self.cells) and 0 <= x < len(self.cells[0]):
                    self.cells[y][x] = char
                x += 1

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.cells]


def drawn(app: App) -> list[str]:
    """What the screen should show now, drawn whole."""
    whole = Terminal.__new__(Terminal)
    whole.console = Console(width=app.size.width, height=app.size.height, force_terminal=True,
                            color_system="truecolor", legacy_windows=False)
    whole.cells = [[" "] * app.size.width for _ in range(app.size.height)]
    whole.feed(app.screen._compositor.render_update(full=True))
    return whole.lines()


async def test_an_expired_notification_is_erased_from_the_verdict(tmp_path) -> None:
    """13.7: End, then c: the toast stayed drawn over the verdict once it expired, because
    the core bars (scrolled out of sight) were refreshed 4 times a second."""
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T, BROKEN])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        pane = app.query_one(ComparePane)
        await run_matrix(pilot, pane)
        app.clear_notifications()
        terminal = Terminal(app)
        await pilot.press("end")
        await pilot.pause(0.2)
        await pilot.press("c")
        await pilot.pause(0.3)
        assert any("Copied" in line for line in terminal.lines())
        for _ in range(3):  # the app samples the cores all the time
            pane.show_cores([50.0, 60.0])
            await pilot.pause(0.05)
        app.query_one("#cmp-progress-row").message.clear()  # what its timer does
        await pilot.pause(0.3)
        assert not any("Copied" in line for line in terminal.lines())
        assert terminal.lines() == drawn(app)
        await pilot.press("home")  # the bars come back into sight, and are drawn again
        pane.show_cores([10.0, 90.0])
        await pilot.pause(0.2)
        assert terminal.lines() == drawn(app)


def _sweep_entries(store: HistoryStore) -> None:
    """A sweep of processes on 3.13, 1-4 workers, saved as the scaling view saves it."""
    for workers, wall in ((None, 2.0), (1, 2.0), (2, 1.1), (3, 1.05), (4, 1.0)):
        mode = "sequential" if workers is None else "processes"
        store.append(_result("/py/3.13", mode, wall, started=3000.0 + (workers or 0),
                             workers=workers or 1), source="compare", matrix="sweep-1")


async def test_a_sweep_in_the_history_is_drawn_as_a_sweep(tmp_path) -> None:
    """13.3: it was drawn as a matrix ("1 workers", "ideal = 1 workers")."""
    store = HistoryStore(tmp_path / "history.jsonl", machine=HERE)
    for mode, wall in (("sequential", 2.0), ("threads", 2.1)):
        store.append(_result("/py/3.13", mode, wall, started=1000.0), source="compare",
                     matrix="m-here")
    _sweep_entries(store)
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("h")
        await wait_for(pilot, lambda: len(pane.book) == 2)
        await pilot.pause()
        caption = text_of(app, "#cmp-caption")  # newest first: the sweep
        assert "History 1/2" in caption and "scaling sweep" in caption
        assert "processes with 1-4 workers on 3.13.1" in caption
        assert not app.query_one("#cmp-chart").display
        assert not app.query_one("#cmp-table").display
        assert app.query_one("#cmp-hist-plot").display
        plot = text_of(app, "#cmp-hist-plot")
        assert plot.count("●") == 4 + 1 and "ideal (2 cores)" in plot
        assert [r[0] for r in rows(app, "#cmp-hist-points")] == ["1", "2", "3", "4"]
        assert "ran in parallel" in text_of(app, "#cmp-hist-fit")
        assert "1 workers" not in caption + plot
        await pilot.press("c")
        assert "| 4 |" in app.clipboard
        await pilot.press("right_square_bracket")  # the matrix: drawn as a matrix again
        await pilot.pause()
        assert app.query_one("#cmp-chart").display and not app.query_one("#cmp-hist-sweep").display
        assert [r[5] for r in rows(app)] == ["1.00x", "0.95x"]


async def test_h_and_escape_come_back_from_the_history(tmp_path) -> None:
    """13.15: h again reloaded the history (1/N), escape did nothing, and w left the old
    table on show."""
    store = HistoryStore(tmp_path / "history.jsonl", machine=HERE)
    _sweep_entries(store)
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        bar = app.query_one(KeyBar)
        await run_matrix(pilot, pane)
        assert "Back" not in {item.description for item in bar.shown}

        async def into_history() -> None:
            await pilot.press("h")
            await wait_for(pilot, lambda: pane.book.in_history)
            await pilot.pause()
            assert "History 1/" in text_of(app, "#cmp-caption")

        def back() -> bool:
            return not pane.book.in_history and text_of(app, "#cmp-caption").startswith(
                "This matrix")

        await into_history()
        keys = {item.description: item.key for item in bar.shown}
        assert keys.get("Back") == "escape", "the key bar says how to leave"
        await pilot.press("escape")
        await wait_for(pilot, back)
        assert "Back" not in {item.description for item in bar.shown}
        await into_history()
        await pilot.press("h")  # h again: back, not the history once more
        await wait_for(pilot, back)
        await into_history()
        await pilot.press("w")  # what r runs changed: back to the current matrix
        await wait_for(pilot, back)
        assert pane.choice.workload is Workload.IO


async def test_picker_rows_say_ticked_or_not_in_characters(tmp_path) -> None:
    """13.13: every row showed the same ▐X▌, ticked or not, only its colour differed."""
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T, BROKEN])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        pane.choice = pane.choice.replace(paths=("/py/3.13", "/py/3.14t"))
        await pilot.press("i")
        await pilot.pause()
        options = app.query_one("#cmp-picker SelectionList")
        lines = [options.render_line(y).text for y in range(3)]
        assert lines[0].startswith("[x] 3.13") and lines[1].startswith("[ ] 3.12")
        assert lines[2].startswith("[x] 3.14")
        assert "X" not in "".join(line[:3] for line in lines)


async def test_scaling_view_sweeps_the_one_interpreter_chosen(tmp_path) -> None:
    """13.14: the sweep took the first ticked interpreter, in a box titled "Interpreters in
    the matrix"; it takes one, chosen as one."""
    fake = FakeRuns()
    app = PaneApp(services(tmp_path, fake), [PY313, PY314T])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("v", "i")
        picker = app.query_one("#cmp-sweep-picker", InterpreterPicker)
        assert picker.display and not app.query_one("#cmp-picker").display
        assert picker.border_title == "Interpreter to sweep"
        options = picker.options
        assert [options.render_line(y).text[:3] for y in range(2)] == ["(•)", "( )"]
        await pilot.press("down", "space")
        await wait_for(pilot, lambda: pane.choice.sweep_path == "/py/3.14t")
        assert options.selected == ["/py/3.14t"], "one at a time"
        assert [options.render_line(y).text[:3] for y in range(2)] == ["( )", "(•)"]
        await pilot.press("space")  # the chosen one stays chosen
        await pilot.pause(0.1)
        assert options.selected == ["/py/3.14t"]
        assert pane.choice.paths == ("/py/3.13", "/py/3.14t"), "the matrix keeps its ticks"
        await pilot.press("escape")
        assert "python 3.14t" in text_of(app, "#cmp-controls")
        assert "on 3.14t with 1 to 4 workers" in text_of(app, "#cmp-progress")
        await run_matrix(pilot, pane)
        assert {spec.python for spec in fake.calls} == {"/py/3.14t"}
        await pilot.press("v", "i")  # the matrix view has its own picker
        assert app.query_one("#cmp-picker").border_title == "Interpreters in the matrix"


def test_progress_line_with_time_left_fits_80_columns() -> None:
    """13.12: a matrix of 54 runs gave no estimate, and its line was cut at 80 columns."""
    targets = [Target(f"/py/3.{n}", f"3.{n}.1") for n in range(8, 14)] + \
        [Target("/py/3.14t", "3.14.0", True, False)]
    plan = MatrixPlan.make("cpu", targets, workers=2, repeat=3)
    cell = Cell(targets[-1], Mode.PROCESSES, 2)
    progress = MatrixProgress(40, plan.total_runs, "start", cell, 3, eta_s=70.0,
                              elapsed_s=80.0)
    total = plan.total_runs  # 72: subinterpreters skipped before 3.12
    full = running_text(progress, plan, 83.0, 70.0)
    assert full == (f"run 41 of {total} · 3.14t processes (2 workers) · pass 3 of 3 · "
                    "1 m 23 s · ~1 m 10 s left")
    room = 80 - 2 - 15 - 1  # padding, the bar and its percentage, the gap
    short = running_text(progress, plan, 83.0, 70.0, width=room)
    assert len(short) <= room and short.startswith(f"41/{total}") and "~1 m 10 s left" in short
    assert running_text(progress, plan, 3.0, None, width=room).endswith("· 3 s")


async def test_a_running_matrix_says_the_time_left_at_80_columns(tmp_path) -> None:
    fake = FakeRuns(delay=0.2)
    app = PaneApp(services(tmp_path, fake), [PY313, PY314T, BROKEN])
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("r")
        await wait_for(pilot, lambda: len(fake.calls) >= 3)
        await pilot.pause(0.1)
        line = app.query_one("#cmp-progress")
        text = text_of(app, "#cmp-progress")
        assert re.search(r"~\d+ s left$", text), text
        assert len(text) <= line.size.width, "it fits: nothing cut"
        assert app.query_one("#cmp-bar").size.width == 15
        await pilot.press("x")
        await wait_for(pilot, lambda: not pane.running, 5)


def _subinterpreters_matrix() -> MatrixResult:
    """3.13 and 3.12 ran subinterpreters; 3.11 cannot (the engine skips that cell)."""
    targets = [Target("/py/3.13", "3.13.1"), Target("/py/3.11", "3.11.9"),
               Target("/py/3.12", "3.12.1")]
    plan = MatrixPlan.make("cpu", targets, workers=2, repeat=1)
    result = MatrixResult.empty(plan, "m-sub", dict(HERE))
    for cell in result.cells:
        if cell.status == "skipped":
            continue
        wall = {Mode.SEQUENTIAL: 2.0, Mode.THREADS: 2.0}.get(cell.mode, 1.1)
        cell.runs.append(_result(cell.target.path, cell.mode.value, wall, started=1.0))
        cell.status = "ok"
    result.refresh()
    return result


def test_subinterpreters_rows_and_why_some_are_missing() -> None:
    """15.1: a row per interpreter that can run them; the others are named once, with why."""
    result = _subinterpreters_matrix()
    assert [c.error for c in result.cells if c.status == "skipped"] == ["needs CPython 3.12+"]
    table = [[str(c) for c in row] for row in matrix_rows(result)]
    assert len(table) == 4 + 3 + 4
    assert [row[1] for row in table].count("subinterp.") == 2
    assert table[3][1] == "subinterp." and table[3][5] == "1.82x" and table[3][7] == "ok"
    assert [row[1] for row in table[4:7]] == ["sequential", "threads", "processes"]
    words = caption(result, from_history=False).plain
    assert "subinterpreters: not on 3.11 (needs CPython 3.12+)" in words
    chart = chart_text(result, 70).plain
    assert chart.count("  subinterp. ") == 2 and "skipped" not in chart
    assert len(chart.splitlines()) == chart_height(result)


async def test_the_sweep_offers_subinterpreters_and_says_why_not_on_3_11(tmp_path) -> None:
    """15.1: the scaling view's modes include subinterpreters; on 3.11 `r` refuses, in one
    line that says what is needed."""
    py311 = interp("/py/3.11", "3.11.9", source="current")
    fake = FakeRuns()
    app = PaneApp(services(tmp_path, fake), [py311, PY313])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("v", "m", "m")
        assert pane.choice.sweep_mode is Mode.SUBINTERPRETERS
        await pilot.pause()
        idle = text_of(app, "#cmp-progress")
        assert "subinterpreters on 3.11: needs CPython 3.12+" in idle
        await pilot.press("r")
        await pilot.pause()
        assert not pane.running and fake.calls == []
        assert "needs CPython 3.12+" in app.query_one("#cmp-progress-row").message.full
        pane.choice = pane.choice.replace(sweep_path="/py/3.13", sweep_max=2)
        await run_matrix(pilot, pane)
        modes = [spec.mode.value for spec in fake.calls]  # 3 passes of workers 1 and 2
        assert modes == (["sequential"] + ["subinterpreters"] * 2) * 3


async def test_strings_from_the_history_are_cleaned(tmp_path) -> None:
    """A version, a path or a host name read from the history is not gil-tui's text: no
    escape sequence of theirs reaches the terminal."""
    evil = "\x1b]0;owned\x07\x1b[31m"
    store = HistoryStore(tmp_path / "history.jsonl", machine=HERE)
    for mode, wall in (("sequential", 2.0), ("threads", 1.0)):
        spec = RunSpec("cpu", mode, workers=2, scale=0.5, python="/py/x" + evil)
        info = InterpreterInfo("/py/x" + evil, "3.13.1" + evil, gil_enabled=True,
                               free_threaded=False, cpu_count=2)
        result = RunResult(spec, info, wall_s=wall, startup_s=0.0, cpu_s=wall, workers=(),
                           tasks=8, started_at=1000.0)
        entry = HistoryEntry(result, {**THERE, "hostname": "box" + evil}, "compare" + evil,
                             "m-evil").as_imported()
        store.append_entries([entry])
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("h")
        await wait_for(pilot, lambda: len(pane.book) == 1)
        await pilot.pause()
        shown = [text_of(app, "#cmp-caption"), text_of(app, "#cmp-chart"),
                 str(rows(app)), text_of(app, "#cmp-verdict")]
        for text in shown:
            assert "\x1b" not in text and "\x07" not in text, text
        assert "\\x1b" in shown[0] + shown[1]


# ---------------------------------------------------------------- follow-ups (issue 13, 16)


def column_starts(table: TextTable) -> list[int]:
    """Where each column's text starts on a line (one space either side of every cell)."""
    starts, x = [], 0
    for width in table.widths:
        starts.append(x + 1)
        x += width + 2
    return starts


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (200, 60)])
async def test_every_column_of_the_matrix_is_apart_from_the_next(tmp_path, size) -> None:
    """"3.11 GILsequential" in the shipped PNG was rsvg-convert dropping the leading
    spaces of each SVG text run; on screen every column stays apart, at any width."""
    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T, BROKEN])
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(ComparePane)
        await run_matrix(pilot, pane)
        table = app.query_one("#cmp-table", TextTable)
        lines = table.render().plain.splitlines()
        assert len(lines) == 1 + table.row_count
        starts = column_starts(table)
        for line in lines:
            for start in starts[1:]:
                if start < len(line):
                    assert line[start - 2:start] == "  ", (line, start)
        labels = [row[0] for row in table.plain_rows() if row[0]]
        assert "3.14t GIL off" in labels and not any("…" in label for label in labels)
        assert "3.14t GIL off  sequential" in "\n".join(lines)


async def test_a_restored_selection_survives_a_rescan(tmp_path) -> None:
    from gil_tui.settings import CompareSettings, Settings
    from gil_tui.ui.settings_bridge import restore_compare

    app = PaneApp(services(tmp_path, FakeRuns()), [PY313, PY314T, BROKEN])
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ComparePane)
        assert pane.choice.paths == ("/py/3.13", "/py/broken", "/py/3.14t")
        restore_compare(pane, Settings(compare=CompareSettings(("/py/3.14t",))))
        await pilot.pause()
        assert pane.choice.paths == ("/py/3.14t",)
        pane.set_interpreters([PY313, PY314T, BROKEN])  # R: scan again
        await pilot.pause()
        assert pane.choice.paths == ("/py/3.14t",), "the restored choice is the reader's"
        assert pane.query_one("#cmp-picker", InterpreterPicker).paths == ("/py/3.14t",)
        pane.set_interpreters([PY313, BROKEN])  # gone since: the default again
        await pilot.pause()
        assert pane.choice.paths == ("/py/3.13", "/py/broken")
