"""The gil-tui Textual app: title, tabs, key bar, keys. Each tab owns its own logic.

Only the tab on show is built before the first frame; the others follow right after
it (:mod:`gil_tui.ui.pane_loader`), so the app draws about as soon as a bare Textual
app. The panes are imported there too: this module names them only for type checks,
and handles their messages by name (``on_live_pane_selected``); what the tabs tell
each other, and what is remembered of them, is :mod:`gil_tui.ui.tab_links`.
"""

from __future__ import annotations

import dataclasses
import gc
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.widget import Widget
from textual.widgets import Static

from gil_tui.ui.app_keys import APP_BINDINGS, TAB_TITLES, TABS
from gil_tui.ui.pane_loader import PaneLoader, pane_class
from gil_tui.ui.settings_bridge import SettingsKeeper, show_warnings
from gil_tui.ui.tab_links import TabLinks
from gil_tui.ui.widgets.key_bar import KeyBar
from gil_tui.ui.widgets.main_tabs import MainTabs, TabBar
from gil_tui.ui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from pathlib import Path

    from textual.screen import Screen

    from gil_tui.settings import Settings
    from gil_tui.ui.run_gate import RunGate
    from gil_tui.ui.selection import Selection
    from gil_tui.ui.services import Services

#: Tab ids, in the order of the tab bar and of the keys 1-4 (TABS, TAB_TITLES: app_keys).

#: The smallest terminal the layout is made for; below it, a hint replaces the tabs.
MIN_WIDTH, MIN_HEIGHT = 60, 16


def _apply_settings(app: GilTuiApp, settings: Settings) -> None:
    """The saved theme and keymap, before the first frame."""
    if settings.theme is not None:
        if settings.theme in app.available_themes:
            app.theme = settings.theme
        else:
            app._warnings.append(f"settings: no theme called {settings.theme!r} here; "
                                 "the default is used")
    if settings.keymap:
        from gil_tui.settings import keymap_from_settings
        from gil_tui.ui.key_catalog import known_binding_ids

        keymap, app._keymap_warnings = keymap_from_settings(settings.keymap,
                                                            known_binding_ids())
        app.keymap = dict(keymap)
        app.set_keymap(keymap)


def _saved_selection(settings: Settings) -> Selection | None:
    """The Live tab's last selection, as saved (None when it no longer fits)."""
    from gil_tui.ui.selection import Selection

    try:
        return Selection.from_try(settings.live.try_values())
    except ValueError:
        return None


def _commands_provider() -> type:
    from gil_tui.ui.palette import GilTuiCommands

    return GilTuiCommands


