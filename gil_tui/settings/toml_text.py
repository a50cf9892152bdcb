"""Writing the small TOML subset the settings file uses (reading is ``tomllib``'s job).

Only what :mod:`gil_tui.settings.store` writes: strings, whole numbers, finite
floats, booleans and flat lists of those, under bare or quoted keys.  Strings are
TOML basic strings with every character TOML forbids escaped, so any path that
is valid text round-trips through ``tomllib.loads``.
"""

from __future__ import annotations

import math
import re
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
                  "\f": "\\f", "\r": "\\r"}
# TOML basic strings may not hold ", \ or the controls U+0000-U+001F and U+007F
# (tab is allowed; it is escaped anyway so a line stays one line).
_MUST_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def string(value: str) -> str:
    """``value`` as a TOML basic string (raises ValueError for a lone surrogate,
    which no UTF-8 file can hold)."""
    value.encode("utf-8")  # UnicodeEncodeError is a ValueError
    return '"' + _MUST_ESCAPE.sub(_escape, value) + '"'


def key(name: str) -> str:
    """A key, bare when TOML allows it (``workers``), quoted otherwise (``"live.run"``)."""
    return name if _BARE_KEY.fullmatch(name) else string(name)


def value(item: Any) -> str:
    """A TOML value for a str, bool, int, finite float, or a list/tuple of those."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise ValueError(f"TOML settings hold finite numbers only, got {item!r}")
        return repr(item)  # always has "." or "e": 1.0, 0.25, 1e-05, 1e+16
    if isinstance(item, str):
        return string(item)
    if isinstance(item, (list, tuple)):
        return "[" + ", ".join(value(part) for part in item) + "]"
    raise TypeError(f"cannot write {type(item).__name__} to the settings file")


def assignment(name: str, item: Any) -> str:
    """One ``key = value`` line."""
    return f"{key(name)} = {value(item)}"
