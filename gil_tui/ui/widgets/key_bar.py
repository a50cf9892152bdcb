"""KeyBar: the footer line of key bindings, drawn as one widget.

Textual's own Footer shows the same thing with one widget per key, and rebuilds them
all whenever the active bindings change: every tab switch, every lesson (whose keys
differ) and every start or end of a run. Measured in this app on a 2-core VM, that
rebuild took about 150 ms per key press, most of it restyling the new key widgets, and
each extra widget on screen costs a little on every redraw of the core bars. KeyBar
keeps the Footer's look and behaviour (keys from ``screen.active_bindings``, one entry
per action, disabled keys dimmed, the command palette key on the right, a tooltip per
key, a click presses the key) and redraws only when the text it shows changes.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class KeyItem(NamedTuple):
    """One key as shown in the bar."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str


def collect_items(screen: Screen) -> tuple[list[KeyItem], KeyItem | None]:
    """The keys to show for this screen's focus, and the command palette key (or None).

    Like Textual's Footer: bindings with ``show=True``, the first key of each action.
    """
    app = screen.app
    palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
    items: list[KeyItem] = []
    palette: KeyItem | None = None
    seen_actions: set[str] = set()
    for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items():
        if key == palette_key:
            palette = KeyItem(binding.key, app.get_key_display(binding), binding.description,
                              enabled, binding.tooltip or binding.description)
            continue
        if not binding.show or binding.action in seen_actions:
            continue
        seen_actions.add(binding.action)
        items.append(KeyItem(binding.key, app.get_key_display(binding), binding.description,
                             enabled, tooltip or binding.tooltip or binding.description))
    return items, palette


class KeyBar(Widget):
    """The active keys in one line: `r Run  x Cancel  …        ^p palette`."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
    }
    KeyBar > .key-bar--disabled {
        color: $text-disabled;
    }
    """

    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--disabled"}

    ALLOW_SELECT = False

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.items: list[KeyItem] = []
        self.palette: KeyItem | None = None
        self._spans: list[tuple[int, int, KeyItem]] = []  # x range of each shown key

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        items, palette = collect_items(screen)
        if (items, palette) != (self.items, self.palette):
            self.items, self.palette = items, palette
            self.refresh()

    @property
    def shown(self) -> list[KeyItem]:
        """The keys drawn in the last render, in order (the palette key last)."""
        return [item for _, _, item in self._spans]

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        disabled_style = self.get_component_rich_style("key-bar--disabled")
        palette_cells = 0
        palette_text = Text()
        if self.palette is not None:
            palette_text = self._item_text(self.palette, key_style, description_style,
                                           disabled_style)
            palette_cells = palette_text.cell_len + 1
        out = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, KeyItem]] = []
        for item in self.items:
            piece = self._item_text(item, key_style, description_style, disabled_style)
            if out.cell_len + piece.cell_len > width - palette_cells:
                break  # no room: the rest are in the help screen and the palette
            spans.append((out.cell_len, out.cell_len + piece.cell_len, item))
            out.append_text(piece)
        if self.palette is not None and out.cell_len + palette_cells <= width:
            gap = width - out.cell_len - palette_text.cell_len
            out.append(" " * gap)
            spans.append((out.cell_len, out.cell_len + palette_text.cell_len, self.palette))
            out.append_text(palette_text)
        self._spans = spans
        return out

    @staticmethod
    def _item_text(item: KeyItem, key_style: Style, description_style: Style,
                   disabled_style: Style) -> Text:
        if item.enabled:
            return Text.assemble((f" {item.display} ", key_style),
                                 (f"{item.description} ", description_style))
        return Text.assemble((f" {item.display} {item.description} ", disabled_style))

    def item_at(self, x: int) -> KeyItem | None:
        """The key drawn at column x, if any."""
        for start, end, item in self._spans:
            if start <= x < end:
                return item
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self.item_at(event.x)
        self.tooltip = item.tooltip if item is not None else None

    def on_click(self, event: events.Click) -> None:
        item = self.item_at(event.x)
        if item is None:
            return
        event.stop()
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()
