"""The app's remembered choices: what to apply at start, and saving what changes.

:class:`SettingsKeeper` holds the app's current :class:`~gil_tui.settings.Settings`.
A change (the theme, the Live tab's selection, the Compare tab's interpreters, the
sampling rate) replaces them at once and is written ``DEBOUNCE`` seconds after the
last change, in a thread (never on the event loop), so that a burst of key presses
writes the file once. A write that fails is said once (a read-only config folder
must not nag at every key press); quitting writes what is still pending.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from gil_tui.settings import Settings

    from gil_tui.ui.selection import Selection

__all__ = ["SaveFn", "SettingsKeeper", "live_changes", "restore_compare", "restore_live",
           "saved_settings", "show_warnings"]

SaveFn = Callable[["Settings", "Path | None"], object]


def saved_settings() -> tuple[Settings | None, list[str]]:
    """The remembered choices (theme, keymap, selections) and the warnings to show; a
    broken file gives the defaults and one warning. (None, []) when nothing was saved
    yet: the settings module is then imported only once something changes, after the
    first frame. What `gil-tui`, `gil-tui live` and the served app start with."""
    import os

    from gil_tui import paths

    path = paths.settings_path()
    if not os.path.lexists(path):
        return None, []
    from gil_tui.settings import load_settings

    return load_settings(path)


def _default_save(settings: Settings, path: Path | None) -> object:
    from gil_tui.settings import save_settings

    return save_settings(settings, path)


def _defaults() -> Settings:
    from gil_tui.settings import Settings

    return Settings()


def live_changes(selection: Selection, *, with_python: bool = True) -> dict[str, object]:
    """What ``Settings.with_live`` keeps of the Live tab's selection."""
    changes: dict[str, object] = {
        "workload": selection.workload.value, "mode": selection.mode.value,
        "workers": selection.workers, "scale": selection.scale,
    }
    if with_python:
        changes["python"] = selection.python
    return changes


class SettingsKeeper:
    """The settings of one app, saved a moment after they change.

    ``settings`` None: nothing was saved yet (no file); the defaults are built at the
    first change (importing the settings module costs ~20 ms: not before the first frame).
    """

    #: Seconds of quiet before a change is written.
    DEBOUNCE = 0.5

    def __init__(self, app: App, settings: Settings | None, *, path: Path | None = None,
                 save: SaveFn = _default_save) -> None:
        self.app = app
        self._settings = settings
        self._written = settings  # what the file holds (None: no file, the defaults)
        self.path = path
        self._save = save
        self._timer: Timer | None = None
        self._pending = False
        self._lock = threading.Lock()  # one write at a time, the newest settings each
        self._warned = False
        #: How many times the file was written (for tests).
        self.writes = 0

    @property
    def settings(self) -> Settings:
        """The settings as they are now (the defaults if none were saved)."""
        if self._settings is None:
            from gil_tui.settings import Settings

            self._settings = Settings()
        return self._settings

    @property
    def saved(self) -> Settings | None:
        """The settings read at start, or changed since; None: the defaults, untouched."""
        return self._settings

    def change(self, update: Callable[[Settings], Settings]) -> bool:
        """Apply ``update`` to the settings; True if they changed (a save is then due).
        A value the settings cannot keep (``SettingError``, a ``ValueError``) changes
        nothing."""
        try:
            new = update(self.settings)
        except (ValueError, TypeError):
            return False
        if new == self.settings:
            return False
        self._settings = new
        self._pending = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.app.set_timer(self.DEBOUNCE, self._save_soon, name="settings-save")
        return True

    @property
    def pending(self) -> bool:
        """True while a change waits to be written."""
        return self._pending

    def _save_soon(self) -> None:
        self._timer = None
        self.app.run_worker(self._write, thread=True, group="settings-save",
                            exit_on_error=False)

    def _write(self) -> None:
        with self._lock:
            if not self._pending:
                return
            self._pending = False
            settings = self.settings
            if settings == (self._written or _defaults()):
                return  # changed and changed back: the file says it already
            try:
                self._save(settings, self.path)
            except OSError as exc:
                self._failed(exc)
            else:
                self._written = settings
                self.writes += 1

    def _failed(self, exc: OSError) -> None:
        if self._warned:
            return
        self._warned = True
        text = f"Could not save the settings: {exc.strerror or exc}"
        if threading.get_ident() == getattr(self.app, "_thread_id", None):
            self.app.notify(text, severity="warning", markup=False)
        else:
            self.app.call_from_thread(self.app.notify, text, severity="warning", markup=False)

    async def flush(self) -> None:
        """Write a pending change now (quitting); failures are said as usual."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._pending:
            await asyncio.to_thread(self._write)


def show_warnings(app: App, warnings: Sequence[str], title: str) -> None:
    """One notification holding every warning line (none: nothing)."""
    lines = [line for line in warnings if line]
    if lines:
        app.notify("\n".join(lines), title=title, severity="warning", timeout=12,
                   markup=False)


def restore_live(live: Any, settings: Settings, found: Sequence[Any]) -> None:
    """Select the remembered interpreter in the Live tab, if the scan found it (and the
    reader has not picked one meanwhile)."""
    path = settings.live.python
    if not path or live.selection.python is not None:
        return
    match = next((i for i in found if i.path == path and i.supported), None)
    if match is not None:
        live.selection = live.selection.replace(python=match.path, python_label=match.label())


def restore_compare(compare: Any, settings: Settings) -> None:
    """Tick the remembered interpreters in the Compare tab, those the scan still found;
    they count as the reader's choice (a rescan keeps them)."""
    saved = set(settings.compare.interpreters)
    offered = compare.interpreters
    if not saved or not offered:
        return
    keep = tuple(i.path for i in offered if i.path in saved)
    if keep and (keep != compare.choice.paths or not compare.choice.picked):
        compare.choice = compare.choice.replace(paths=keep, picked=True)
