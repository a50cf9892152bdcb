"""The Lessons tab: an ordered list of lessons and the selected one, rendered."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from gil_tui.lessons import Lesson, body_for_display, load_lessons
from gil_tui.ui.scroll_keys import scroll, scroll_bindings
from gil_tui.ui.tabs.lessons.demo_panel import ChooseDemo, DemoPanel, choices_for
from gil_tui.ui.widgets.document import DocumentView

#: Below this width the list of lessons is hidden unless the reader asks for it.
NARROW = 100


class LessonsPane(Horizontal):
    """The list of lessons on the left, the current lesson on the right."""

    DEFAULT_CSS = """
    LessonsPane { height: 1fr; }
    LessonsPane #lesson-list { width: 30; height: 1fr; border: none; border-right: tall $panel; }
    LessonsPane.-hide-list #lesson-list { display: none; }
    LessonsPane #lesson-main { width: 1fr; height: 1fr; }
    LessonsPane #lesson-heading { height: 1; padding: 0 1; background: $boost; color: $text-muted;
                                  text-wrap: nowrap; text-overflow: ellipsis; }
    LessonsPane #lesson-doc { height: 1fr; padding: 0 0 1 2; }
    LessonsPane #lesson-heading:focus { color: $text; text-style: bold; }
    """

    BINDINGS = [
        Binding("n", "next_lesson", "Next", id="lessons.next", tooltip="Go to the next lesson"),
        Binding("p", "previous_lesson", "Prev", id="lessons.previous",
                tooltip="Go to the previous lesson"),
        Binding("t", "toggle_list", "Contents", id="lessons.toggle_list",
                tooltip="Show or hide the list of lessons"),
        Binding("r", "try_it", "Try it", id="lessons.try_it",
                tooltip="Open this lesson's experiment in the Live tab"),
        Binding("d", "demo", "Demo", id="lessons.demo",
                tooltip="Run this lesson's live demo (real code, in a safe sandbox)"),
        Binding("x", "stop_demo", "Stop demo", id="lessons.stop_demo",
                tooltip="Stop the running demo"),
        Binding("c", "close_demo", "Close demo", show=False, id="lessons.close_demo",
                tooltip="Hide the demo panel"),
        *scroll_bindings("lessons"),
    ]

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
        self._pending_document = False

    def compose(self) -> ComposeResult:
        yield OptionList(
            *(Option(f"{n:>2} {lesson.title}", id=lesson.slug)
              for n, lesson in enumerate(self.lessons, 1)),
            id="lesson-list",
        )
        with Vertical(id="lesson-main"):
            # The heading takes the focus for reading; the scroll keys are the pane's.
            heading = Static(id="lesson-heading")
            heading.can_focus = True
            yield heading
            yield DocumentView(id="lesson-doc")
            yield DemoPanel(id="lesson-demo")

    def on_mount(self) -> None:
        self._document = self.query_one("#lesson-doc", DocumentView)
        self._list = self.query_one("#lesson-list", OptionList)
        self._heading = self.query_one("#lesson-heading", Static)
        self._demo = self.query_one("#lesson-demo", DemoPanel)
        self._list.tooltip = "Enter or click opens a lesson"
        self._show(self.index)

    @property
    def document(self) -> DocumentView:
        """The widget that shows the lesson's text."""
        return self._document

    def on_resize(self) -> None:
        if self._list_choice is None:
            self.set_class(self.size.width < NARROW, "-hide-list")

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
        self._show(index)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False hides the key from the footer where it cannot act (room is short at 80x24).
        if action == "try_it":
            return bool(self.lessons and self.lesson.try_it)
        if action == "demo":
            return bool(self.lessons and choices_for(self.lesson.slug))
        if action == "stop_demo":
            return bool(self._demo.running)
        if action == "close_demo":
            return self._demo.has_class("-shown")
        return True

    def action_demo(self) -> None:
        choices = choices_for(self.lesson.slug)
        if not choices:
            return
        if len(choices) == 1:
            self._demo.start(choices[0])
        else:
            by_name = {c.name: c for c in choices}
            self.app.push_screen(ChooseDemo(choices),
                                 lambda name: name and self._demo.start(by_name[name]))
        self.refresh_bindings()

    def action_stop_demo(self) -> None:
        self._demo.stop()

    def action_close_demo(self) -> None:
        self._demo.close()
        self.refresh_bindings()

    @on(DemoPanel.Finished)
    def _demo_done(self, message: DemoPanel.Finished) -> None:
        self.refresh_bindings()
        if message.result.name == "costs" and message.result.ok:
            self.refresh_lesson_text()

    def refresh_lesson_text(self) -> None:
        """Show the lesson again if its text changed (it shows figures measured here)."""
        if self.lessons:
            self._document.update(body_for_display(self.lesson))

    def action_try_it(self) -> None:
        if self.lesson.try_it:
            self.post_message(self.TryIt(self.lesson))

    def _show(self, index: int) -> None:
        if not self.lessons:
            self._heading.update("No lessons found.")
            return
        lesson = self.lessons[index]
        total = len(self.lessons)
        heading = f"Lesson {index + 1} of {total} · {lesson.title}"
        if lesson.try_it:
            heading += " · r: try it live"
        if choices_for(lesson.slug):
            heading += " · d: demo"
        self._heading.update(heading)
        option_list = self._list
        if option_list.highlighted != index:
            # Without prevent(), the list would answer with an OptionHighlighted of its
            # own; with two moves in flight (a quick n, or down then enter), the two
            # answers set the index back and forth for ever (the app spun at 100%).
            with option_list.prevent(OptionList.OptionHighlighted):
                option_list.highlighted = index
        # The heading and the list show the move at once; the lesson follows a frame later.
        self.call_after_refresh(self._swap_document, index)

    def on_show(self) -> None:
        if self._pending_document:  # the tab shows first, the text a frame later
            self.call_after_refresh(self._swap_document, self.index)

    def _swap_document(self, index: int) -> None:
        if index != self.index or not self.is_attached or self.app._exit_renderables:
            return  # the reader moved on already, or the app is closing
        parent = self.parent
        if parent is not None and not parent.display:
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

    def action_toggle_list(self) -> None:
        hidden = not self.has_class("-hide-list")
        self._list_choice = not hidden
        self.set_class(hidden, "-hide-list")
        if not hidden:
            self._list.focus()
        else:
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
        href = event.href
        if href.startswith("lesson:"):
            if not self.show_lesson(href.removeprefix("lesson:")):
                self.notify(f"No lesson called {href!r}.", severity="warning")
        elif href.startswith(("http://", "https://")):
            self.app.open_url(href)
            self.notify(f"Opening {href}", timeout=3)
        else:
            self.notify(f"Cannot open {href!r}.", severity="warning")
