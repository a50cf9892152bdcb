"""The Live tab: keys, real tiny runs, cancelling, failures, and no orphans."""

from __future__ import annotations

import sys
import time

import psutil
import pytest

from gil_tui.engine.history.store import HistoryStore
from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.spec import Mode, Workload
from gil_tui.ui.app import make_app
from gil_tui.ui.selection import Selection
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.live.pane import LivePane
from gil_tui.ui.widgets.core_bars import CoreBars
from gil_tui.ui.tabs.live.results_table import ResultsTable

from .fakes import FAKE_STARTED_AT, fake_services


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
        assert pane.selection.workers == 4, "I/O workloads start with several at once"
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
        assert pane.sampler.hz == 1.0
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


async def test_a_live_run_keeps_the_time_it_started(tmp_path) -> None:
    """The Live tab builds its results where `gil-tui bench` does (the engine's drive()):
    the history has the time each run started and the interpreter its runner used."""
    store = tmp_path / "history.jsonl"
    here = {"hostname": "here", "cpu_count_usable": 2}
    services = fake_services(history=lambda: HistoryStore(store, machine=here))
    app = make_app(tab="live", services=services)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await wait_for(pilot, lambda: not pane.running and len(pane.session.records) == 2)
    entries, warnings = HistoryStore(store, machine=here).load()
    assert not warnings and [e.source for e in entries] == ["live", "live"]
    assert [e.result.spec.mode for e in entries] == [Mode.SEQUENTIAL, Mode.THREADS]
    assert [e.result.started_at for e in entries] == [FAKE_STARTED_AT] * 2, \
        "the start of each run, not the time it finished"
    assert {e.result.interpreter.path for e in entries} == {sys.executable}


async def test_run_refused_while_running() -> None:
    app = make_app(tab="live", services=fake_services(delay=0.2))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await pilot.pause(0.1)
        assert pane.running
        await pilot.press("r")
        await pilot.pause()
        assert "under way" in status_text(app), "said in the status line"
        assert not app._notifications, "no toast over the results"
        await pilot.press("x")
        await wait_for(pilot, lambda: not pane.running)
        assert pane.session.records[-1].cancelled


def status_text(app) -> str:
    return str(app.query_one("#live-status #status-text").render())


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
        await pilot.press("x")
        # the run cannot end by itself in time (a 15 s baseline's work): what ended it,
        # and every process it started, was the cancel
        await wait_for(pilot, lambda: not pane.running, 10)
        await wait_for(pilot, lambda: not (descendants() - before), 5)
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
        await wait_for(pilot, lambda: pane.runs.runner is not None and pane.runs.runner.pid, 30)
        pid = pane.runs.runner.pid
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
        assert "no start method works here" in panel_text(app)
        await pilot.press("escape")
        await pilot.press("w")
        assert pane.selection.workload is Workload.IO


def fake_costs() -> "CostsResult":
    from gil_tui.engine.demos.costs_result import CostsResult, KindCost

    def kind(kind, method, median, rss, private=None, vm=None, ratio=None):
        return KindCost(kind, method, 20, median, median, median, median * 0.9, median * 1.2,
                        median * 3, ratio, rss, private, vm, "proc")

    return CostsResult(
        python="/opt/very/long/path/to/some/interpreter/bin/python3.13", version="3.13.1",
        implementation="cpython", free_threaded=False, gil_enabled=True, cpu_count=2,
        platform="linux", repeat=20, default_method="forkserver",
        measured_at="2026-01-01T00:00:00+00:00",
        thread=kind("thread", None, 60e-6, 70_000, vm=8 * 2**20),
        processes=(kind("process", "fork", 2.1e-3, 11 * 2**20, 2**20, ratio=35),
                   kind("process", "spawn", 31e-3, 14 * 2**20, 9 * 2**20, ratio=516),
                   kind("process", "forkserver", 4.3e-3, 12 * 2**20, 2**20, ratio=72)),
        errors={}, total_s=1.5)