class GilTuiApp(App[int]):
    """Lessons and live experiments about threads, processes and the GIL."""

    CSS_PATH = "app.tcss"
    TITLE = "gil-tui"
    SUB_TITLE = "threads, processes and the GIL"
    COMMANDS = App.COMMANDS | {_commands_provider}

    BINDINGS = APP_BINDINGS

    #: Seconds after mount to freeze the garbage collector's view of the built screen.
    GC_FREEZE_AFTER = 2.0

    def __init__(self, *, tab: str = "lessons", lesson: str | None = None,
                 services: Services | None = None, live_selection: Selection | None = None,
                 live_run: bool = False, settings: Settings | None = None,
                 settings_path: Path | None = None, settings_warnings: Sequence[str] = (),
                 remember: bool = False) -> None:
        super().__init__()
        self.initial_tab = tab if tab in TABS else "lessons"
        self.initial_lesson = lesson
        # The services and the run gate are built when a pane first needs them (the
        # Lessons tab, the first frame, needs neither).
        self._services = services
        #: The settings' sampling rate, for the services once built.
        self._sample_hz = settings.sample_hz if settings is not None else None
        self._gate: RunGate | None = None
        #: The remembered choices (None: this app remembers nothing, as in most tests).
        self.keeper = (SettingsKeeper(self, settings, path=settings_path)
                       if remember or settings is not None else None)
        #: The user's keymap as applied (binding id -> keys); the help shows these keys.
        self.keymap: dict[str, str] = {}
        self._warnings = list(settings_warnings)
        self._keymap_warnings: list[str] = []
        if settings is not None:
            _apply_settings(self, settings)
            if live_selection is None:
                live_selection = _saved_selection(settings)
        # With settings, the saved interpreter comes back once a scan finds it, unless the
        # selection on show names one by then.
        self.links = TabLinks(self, self.keeper, live_selection, live_run,
                              restore_live=settings is not None)
        self.loader = PaneLoader(self, self._build_pane, self._pane_mounted,
                                 lambda tab, pane: self.query_one("#main-tabs",
                                                                  MainTabs).add(tab, pane))

    @property
    def services(self) -> Services:
        """What the panes use of the outside world (the defaults unless given), with
        the settings' sampling rate."""
        if self._services is None:
            from gil_tui.ui.services import Services

            self._services = Services()
        if self._sample_hz is not None:
            self._services = dataclasses.replace(self._services, sample_hz=self._sample_hz)
            self._sample_hz = None
        return self._services

    @property
    def gate(self) -> RunGate:
        """One run at a time, whichever tab starts it."""
        if self._gate is None:
            from gil_tui.ui.run_gate import RunGate

            self._gate = RunGate()
        return self._gate

    # ------------------------------------------------------------ building

    def _build_pane(self, tab: str, cls: type[Widget]) -> Widget:
        if tab == "lessons":
            return cls(id="lessons-pane")
        if tab == "interpreters":
            return cls(id="interpreters-pane", discover=self.services.discover)
        return cls(self.services, gate=self.gate, id=f"{tab}-pane")

    def compose(self) -> ComposeResult:
        yield TitleBar(id="app-title")
        pane = self._build_pane(self.initial_tab, pane_class(self.initial_tab))
        self.loader.composed(self.initial_tab, pane)
        yield MainTabs([(tab, f"{n} {TAB_TITLES[tab]}") for n, tab in enumerate(TABS, 1)],
                       self.initial_tab, {self.initial_tab: pane}, id="main-tabs")
        yield KeyBar()

    def on_mount(self) -> None:
        self._check_size(self.size.width, self.size.height)
        self._pane_mounted(self.initial_tab, self.loader.panes[self.initial_tab])
        self._focus_tab(self.initial_tab)
        self.call_after_refresh(self._after_first_frame)
        # Once the screen is built, move every object alive to the collector's permanent
        # generation (gc.freeze): a full collection over all of Textual's widgets and
        # styles paused the app for ~60 ms here, now and then in the middle of a run.
        self.set_timer(self.GC_FREEZE_AFTER, gc.freeze)

    def _after_first_frame(self) -> None:
        gc.enable()  # `gil-tui` turns the collector off until the first frame (open_app)
        show_warnings(self, self._warnings, "Settings")
        show_warnings(self, self._keymap_warnings, "Keymap")
        if self.keeper is not None and self.is_running:
            self.theme_changed_signal.subscribe(self, self.links.theme_changed)
        # The other tabs, after the lesson's text (which is drawn a frame after the rest).
        rest = tuple(tab for tab in ("live", "compare", "interpreters", "lessons")
                     if tab != self.initial_tab)
        self.set_timer(self.LOAD_REST_AFTER, lambda: self.run_worker(
            self.loader.load_rest(rest), group="panes", exit_on_error=False))

    #: Seconds after the first frame to start building the other tabs.
    LOAD_REST_AFTER = 0.1

    def _pane_mounted(self, tab: str, pane: Widget) -> None:
        """Connect a pane to the others, once it is in the DOM."""
        self.links.pane_mounted(tab, pane)
        if tab == self.active_tab and self.focused is None:
            self._focus_tab(tab)

    async def _shutdown(self) -> None:
        # Textual's own close (quitting, or a test ending): no pane may be half-mounted
        # then, so let one that is being built finish first.
        await self.loader.settle()
        await super()._shutdown()

    # ------------------------------------------------------------ layout and focus

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small and not self.screen.query_children("#too-small"):  # built when first needed
            self.screen.mount(Static(f"Make the window bigger: gil-tui needs at least "
                                     f"{MIN_WIDTH}x{MIN_HEIGHT}.", id="too-small"))
        self.screen.set_class(small, "-too-small")

    @property
    def active_tab(self) -> str:
        """The tab on show."""
        return self.query_one("#main-tabs", MainTabs).active

    def _focus_tab(self, tab: str) -> None:
        if self.active_tab != tab:
            return  # the user moved on meanwhile: focusing would switch back
        if tab == "lessons" and self.loader.ready("lessons") is not None:
            self.query_one("#lesson-heading").focus()
            return
        tabs = self.query_one("#main-tabs", MainTabs)
        page = tabs.page(tab)
        focusable = [w for w in page.query("*") if w.focusable] if page else []
        if focusable:
            focusable[0].focus()
        else:
            tabs.query_one(TabBar).focus()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        # The tab's keys only work with the focus inside it: never leave it nowhere
        # (a widget that gets hidden while focused drops the focus).
        self.call_after_refresh(self._refocus_if_lost)

    def _refocus_if_lost(self) -> None:
        if self.screen is self.screen_stack[0] and self.screen.focused is None:
            self._focus_tab(self.active_tab)

    async def action_show_tab(self, tab: str) -> None:
        """Switch to a tab (building its pane if needed) and put the focus inside it."""
        if tab not in TABS:
            return
        # Built first, then shown: an empty tab on show would leave the focus to fall
        # back into the tab left (which then takes itself the screen back).
        await self.loader.get(tab)
        self.query_one("#main-tabs", MainTabs).active = tab
        self.call_after_refresh(self._focus_tab, tab)

    async def on_main_tabs_tab_activated(self, event: MainTabs.TabActivated) -> None:
        if event.tab not in self.loader.panes:  # a click on a tab not built yet
            await self.action_show_tab(event.tab)
        else:
            self.call_after_refresh(self._focus_tab, event.tab)

    # ------------------------------------------------------------ the panes' messages

    def on_interpreters_pane_discovered(self, event: Any) -> None:
        self.links.interpreters_found(event.interpreters)

    def on_live_pane_selected(self, event: Any) -> None:
        self.links.live_selected(event.selection)

    def on_interpreter_picker_changed(self, event: Any) -> None:
        self.links.compare_picked(event.paths)

    async def on_lessons_pane_try_it(self, event: Any) -> None:
        live: Any = await self.loader.get("live")
        if live.select(event.lesson.try_it):
            await self.action_show_tab("live")
            self.notify(f"Selected: {live.selection.to_spec().label()}. Press r to run it.",
                        title=f"Try it: {event.lesson.title}", timeout=5)

    # ------------------------------------------------------------ app-wide actions

    async def action_quit(self) -> None:
        """Quit, cancelling any run first so that no worker outlives the app."""
        for tab in ("compare", "live"):
            pane: Any = self.loader.ready(tab)
            if pane is not None:
                await pane.shutdown()
        if self.keeper is not None:
            self.links.remember_sample_rate()
            await self.keeper.flush()
        self.exit(0)

    def action_watch(self, command: str | None = None) -> None:
        """Ask for a command line, then watch it (the same view as `gil-tui watch`)."""
        watch_command(self, command)

    def action_help(self) -> None:
        """The keys (as the keymap has them), opened at the tab on show."""
        from gil_tui.policy import REFUSAL, commands_allowed
        from gil_tui.ui.help import WATCH_ON, HelpScreen, help_text

        if isinstance(self.screen, HelpScreen):
            return
        note = WATCH_ON if commands_allowed() else (
            'The palette\'s "Watch a command…" is off here: ' + REFUSAL)
        self.push_screen(HelpScreen(help_text(self.keymap, note), section=self.active_tab))

    async def action_open_lesson(self, slug: str) -> None:
        await self.action_show_tab("lessons")
        lessons: Any = await self.loader.get("lessons")
        lessons.show_lesson(slug)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from app_commands(self)


