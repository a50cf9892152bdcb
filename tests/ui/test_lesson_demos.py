"""Demos inside the lessons: a key runs real code, the output appears under the lesson."""

from __future__ import annotations

import time

import psutil

from gil_tui.ui.app import make_app
from gil_tui.ui.tabs.lessons.demo_panel import ChooseDemo, DemoPanel, choices_for
from gil_tui.ui.tabs.lessons.pane import LessonsPane

from .fakes import fake_services


async def wait_for(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def test_lessons_offer_their_demos() -> None:
    assert [c.name for c in choices_for("main-guard")] == ["main-guard"]
    assert {c.name for c in choices_for("the-gil")} == {"switch-interval", "gil-release"}
    assert [c.name for c in choices_for("free-threading")] == ["race"]
    assert [c.name for c in choices_for("threads-vs-processes")] == ["costs"]
    assert choices_for("choosing") == []


async def test_main_guard_demo_runs_from_its_lesson() -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    app = make_app(lesson="main-guard", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        panel = app.query_one(DemoPanel)
        assert panel.has_class("-shown") and panel.running == "main-guard"
        await wait_for(pilot, lambda: panel.result is not None)
        assert panel.result.ok, panel.result.error
        text = str(panel.query_one("#demo-text").render())
        assert "RuntimeError" in text
        assert "spawn" in str(panel.query_one("#demo-summary").render())
        await pilot.press("c")
        await pilot.pause()
        assert not panel.has_class("-shown")
    assert not ({p.pid for p in psutil.Process().children(recursive=True)} - before)


async def test_a_lesson_with_two_demos_asks_which_and_x_stops() -> None:
    app = make_app(lesson="the-gil", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ChooseDemo)
        await pilot.press("enter")  # the first: switch interval
        await pilot.pause()
        panel = app.query_one(DemoPanel)
        assert panel.running == "switch-interval"
        await pilot.press("x")
        await wait_for(pilot, lambda: panel.result is not None, 10)
        assert not panel.result.ok and "stopped" in (panel.result.error or "")


async def test_demo_key_is_off_where_there_is_no_demo() -> None:
    app = make_app(lesson="choosing", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert not app.query_one(DemoPanel).has_class("-shown")
        assert app.query_one(LessonsPane).check_action("demo", ()) is False
