"""13.19: at 80x24, what the Compare and Interpreters tabs say goes in the tab's one-line
status, paths cut to their last part, and never in a toast over the verdict or the table.

Before the fix, a copy in Compare and an add in Interpreters were toasts drawn over the
results, their paths wrapped mid-word (``…/bin/pyt`` / ``hon3.12: 3.12.1 (GIL)``).
"""

from __future__ import annotations

import dataclasses
import re
import time

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Header, Input, TabbedContent, TabPane
from textual.widgets._toast import Toast

from gil_tui.engine.run.results import InterpreterInfo, RunResult
from gil_tui.engine.run.spec import Mode
from gil_tui.engine.system import interpreters as engine
from gil_tui.engine.history.store import HistoryStore
from gil_tui.engine.system.interpreters import Interpreter, parse_probe_output
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.compare.pane import ComparePane
from gil_tui.ui.tabs.interpreters.pane import InterpretersPane
from gil_tui.ui.text import message_text, without_paths
from gil_tui.ui.widgets.key_bar import KeyBar
from gil_tui.ui.widgets.tab_message import MessageLine
from tests.ui.test_interpreters_tab import FakeDiscover, _probe_line

SIZE = (80, 24)
LONG_313 = "/root/.pyenv/versions/3.13.0/bin/python3.13"
LONG_314T = "/root/.pyenv/versions/3.14.0t/bin/python3.14t"
LONG_312 = "/root/.pyenv/versions/3.12.1/bin/python3.12"
NAMES = ("python3.12", "python3.13", "python3.14t")
MACHINE = {"hostname": "here", "cpu_count_logical": 2, "cpu_count_usable": 2,
           "platform": "Linux-x"}


