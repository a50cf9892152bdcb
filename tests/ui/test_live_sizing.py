"""The Live tab's run sizes (13.11): each workload keeps its own scale, waiting work is
sized to be watched, and `s` always says how long a run should take, or that it is
measured on the first run."""

from __future__ import annotations

from gil_tui.engine.run.spec import Mode, Workload
from gil_tui.ui.app import make_app
from gil_tui.ui.tabs.live.pane import LivePane

from .fakes import fake_services
from .test_live import calibration_for_this_python, controls, wait_for


async def test_each_workload_keeps_its_own_scale_and_shows_its_time(tmp_path) -> None:
    """13.11: a scale chosen with `s` on cpu does not carry over to sleep or io (it made
    44 ms waits and a 0.05 s run); waiting work shows its scale and time too, and its
    default run lasts long enough to watch."""
    from gil_tui.engine.run.calibration import CalibrationStore, MIN_WATCH_S, default_scale

    path = tmp_path / "calibration.json"
    CalibrationStore(path).put(calibration_for_this_python(1.1))
    services = fake_services(calibrations=lambda: CalibrationStore(path))
    app = make_app(tab="live", services=services)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.pause()
        assert pane.selection.scale == 4.5
        await pilot.press("s", "s", "s")  # 9, 18, 0.45
        assert pane.selection.scale == 0.45 and "scale 0.45 (<1 s)" in controls(app)
        waits = default_scale(Workload.SLEEP, Mode.THREADS, None)
        for workload in (Workload.IO, Workload.SLEEP):
            await pilot.press("w")
            sel = pane.selection
            assert (sel.workload, sel.scale) == (workload, waits), "not cpu's 0.45"
            assert sel.to_spec().delay_ms == 380 and sel.workers == 4
            assert "scale 3.8 (~1.5 s)" in controls(app)
            assert pane.sizes.expected_of(sel, []) >= MIN_WATCH_S
        await pilot.press("s")  # sleep's own choice: longer waits
        assert pane.selection.scale == 7.6 and "scale 7.6 (~3 s)" in controls(app)
        await pilot.press("m", "m", "m", "m")  # sequential: 16 waits of 0.76 s
        assert pane.selection.mode is Mode.SEQUENTIAL and "(~12 s)" in controls(app)
        await pilot.press("w", "w")  # hash (its default), cpu: the 0.45 chosen for it
        assert pane.selection.workload is Workload.CPU and pane.selection.scale == 0.45
        await pilot.press("w")  # io keeps its default, sleep its 7.6
        assert pane.selection.scale == 3.8
        await pilot.press("w")
        assert pane.selection.scale == 7.6


async def test_before_the_first_run_the_scale_says_it_is_measured_then(tmp_path) -> None:
    """13.11: before the interpreter is measured, `s` says so instead of showing a scale
    the run will not use ("scale 1", then 4.4); a scale chosen with `s` then runs as
    chosen, and the time of every run is known after the first."""
    from gil_tui.engine.run.calibration import CalibrationStore

    path = tmp_path / "calibration.json"
    app = make_app(tab="live", services=fake_services(calibrations=lambda: CalibrationStore(path)))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LivePane)
        await pilot.pause()
        assert "scale auto (measured on first run)" in controls(app)
        await pilot.press("s")
        assert pane.selection.scale == 2.0
        assert "scale 2 (measured on first run)" in controls(app)
        pane.selection = pane.selection.replace(mode=Mode.SEQUENTIAL)  # no baseline run
        await pilot.press("r")
        await wait_for(pilot, lambda: not pane.running and len(pane.session.records) == 1)
        assert pane.session.records[0].spec.scale == 2.0, "the scale chosen, not the default"
        assert pane.selection.scale == 2.0 and "scale 2 (~" in controls(app)
        assert "measured" not in controls(app)
