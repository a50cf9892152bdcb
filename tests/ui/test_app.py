"""The app shell and the Lessons tab, driven with Textual's pilot."""

from __future__ import annotations

from textual.widgets import OptionList

from gil_tui.lessons import load_lessons
from gil_tui.ui.app import TABS, make_app
from gil_tui.ui.help import HelpScreen
from gil_tui.ui.tabs.lessons.pane import LessonsPane
from gil_tui.ui.widgets.document import DocumentView
from gil_tui.ui.widgets.main_tabs import MainTabs

from .fakes import fake_services

LESSONS = load_lessons()


async def text_shown(pilot, document: DocumentView, timeout: float = 10.0) -> None:
    """Wait for the lesson's text (it follows the first frame)."""
    import time

    deadline = time.monotonic() + timeout
    while not document.lines:
        assert time.monotonic() < deadline, "the lesson's text never came"
        await pilot.pause(0.02)


async def test_starts_on_lessons_with_the_first_lesson() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one("#main-tabs", MainTabs).active == "lessons"
        document = app.query_one(LessonsPane).document
        await text_shown(pilot, document)
        assert document.source.startswith(f"# {LESSONS[0].title}")
        assert document.lines[0].strip() == LESSONS[0].title, "rendered, not raw Markdown"
        assert "Further reading" in "\n".join(document.lines)
        assert app.focused is app.query_one("#lesson-heading")


async def test_number_keys_switch_tabs() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        tabs = app.query_one("#main-tabs", MainTabs)
        for number, tab in reversed(list(enumerate(TABS, 1))):
            await pilot.press(str(number))
            await pilot.pause()
            assert tabs.active == tab


