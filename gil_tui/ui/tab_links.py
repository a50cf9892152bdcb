"""What the tabs tell each other, and what the app remembers of them.

The app's message handlers are one line each and call :class:`TabLinks`: the
interpreters found (for the Live and Compare tabs, and lesson 10's table), the
Live tab's selection (demos run in its interpreter; remembered), the Compare
tab's interpreters (remembered), the theme (remembered), the cores sampled (the
Compare tab shows them too). A pane built after the first frame is connected
when it arrives (:meth:`TabLinks.pane_mounted`): a remembered interpreter is
restored once the first scan says it still exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from textual.widget import Widget

from gil_tui.ui.settings_bridge import SettingsKeeper, live_changes, restore_compare, restore_live

if TYPE_CHECKING:
    from gil_tui.ui.app import GilTuiApp
    from gil_tui.ui.selection import Selection

__all__ = ["TabLinks"]


class TabLinks:
    """The connections between the panes of one app."""

    def __init__(self, app: GilTuiApp, keeper: SettingsKeeper | None,
                 live_selection: Selection | None, live_run: bool,
                 restore_live: bool) -> None:
        self.app = app
        self.keeper = keeper
        self.live_selection = live_selection
        self.live_run = live_run
        self.found: list[Any] | None = None  # the interpreters, once a scan ended
        #: The remembered Live interpreter waits for the first scan (then it is dropped
        #: if gone); until then the selection saved keeps it.
        self._restore_live = restore_live and keeper is not None
        self._restore_compare = keeper is not None

    def _ready(self, tab: str) -> Any:
        return self.app.loader.ready(tab)

    # ------------------------------------------------------------ panes arriving

    def pane_mounted(self, tab: str, pane: Widget) -> None:
        app: Any = self.app
        if tab == "lessons":
            if app.initial_lesson and not pane.show_lesson(app.initial_lesson):  # type: ignore
                app.notify(f"No lesson called {app.initial_lesson!r}.", severity="warning")
            if (live := self._ready("live")) is not None:
                pane.use_python(live.selection.python)  # type: ignore[attr-defined]
        if tab == "live":
            pane.cores_signal.subscribe(app, self.cores_sampled)  # type: ignore[attr-defined]
            # `f` (the sampling rate) is saved at once, like the other remembered choices
            pane.sampler.rate_listeners.append(  # type: ignore[attr-defined]
                lambda _hz: self.remember_sample_rate())
            if self.live_selection is not None:
                pane.selection = self.live_selection  # type: ignore[attr-defined]
            if self.live_run:
                pane.action_run()  # type: ignore[attr-defined]
        if tab in ("live", "compare") and self.found is not None:
            pane.set_interpreters(self.found)  # type: ignore[attr-defined]
            self._restore(tab, pane)

    # ------------------------------------------------------------ messages

    def interpreters_found(self, found: Sequence[Any]) -> None:
        from gil_tui.lessons import note_interpreters

        self.found = list(found)
        note_interpreters([(i.version + ("t" if i.free_threaded else ""), i.version_info)
                           for i in self.found if i.version and i.version_info])
        if (lessons := self._ready("lessons")) is not None:
            lessons.refresh_lesson_text()  # lesson 10 lists the interpreters found
        for tab in ("live", "compare"):
            if (pane := self._ready(tab)) is not None:
                pane.set_interpreters(self.found)
                self._restore(tab, pane)

    def _restore(self, tab: str, pane: Any) -> None:
        """The remembered interpreter choices, once the first scan says they still exist."""
        if self.keeper is None or self.found is None:
            return
        saved = self.keeper.saved
        if tab == "live" and self._restore_live:
            self._restore_live = False
            if saved is not None:
                restore_live(pane, saved, self.found)
        if tab == "compare" and self._restore_compare:
            self._restore_compare = False
            if saved is not None:
                restore_compare(pane, saved)

    def cores_sampled(self, percents: Sequence[float]) -> None:
        # The Live tab samples the cores all the time; the Compare tab shows them too.
        if (compare := self._ready("compare")) is not None:
            compare.show_cores(percents)

    def live_selected(self, selection: Selection) -> None:
        # Demos run in the interpreter picked in the Live tab.
        if (lessons := self._ready("lessons")) is not None:
            lessons.use_python(selection.python)
        if self.keeper is not None:
            changes = live_changes(selection, with_python=not self._restore_live)
            self.keeper.change(lambda s: s.with_live(**changes))
            self.remember_sample_rate()

    def remember_sample_rate(self) -> None:
        """The Live tab's sampling rate (when `f` changes it, with each selection, and
        when quitting)."""
        hz = getattr(getattr(self._ready("live"), "sampler", None), "hz", None)
        if self.keeper is not None and isinstance(hz, (int, float)):
            self.keeper.change(lambda s: s.with_sample_hz(hz))

    def compare_picked(self, paths: Sequence[str]) -> None:
        if self.keeper is not None:
            chosen = tuple(paths)
            self.keeper.change(lambda s: s.with_compare(chosen))

    def theme_changed(self, theme: Any) -> None:
        if self.keeper is not None:
            self.keeper.change(lambda s: s.with_theme(theme.name))
