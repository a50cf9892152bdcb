"""The UI's own text rules, on top of :mod:`gil_tui.engine.text`.

The engine names the levels (``good``/``flat``/``slow`` for a speedup); this is
the one place that gives them colours in table cells, and the one place for
the cells that more than one table draws: a speedup, a CPU %, an interpreter
as ``3.14t GIL off``, a path cut to fit; and the ``key name value`` line of the
tabs' controls. Rich text only (no Textual), so the
rules are tested on their own.
"""

from __future__ import annotations

import os
import re
from typing import Sequence

from rich.text import Text

from gil_tui.engine.text import clean, clean_line, gil_state, speedup, speedup_level

__all__ = ["CPU_STYLE", "MESSAGE_STYLE", "SPEEDUP_STYLE", "Item", "controls_text", "cpu_cell",
           "cpu_level", "message_text", "python_gil", "shorten_path", "speedup_cell",
           "without_paths"]

#: The rich style of each speedup level (:func:`gil_tui.engine.text.speedup_level`).
#: The Compare tab's chart draws the same levels with the theme's colours instead
#: (its component classes), as it draws everything else.
SPEEDUP_STYLE = {"good": "bold green", "flat": "yellow", "slow": "red", "none": "dim"}

#: A CPU % is "high" from here (one core nearly full), "mid" from CPU_MID.
CPU_HIGH = 85.0
CPU_MID = 50.0
#: The rich style of each CPU level (the core bars use component classes of these names).
CPU_STYLE = {"low": "green", "mid": "yellow", "high": "bold red"}


def speedup_cell(value: float | None, *, style: str | None = None) -> Text:
    """``1.93x`` in the colour of its level, ``-`` dimmed without a value; ``style`` overrides."""
    return Text(speedup(value), style=style or SPEEDUP_STYLE[speedup_level(value)])


def cpu_level(percent: float) -> str:
    """``low`` (under 50 %), ``mid`` (under 85 %) or ``high``."""
    return "low" if percent < CPU_MID else "mid" if percent < CPU_HIGH else "high"


def cpu_cell(percent: float | None) -> Text:
    """`` 97%`` right-aligned in the colour of its level; a dim dash without a value."""
    if percent is None:
        return Text("–", style="dim")
    return Text(f"{percent:5.0f}%", style=CPU_STYLE[cpu_level(percent)], justify="right")


def python_gil(label: str, free_threaded: bool | None, gil_enabled: bool | None) -> str:
    """``3.13 GIL``, ``3.14t GIL off``: an interpreter's label (its version as shown,
    ``t`` included) and the state of its GIL (:func:`gil_tui.engine.text.gil_state`)."""
    return f"{label} {gil_state(free_threaded, gil_enabled)}"


def shorten_path(path: str, width: int) -> str:
    """``~`` for the home directory, then keep the end: ``…/bin/python3.14t``."""
    home = os.path.expanduser("~")
    if home not in ("", "~", os.sep) and (path == home or path.startswith(home + os.sep)):
        path = "~" + path[len(home):]
    if len(path) <= width:
        return path
    if width <= 1:
        return "…"[:width]
    tail = path[-(width - 1):]
    cut = tail.find(os.sep)
    if 0 < cut <= len(tail) // 2:  # start at a directory boundary when it costs little
        tail = tail[cut:]
    return "…" + tail


#: An absolute path in a message (``/home/ann/.local/share/gil-tui/history.jsonl``),
#: quoted or not: two or more parts after the first slash.
_PATH = re.compile(r"(?<![\w.~])(?:~|/)[^\s'\"():;,]*/[^\s'\"():;,]+")


def without_paths(message: str) -> str:
    """A message short enough for a status line: every absolute path reduced to its last
    part (``…/history.jsonl``), so nothing is broken mid-path on a narrow screen; control
    characters shown escaped (:func:`gil_tui.engine.text.clean`; lines are kept)."""
    return _PATH.sub(lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1],
                     clean(message))


#: The style of a tab's message, by the severity Textual's notify() would give it.
MESSAGE_STYLE = {"information": "italic", "warning": "yellow", "error": "bold red"}


def message_text(message: str, severity: str = "information") -> Text:
    """A tab's message for its one-line status: paths cut to their last part, lines joined
    with `` · ``, control characters shown escaped, in the style of its severity."""
    line = clean_line(" · ".join(part.strip() for part in message.splitlines()
                                 if part.strip()))
    return Text(without_paths(line), style=MESSAGE_STYLE.get(severity, ""), no_wrap=True,
                overflow="ellipsis")


#: One group: (key, name, value), e.g. ("w", "workload", "cpu"); a value in rich Text
#: keeps its own style (a greyed choice), a str is drawn bold.
Item = tuple[str, str, "str | Text"]


def controls_text(items: Sequence[Item], width: int) -> Text:
    """The controls as `key name value` groups, wrapped between groups, never inside one."""
    text = Text(no_wrap=True, overflow="crop")
    used = 0
    for key, label, value in items:
        size = len(key) + len(label) + (value.cell_len if isinstance(value, Text)
                                         else len(value)) + 4
        if used and used + size > width:
            text.append("\n")
            used = 0
        text.append(f" {key} ", style="reverse")
        text.append(f" {label} ")
        if isinstance(value, Text):
            text.append_text(value)
        else:
            text.append(value, style="bold")
        text.append("  ")
        used += size + 2
    return text
