"""Where gil-tui keeps its files.

Configuration (``settings.toml`` and the interpreters a user added) goes to the
platform's config directory and data (the run history) to its data directory,
both found with platformdirs.  Setting ``GIL_TUI_HOME`` puts everything under one directory
instead (``$GIL_TUI_HOME/config`` and ``$GIL_TUI_HOME/data``); the tests use it
so they never touch a real home directory.

Nothing here creates a directory: the code that writes a file creates its
parent when it writes.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "gil-tui"
HOME_ENV = "GIL_TUI_HOME"


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    if not value:
        return None
    return Path(value).expanduser().absolute()


def config_dir() -> Path:
    """The directory for settings (``settings.toml``, ``interpreters.json``)."""
    home = _home_override()
    if home is not None:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """The directory for data gil-tui produces (``history.jsonl``)."""
    home = _home_override()
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def history_path() -> Path:
    """The append-only JSON-lines file of past runs."""
    return data_dir() / "history.jsonl"


def settings_path() -> Path:
    """The TOML file of remembered choices and the user's keymap (see ``gil_tui.settings``)."""
    return config_dir() / "settings.toml"


def interpreters_path() -> Path:
    """The JSON file listing interpreter paths the user added."""
    return config_dir() / "interpreters.json"
