"""MainTabs: the app's tab bar and the tab on show, in as few widgets as the first frame allows.

Textual's TabbedContent draws the same thing with a dozen widgets (a scrolling
container, one widget per tab, an underline, a pane per tab) and their styles;
building them was a fifth of the time gil-tui took to draw its first frame. Here
the bar is one widget drawn by hand, with Textual's look (the names, dimmed
unless on show, over an underline that marks the tab on show), and the tabs' panes
are its siblings, with no container around them unless the pane needs one (each
widget in the first frame costs a few milliseconds of it). Keys 1-4 are the app's;
a click on a name switches too.
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
    """The tab bar over the tabs; one tab on show at a time (``active``).

    Each tab is one page among the bar's siblings, shown or hidden by its ``display``.
    A pane that tells it is hidden from its own ``display`` (``OWN_PAGE = True``) is
    its tab's page itself; any other pane gets a plain container as its page, whose
    ``display`` the pane reads from its parent."""

    DEFAULT_CSS = """
    MainTabs { height: 1fr; }
    MainTabs > .main-tabs--page { height: 1fr; }
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
        """``tabs``: (id, label) of each; ``content``: the panes of some tabs now (the
        others are added later: ``await tabs.add(id, pane)``)."""
        super().__init__(id=id)
        self._tabs = list(tabs)
        self.set_reactive(MainTabs.active, active)
        #: tab id -> its page (the pane, or the container around it).
        self._pages = {tab: self._page(tab, pane) for tab, pane in content.items()}

    def _page(self, tab: str, pane: Widget) -> Widget:
        page = pane if getattr(pane, "OWN_PAGE", False) else Container(pane)
        page.add_class("main-tabs--page")
        page.display = tab == self.active
        return page

    def compose(self) -> ComposeResult:
        yield TabBar(self._tabs, self.active)
        yield from self._pages.values()  # only the tabs with a pane now

    async def add(self, tab: str, pane: Widget) -> None:
        """Put ``pane`` in the tab ``tab`` (shown if that tab is on show)."""
        page = self._pages[tab] = self._page(tab, pane)
        await self.mount(page)

    def page(self, tab: str) -> Widget | None:
        """The page of one tab (its pane or the container around it), if it is there."""
        return self._pages.get(tab)

    def watch_active(self, active: str) -> None:
        for tab, page in self._pages.items():
            page.display = tab == active
        self.query_one(TabBar).active = active
        self.post_message(self.TabActivated(self, active))

    def on_tab_bar_clicked(self, event: TabBar.Clicked) -> None:
        # A tab without its pane yet shows empty until the app has built it.
        event.stop()
        self.active = event.tab