def screen_lines(app: App) -> list[str]:
    """The screen as it is drawn now, one string a row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def row_of(app: App, selector: str) -> int:
    return app.query_one(selector).region.y


def no_toast(app: App) -> bool:
    return not app._notifications and not list(app.screen.query(Toast))


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await pilot.pause(0.02)


def assert_said_in_one_line(app: App, line_selector: str, expected: str) -> str:
    """``expected`` is written whole on the status line's row of the screen, and no path
    on the screen is cut mid-word onto another row (``…/bin/pyt`` / ``hon3.12``)."""
    lines = screen_lines(app)
    row = lines[row_of(app, line_selector)]
    assert expected in row, row
    for other in lines:
        end = re.search(r"/bin/(\S*)$", other.rstrip(" ▌"))
        assert end is None or end.group(1) in NAMES, f"a path cut at the end: {other!r}"
        assert not re.match(r"\s*▌?\s*(?:t?hon|on)3\.", other), f"its end: {other!r}"
    return row


# ---------------------------------------------------------------- Compare


def interp(path: str, version: str, *, ft: bool = False) -> Interpreter:
    info = tuple(int(p) for p in version.split("."))
    return Interpreter(path, path, "pyenv", version, info, "cpython", ft, not ft, 2, False,
                       True, None)


async def fake_run(spec, *, latency_url=None, on_event=None) -> RunResult:
    ft = spec.python.endswith("t")
    wall = 2.0 if spec.mode is Mode.SEQUENTIAL else 1.2 if ft else 2.05
    info = InterpreterInfo(spec.python, "3.14.0" if ft else "3.13.0", gil_enabled=not ft,
                           free_threaded=ft, cpu_count=2)
    return RunResult(spec, info, wall_s=wall, startup_s=0.01, cpu_s=wall, workers=(),
                     tasks=spec.effective_tasks, started_at=1000.0)


class CompareApp(App[None]):
    CSS = "#main-tabs, #main-tabs > ContentSwitcher, #main-tabs TabPane { height: 1fr; }"

    def __init__(self, tmp_path) -> None:
        super().__init__()
        self.svc = Services(history=lambda: HistoryStore(tmp_path / "h.jsonl", machine=MACHINE),
                            discover=lambda: [], compare_cores=2, compare_clock=lambda: 0.0,
                            compare_run=fake_run)

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="main-tabs"):
            with TabPane("Compare", id="compare"):
                yield ComparePane(self.svc, id="compare-pane")
        yield KeyBar()

    def on_mount(self) -> None:
        pane = self.query_one(ComparePane)
        pane.set_interpreters([interp(LONG_313, "3.13.0"), interp(LONG_314T, "3.14.0", ft=True)])
        self.query_one("#cmp-controls").focus()


async def test_compare_copy_is_said_in_the_progress_line_not_over_the_verdict(tmp_path) -> None:
    app = CompareApp(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = app.query_one(ComparePane)
        await pilot.press("n", "n")  # one run per cell
        await pilot.press("r")
        await wait_for(pilot, lambda: pane.job is not None and pane.job.done
                       and not pane.running)
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause(0.1)
        assert no_toast(app), "no toast over the verdict"
        row = assert_said_in_one_line(app, "#cmp-progress", "Copied the Markdown table")
        assert "…/python3.13" in row
        assert row_of(app, "#cmp-progress") < row_of(app, "#cmp-views"), "above the results"
        # the whole command is still there, for who hovers the line
        full = app.query_one("#cmp-progress-row").message.full
        assert f"--python {LONG_313} --python {LONG_314T}" in full
        # a refusal from the run gate (r while it runs) is said there too
        await pilot.press("w")  # a new choice: what was said goes
        assert "Copied" not in screen_lines(app)[row_of(app, "#cmp-progress")]
        assert no_toast(app)


async def test_compare_errors_stay_until_the_next_message(tmp_path) -> None:
    app = CompareApp(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        line = app.query_one("#cmp-progress-row")
        line.message.say(f"Cannot read {LONG_313}/history.jsonl", "error")
        await pilot.pause()
        assert line.message._timer is None, "an error has no timer"
        assert_said_in_one_line(app, "#cmp-progress", "Cannot read …/history.jsonl")
        app.query_one(ComparePane).notify("A Live run is under way.", severity="warning")
        await pilot.pause()
        assert_said_in_one_line(app, "#cmp-progress", "A Live run is under way.")
        assert no_toast(app)


# ---------------------------------------------------------------- Interpreters


PY313 = parse_probe_output("/usr/bin/python3.13", "path",
                           _probe_line((3, 13, 0), "3.13.0 (main) [GCC 13.2.0]"))
PY312 = dataclasses.replace(
    parse_probe_output(LONG_312, "added", _probe_line((3, 12, 1), "3.12.1 (main) [GCC 12]")),
    realpath=LONG_312)


class InterpApp(App[None]):
    CSS = "#main-tabs, #main-tabs > ContentSwitcher, #main-tabs TabPane { height: 1fr; }"

    def __init__(self, discover: FakeDiscover) -> None:
        super().__init__()
        self.discover = discover

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="main-tabs"):
            with TabPane("Interpreters", id="interpreters"):
                yield InterpretersPane(id="interpreters-pane", discover=self.discover)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#interp-table", DataTable).focus()


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_interpreters_add_remove_rescan_are_said_in_the_status_line(monkeypatch) -> None:
    monkeypatch.setattr(engine, "add_path", lambda path: PY312)
    monkeypatch.setattr(engine, "remove_path", lambda path: True)
    discover = FakeDiscover(PY313)
    app = InterpApp(discover)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("a")
        app.query_one("#interp-path", Input).value = LONG_312
        await pilot.press("enter")
        await settle(pilot)
        assert no_toast(app)
        row = assert_said_in_one_line(app, "#interp-status", "Added …/python3.12: 3.12.1")
        assert row_of(app, "#interp-status") < row_of(app, "#interp-table")
        pane = app.query_one(InterpretersPane)
        assert pane.selected is PY312
        await pilot.press("d")
        await pilot.pause()
        assert no_toast(app)
        assert_said_in_one_line(app, "#interp-status", "Removed …/python3.12.")
        await pilot.press("R")
        await settle(pilot)
        assert discover.calls == 2 and no_toast(app)
        row = screen_lines(app)[row_of(app, "#interp-status")]
        assert "1 interpreter · 0 free-threaded" in row and "Removed" not in row


async def test_interpreters_refusal_to_remove_fits_the_line() -> None:
    app = InterpApp(FakeDiscover(dataclasses.replace(PY313, path=LONG_313, source="pyenv")))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert no_toast(app)
        row = assert_said_in_one_line(app, "#interp-status", "Not removable: …/python3.13")
        assert row.rstrip().endswith("not added with a."), "whole, not cut"


# ---------------------------------------------------------------- the text


def test_message_text_is_one_line_with_paths_cut() -> None:
    text = message_text(f"Copied.\nFrom: gil-tui compare cpu --python {LONG_313}", "warning")
    assert text.plain == "Copied. · From: gil-tui compare cpu --python …/python3.13"
    assert text.no_wrap and text.overflow == "ellipsis" and str(text.style) == "yellow"
    assert without_paths("Removed /a/b/python3.") == "Removed …/python3."


HOSTILE = "bad \x1b]0;TITLE\x07 \x1b[31mred\x9b2J\u202e"


def _no_controls(text: str) -> bool:
    return not any(c in text for c in ("\x1b", "\x07", "\x9b", "\u202e"))


def test_no_control_character_reaches_a_status_line_or_its_tooltip() -> None:
    """Review: messages carry text from outside (an exception, a history note, an
    interpreter's output); an escape sequence in one retitled the terminal or coloured
    the screen. The status line, its own text and the tooltip show them escaped."""
    assert _no_controls(message_text(HOSTILE, "error").plain)
    assert _no_controls(without_paths(HOSTILE))
    assert "TITLE" in message_text(HOSTILE).plain, "escaped, not dropped"


async def test_a_message_line_draws_no_control_character() -> None:
    class LineApp(App):
        def compose(self) -> ComposeResult:
            yield MessageLine("ready")

    app = LineApp()
    async with app.run_test(size=SIZE) as pilot:
        line = app.query_one(MessageLine)
        line.tell(HOSTILE, "error")
        await pilot.pause()
        drawn = screen_lines(app)[line.region.y]
        assert "bad" in drawn and _no_controls(drawn), drawn
        assert _no_controls(str(line.tooltip)) and _no_controls(line.message.full)
        assert _no_controls(line.message.text.plain)
        line.message.clear()
        line.show(f"own {HOSTILE}")
        await pilot.pause()
        assert _no_controls(str(line.render())), line.render()