async def test_clicked_tab_names_switch_and_hide_the_other_tabs() -> None:
    """The first frame has no container around the Lessons pane (16.5); the tabs built
    later sit in one, whose display their panes read to know they are hidden."""
    from gil_tui.ui.widgets.main_tabs import TabBar

    app = make_app(services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        tabs = app.query_one("#main-tabs", MainTabs)
        lessons = app.query_one(LessonsPane)
        assert lessons.parent is tabs, "no wrapper around the first tab's pane"
        bar = app.query_one(TabBar)
        spans = {tab: start for start, _end, tab in bar.spans()}
        await pilot.click(TabBar, offset=(spans["interpreters"] + 1, 0))
        await app.loader.get("interpreters")
        await pilot.pause()
        assert tabs.active == "interpreters" and not lessons.display
        page = tabs.page("interpreters")
        assert page is not None and page.display and page.region.height > 0
        await pilot.click(TabBar, offset=(spans["lessons"] + 1, 0))
        await pilot.pause()
        assert tabs.active == "lessons" and lessons.display and not page.display
        live = await app.loader.get("live")
        assert live.parent is not tabs and not live.parent.display


async def test_next_and_previous_walk_through_every_lesson() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(LessonsPane)
        seen = [pane.lesson.slug]
        for _ in range(len(LESSONS) + 1):  # one press more than needed: stays on the last
            await pilot.press("n")
            await pilot.pause()
            seen.append(pane.lesson.slug)
        assert seen[-1] == LESSONS[-1].slug
        assert list(dict.fromkeys(seen)) == [lesson.slug for lesson in LESSONS]
        await pilot.pause(0.2)
        assert pane.document.source.startswith(f"# {LESSONS[-1].title}")
        assert pane.document.lines[0].strip() == LESSONS[-1].title
        await pilot.press("p")
        await pilot.pause()
        assert pane.lesson.slug == LESSONS[-2].slug
        heading = str(app.query_one("#lesson-heading").render())
        assert f"Lesson {len(LESSONS) - 1} of {len(LESSONS)}" in heading


async def test_contents_list_opens_a_lesson_with_the_keyboard() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(LessonsPane)
        assert pane.has_class("-hide-list"), "narrow terminals hide the list at first"
        await pilot.press("t")
        await pilot.pause()
        assert not pane.has_class("-hide-list")
        assert isinstance(app.focused, OptionList)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert pane.lesson.slug == LESSONS[2].slug
        assert app.focused is app.query_one("#lesson-heading")


async def test_wide_terminal_shows_the_list() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.query_one(LessonsPane).has_class("-hide-list")


async def test_lesson_links_navigate() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        document = app.query_one(LessonsPane).document
        document.post_message(DocumentView.LinkClicked(document, "lesson:main-guard"))
        await pilot.pause()
        assert app.query_one(LessonsPane).lesson.slug == "main-guard"


def first_link(document: DocumentView) -> tuple[int, int, str]:
    """(x, y, action) of the first clickable link in the rendered document."""
    for y, strip in enumerate(document._lines):
        x = 0
        for segment in strip:
            meta = segment.style.meta if segment.style else {}
            if "@click" in meta:
                return x, y, meta["@click"]
            x += segment.cell_length
    raise AssertionError("no link in the document")


async def test_clicking_a_lesson_link_opens_that_lesson() -> None:
    app = make_app(lesson="cpu-bound-threads", services=fake_services())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        pane = app.query_one(LessonsPane)
        document = pane.document
        await text_shown(pilot, document)
        links = [(x, y, action) for x, y, action in [first_link(document)]]
        x, y, action = links[0]
        assert action.startswith("link('lesson:"), action
        target = action.split("lesson:")[1].rstrip("')")
        document.scroll_to(y=y, animate=False)
        await pilot.pause()
        row = y - document.scroll_offset.y
        await pilot.click(DocumentView, offset=(x + document.styles.padding.left, row))
        await pilot.pause()
        assert pane.lesson.slug == target


async def test_open_on_a_given_lesson() -> None:
    app = make_app(lesson="free-threading", services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(LessonsPane).lesson.slug == "free-threading"


async def test_help_opens_and_closes() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_q_quits() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


async def test_command_palette_lists_tabs_and_lessons() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for tab in ("Lessons", "Live", "Compare", "Interpreters"):
            assert f"Tab: {tab}" in titles
        for n, lesson in enumerate(LESSONS, 1):
            assert f"Lesson {n}: {lesson.title}" in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Tab: Live")
        command.callback()
        await pilot.pause()
        assert app.query_one("#main-tabs", MainTabs).active == "live"


async def test_too_small_terminal_shows_a_hint_and_recovers() -> None:
    app = make_app(services=fake_services())
    async with app.run_test(size=(50, 12)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-too-small")
        assert app.query_one("#too-small").display
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")
        assert app.query_one("KeyBar").display


async def test_quick_moves_in_the_contents_list_settle() -> None:
    """Down then enter in the list, then n and p at once: the index must settle (it once
    bounced between two lessons for ever, the app at 100% CPU)."""
    app = make_app(services=fake_services())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(LessonsPane)
        await pilot.press("t")
        await pilot.pause()
        pane.index = 3  # two moves in flight before the list answers either
        pane.index = 4
        await pilot.pause(0.3)
        changes = []
        original = type(pane).watch_index

        def counting(self, index: int) -> None:
            changes.append(index)
            original(self, index)

        type(pane).watch_index = counting
        try:
            await pilot.pause(0.5)
        finally:
            type(pane).watch_index = original
        assert changes == [], f"the lesson index kept changing: {changes[:10]}"
        assert pane.index == app.query_one("#lesson-list", OptionList).highlighted


async def test_the_built_screen_is_frozen_for_the_garbage_collector(monkeypatch) -> None:
    import gc

    from gil_tui.ui.app import GilTuiApp

    monkeypatch.setattr(GilTuiApp, "GC_FREEZE_AFTER", 0.05)
    gc.unfreeze()
    try:
        app = make_app(tab="live", services=fake_services())
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(200):  # up to ~10 s: the freeze comes after a timer, on a busy box late
                if gc.get_freeze_count() > 1000:
                    break
                await pilot.pause(0.05)
            assert gc.get_freeze_count() > 1000, "the widgets moved to the permanent generation"
    finally:
        gc.unfreeze()