def panel_text(app) -> str:
    from gil_tui.ui.tabs.live.costs import CostsPanel

    return app.query_one(CostsPanel).plain()


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_costs_have_a_panel_of_their_own(monkeypatch, size) -> None:
    """`c` opens a panel in place of the workers and results, its table fits the width
    (no wrapped rows), and `c` or Escape closes it (13.20)."""
    import gil_tui.engine.demos.costs as costs

    monkeypatch.setattr(costs, "run_costs", lambda *a, **k: fake_costs())
    monkeypatch.setattr(costs, "remember", lambda result: None)
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("c")
        await wait_for(pilot, lambda: not pane.running, 10)
        await pilot.pause()
        panel = app.query_one("#live-costs")
        assert panel.display and panel.region.height >= 8
        assert not app.query_one("#live-results").display
        assert not app.query_one("#live-workers").display
        text = panel_text(app)
        rows = [line for line in text.splitlines()
                if line.lstrip().startswith(("thread ", "fork", "spawn"))]
        assert len(rows) == 4, text
        assert all(line.rstrip().endswith(("-", "MiB")) for line in rows), "not wrapped"
        assert "forkserver *" in text
        head = text.splitlines()[0] + text.splitlines()[1]
        assert ("/opt/very" in head) == (size[0] > 100), "the path cut to fit a narrow panel"
        await pilot.press("escape")
        await pilot.pause()
        assert not panel.display and app.query_one("#live-results").display
        await pilot.press("c")
        await wait_for(pilot, lambda: not pane.running, 10)
        await pilot.press("c")
        await pilot.pause()
        assert not panel.display, "c closes it too"
        assert not app._notifications


def test_runs_started_from_the_app_use_the_app_priority_setting() -> None:
    from gil_tui.engine.run.spec import RunSpec
    from gil_tui.ui.services import WORKER_NICE

    runner = Services().runner(RunSpec("sleep", "threads"), None)
    assert runner.nice == WORKER_NICE == 0, "fidelity first (see services.WORKER_NICE)"


# ------------------------------------------------------------------ issues 13 and 15


class SharedMeter:
    """A ShareMeter for which other programs kept 0.8 cores busy."""

    def stop(self, worker_cpu_s):
        from gil_tui.engine.run.share import Share

        return Share(wall_s=1.0, machine_busy_s=worker_cpu_s + 0.8, ours_s=worker_cpu_s)


async def test_the_bars_show_other_programs_and_the_sentence_says_so() -> None:
    """13.9: during a run the bars stack ours and other programs' share (▒) with a legend;
    a run on a shared machine is explained as such, marked in the results, in the warning
    colour; between runs the whole load of an otherwise idle machine is other programs'."""
    app = make_app(tab="live", services=fake_services(delay=0.15, cores=(97.0, 60.0),
                                                      share_meter=SharedMeter,
                                                      own_cpu=lambda: 0.0))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        bars = app.query_one(CoreBars)
        await wait_for(pilot, lambda: bars.ours is not None and bars.percents)
        idle = str(bars.render())
        assert "█ gil-tui  ▒ other programs 1.6 cores" in idle
        assert "█" not in idle.splitlines()[0].split("CPU0")[1].split("%")[0], \
            "nothing runs: the load is other programs'"
        await pilot.press("r")
        await wait_for(pilot, lambda: bars.running)
        await pilot.pause(0.1)
        during = str(bars.render())
        assert "this run 1.0" in during and "▒ other programs 0.6 cores" in during
        assert "█" in during.splitlines()[0] and "▒" in during.splitlines()[0]
        await wait_for(pilot, lambda: not pane.running and len(pane.session.records) == 2)
        record = pane.session.records[-1]
        assert record.shared and record.others_cores == 0.8
        explain = app.query_one("#live-explain")
        assert "other programs used 0.8 cores" in str(explain.render()).lower()
        assert "GIL let" not in str(explain.render()), "no conclusion from a shared run"
        assert explain.has_class("-shared")
        table = app.query_one(ResultsTable)
        assert str(table.get_row_at(0)[5]).endswith("*")
        assert "other programs were busy" in str(table.border_title)


def calibration_for_this_python(cpu_s_per_scale: float):
    import platform
    import sysconfig

    from gil_tui.engine.run.calibration import Calibration
    from gil_tui.engine.text import version_label

    free = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return Calibration(python=sys.executable,
                       version=version_label(platform.python_version(), free),
                       cpu_s_per_scale=cpu_s_per_scale, hash_s_per_scale=cpu_s_per_scale / 2,
                       cores=2, gil_enabled=True)


def controls(app) -> str:
    return str(app.query_one("#live-controls").render())


