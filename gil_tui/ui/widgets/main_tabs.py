"""MainTabs: the app's tab bar and the tab on show, in as few widgets as the first frame allows.

Textual's TabbedContent draws the same thing with a dozen widgets (a scrolling
container, one widget per tab, an underline, a pane per tab) and their styles;
building them was a fifth of the time gil-tui took to draw its first frame. Here
the bar is one widget drawn by hand, with Textual's look (the names, dimmed
unless on show, over an underline that marks the tab on show), and the tabs are
plain containers in a ContentSwitcher (a pane can tell it is hidden from its
parent's ``display``). Keys 1-4 are the app's; a click on a name switches too.
"""

from __future__ import annotations

from typing import Sequence

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.renderables.bar import Bar
from textual.widget import Widget
from textual.widgets import ContentSwitcher

__all__ = ["MainTabs", "TabBar"]


class TabBar(Widget, can_focus=True):
    """``1 Lessons  2 Live  3 Compare …`` over an underline marking the tab on show."""

    DEFAULT_CSS = """
    TabBar { width: 1fr; height: 2; }
    TabBar > .tab-bar--tab { color: $foreground 50%; }
    TabBar > .tab-bar--active { color: $foreground; }
    TabBar:focus > .tab-bar--active {
        color: $block-cursor-foreground; background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    TabBar > .tab-bar--hover { color: $foreground; }
    TabBar > .tab-bar--underline { color: $block-cursor-background; background: $foreground 10%; }
    TabBar:focus > .tab-bar--underline { background: $foreground 30%; }
    """

    COMPONENT_CLASSES = {"tab-bar--tab", "tab-bar--active", "tab-bar--hover",
                         "tab-bar--underline"}

    ALLOW_SELECT = False

    active: reactive[str] = reactive("")
    """The id of the tab on show."""

    hovered: reactive[str] = reactive("")
    """The id of the tab under the mouse ("" for none)."""

    class Clicked(Message):
        """A tab's name was clicked."""

        def __init__(self, tab: str) -> None:
            super().__init__()
            self.tab = tab

    def __init__(self, tabs: Sequence[tuple[str, str]], active: str, *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        #: (id, label) of each tab, in order.
        self.tabs = list(tabs)
        self.set_reactive(TabBar.active, active)

    @property
    def labels(self) -> list[str]:
        """The names as shown."""
        return [label for _, label in self.tabs]

    def spans(self) -> list[tuple[int, int, str]]:
        """(first cell, end cell, tab id) of each name, padding included."""
        out, x = [], 0
        for tab, label in self.tabs:
            width = len(label) + 2
            out.append((x, x + width, tab))
            x += width
        return out

    def tab_at(self, x: int) -> str | None:
        return next((tab for start, end, tab in self.spans() if start <= x < end), None)

    def render(self) -> RenderableType:
        names = Text(no_wrap=True, overflow="crop")
        styles = {key: self.get_component_rich_style(f"tab-bar--{key}")
                  for key in ("tab", "active", "hover")}
        for tab, label in self.tabs:
            key = "active" if tab == self.active else "hover" if tab == self.hovered else "tab"
            names.append(f" {label} ", style=styles[key])
        underline = self.get_component_rich_style("tab-bar--underline")
        start, end = next(((s, e) for s, e, tab in self.spans() if tab == self.active), (0, 0))
        bar = Bar(highlight_range=(start + 1, end - 1) if end else (0, 0),
                  highlight_style=Style.from_color(underline.color),
                  background_style=Style.from_color(underline.bgcolor))
        return Group(names, bar)

    def on_click(self, event: events.Click) -> None:
        tab = self.tab_at(event.x)
        if tab is not None:
            event.stop()
            self.post_message(self.Clicked(tab))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self.tab_at(event.x) if event.y == 0 else ""

    def on_leave(self, event: events.Leave) -> None:
        self.hovered = ""


class MainTabs(Vertical):
    """The tab bar over the tabs; one tab on show at a time (``active``)."""

    DEFAULT_CSS = """
    MainTabs { height: 1fr; }
    MainTabs > ContentSwitcher { height: 1fr; }
    MainTabs > ContentSwitcher > Container { height: 1fr; }
    """

    active: reactive[str] = reactive("", init=False)
    """The id of the tab on show."""

    class TabActivated(Message):
        """Another tab is on show (a key, a click, or the app)."""

        def __init__(self, tabs: MainTabs, tab: str) -> None:
            super().__init__()
            self.tabs = tabs
            self.tab = tab

        @property
        def control(self) -> MainTabs:
            return self.tabs

    def __init__(self, tabs: Sequence[tuple[str, str]], active: str,
                 content: dict[str, Widget], *, id: str | None = None) -> None:
        """``tabs``: (id, label) of each; ``content``: the widgets to put in some tabs
        now (the others are filled later: ``(await tabs.tab(id)).mount(widget)``)."""
        super().__init__(id=id)
        self._tabs = list(tabs)
        self._content = content
        self.set_reactive(MainTabs.active, active)

    def compose(self) -> ComposeResult:
        yield TabBar(self._tabs, self.active)
        with ContentSwitcher(initial=self.active):
            # Only the tabs with content now; the others are added when filled.
            for tab, widget in self._content.items():
                yield Container(widget, id=tab)

    async def tab(self, tab: str) -> Container:
        """The container of one tab (added, empty, if it is not there yet)."""
        switcher = self.query_one(ContentSwitcher)
        found = switcher.query_children(f"#{tab}")
        if found:
            return found.first(Container)
        container = Container(id=tab)
        container.display = tab == switcher.current
        await switcher.mount(container)
        return container

    def tab_now(self, tab: str) -> Container | None:
        """The container of one tab, if it is there."""
        found = self.query_one(ContentSwitcher).query_children(f"#{tab}")
        return found.first(Container) if found else None

    def watch_active(self, active: str) -> None:
        self.query_one(ContentSwitcher).current = active
        self.query_one(TabBar).active = active
        self.post_message(self.TabActivated(self, active))

    async def on_tab_bar_clicked(self, event: TabBar.Clicked) -> None:
        event.stop()
        await self.tab(event.tab)
        self.active = event.tab
