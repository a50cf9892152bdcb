"""The app's frame around the tabs: title, tab names, help, palette, the first frame, and
what the tabs tell each other (interpreters found)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

import pytest

from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.lessons import body_for_display, load_lessons, note_interpreters
from gil_tui.policy import REFUSAL
from gil_tui.ui.app import GilTuiApp, make_app
from gil_tui.ui.help import HelpScreen
from gil_tui.ui.palette import GilTuiCommands
from gil_tui.ui.tabs.compare.pane import ComparePane
from gil_tui.ui.tabs.interpreters.pane import InterpretersPane
from gil_tui.ui.tabs.lessons.contents import contents_entry
from gil_tui.ui.tabs.lessons.pane import LessonsPane
from gil_tui.ui.tabs.live.pane import LivePane
from gil_tui.ui.widgets.document import DocumentView
from gil_tui.ui.widgets.main_tabs import MainTabs, TabBar

from .fakes import fake_services

LESSONS = load_lessons()


def interp(path: str, version: str, *, ft: bool = False, source: str = "pyenv") -> Interpreter:
    info = tuple(int(p) for p in version.split("."))
    return Interpreter(path, path, source, version, info, "cpython", ft, not ft, 2, False, True,
                       None)


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


# ---------------------------------------------------------------- layout nits (13.22, 13.24)


async def test_lesson_text_keeps_a_readable_measure_and_is_centred() -> None:
    """At 200 columns the lesson's lines ran 170 characters long."""
    app = make_app(services=fake_services())
    async with app.run_test(size=(200, 60)) as pilot:
        document = app.query_one(LessonsPane).document
        await wait_for(pilot, lambda: bool(document.lines))
        assert max(len(line.rstrip()) for line in document.lines) <= DocumentView.MAX_MEASURE
        room = document.scrollable_content_region.width
        assert room > DocumentView.MAX_MEASURE + 20
        assert document.indent == (room - DocumentView.MAX_MEASURE) // 2 > 0
        drawn = document.render_line(0).text
        assert drawn[:document.indent].strip() == "" and drawn.strip() == LESSONS[0].title


async def test_heading_keeps_the_lesson_keys_in_view_at_80_columns() -> None:
    """"d: demo" was cut off the end of a long heading."""
    app = make_app(lesson="threads-vs-processes", services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        heading = app.query_one("#lesson-heading")
        await wait_for(pilot, lambda: "d: demo" in str(heading.render()))
        assert str(heading.render()).rstrip().endswith("r: try it live · d: demo")
        await pilot.press("n", "n")  # a long title: the title gives way, never the keys
        await pilot.pause()
        text = str(heading.render())
        assert text.startswith("Lesson 4 of") and "…" in text
        assert text.rstrip().endswith("r: try it live") and len(text) <= 78


def test_contents_titles_wrap_under_themselves() -> None:
    entry = contents_entry(4, "Why CPU-bound threads gain nothing under the GIL")
    first, *rest = entry.splitlines()
    assert first.startswith(" 4 Why") and rest
    assert all(line.startswith("   ") and line[3] != " " for line in rest)
    assert all(len(line) <= 27 for line in entry.splitlines())


def _contents_lines(contents) -> list[str]:
    """The list of lessons as drawn (inside its padding), its scrollbar left out."""
    width = contents.scrollable_content_region.width
    return [contents.render_line(y).text[:width].rstrip()
            for y in range(contents.scrollable_content_region.height)]


def _check_hanging_indent(lines: list[str], titles: list[str]) -> None:
    """Each line starts an entry ("12 Title") or goes on with its title, under the title;
    the entries read as the lessons' titles (the first and last may be cut by the edges)."""
    entries: list[list[str]] = [[]]
    for line in filter(str.strip, lines):
        if line[:3].strip().isdigit():
            entries.append([line[3:]])
        else:
            assert line.startswith("   ") and line[3] != " ", f"wraps under the number: {line!r}"
            entries[-1].append(line[3:])
    shown = [" ".join(entry) for entry in entries if entry]
    assert len(shown) > 2
    assert all(title in titles for title in shown[1:-1]), shown
    assert any(shown[0] in title for title in titles) and any(shown[-1] in title for title in titles)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (200, 60)])