def app_commands(app: GilTuiApp) -> Iterable[SystemCommand]:
    """The palette's tabs, "Watch a command…" and lessons (its other commands:
    :mod:`gil_tui.ui.palette`)."""
    from gil_tui.lessons import load_lessons
    from gil_tui.policy import REFUSAL, commands_allowed

    for tab in TABS:
        yield SystemCommand(f"Tab: {TAB_TITLES[tab]}", f"Go to the {TAB_TITLES[tab]} tab",
                            lambda tab=tab: app.call_later(app.action_show_tab, tab))
    yield SystemCommand("Watch a command…",
                        "Run any program and see how many cores it really uses"
                        if commands_allowed() else REFUSAL,
                        app.action_watch)
    for n, lesson in enumerate(load_lessons(), 1):
        yield SystemCommand(f"Lesson {n}: {lesson.title}", lesson.summary,
                            lambda slug=lesson.slug: app.call_later(app.action_open_lesson,
                                                                     slug))


def watch_command(app: App, command: str | None) -> None:
    """Ask for a command line (or take ``command``), then watch it; refused when served
    to a browser without ``--allow-commands`` (it runs anything on the server)."""
    import shlex

    from gil_tui.policy import REFUSAL, commands_allowed
    from gil_tui.ui.watch.view import AskCommand, WatchScreen

    if not commands_allowed():
        app.notify(REFUSAL, severity="warning", timeout=8, markup=False)
        return

    def start(text: str | None) -> None:
        if not text:
            return
        try:
            argv = shlex.split(text)
        except ValueError as exc:
            app.notify(f"Cannot read that command: {exc}", severity="error")
            return
        app.push_screen(WatchScreen(argv))

    if command:
        start(command)
    else:
        app.push_screen(AskCommand(), start)


def make_app(*, tab: str = "lessons", lesson: str | None = None,
             services: Services | None = None, live_selection: Selection | None = None,
             live_run: bool = False, settings: Settings | None = None,
             settings_path: Path | None = None, settings_warnings: Sequence[str] = (),
             remember: bool = False) -> GilTuiApp:
    """Build the app; the CLI and the tests both come through here.

    ``settings`` (from :func:`gil_tui.settings.load_settings`) are applied (theme,
    keymap; their Live selection when ``live_selection`` is None), and with
    ``remember`` (or whenever ``settings`` are given) every remembered choice is kept
    up to date in ``settings_path`` (None: the usual file); ``remember`` without
    ``settings``: the defaults, saved once something changes. Without either the app
    remembers nothing (most tests). The settings' sampling rate goes into ``services``.
    """
    return GilTuiApp(tab=tab, lesson=lesson, services=services,
                     live_selection=live_selection, live_run=live_run, settings=settings,
                     settings_path=settings_path, settings_warnings=settings_warnings,
                     remember=remember)
