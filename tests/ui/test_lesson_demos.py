"""Demos inside the lessons: a key runs real code, the output appears under the lesson."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import psutil
import pytest

import gil_tui.engine.demos.registry  # noqa: F401  (the list of demos, loaded as in the app)
from gil_tui.engine.demos.base import DemoResult
from gil_tui.engine.text import seconds
from gil_tui.ui.app import make_app
from gil_tui.ui.tabs.lessons import demo_panel
from gil_tui.ui.tabs.lessons.demo_output import demo_output
from gil_tui.ui.tabs.lessons.demo_panel import ChooseDemo, DemoPanel, choices_for
from gil_tui.ui.tabs.lessons.pane import LessonsPane
from gil_tui.ui.widgets.key_bar import KeyBar

from .fakes import fake_services

DATA = Path(__file__).parent / "data"


async def wait_for(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def recorded(name: str) -> DemoResult:
    """A demo's result as `gil-tui demo NAME --json` printed it on this machine."""
    raw = json.loads((DATA / f"demo_{name.replace('-', '_')}.json").read_text())
    return DemoResult(name=raw["name"], title=raw["title"], ok=raw["ok"],
                      summary=raw["summary"], data=raw["data"], duration=raw["duration_s"],
                      sections=[(s["title"], s["lines"]) for s in raw["sections"]])


@pytest.fixture
def fake_demos(monkeypatch):
    """Demos that answer at once with a recorded result, or wait for their stop event
    when ``hold`` is set (a demo still running)."""
    hold = threading.Event()

    def run(name: str, python, stop: threading.Event) -> DemoResult:
        if hold.is_set():
            stop.wait(10)
            return DemoResult(name=name, title=name, ok=False, summary="stopped",
                              error="the demo was stopped")
        try:
            return recorded(name)
        except FileNotFoundError:
            return DemoResult(name=name, title=name, ok=True, summary=f"{name} done",
                              sections=[("Output", [f"{name} ran"])], duration=0.25)

    monkeypatch.setattr(demo_panel, "run_choice", run)
    return hold


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
        await pilot.pause()
        panel = app.query_one(DemoPanel)
        assert panel.has_class("-shown")
        # running, or already done: a fast machine finishes it within the key press
        assert panel.running == "main-guard" or panel.result.name == "main-guard"
        await wait_for(pilot, lambda: panel.result is not None)
        assert panel.result.ok, panel.result.error
        assert "RuntimeError" in panel.output_text()
        assert "spawn" in str(panel.query_one("#demo-summary").render())
        await pilot.press("escape")
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
        assert panel.shown, "x stops a running demo and keeps what it printed"
        await pilot.press("x")
        await pilot.pause()
        assert not panel.shown, "x on a demo that has ended closes its panel"


async def test_demo_key_is_off_where_there_is_no_demo() -> None:
    app = make_app(lesson="choosing", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        pane = app.query_one(LessonsPane)
        assert not pane.demos.shown
        assert not app.query(DemoPanel), "the panel is built on the first demo only"
        assert pane.check_action("demo", ()) is False


async def test_the_panel_belongs_to_its_lesson(fake_demos) -> None:
    """`1 n d`, then `n n`: the later lessons get their whole height back (the Costs
    panel of lesson 2 once stayed open under every later lesson)."""
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("1", "n", "d")
        await pilot.pause()
        pane = app.query_one(LessonsPane)
        panel = app.query_one(DemoPanel)
        await wait_for(pilot, lambda: panel.result is not None, 10)
        assert panel.shown and panel.region.height > 0
        await pilot.press("n", "n")
        await pilot.pause(0.2)
        assert pane.lesson.slug == pane.lessons[3].slug
        assert not panel.shown and panel.region.height == 0
        assert pane.document.region.height >= 15, "the lesson has the tab to itself again"


async def test_escape_closes_the_panel_and_the_keys_are_listed(fake_demos) -> None:
    fake_demos.set()  # the demo runs until stopped
    app = make_app(lesson="free-threading", services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        assert "d" in [item.key for item in bar.shown]
        await pilot.press("d")
        await pilot.pause()
        panel = app.query_one(DemoPanel)
        assert panel.shown and panel.running == "race"
        keys = {item.key: item.description for item in bar.shown}
        assert keys.get("d") == "Demo" and keys.get("x") == "Stop" and \
            keys.get("escape") == "Close", keys
        await pilot.press("escape")
        await pilot.pause()
        assert not panel.shown and not panel.running, "escape closes it (and stops the demo)"
        assert "escape" not in [item.key for item in bar.shown]
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = app.screen.query_one("#help-text").source
        for key, what in (("d", "run the lesson's live demo"), ("x", "stop the demo"),
                          ("esc", "close the demo panel")):
            assert f"`{key}`: {what}" in help_text, key


async def test_costs_demo_says_how_long_it_took(monkeypatch) -> None:
    """It said "took 0.0 s" for a measurement of a second or more."""
    from gil_tui.engine.demos import costs

    # A small measurement (the real one, in a real worker), so that the test is short.
    for option, value in (("repeat", 2), ("script_repeat", 0), ("memory_rounds", 1),
                          ("transfer_rounds", 0), ("idle_threads", 4)):
        monkeypatch.setitem(costs.COSTS_DEFAULTS, option, value)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    app = make_app(lesson="threads-vs-processes", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        started = time.monotonic()
        await pilot.press("d")
        await pilot.pause()
        panel = app.query_one(DemoPanel)
        await wait_for(pilot, lambda: panel.result is not None, 60)
        elapsed = time.monotonic() - started
        result = panel.result
        assert result.ok, result.error
        assert 0 < result.duration <= elapsed
        status = str(panel.query_one("#demo-status").render())
        assert f"took {seconds(result.duration)}" in status
        assert "took 0.0 s" not in status
    assert not ({p.pid for p in psutil.Process().children(recursive=True)} - before)


async def test_race_table_fits_the_panel_at_80x24(fake_demos) -> None:
    """The race table was 80 columns of text in a panel 76 wide: sideways scrolling."""
    app = make_app(lesson="free-threading", services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        panel = app.query_one(DemoPanel)
        await wait_for(pilot, lambda: panel.result is not None, 10)
        await pilot.pause()
        output = panel.query_one("#demo-output")
        assert output.max_scroll_x == 0, "no sideways scrolling"
        width = panel.query_one("#demo-text").size.width
        text = panel.output_text()
        assert all(len(line.rstrip()) <= width for line in text.splitlines())
        lost = recorded("race").data["trials"][1]["lost"]
        assert f"{lost:,}" in text, "every figure is still there"


def test_demo_output_wraps_to_any_width() -> None:
    for name in ("race", "switch-interval"):
        result = recorded(name)
        for width in (56, 76, 120):
            from rich.console import Console

            console = Console(width=width, color_system=None)
            with console.capture() as capture:
                console.print(demo_output(result.name, result.sections, result.data))
            lines = capture.get().splitlines()
            assert lines and all(len(line.rstrip()) <= width for line in lines), (name, width)


async def test_switch_interval_chart_has_its_legend(fake_demos) -> None:
    app = make_app(lesson="the-gil", services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")  # switch interval
        panel = app.query_one(DemoPanel)
        await wait_for(pilot, lambda: panel.result is not None, 10)
        text = panel.output_text()
        assert "legend:" in text and "█ most work" in text
        assert text.index("legend:") < text.index("thread 0 |"), "read before the charts"
