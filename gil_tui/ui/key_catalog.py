"""Every key binding of the app by its id, and the keys a person presses for it now.

The user's ``[keymap]`` (:mod:`gil_tui.settings.keymap`) names bindings by id
(``live.run``); :func:`known_binding_ids` is the list it is checked against, and
:func:`keys_text` is what the help screen and the command palette show for an id,
the user's keys when the keymap remaps it.

The lists are read from the small ``keys`` modules and the classes that hold
bindings; the panes themselves are not imported for this (the Live tab's pulls
in the HTTP stack), so checking a keymap costs little before the first frame.
A test walks every class in ``gil_tui.ui`` and checks that nothing is missing.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from textual.binding import Binding

__all__ = ["binding_lists", "known_binding_ids", "default_keys", "keys_text", "key_label",
           "watch_keymap"]


def binding_lists() -> list[list[Binding]]:
    """Every list of bindings in the app and its screens (the watch view's too)."""
    from gil_tui.ui.app_keys import APP_BINDINGS, HELP_BINDINGS
    from gil_tui.ui.scroll_keys import scroll_bindings
    from gil_tui.ui.tabs.compare.keys import COMPARE_BINDINGS
    from gil_tui.ui.tabs.interpreters.keys import INTERPRETERS_BINDINGS
    from gil_tui.ui.tabs.lessons.demo_panel import ChooseDemo
    from gil_tui.ui.tabs.lessons.pane import LessonsPane
    from gil_tui.ui.tabs.live.keys import LIVE_BINDINGS
    from gil_tui.ui.watch.dialogs import AskCommand, ConfirmStop
    from gil_tui.ui.watch.view import WatchScreen

    return [
        list(APP_BINDINGS), _bindings(LessonsPane.BINDINGS),
        _bindings(ChooseDemo.BINDINGS), list(HELP_BINDINGS), list(LIVE_BINDINGS),
        [*COMPARE_BINDINGS, *scroll_bindings("compare")], list(INTERPRETERS_BINDINGS),
        _bindings(WatchScreen.BINDINGS), _bindings(AskCommand.BINDINGS),
        _bindings(ConfirmStop.BINDINGS),
    ]


def _bindings(items: Iterable[object]) -> list[Binding]:
    return [item for item in items if isinstance(item, Binding)]


def known_binding_ids(lists: Iterable[Iterable[Binding]] | None = None) -> dict[str, str]:
    """Binding id -> its default key string (``{"live.run": "r", ...}``)."""
    out: dict[str, str] = {}
    for bindings in binding_lists() if lists is None else lists:
        for binding in bindings:
            if binding.id:
                out.setdefault(binding.id, binding.key)
    return out


#: The scopes of the bindings `gil-tui watch` has (its own App): the watch view's and
#: its quit dialog's.
WATCH_SCOPES = ("watch", "confirm")


def watch_keymap(raw: object) -> tuple[dict[str, str], list[str]]:
    """The ``[keymap]`` as `gil-tui watch` applies it (``App.set_keymap``), and the
    warnings about it: only the entries of the watch app's scopes (``watch.stop``,
    ``confirm.yes``) are checked; the others belong to the main app, which says what is
    wrong with them."""
    from gil_tui.settings import keymap_from_settings
    from gil_tui.settings.keymap import scope_of
    from gil_tui.ui.watch.dialogs import ConfirmStop
    from gil_tui.ui.watch.view import WatchScreen

    known = known_binding_ids([_bindings(WatchScreen.BINDINGS), _bindings(ConfirmStop.BINDINGS)])
    if isinstance(raw, Mapping):
        raw = {binding_id: keys for binding_id, keys in raw.items()
               if isinstance(binding_id, str) and scope_of(binding_id) in WATCH_SCOPES}
    return keymap_from_settings(raw, known)


#: The bindings the help and the palette name (no watch view: importing it costs).
def _shown_lists() -> list[list[Binding]]:
    from gil_tui.ui.app_keys import APP_BINDINGS
    from gil_tui.ui.scroll_keys import scroll_bindings
    from gil_tui.ui.tabs.compare.keys import COMPARE_BINDINGS
    from gil_tui.ui.tabs.interpreters.keys import INTERPRETERS_BINDINGS
    from gil_tui.ui.tabs.lessons.pane import LessonsPane
    from gil_tui.ui.tabs.live.keys import LIVE_BINDINGS

    return [list(APP_BINDINGS), _bindings(LessonsPane.BINDINGS), list(LIVE_BINDINGS),
            [*COMPARE_BINDINGS, *scroll_bindings("compare")], list(INTERPRETERS_BINDINGS)]


def default_keys() -> dict[str, Binding]:
    """Binding id -> the binding, for the ids the help screen and the palette name."""
    out: dict[str, Binding] = {}
    for bindings in _shown_lists():
        for binding in bindings:
            if binding.id:
                out.setdefault(binding.id, binding)
    return out


def key_label(key: str) -> str:
    """How a key is written on screen: ``question_mark`` -> ``?``, ``ctrl+r`` -> ``^r``."""
    from textual.keys import format_key

    *modifiers, base = key.split("+")
    text = format_key(base)
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        text = f"^{text}"
    return "+".join([*modifiers, text])


def keys_text(binding_id: str, keymap: Mapping[str, str], *, joiner: str = " or ",
              bindings: Mapping[str, Binding] | None = None, every: bool = False) -> str:
    """The keys of a binding as shown to a person: the keymap's when it remaps the id,
    else the default: its ``key_display`` when it has one (``+`` for ``plus,equals_sign``;
    ``every``: then its other keys too), else each of its keys. "" for an unknown id."""
    remapped = keymap.get(binding_id)
    if remapped:
        keys = [key.strip() for key in remapped.split(",") if key.strip()]
        return joiner.join(dict.fromkeys(key_label(key) for key in keys))
    binding = (default_keys() if bindings is None else bindings).get(binding_id)
    if binding is None:
        return ""
    keys = [key.strip() for key in binding.key.split(",") if key.strip()]
    labels = [key_label(key) for key in keys]
    if binding.key_display and labels:
        labels = [binding.key_display, *labels[1:]] if every else [binding.key_display]
    return joiner.join(dict.fromkeys(labels))