async def test_runs_are_sized_by_the_kept_calibration(tmp_path) -> None:
    """13.11: the default scale makes a ~5 s sequential run of this interpreter, per
    workload; `s` shows the expected time and steps around the default; a scale chosen
    with `s` stays."""
    from gil_tui.engine.run.calibration import CalibrationStore

    path = tmp_path / "calibration.json"
    CalibrationStore(path).put(calibration_for_this_python(2.5))
    services = fake_services(calibrations=lambda: CalibrationStore(path))
    app = make_app(tab="live", services=services)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.pause()
        assert pane.selection.scale == 2.0, "5 s / 2.5 s per unit of scale"
        assert "scale 2 (~5 s)" in controls(app), "threads on a GIL build: one core"
        await pilot.press("m")  # processes x2, 8 tasks: half of it
        assert "scale 2 (~2.5 s)" in controls(app)
        await pilot.press("w", "w", "w")  # io, sleep, hash: its own speed
        assert pane.selection.workload is Workload.HASH and pane.selection.scale == 4.0
        await pilot.press("s")
        assert pane.selection.scale == 8.0 and "scale 8" in controls(app)
        await pilot.press("w")  # cpu: its own scale, not hash's
        assert pane.selection.scale == 2.0
        await pilot.press("w", "w", "w")  # io, sleep, hash: the scale chosen for it stays
        assert pane.selection.scale == 8.0


async def test_an_interpreter_never_measured_is_measured_before_its_first_run(tmp_path) -> None:
    """13.11: the probe runs through the Live tab's runner, once; the run is sized by it and
    the calibration kept."""
    from gil_tui.engine.run.calibration import CalibrationStore, default_scale

    path = tmp_path / "calibration.json"
    app = make_app(tab="live", services=fake_services(calibrations=lambda: CalibrationStore(path)))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        assert pane.selection.scale == 1.0 and "(~" not in controls(app)
        await pilot.press("r")
        await wait_for(pilot, lambda: not pane.running and len(pane.session.records) == 2)
        kept = calibration_for_this_python(1.0)
        cal = CalibrationStore(path).get(kept.python, kept.version)
        assert cal is not None, "kept for the next time"
        scale = pane.selection.scale
        assert scale == default_scale(Workload.CPU, Mode.THREADS, cal) and scale < 1.0, \
            "the replayed probe is slow: less work than scale 1"
        assert [r.spec.scale for r in pane.session.records] == [scale, scale]
        assert f"scale {scale:g} (~5 s)" in controls(app)


async def test_interpreters_are_told_apart_and_the_skipped_ones_named(tmp_path) -> None:
    """13.16: `i` says where each interpreter comes from, and which are not offered, why."""
    from .test_widgets import interp

    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    found = [interp(str(venv / "bin" / "python"), "current", "3.11.7"),
             interp("/p/2.7", "pyenv", "2.7.18", supported=False),
             interp("/p/3.6", "pyenv", "3.6.15", supported=False),
             interp("/p/3.11", "pyenv", "3.11.7")]
    app = make_app(tab="live", services=found_services(found))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await wait_for(pilot, lambda: pane.interpreters)
        assert "python 3.11.7 (GIL) · venv" in controls(app)
        await pilot.press("i")
        assert pane.selection.python == "/p/3.11"
        assert "python 3.11.7 (GIL) · pyenv" in controls(app)
        said = status_text(app)
        assert "2 of 2" in said and "Not offered: 2.7.18 and 3.6.15 (needs 3.8+)" in said
        await pilot.press("i")
        assert "· venv" in controls(app)
        assert not app._notifications


def found_services(found, delay: float = 0.0, **fields) -> Services:
    """Fake services whose interpreter scan finds ``found`` (``fields`` replaced)."""
    import dataclasses

    return dataclasses.replace(fake_services(delay=delay), discover=lambda: list(found),
                               **fields)


def live_regions(app) -> dict[str, int]:
    return {name: app.query_one(f"#live-{name}").region.height
            for name in ("workers", "results", "explain")}


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_the_workers_get_their_rows_and_the_results_the_rest(size) -> None:
    """13.18: however many results there are, a 2-process run shows both workers (and its
    main process); on a tall screen the results get the room, not blank rows under the
    workers."""
    from gil_tui.ui.tabs.live.workers_table import WorkersTable

    app = make_app(tab="live", services=fake_services(delay=0.12))
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(LivePane)
        pane.selection = Selection(workload=Workload.CPU, mode=Mode.PROCESSES, workers=2)
        for runs in range(3):
            await pilot.press("r")
            await wait_for(pilot, lambda: not pane.running
                           and len(pane.session.records) >= 2 + runs)
        await pilot.press("r")
        workers = app.query_one(WorkersTable)
        await wait_for(pilot, lambda: workers.table.row_count >= 3)  # 2 workers and main
        await pilot.pause(0.1)
        heights = live_regions(app)
        assert heights["workers"] >= 2 + workers.table.row_count, heights
        assert heights["results"] >= 3 and heights["explain"] >= 1, heights
        await wait_for(pilot, lambda: not pane.running)
        await pilot.pause(0.1)
        heights = live_regions(app)
        rows = workers.table.row_count
        assert rows == 2, "the final rows (each worker's average), not a late sample's"
        assert heights["workers"] == 2 + rows, "its rows, no blank ones"
        lower = app.query_one("#live-lower").region
        assert app.query_one("#live-explain").region.bottom <= lower.bottom
        if size == (200, 60):
            assert heights["results"] >= 30, heights
            assert app.query_one(ResultsTable).row_count == 5


