"""The gil-tui Textual app: header, tabs, footer, keys. Each tab owns its own logic."""

from __future__ import annotations

import gc
from typing import Iterable, Sequence

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane

from gil_tui.lessons import load_lessons
from gil_tui.ui.help import HelpScreen
from gil_tui.ui.widgets.key_bar import KeyBar
from gil_tui.ui.selection import Selection
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.compare.pane import ComparePane
from gil_tui.ui.tabs.interpreters.pane import InterpretersPane
from gil_tui.ui.tabs.lessons.pane import LessonsPane
from gil_tui.ui.tabs.live.pane import LivePane

#: Tab ids, in the order of the tab bar and of the keys 1-4.
TABS = ("lessons", "live", "compare", "interpreters")
TAB_TITLES = {"lessons": "Lessons", "live": "Live", "compare": "Compare",
              "interpreters": "Interpreters"}

#: The smallest terminal the layout is made for; below it, a hint replaces the tabs.
MIN_WIDTH, MIN_HEIGHT = 60, 16


class GilTuiApp(App[int]):
    """Lessons and live experiments about threads, processes and the GIL."""

    CSS_PATH = "app.tcss"
    TITLE = "gil-tui"
    SUB_TITLE = "threads, processes and the GIL"

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave gil-tui"),
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help",
                tooltip="Keys and commands"),
        *(
            Binding(str(n), f"show_tab('{tab}')", TAB_TITLES[tab], show=False,
                    id=f"app.tab.{tab}", tooltip=f"Go to the {TAB_TITLES[tab]} tab")
            for n, tab in enumerate(TABS, 1)
        ),
    ]

    def __init__(self, *, tab: str = "lessons", lesson: str | None = None,
                 services: Services | None = None, live_selection: Selection | None = None,
                 live_run: bool = False) -> None:
        super().__init__()
        self.live_selection = live_selection
        self.live_run = live_run
        self.initial_tab = tab if tab in TABS else "lessons"
        self.initial_lesson = lesson
        self.services = services or Services()
        self._live: LivePane | None = None  # set on mount
        self._compare: ComparePane | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial=self.initial_tab, id="main-tabs"):
            with TabPane("Lessons", id="lessons"):
                yield LessonsPane(id="lessons-pane")
            with TabPane("Live", id="live"):
                yield LivePane(self.services, id="live-pane")
            with TabPane("Compare", id="compare"):
                yield ComparePane(self.services, id="compare-pane")
            with TabPane("Interpreters", id="interpreters"):
                yield InterpretersPane(id="interpreters-pane", discover=self.services.discover)
        yield Static(
            f"Make the window bigger: gil-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
            id="too-small",
        )
        yield KeyBar()

    def on_mount(self) -> None:
        if self.initial_lesson:
            if not self.query_one(LessonsPane).show_lesson(self.initial_lesson):
                self.notify(f"No lesson called {self.initial_lesson!r}.", severity="warning")
        self._check_size(self.size.width, self.size.height)
        live = self._live = self.query_one(LivePane)
        self._compare = self.query_one(ComparePane)
        live.cores_signal.subscribe(self, self._cores_sampled)
        # Demos run in the interpreter picked in the Live tab.
        self.query_one("#lesson-demo").python = lambda: live.selection.python
        if self.live_selection is not None:
            live.selection = self.live_selection
        if self.live_run:
            live.action_run()
        self._focus_tab(self.initial_tab)
        # Once the screen is built, move every object alive to the collector's permanent
        # generation (gc.freeze): a full collection over all of Textual's widgets and
        # styles paused the app for ~60 ms here, now and then in the middle of a run.
        self.set_timer(self.GC_FREEZE_AFTER, self._freeze_gc)

    #: Seconds after mount to freeze the garbage collector's view of the built screen.
    GC_FREEZE_AFTER = 2.0

    def _freeze_gc(self) -> None:
        gc.freeze()

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.screen.set_class(small, "-too-small")

    def _focus_tab(self, tab: str) -> None:
        if self.query_one("#main-tabs", TabbedContent).active != tab:
            return  # the user moved on meanwhile: focusing would switch back
        pane = self.query_one(f"#{tab}", TabPane)
        if tab == "lessons":
            self.query_one("#lesson-heading").focus()
        else:
            focusable = [w for w in pane.query("*") if w.focusable]
            if focusable:
                focusable[0].focus()
            else:
                self.query_one("#main-tabs Tabs").focus()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        # The tab's keys only work with the focus inside it: never leave it nowhere
        # (a widget that gets hidden while focused drops the focus).
        self.call_after_refresh(self._refocus_if_lost)

    def _refocus_if_lost(self) -> None:
        if self.screen is self.screen_stack[0] and self.screen.focused is None:
            self._focus_tab(self.query_one("#main-tabs", TabbedContent).active)

    def action_show_tab(self, tab: str) -> None:
        """Switch to a tab and put the focus inside it."""
        if tab not in TABS:
            return
        self.query_one("#main-tabs", TabbedContent).active = tab
        self.call_after_refresh(self._focus_tab, tab)

    @on(InterpretersPane.Discovered)
    def _interpreters_found(self, event: InterpretersPane.Discovered) -> None:
        live = self._live or self.query_one(LivePane)  # may come before our own mount
        compare = self._compare or self.query_one(ComparePane)
        for pane in (live, compare):
            if pane.is_attached:
                pane.set_interpreters(event.interpreters)

    def _cores_sampled(self, percents: Sequence[float]) -> None:
        # The Live tab samples the cores all the time; the Compare tab shows them too.
        # Samples can still arrive while the app closes.
        if self._compare is not None and self._compare.is_attached:
            self._compare.show_cores(percents)

    def run_elsewhere(self, pane: object) -> str | None:
        """Why `pane` should not start a run now (another tab's run is going), or None.

        Two runs at once share the cores and skew each other's times."""
        if pane is not self._compare and self._compare is not None and self._compare.running:
            return ("A Compare matrix is running: two runs at once would skew each other's "
                    "times. Wait for it, or cancel it (x in the Compare tab).")
        if pane is not self._live and self._live is not None and self._live.running:
            return ("A Live run is under way: two runs at once would skew each other's "
                    "times. Wait for it, or cancel it (x in the Live tab).")
        return None

    @on(LessonsPane.TryIt)
    def _try_it(self, event: LessonsPane.TryIt) -> None:
        live = self.query_one(LivePane)
        if live.select(event.lesson.try_it):
            self.action_show_tab("live")
            self.notify(f"Selected: {live.selection.to_spec().label()}. Press r to run it.",
                        title=f"Try it: {event.lesson.title}", timeout=5)

    async def action_quit(self) -> None:
        """Quit, cancelling any run first so that no worker outlives the app."""
        await self.query_one(ComparePane).shutdown()
        await self.query_one(LivePane).shutdown()
        self.exit(0)

    def action_watch(self, command: str | None = None) -> None:
        """Ask for a command line, then watch it (the same view as `gil-tui watch`)."""
        import shlex

        from gil_tui.ui.watch.view import AskCommand, WatchScreen

        def start(text: str | None) -> None:
            if not text:
                return
            try:
                argv = shlex.split(text)
            except ValueError as exc:
                self.notify(f"Cannot read that command: {exc}", severity="error")
                return
            self.push_screen(WatchScreen(argv))

        if command:
            start(command)
        else:
            self.push_screen(AskCommand(), start)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_open_lesson(self, slug: str) -> None:
        self.action_show_tab("lessons")
        self.query_one(LessonsPane).show_lesson(slug)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for tab in TABS:
            yield SystemCommand(
                f"Tab: {TAB_TITLES[tab]}",
                f"Go to the {TAB_TITLES[tab]} tab",
                lambda tab=tab: self.action_show_tab(tab),
            )
        yield SystemCommand("Watch a command…",
                            "Run any program and see how many cores it really uses",
                            self.action_watch)
        for n, lesson in enumerate(load_lessons(), 1):
            yield SystemCommand(
                f"Lesson {n}: {lesson.title}",
                lesson.summary,
                lambda slug=lesson.slug: self.action_open_lesson(slug),
            )


def make_app(*, tab: str = "lessons", lesson: str | None = None,
             services: Services | None = None, live_selection: Selection | None = None,
             live_run: bool = False) -> GilTuiApp:
    """Build the app; the CLI and the tests both come through here."""
    return GilTuiApp(tab=tab, lesson=lesson, services=services,
                     live_selection=live_selection, live_run=live_run)
