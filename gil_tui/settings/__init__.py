"""The choices gil-tui remembers between runs, and the user's keymap.

``settings.toml`` in the config directory (``$GIL_TUI_HOME/config`` when that is set)::

    settings, warnings = load_settings()      # at start; warnings: none or one line
    save_settings(settings.with_live(workers=8))
    keymap, problems = keymap_from_settings(settings.keymap, known_ids)

No Textual here: the app applies the results (``App.theme``, ``App.set_keymap``).
"""

from __future__ import annotations

from gil_tui.settings.keymap import (
    GLOBAL_SCOPES,
    ISOLATED_SCOPES,
    TEXTUAL_RESERVED,
    KeyNameError,
    keymap_from_settings,
    normalize_key,
    normalize_keys,
)
from gil_tui.settings.model import CompareSettings, LiveSettings, SettingError, Settings
from gil_tui.settings.store import load_settings, parse_settings, render_settings, save_settings

__all__ = [
    "GLOBAL_SCOPES",
    "ISOLATED_SCOPES",
    "TEXTUAL_RESERVED",
    "CompareSettings",
    "KeyNameError",
    "LiveSettings",
    "SettingError",
    "Settings",
    "keymap_from_settings",
    "load_settings",
    "normalize_key",
    "normalize_keys",
    "parse_settings",
    "render_settings",
    "save_settings",
]
