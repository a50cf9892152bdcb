"""ControlsLine: what the keys of a tab set, as ``key name value`` groups (Live, Compare)."""

from __future__ import annotations

from typing import Sequence

from textual.widgets import Static

from gil_tui.ui.text import Item, controls_text


class ControlsLine(Static):
    """The current value of each control, next to its key; wraps between groups."""

    def __init__(self, *, id: str | None = None, focusable: bool = False) -> None:
        super().__init__(id=id)
        self.can_focus = focusable
        self._items: list[Item] = []

    def show(self, items: Sequence[Item]) -> None:
        """Draw these groups (again on every resize)."""
        self._items = list(items)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = (self.content_size.width or self.app.size.width) - 1
        self.update(controls_text(self._items, max(20, width)))
