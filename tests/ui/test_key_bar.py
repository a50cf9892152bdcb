"""The key bar at the bottom: what it shows for each tab and state, and clicks on it."""

from __future__ import annotations

from gil_tui.engine.run.spec import Workload
from gil_tui.ui.app import make_app
from gil_tui.ui.tabs.live.pane import LivePane
from gil_tui.ui.widgets.key_bar import KeyBar

from .fakes import fake_services


def shown(bar: KeyBar) -> dict[str, bool]:
    """description -> enabled, for the keys drawn in the bar."""
    return {item.description: item.enabled for item in bar.shown}


async def test_keys_follow_the_tab_and_cancel_is_off_while_idle() -> None:
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        keys = shown(bar)
        assert keys["Run"] is True and keys["Cancel"] is False
        text = bar.render().plain
        assert text.startswith(" r Run  x Cancel ")
        assert text.rstrip().endswith("^p palette")
        assert len(text) == 100
        await pilot.press("1")
        await pilot.pause()
        keys = shown(bar)
        assert "Next" in keys and "Run" not in keys


async def test_cancel_turns_on_for_a_run_and_off_after_it() -> None:
    app = make_app(tab="live", services=fake_services(delay=0.05))
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.query_one(KeyBar)
        pane = app.query_one(LivePane)
        await pilot.press("r")
        await pilot.pause(0.1)
        assert pane.running and shown(bar)["Cancel"] is True
        for _ in range(100):
            if not pane.running:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        assert not pane.running and shown(bar)["Cancel"] is False


async def test_clicking_a_key_presses_it_and_a_disabled_key_does_nothing() -> None:
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        pane = app.query_one(LivePane)
        spans = {item.description: start for start, _end, item in bar._spans}
        await pilot.click(KeyBar, offset=(spans["Workload"] + 1, 0))
        await pilot.pause()
        assert pane.selection.workload is Workload.IO
        await pilot.click(KeyBar, offset=(spans["Cancel"] + 1, 0))
        await pilot.pause()
        assert not pane.running


async def test_narrow_terminal_keeps_what_fits_and_the_palette_key() -> None:
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        text = bar.render().plain
        assert len(text) <= 60
        assert text.rstrip().endswith("^p palette")
        assert bar.shown[0].description == "Run"
        assert len(bar.shown) < len(bar.items) + 1, "some keys had no room"


async def test_the_focus_is_never_left_nowhere_so_the_tab_keys_keep_working() -> None:
    app = make_app(tab="compare", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.set_focus(None)  # what a widget hidden while focused does
        await pilot.pause()
        await pilot.pause()
        assert app.focused is app.query_one("#cmp-controls")
        assert "Run" in shown(app.query_one(KeyBar))


async def test_a_second_run_in_another_tab_is_refused() -> None:
    app = make_app(tab="live", services=fake_services(delay=0.3))
    async with app.run_test(size=(100, 30)) as pilot:
        live = app.query_one(LivePane)
        await pilot.press("r")
        await pilot.pause(0.1)
        await pilot.press("3")
        await pilot.pause()
        await pilot.pause()  # the focus moves into the Compare tab after a refresh
        assert live.running
        await pilot.press("r")
        await pilot.pause()
        from gil_tui.ui.tabs.compare.pane import ComparePane

        assert not app.query_one(ComparePane).running
        assert "Live run is under way" in app.query_one("#cmp-progress-row").message.full