async def test_many_workers_are_capped_and_scroll() -> None:
    from gil_tui.engine.run.tracker import WorkerRow
    from gil_tui.ui.tabs.live.workers_table import WorkersTable

    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        workers = app.query_one(WorkersTable)
        rows = [WorkerRow(f"w{n}", f"worker {n}", 100 + n, None, 50.0, 1, 10, None)
                for n in range(40)]
        workers.show_rows(rows)
        await pilot.pause()
        lower = app.query_one("#live-lower").region.height
        assert workers.region.height <= lower // 2 + 1
        assert app.query_one("#live-results").region.height >= 3


async def test_messages_go_to_the_status_line_short() -> None:
    """13.19: no toast covers the results; a message carries no full path."""
    def read_only():
        raise OSError(30, "Read-only file system", "/home/someone/.local/share/gil-tui/"
                                                   "history.jsonl")

    app = make_app(tab="live", services=fake_services(history=read_only))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.press("m", "m", "m", "plus")  # sequential: one worker
        assert "Sequential runs use one worker" in status_text(app)
        await pilot.press("r")
        await wait_for(pilot, lambda: not pane.running and pane.session.records)
        await pilot.pause()
        said = status_text(app)
        assert "Read-only file system" in said and "/home/someone" not in said
        assert not app._notifications


async def test_subinterpreters_are_greyed_where_they_cannot_run() -> None:
    """15.1: on CPython < 3.12 the mode is shown greyed with why, and `r` refuses it."""
    from .test_widgets import interp

    app = make_app(tab="live", services=found_services([interp("/p/3.11", "current", "3.11.7")]))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await wait_for(pilot, lambda: pane.interpreters)
        pane.selection = pane.selection.replace(python="/p/3.11", mode=Mode.SUBINTERPRETERS)
        await pilot.pause()
        assert "subinterpreters (needs CPython 3.12+)" in controls(app)
        await pilot.press("r")
        await pilot.pause()
        assert not pane.running and not pane.session.records
        assert "needs CPython 3.12+" in status_text(app)


class SubinterpreterThreads:
    """The worker's process with its two subinterpreter threads (their native ids in
    tests/ui/data/cpu_subinterpreters.jsonl), each keeping a core busy."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def sample(self):
        from gil_tui.engine.system.monitor import ProcessSample, ThreadSample, TreeSample

        threads = (ThreadSample(8840, 99.0, 1.0), ThreadSample(8841, 97.0, 1.0))
        proc = ProcessSample(self.pid, 1, "python3.12", 196.0, 30 * 2**20, 3, threads, 2.0)
        return TreeSample(0.0, (proc,), 196.0)


async def test_each_subinterpreter_is_a_worker_row_with_its_cpu() -> None:
    """15.2: a subinterpreters run shows each subinterpreter's thread as a worker row
    (native thread id, CPU %)."""
    from gil_tui.ui.tabs.live.workers_table import WorkersTable

    from .test_widgets import interp

    services = found_services([interp("/p/3.12", "pyenv", "3.12.1")], delay=0.15,
                              tree_sampler=SubinterpreterThreads)
    app = make_app(tab="live", services=services)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await wait_for(pilot, lambda: pane.interpreters)
        pane.selection = pane.selection.replace(python="/p/3.12", mode=Mode.SUBINTERPRETERS)
        await pilot.pause()
        assert "mode subinterpreters" in controls(app) and "needs" not in controls(app)
        await pilot.press("r")
        workers = app.query_one(WorkersTable)
        await wait_for(pilot, lambda: pane.run_display.tracker is not None
                       and pane.run_display.tracker.spec.mode is Mode.SUBINTERPRETERS
                       and workers.table.row_count >= 2
                       and "8841" in str(workers.table.plain_rows()))
        rows = {row[0]: row for row in workers.table.plain_rows()}
        assert rows["worker 0"][2] == "8840" and rows["worker 0"][3].strip() == "99%"
        assert rows["worker 1"][2] == "8841" and rows["worker 1"][3].strip() == "97%"
        await wait_for(pilot, lambda: not pane.running)
        assert pane.session.records[-1].ok
