"""The Lessons tab: an ordered list of lessons and the selected one, rendered."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.worker import Worker, WorkerState

from gil_tui.lessons import Lesson, body_for_display, load_lessons
from gil_tui.ui.scroll_keys import scroll
from gil_tui.ui.tabs.lessons.contents import LIST_WIDTH, make_contents
from gil_tui.ui.tabs.lessons.demo_host import IMPORT_GROUP, LessonDemos
from gil_tui.ui.tabs.lessons.heading import LessonHeading
from gil_tui.ui.tabs.lessons.keys import LESSONS_BINDINGS
from gil_tui.ui.widgets.document import DocumentView

#: Below this width the list of lessons is hidden unless the reader asks for it.
NARROW = 100
#: Seconds between the app's first frame and its first lesson's text (rendering it takes
#: ~0.1 s of CPU: started at once, it held back the terminal drawing that frame).
FIRST_TEXT_AFTER = 0.04


def _narrow(pane: Vertical) -> bool:
    """Too narrow for the list of lessons beside the lesson."""
    return (pane.size.width or pane.app.size.width) < NARROW


class LessonsPane(Vertical):
    """The list of lessons on the left, the current lesson on the right, and under it
    the lesson's demo once one runs.

    The list is docked on the left, and the heading, the lesson and the demo are the
    pane's own children beside it: no container around them (one widget less to
    style, lay out and draw in the app's first frame)."""

    DEFAULT_CSS = f"""
    LessonsPane {{ height: 1fr; }}
    LessonsPane #lesson-list {{ dock: left; width: {LIST_WIDTH}; height: 1fr; border: none;
                               border-right: tall $panel; }}
    LessonsPane.-hide-list #lesson-list {{ display: none; }}
    LessonsPane #lesson-doc {{ height: 1fr; padding: 0 0 1 2; }}
    """

    BINDINGS = LESSONS_BINDINGS

    #: The app's tabs show and hide this pane by its own ``display`` (no container).
    OWN_PAGE = True

    class TryIt(Message):
        """The reader wants to run a lesson's experiment."""

        def __init__(self, lesson: Lesson) -> None:
            super().__init__()
            self.lesson = lesson

    index: reactive[int] = reactive(0, init=False)
    """Position of the lesson on show, in the ordered list."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lessons: tuple[Lesson, ...] = load_lessons()
        self._list_choice: bool | None = None  # the reader's own choice, if they made one
        self._list: OptionList | None = None  # built when first shown
        self._pending_document = False
        self.demos = LessonDemos(self, lambda: self)
        """The lesson's demos and their panel."""

    def compose(self) -> ComposeResult:
        list_hidden = _narrow(self)
        self.set_class(list_hidden, "-hide-list")
        if not list_hidden:
            self._list = make_contents(self.lessons, self.index)
            yield self._list
        # The heading takes the focus for reading; the scroll keys are the pane's.
        yield LessonHeading(id="lesson-heading")
        yield DocumentView(id="lesson-doc")

    def on_mount(self) -> None:
        self._document = self.query_one("#lesson-doc", DocumentView)
        self._heading = self.query_one("#lesson-heading", LessonHeading)
        self._show(self.index)
        self.demos.load_soon()

    @property
    def document(self) -> DocumentView:
        """The widget that shows the lesson's text."""
        return self._document

    async def on_resize(self) -> None:
        if self._list_choice is None:
            narrow = _narrow(self)
            if not narrow:
                await self._contents()
            self.set_class(narrow, "-hide-list")

    async def _contents(self) -> OptionList:
        if self._list is None:
            self._list = make_contents(self.lessons, self.index)
            await self.mount(self._list, before=self.query_one("#lesson-heading"))
        return self._list

    @property
    def lesson(self) -> Lesson:
        return self.lessons[self.index]

    def show_lesson(self, slug: str) -> bool:
        """Show the lesson with this slug; False if there is none."""
        for position, lesson in enumerate(self.lessons):
            if lesson.slug == slug:
                self.index = position
                return True
        return False

    def watch_index(self, index: int) -> None:
        if self.demos.shown:  # the demo belongs to the lesson it was started from
            self.action_close_demo()
        self._show(index)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides the key from the footer where it cannot act (room is short at 80x24).
        if action == "try_it":
            return bool(self.lessons and self.lesson.try_it)
        if action == "demo":
            return bool(self.lessons and self.demos.offered(self.lesson.slug))
        if action in ("stop_demo", "close_demo"):
            return self.demos.shown
        return True

    # ------------------------------------------------------------ demos

    def use_python(self, python: str | None) -> None:
        """Run the demos in this interpreter (None: the one gil-tui runs on)."""
        self.demos.use_python(python)

    async def action_demo(self) -> None:
        await self.demos.ask(self.lesson.slug)
        self.refresh_bindings()

    async def start_demo(self, name: str) -> bool:
        """Start one of this lesson's demos by name; False if it has none of that name."""
        started = await self.demos.start(self.lesson.slug, name)
        self.refresh_bindings()
        return started

    def action_stop_demo(self) -> None:
        """Stop the demo that runs; once it has ended, close its panel."""
        if not self.demos.stop():
            self.action_close_demo()

    def action_close_demo(self) -> None:
        self.demos.close()
        self.refresh_bindings()
        self._heading.focus()  # the panel may have had it

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == IMPORT_GROUP and event.state is WorkerState.SUCCESS:
            if self.lessons:  # the list of demos is in: say which lessons have one
                self._show_hints(self.lesson)
            self.refresh_bindings()

    def on_demo_panel_finished(self, message: Message) -> None:
        """A demo ended (DemoPanel.Finished: the panel's module is imported on demand)."""
        self.refresh_bindings()
        result = message.result  # type: ignore[attr-defined]
        if result.name == "costs" and result.ok:
            self.refresh_lesson_text()

    # ------------------------------------------------------------ the lesson

    def refresh_lesson_text(self) -> None:
        """Show the lesson again if its text changed (it shows figures measured here, and
        the interpreters found)."""
        if self.lessons and not self._pending_document:
            self._document.update(body_for_display(self.lesson))

    def action_try_it(self) -> None:
        if self.lesson.try_it:
            self.post_message(self.TryIt(self.lesson))

    def _show(self, index: int) -> None:
        if not self.lessons:
            self._heading.title = "No lessons found."
            return
        lesson = self.lessons[index]
        self._heading.title = f"Lesson {index + 1} of {len(self.lessons)} · {lesson.title}"
        self._show_hints(lesson)
        option_list = self._list
        if option_list is not None and option_list.highlighted != index:
            # Without prevent(), the list would answer with an OptionHighlighted of its
            # own; with two moves in flight (a quick n, or down then enter), the two
            # answers set the index back and forth for ever (the app spun at 100%).
            with option_list.prevent(OptionList.OptionHighlighted):
                option_list.highlighted = index
        # The heading and the list show the move at once; the lesson follows a frame later.
        if self._document.source:
            self.call_after_refresh(self._swap_document, index)
        else:  # the app's first lesson: let the terminal show the first frame first
            self.set_timer(FIRST_TEXT_AFTER, lambda: self._swap_document(index))

    def _show_hints(self, lesson: Lesson) -> None:
        hints = []
        if lesson.try_it:
            hints.append("r: try it live")
        if self.demos.offered(lesson.slug):
            hints.append("d: demo")
        self._heading.hints = " · ".join(hints)

    def on_show(self) -> None:
        if self._pending_document:  # the tab shows first, the text a frame later
            self.call_after_refresh(self._swap_document, self.index)

    def _swap_document(self, index: int) -> None:
        if index != self.index or not self.is_attached or self.app.return_code is not None:
            return  # the reader moved on already, or the app is closing
        if not self.display:
            self._pending_document = True  # another tab is on show: render when we are
            return
        self._pending_document = False
        self._document.update(body_for_display(self.lessons[index]))
        self._document.scroll_home(animate=False)
        if index + 1 < len(self.lessons):  # most readers go on to the next one
            self.set_timer(0.5, lambda: self._prefetch(index + 1))

    def _prefetch(self, index: int) -> None:
        if self.is_attached and self.index == index - 1:
            self._document.prerender(body_for_display(self.lessons[index]))

    def action_next_lesson(self) -> None:
        if self.index < len(self.lessons) - 1:
            self.index += 1
        else:
            self.notify("This is the last lesson.", timeout=2)

    def action_previous_lesson(self) -> None:
        if self.index > 0:
            self.index -= 1
        else:
            self.notify("This is the first lesson.", timeout=2)

    def action_scroll(self, where: str) -> None:
        """Scroll the lesson (the keys work wherever the focus is in this tab)."""
        scroll(self._document, where)

    async def action_toggle_list(self) -> None:
        hidden = not self.has_class("-hide-list")
        self._list_choice = not hidden
        if not hidden:
            contents = await self._contents()
            self.set_class(False, "-hide-list")
            contents.focus()
        else:
            self.set_class(True, "-hide-list")
            self._heading.focus()

    @on(OptionList.OptionHighlighted, "#lesson-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != self.index:
            self.index = event.option_index

    @on(OptionList.OptionSelected, "#lesson-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.index = event.option_index
        self._heading.focus()

    @on(DocumentView.LinkClicked)
    def _link(self, event: DocumentView.LinkClicked) -> None:
        event.stop()
        follow_link(self, event.href)


def follow_link(pane: LessonsPane, href: str) -> None:
    """Open another lesson (``lesson:SLUG``) or a web page in the browser."""
    if href.startswith("lesson:"):
        if not pane.show_lesson(href.removeprefix("lesson:")):
            pane.notify(f"No lesson called {href!r}.", severity="warning")
    elif href.startswith(("http://", "https://")):
        pane.app.open_url(href)
        pane.notify(f"Opening {href}", timeout=3)
    else:
        pane.notify(f"Cannot open {href!r}.", severity="warning")
