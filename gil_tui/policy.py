"""What the app may do when it is served to a browser (`gil-tui serve`).

The server passes its mode to each app process it starts through two
environment variables; the app asks these functions, never the variables:

* ``GIL_TUI_SERVED=1``: this app process was started by ``gil-tui serve``
  for one browser tab.
* ``GIL_TUI_ALLOW_COMMANDS=1``: ``gil-tui serve --allow-commands`` was given.

Served, whoever reaches the page drives the app. Features that run a command
line or an interpreter the person types (the palette's "Watch a command…",
the Interpreters tab's ``a``) are off then, unless ``--allow-commands`` was
given. In a terminal they are always on. Pure Python: no Textual, no I/O.
"""

from __future__ import annotations

import os
from typing import Mapping

__all__ = ["SERVED_ENV", "ALLOW_COMMANDS_ENV", "served", "commands_allowed", "child_environment",
           "REFUSAL"]

SERVED_ENV = "GIL_TUI_SERVED"
ALLOW_COMMANDS_ENV = "GIL_TUI_ALLOW_COMMANDS"

#: What the UI can say when it refuses such a feature in served mode.
REFUSAL = ("Off in a browser: this page may be open to others, and this runs any command "
           "on the server. Start `gil-tui serve --allow-commands` to allow it.")


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def served(environ: Mapping[str, str] | None = None) -> bool:
    """True in an app process started by ``gil-tui serve`` (one per browser tab)."""
    return _flag(os.environ if environ is None else environ, SERVED_ENV)


def commands_allowed(environ: Mapping[str, str] | None = None) -> bool:
    """May the app run a command line or an interpreter that its user typed?

    Always in a terminal; served, only with ``gil-tui serve --allow-commands``.
    """
    env = os.environ if environ is None else environ
    return not served(env) or _flag(env, ALLOW_COMMANDS_ENV)


def child_environment(allow_commands: bool) -> dict[str, str]:
    """The variables ``gil-tui serve`` sets for the app processes it starts."""
    return {SERVED_ENV: "1", ALLOW_COMMANDS_ENV: "1" if allow_commands else "0"}
