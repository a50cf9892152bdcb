"""Opening the Textual app (the default when no subcommand is given).

Textual is imported only here, inside the functions, so headless commands
(`bench`, `interpreters`, `lessons`) start fast and never load it.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not imported by `gil-tui` alone (the app's first frame)
    import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("app", help="open the app (the same as no subcommand)")
    parser.add_argument(
        "--tab",
        choices=("lessons", "live", "compare", "interpreters"),
        default="lessons",
        help="the tab to open on",
    )
    parser.add_argument("--lesson", metavar="SLUG", help="open this lesson first")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return open_app(tab=args.tab, lesson=args.lesson)


def open_app(tab: str = "lessons", lesson: str | None = None) -> int:
    from gil_tui.terminal import require_terminal

    refused = require_terminal("gil-tui")
    if refused is not None:
        return refused
    # No garbage collection until the first frame: importing Textual and building the
    # screen allocate a great many objects that all stay alive, and the collector's
    # passes over them cost ~10% of the start. The app turns it back on after its first
    # frame (and later freezes what it built, see GilTuiApp.GC_FREEZE_AFTER).
    gc.disable()
    try:
        from gil_tui.ui.app import make_app

        settings, warnings = saved_settings()
        app = make_app(tab=tab, lesson=lesson, settings=settings,
                       settings_warnings=warnings, remember=True)
        from gil_tui.ui.signals import exit_on_stop_signals  # TERM/HUP: the app's own exit
        with exit_on_stop_signals(app):
            app.run()
    finally:
        gc.enable()
    return int(app.return_code or 0)


def saved_settings() -> tuple[object | None, list[str]]:
    """The remembered choices and the warnings to show (see
    :func:`gil_tui.ui.settings_bridge.saved_settings`)."""
    from gil_tui.ui.settings_bridge import saved_settings as read

    return read()


def open_watch(argv: list[str] | None = None, pid: int | None = None, hz: float = 4.0,
               log: str | None = None) -> int:
    """`gil-tui watch` with the TUI: the watch view alone, with the user's keymap;
    returns the exit code."""
    from gil_tui.ui.watch.view import WatchApp

    keymap, settings_warnings, keymap_warnings = watch_settings()
    app = WatchApp(argv, pid=pid, hz=hz, log=log, keymap=keymap,
                   settings_warnings=settings_warnings, keymap_warnings=keymap_warnings)
    app.run()
    return int(app.return_code or 0)


def watch_settings() -> tuple[dict[str, str], list[str], list[str]]:
    """What `gil-tui watch` takes from the saved settings: the user's keymap (its entries
    for the watch view; the main app's are left out without a word), the warnings of
    loading the file, and those of the keymap."""
    settings, warnings = saved_settings()
    raw = getattr(settings, "keymap", None)
    if not raw:
        return {}, warnings, []
    from gil_tui.ui.key_catalog import watch_keymap

    keymap, problems = watch_keymap(raw)
    return keymap, warnings, problems
