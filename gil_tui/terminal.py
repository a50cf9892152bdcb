"""No terminal, no app: the check the commands that open the app make first.

A Textual app with stdin or stdout that is not a terminal (a pipe, /dev/null, a
CI job) cannot read keys or draw, and spins a core forever.  The commands that
open it call :func:`require_terminal` before importing Textual and return its
exit code (2) when it refuses, after one line on stderr that points to the
headless commands.  ``GIL_TUI_FORCE_TUI=1`` skips the check (tests that drive
the app on a pseudo-terminal, and ``gil-tui serve``, whose app runs on a pty).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Mapping, TextIO

FORCE_ENV = "GIL_TUI_FORCE_TUI"
EXIT_NO_TERMINAL = 2
DEFAULT_HINT = "for scripts use the headless commands: gil-tui --help"
_UNSET: Any = object()


def is_terminal(stream: TextIO | None) -> bool:
    """True when ``stream`` is an open terminal (False for None, a closed file, a pipe)."""
    if stream is None:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):  # no isatty, or closed
        return False


def require_terminal(
    command_name: str = "gil-tui",
    *,
    hint: str = DEFAULT_HINT,
    stdin: TextIO | None = _UNSET,
    stdout: TextIO | None = _UNSET,
    stderr: TextIO | None = _UNSET,
    environ: Mapping[str, str] | None = None,
) -> int | None:
    """None when the app can open here; otherwise print one line and return 2.

    ``command_name`` starts the line (``gil-tui``, ``gil-tui live``); ``hint`` ends it
    (``gil-tui watch`` passes "for scripts use --no-tui or --json"). The streams default
    to ``sys.stdin``/``sys.stdout``/``sys.stderr`` read at call time (any of them may be
    None under ``pythonw`` or with a closed descriptor); the line is dropped when stderr
    cannot take it. With ``GIL_TUI_FORCE_TUI=1`` in ``environ`` (default ``os.environ``)
    the check is skipped.
    """
    env = os.environ if environ is None else environ
    if env.get(FORCE_ENV, "").strip() == "1":
        return None
    stdin = sys.stdin if stdin is _UNSET else stdin
    stdout = sys.stdout if stdout is _UNSET else stdout
    missing = [name for name, stream in (("stdin", stdin), ("stdout", stdout))
               if not is_terminal(stream)]
    if not missing:
        return None
    which = " and ".join(missing) + (" are" if len(missing) > 1 else " is")
    line = f"{command_name}: the app needs a terminal ({which} not one); {hint}"
    err = sys.stderr if stderr is _UNSET else stderr
    try:
        if err is not None:
            print(line, file=err, flush=True)
    except (OSError, ValueError):
        pass
    return EXIT_NO_TERMINAL