async def test_contents_titles_wrap_under_themselves_as_drawn(size) -> None:
    """At 80x24 with its scrollbar on show, the list wrapped its titles again, under the
    numbers (" 3 The GIL, and why" / " CPython" / "    has one")."""
    app = make_app(services=fake_services())
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        pane = app.query_one(LessonsPane)
        if size[0] < 100:
            await pilot.press("t")  # hidden below 100 columns until asked for
        await wait_for(pilot, lambda: bool(pane.query("#lesson-list")))
        contents = app.query_one("#lesson-list")
        await wait_for(pilot, lambda: contents.scrollable_content_region.height > 0)
        await pilot.pause()
        titles = [lesson.title for lesson in LESSONS]
        _check_hanging_indent(_contents_lines(contents), titles)
        if size == (80, 24):
            assert contents.show_vertical_scrollbar
            contents.scroll_end(animate=False)
            await pilot.pause()
            _check_hanging_indent(_contents_lines(contents), titles)


async def test_title_has_no_icon_and_tabs_show_their_keys() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.query("HeaderIcon"), "the ⭘ icon meant nothing here"
        title = str(app.query_one("#app-title").render())
        assert "⭘" not in title and "gil-tui" in title
        labels = app.query_one(TabBar).labels
        assert labels == ["1 Lessons", "2 Live", "3 Compare", "4 Interpreters"]


async def test_help_opens_at_the_section_of_the_tab_on_show() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        view = app.screen.query_one(DocumentView)
        await wait_for(pilot, lambda: view.scroll_offset.y > 0)
        assert view.lines[view.scroll_offset.y].strip() == "Compare tab"
        await pilot.press("escape", "1", "question_mark")
        await pilot.pause(0.2)
        view = app.screen.query_one(DocumentView)
        await wait_for(pilot, lambda: view.scroll_offset.y > 0)
        assert view.lines[view.scroll_offset.y].strip() == "Lessons tab"


# ---------------------------------------------------------------- palette (13.25, 16.1)


async def test_palette_has_run_cancel_costs_demo_and_sweep_with_keys() -> None:
    app = make_app(tab="live", services=fake_services(delay=0.05))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        provider = GilTuiCommands(app.screen)
        hits = [hit async for hit in provider.discover()]
        shown = {hit.text: str(hit.prompt) for hit in hits}
        for title, keys in (("Run the Live selection", "r in Live"),
                            ("Cancel the run", "x in Live"),
                            ("Costs: what a thread and a process cost here", "c in Live"),
                            ("Run the Compare matrix", "r in Compare"),
                            ("Sweep: how one mode scales with workers", "v then r in Compare")):
            assert title in shown and shown[title].endswith(keys), (title, shown.get(title))
        demos = [text for text in shown if text.startswith("Demo: ")]
        assert len(demos) >= 5 and all(shown[t].endswith("d in Lessons") for t in demos)
        searched = [hit async for hit in provider.search("sweep")]
        assert searched and searched[0].text.startswith("Sweep")

        live = app.query_one(LivePane)
        run = next(hit for hit in hits if hit.text == "Run the Live selection")
        await run.command()
        await wait_for(pilot, lambda: live.running)
        await pilot.pause(0.2)  # under way (a cancel before its worker starts is Live's affair)
        cancel = next(hit for hit in hits if hit.text == "Cancel the run")
        await cancel.command()
        await wait_for(pilot, lambda: not live.running)


