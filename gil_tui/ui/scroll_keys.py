"""Scroll keys for a pane whose focus stays on a small widget.

Focusing a big container makes Textual restyle every widget inside it (its `:focus`
changes), which cost 20-60 ms a key press here; so the Lessons and Compare tabs keep
the focus on a one-line widget and scroll their text with these pane-level keys.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget


def scroll_bindings(prefix: str) -> list[Binding]:
    """Hidden bindings that call ``action_scroll(where)`` on the pane."""
    return [
        Binding("up", "scroll('up')", "Up", show=False, id=f"{prefix}.up"),
        Binding("down", "scroll('down')", "Down", show=False, id=f"{prefix}.down"),
        Binding("pageup", "scroll('page_up')", "Page up", show=False, id=f"{prefix}.page_up"),
        Binding("pagedown,space", "scroll('page_down')", "Page down", show=False,
                id=f"{prefix}.page_down"),
        Binding("home", "scroll('home')", "Top", show=False, id=f"{prefix}.home"),
        Binding("end", "scroll('end')", "End", show=False, id=f"{prefix}.end"),
    ]


def scroll(widget: Widget, where: str) -> None:
    """Scroll a widget up, down, a page, or to either end, without animation."""
    {"up": widget.scroll_up, "down": widget.scroll_down,
     "page_up": widget.scroll_page_up, "page_down": widget.scroll_page_down,
     "home": widget.scroll_home, "end": widget.scroll_end}[where](animate=False)
