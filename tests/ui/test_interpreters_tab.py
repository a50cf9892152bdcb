"""The Interpreters tab, in a small app of its own, with discovery replaced by a fake.

The fake returns real-shaped interpreters made by ``parse_probe_output`` from what the
probe prints on each build, so nothing here depends on the Pythons this machine has
(except the add test, which uses the one running the tests).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static, TabbedContent, TabPane

from gil_tui import paths
from gil_tui.engine.system import interpreters as engine
from gil_tui import policy
from gil_tui.engine.system.interpreters import Interpreter, normalise_path, parse_probe_output, user_paths
from gil_tui.ui.tabs.interpreters.pane import InterpretersPane
from gil_tui.ui.tabs.interpreters.rows import support_text
from gil_tui.ui.text import shorten_path


def _probe_line(version_info, version, *, ft=False, gil=True, aiohttp=False, prefix="/usr",
                cpus=8, method="fork"):
    return json.dumps({
        "magic": "gil-tui-probe", "version_info": list(version_info),
        "releaselevel": "final", "serial": 0, "version": version,
        "executable": "", "prefix": prefix, "implementation": "cpython",
        "py_gil_disabled": 1 if ft else (0 if version_info[0] == 3 else None),
        "gil_enabled": gil, "cpu_count": cpus, "has_aiohttp": aiohttp, "start_method": method,
    }) + "\n"


PY313 = parse_probe_output(
    "/usr/bin/python3.13", "path",
    _probe_line((3, 13, 0), "3.13.0 (main, Oct  8 2024, 08:51:28) [GCC 13.2.0]", aiohttp=True),
)
PY314T = parse_probe_output(
    "/opt/pyenv/versions/3.14.0t/bin/python3.14t", "pyenv",
    _probe_line((3, 14, 0), "3.14.0 free-threading build (main, Oct  7 2025, 15:35:12) "
                "[Clang 20.1.4 ]", ft=True, gil=False, prefix="/opt/pyenv/versions/3.14.0t",
                method="forkserver"),
)
PY27 = parse_probe_output(
    "/usr/bin/python2.7", "path",
    _probe_line((2, 7, 18), "2.7.18 (default, Jul  1 2022, 12:27:04) \n[GCC 9.4.0]",
                gil=None, method=None),
)
PY312_CURRENT = parse_probe_output(
    "/srv/app/.venv/bin/python", "current",
    _probe_line((3, 12, 1), "3.12.1 (main, Jan  5 2024, 10:12:00) [GCC 12.2.0]",
                prefix="/srv/app/.venv"),
)
BROKEN = parse_probe_output(
    "/opt/tools/bin/python3-wrapper", "added", "", "bash: exec: python9: not found", 127,
)


class FakeDiscover:
    """Stands in for engine.discover(): a fixed list, and a count of the calls."""

    def __init__(self, *interps: Interpreter, error: Exception | None = None) -> None:
        self.interps = list(interps)
        self.error = error
        self.calls = 0

    def __call__(self) -> list[Interpreter]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return list(self.interps)


class PaneApp(App[None]):
    """Just the Interpreters pane, laid out as in gil-tui (header, tab bar, footer)."""

    TITLE = "gil-tui"
    CSS = """
    #main-tabs, #main-tabs > ContentSwitcher, #main-tabs TabPane { height: 1fr; padding: 0; }
    """
    BINDINGS = [Binding("q", "quit", "Quit", id="app.quit")]

    def __init__(self, discover: FakeDiscover) -> None:
        super().__init__()
        self.discover = discover

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="main-tabs"):
            with TabPane("Interpreters", id="interpreters"):
                yield InterpretersPane(id="interpreters-pane", discover=self.discover)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#interp-table", DataTable).focus()


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path))


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _cells(app: App) -> list[list[str]]:
    table = app.query_one("#interp-table", DataTable)
    return [[str(cell).strip() for cell in table.get_row_at(row)]
            for row in range(table.row_count)]


def _text(app: App, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def _discovered(posted: list) -> list[InterpretersPane.Discovered]:
    """The Discovered messages posted (the hook sees a bubbling message at every hop)."""
    found = [m for m in posted if isinstance(m, InterpretersPane.Discovered)]
    return list({id(m): m for m in found}.values())


async def _type(pilot, text: str) -> None:
    await pilot.press(*text)


# ---------------------------------------------------------------- pure helpers


def test_shorten_path_keeps_the_end() -> None:
    assert shorten_path("/usr/bin/python3", 30) == "/usr/bin/python3"
    short = shorten_path("/opt/pyenv/versions/3.14.0t/bin/python3.14t", 20)
    assert short.startswith("…") and short.endswith("python3.14t") and len(short) <= 20


def test_support_text_is_short() -> None:
    assert support_text(PY313) == "ok"
    assert support_text(PY27) == "needs 3.8+"
    assert BROKEN.path not in support_text(BROKEN)
    assert support_text(BROKEN).startswith("did not answer like Python")


# ---------------------------------------------------------------- the pane


async def test_table_shows_every_interpreter_and_posts_discovered() -> None:
    fake = FakeDiscover(PY313, PY314T, PY27)
    app = PaneApp(fake)
    posted: list = []
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await _settle(pilot)
        rows = _cells(app)
        assert [row[:6] for row in rows] == [
            ["3.13.0", "GIL", "on", "yes", "path", "ok"],
            ["3.14.0t", "free-threaded", "off", "no", "pyenv", "ok"],
            ["2.7.18", "GIL", "on", "no", "path", "needs 3.8+"],
        ]
        assert rows[1][6].endswith("python3.14t")
        assert "3 interpreters · 1 free-threaded · 1 unsupported" in _text(app, "#interp-status")
        assert not app.query_one("#interp-hint").display
        found = _discovered(posted)
        assert len(found) == 1 and found[0].interpreters == [PY313, PY314T, PY27]
        await pilot.press("down", "down")
        assert "needs CPython >= 3.8" in _text(app, "#interp-detail")


async def test_hint_only_without_a_free_threaded_build() -> None:
    app = PaneApp(FakeDiscover(PY313, PY27))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        hint = app.query_one("#interp-hint", Static)
        assert hint.display
        text = str(hint.render())
        for command in ("pyenv install 3.14", "pyenv install 3.14t", "uv python install 3.14t",
                        "press R to rescan"):
            assert command in text
        # it fits: every row of the table is visible above the hint
        table = app.query_one("#interp-table", DataTable)
        assert table.region.bottom <= hint.region.y
        assert table.size.height >= table.row_count + 1


async def test_add_bad_path_shows_the_reason_and_saves_nothing(tmp_path) -> None:
    app = PaneApp(FakeDiscover(PY313))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("a")
        field = app.query_one("#interp-path", Input)
        assert app.focused is field
        await _type(pilot, "/nope/quad-Rq")  # q, a, d, R go into the box, not to the keys
        assert app.is_running and field.value == "/nope/quad-Rq"
        await pilot.press("enter")
        await _settle(pilot)
        message = _text(app, "#interp-add-message")
        assert "no such file: /nope/quad-Rq" in message and "Traceback" not in message
        assert app.query_one("#interp-add").display
        assert user_paths() == [] and not paths.interpreters_path().exists()
        assert len(_cells(app)) == 1


async def test_add_a_real_interpreter_persists_and_selects_it() -> None:
    app = PaneApp(FakeDiscover(PY313, PY27))
    posted: list = []
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await _settle(pilot)
        await pilot.press("a")
        app.query_one("#interp-path", Input).value = sys.executable
        await pilot.press("enter")
        await _settle(pilot)
        assert user_paths() == [normalise_path(sys.executable)]
        pane = app.query_one(InterpretersPane)
        assert pane.selected is not None and pane.selected.path == normalise_path(sys.executable)
        assert pane.selected.source == "added" and len(_cells(app)) == 3
        assert not app.query_one("#interp-add").display
        assert app.focused is app.query_one("#interp-table")
        found = _discovered(posted)
        assert len(found) == 2 and found[-1].interpreters[-1].source == "added"


async def test_escape_closes_the_path_box() -> None:
    app = PaneApp(FakeDiscover(PY313))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("a")
        await _type(pilot, "/usr")
        await pilot.press("escape")
        assert not app.query_one("#interp-add").display
        assert app.focused is app.query_one("#interp-table")
        assert app.is_running and user_paths() == []
        await pilot.press("a")  # opens empty again
        assert app.query_one("#interp-path", Input).value == ""


async def test_remove_only_works_on_added_paths() -> None:
    added = dataclasses.replace(PY313, path="/home/dev/py/bin/python3", source="added",
                                realpath="/home/dev/py/bin/python3")
    file = paths.interpreters_path()
    file.parent.mkdir(parents=True)
    file.write_text(json.dumps({"v": 1, "paths": [added.path]}))
    app = PaneApp(FakeDiscover(PY313, added))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("d")  # the cursor is on PY313, found on PATH
        assert len(_cells(app)) == 2
        said = _text(app, "#interp-status")
        assert "Not removable: …/python3.13 was found by a scan (path)" in said
        assert not app._notifications, "said in the status line, not in a toast"
        await pilot.press("down", "d")
        assert [row[4] for row in _cells(app)] == ["path"]
        assert "Removed …/python3." in _text(app, "#interp-status")
        assert user_paths() == []


async def test_rescan_calls_discover_again() -> None:
    fake = FakeDiscover(PY313)
    app = PaneApp(fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert fake.calls == 1
        assert app.query_one("#interp-hint").display
        fake.interps.append(PY314T)
        await pilot.press("R")
        await _settle(pilot)
        assert fake.calls == 2 and len(_cells(app)) == 2
        assert not app.query_one("#interp-hint").display
        await pilot.press("ctrl+r")
        await _settle(pilot)
        assert fake.calls == 3


async def test_scanning_runs_in_a_thread_and_says_so() -> None:
    release = threading.Event()

    class Slow(FakeDiscover):
        def __call__(self) -> list[Interpreter]:
            release.wait(10)
            return super().__call__()

    app = PaneApp(Slow(PY313))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Scanning" in _text(app, "#interp-status")
        await pilot.press("a")  # the UI answers while discovery runs
        assert app.query_one("#interp-add").display
        release.set()
        await _settle(pilot)
        assert "1 interpreter " in _text(app, "#interp-status") and len(_cells(app)) == 1


async def test_a_failed_scan_says_so_in_one_line() -> None:
    app = PaneApp(FakeDiscover(error=RuntimeError("pyenv exploded")))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert app.is_running
        assert "Scan failed: pyenv exploded" in _text(app, "#interp-status")


def test_interpreters_pane_snapshot(snap_compare) -> None:
    app = PaneApp(FakeDiscover(PY312_CURRENT, PY313, PY27, BROKEN))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


# ---------------------------------------------------------------- issues 13.17, 16.1


async def test_removing_an_added_duplicate_brings_back_the_one_found(monkeypatch) -> None:
    """13.17: adding a second path to an interpreter already found replaces its row;
    removing that path hid the interpreter until a rescan."""
    link = dataclasses.replace(PY313, path="/home/dev/bin/python3", source="added")
    removed: list[str] = []
    monkeypatch.setattr(engine, "add_path", lambda path: link)
    monkeypatch.setattr(engine, "remove_path", lambda path: removed.append(path) or True)
    app = PaneApp(FakeDiscover(PY313, PY314T))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("a")
        app.query_one("#interp-path", Input).value = link.path
        await pilot.press("enter")
        await _settle(pilot)
        assert [row[4] for row in _cells(app)] == ["added", "pyenv"]
        await pilot.press("d")
        await pilot.pause()
        assert removed == [link.path]
        assert [row[4] for row in _cells(app)] == ["path", "pyenv"]
        pane = app.query_one(InterpretersPane)
        assert pane.selected is PY313 and pane.interpreters == (PY313, PY314T)


async def test_add_is_refused_when_served_without_allow_commands(monkeypatch) -> None:
    """16.1: served to a browser, `a` would let whoever reaches the page run any program."""
    monkeypatch.setenv(policy.SERVED_ENV, "1")
    monkeypatch.setenv(policy.ALLOW_COMMANDS_ENV, "0")
    app = PaneApp(FakeDiscover(PY313))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("a")
        assert not app.query_one("#interp-add").display
        assert "Off in a browser: start `gil-tui serve --allow-commands`" in _text(
            app, "#interp-status")
        assert not app._notifications
        monkeypatch.setenv(policy.ALLOW_COMMANDS_ENV, "1")
        await pilot.press("a")
        assert app.query_one("#interp-add").display


async def test_what_an_interpreter_says_is_cleaned() -> None:
    evil = "\x1b]0;owned\x07"
    odd = dataclasses.replace(PY313, path="/opt/py" + evil, version="3.13.0" + evil,
                              source="path")
    app = PaneApp(FakeDiscover(odd))
    async with app.run_test(size=(100, 24)) as pilot:
        await _settle(pilot)
        cells = " ".join(_cells(app)[0]) + _text(app, "#interp-detail")
        assert "\x1b" not in cells and "\x07" not in cells
        assert "\\x1b" in cells