async def test_palette_demo_opens_its_lesson_and_starts_it(monkeypatch) -> None:
    from gil_tui.engine.demos.base import DemoResult
    from gil_tui.ui.tabs.lessons import demo_panel

    monkeypatch.setattr(demo_panel, "run_choice", lambda name, python, stop: DemoResult(
        name=name, title=name, ok=True, summary="done", duration=0.1))
    app = make_app(tab="live", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        hits = [hit async for hit in GilTuiCommands(app.screen).discover()]
        race = next(hit for hit in hits if "Race" in hit.text)
        await race.command()
        await pilot.pause()
        pane = app.query_one(LessonsPane)
        assert app.query_one("#main-tabs", MainTabs).active == "lessons"
        assert pane.lesson.slug == "free-threading" and pane.demos.shown


async def test_palette_sweep_runs_the_scaling_view() -> None:
    app = make_app(tab="compare", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        compare = app.query_one(ComparePane)
        calls = []
        compare.action_run = lambda: calls.append(compare.view)  # type: ignore[method-assign]
        hits = [hit async for hit in GilTuiCommands(app.screen).discover()]
        await next(hit for hit in hits if hit.text.startswith("Sweep")).command()
        assert calls == ["scaling"]


async def test_served_without_allow_commands_refuses_watch(monkeypatch) -> None:
    monkeypatch.setenv("GIL_TUI_SERVED", "1")
    monkeypatch.delenv("GIL_TUI_ALLOW_COMMANDS", raising=False)
    app = make_app(services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        watch = next(c for c in app.get_system_commands(app.screen)
                     if c.title == "Watch a command…")
        assert watch.help == REFUSAL
        watch.callback()
        await pilot.pause()
        assert type(app.screen).__name__ != "AskCommand"
        assert any(n.message == REFUSAL for n in app._notifications)
        await pilot.press("question_mark")
        await pilot.pause()
        assert REFUSAL in app.screen.query_one("#help-text").source


async def test_watch_is_offered_in_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("GIL_TUI_SERVED", raising=False)
    app = make_app(services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.action_watch()
        await pilot.pause()
        assert type(app.screen).__name__ == "AskCommand"


# ---------------------------------------------------------------- between the tabs (10)


async def test_interpreters_found_fill_the_main_guard_lesson() -> None:
    found = [interp("/py/3.12", "3.12.4", source="current"), interp("/py/3.14", "3.14.1")]
    note_interpreters([])
    try:
        app = make_app(lesson="main-guard", services=dataclasses.replace(fake_services(), discover=lambda: found))
        async with app.run_test(size=(100, 30)) as pilot:
            pane = app.query_one(LessonsPane)
            await wait_for(pilot, lambda: "- 3.12.4: " in pane.document.source)
            assert pane.document.source == body_for_display(pane.lesson)
            assert "3.14.1: the fork server imports" in pane.document.source
            await pilot.pause()
            assert any("3.12.4: forkserver" in line for line in pane.document.lines), \
                "shown, not only set"
    finally:
        note_interpreters([])


# ---------------------------------------------------------------- first paint (16.5)


async def test_the_first_frame_builds_only_the_tab_on_show(monkeypatch) -> None:
    seen: list[dict[str, int]] = []
    original = GilTuiApp._after_first_frame

    def first_frame(self: GilTuiApp) -> None:
        seen.append({cls.__name__: len(self.query(cls))
                     for cls in (LessonsPane, LivePane, ComparePane, InterpretersPane)})
        original(self)

    monkeypatch.setattr(GilTuiApp, "_after_first_frame", first_frame)
    scans: list[float] = []

    def discover() -> list[Interpreter]:
        scans.append(time.monotonic())
        return []

    app = make_app(services=dataclasses.replace(fake_services(), discover=discover))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.query(InterpretersPane)) == 1 and scans)
        assert seen == [{"LessonsPane": 1, "LivePane": 0, "ComparePane": 0,
                         "InterpretersPane": 0}]
        assert all(len(app.query(cls)) == 1 for cls in (LivePane, ComparePane))
        # A tab asked for is there at once, whether or not its turn came.
        await pilot.press("2")
        await pilot.pause()
        assert app.query_one("#main-tabs", MainTabs).active == "live"
        assert app.focused is not None and app.query_one(LivePane) in app.focused.ancestors


async def test_a_tab_asked_for_before_its_turn_is_built_at_once() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await app.action_show_tab("interpreters")  # straight away, before the loader's turn
        assert len(app.query(InterpretersPane)) == 1
        await wait_for(pilot, lambda: all(app.query(cls) for cls in (LivePane, ComparePane)))
        await pilot.pause(0.2)
        for cls in (LivePane, ComparePane, InterpretersPane):
            assert len(app.query(cls)) == 1, cls  # built once each


def test_opening_the_app_imports_neither_the_other_tabs_nor_the_markdown_parser() -> None:
    """What the first frame does not need is imported after it (issue 16.5)."""
    code = ("import sys, gil_tui.cli, gil_tui.commands.app, gil_tui.ui.app, "
            "gil_tui.ui.tabs.lessons.pane, gil_tui.lessons; gil_tui.lessons.load_lessons(); "
            "print(sorted(m for m in ('aiohttp', 'rich.markdown', 'markdown_it', 'pygments', "
            "'gil_tui.engine.demos.registry', 'gil_tui.ui.tabs.live.pane', "
            "'gil_tui.ui.tabs.compare.pane', 'gil_tui.ui.tabs.interpreters.pane', "
            "'gil_tui.settings', 'gil_tui.engine.system.interpreters', "
            # nor what only the command line and the main-guard lesson's list need
            "'argparse', 'pkgutil', 'zipfile', 'importlib.resources', "
            "'gil_tui.engine.demos.main_guard_analysis', 'gil_tui.lessons.terminal') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
