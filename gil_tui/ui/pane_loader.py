"""The tabs' panes, built when first needed: the first frame shows only the tab on show.

The Lessons tab draws in a fraction of the time the whole app takes to build (the
Live tab alone imports the HTTP stack for its latency server, and the Interpreters
tab starts probing every Python on the machine). So the app composes the pane of
the tab it opens on, and :class:`PaneLoader` builds the others right after the
first frame, one by one, importing each module in a thread so the screen keeps
answering keys meanwhile. A tab asked for before its turn (a key, a click, a lesson's
Try it) is built at once; :meth:`PaneLoader.get` waits for it either way.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING, Awaitable, Callable

from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["PANE_CLASSES", "PaneLoader", "pane_class"]

#: Tab id -> (module, class) of its pane.
PANE_CLASSES = {
    "lessons": ("gil_tui.ui.tabs.lessons.pane", "LessonsPane"),
    "live": ("gil_tui.ui.tabs.live.pane", "LivePane"),
    "compare": ("gil_tui.ui.tabs.compare.pane", "ComparePane"),
    "interpreters": ("gil_tui.ui.tabs.interpreters.pane", "InterpretersPane"),
}


def pane_class(tab: str) -> type[Widget]:
    """The pane class of a tab (imports its module)."""
    module, name = PANE_CLASSES[tab]
    return getattr(importlib.import_module(module), name)


class PaneLoader:
    """Builds and mounts each tab's pane once, on demand or in the background."""

    def __init__(self, app: App, build: Callable[[str, type[Widget]], Widget],
                 mounted: Callable[[str, Widget], Awaitable[None] | None],
                 place: Callable[[str, Widget], Awaitable[None]]) -> None:
        self.app = app
        self._build = build  # (tab, class) -> the pane, not mounted yet
        self._place = place  # (tab, pane) -> mounted in its tab
        self._mounted = mounted  # called once the pane is in the DOM
        self.panes: dict[str, Widget] = {}
        self._pending: dict[str, asyncio.Future[Widget]] = {}
        self._closing = False

    def composed(self, tab: str, pane: Widget) -> None:
        """The pane of ``tab`` was composed with the app (the tab it opens on)."""
        self.panes[tab] = pane

    def ready(self, tab: str) -> Widget | None:
        """The pane of ``tab`` if it is built and mounted, else None."""
        pane = self.panes.get(tab)
        return pane if pane is not None and pane.is_attached else None

    async def get(self, tab: str, *, in_thread: bool = False) -> Widget:
        """The pane of ``tab``, built and mounted first if needed."""
        pane = self.panes.get(tab)
        if pane is not None:
            return pane
        pending = self._pending.get(tab)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Widget] = asyncio.get_running_loop().create_future()
        self._pending[tab] = future
        try:
            if in_thread:
                cls = await asyncio.to_thread(pane_class, tab)
            else:
                cls = pane_class(tab)
            pane = self._build(tab, cls)
            await self._place(tab, pane)
            self.panes[tab] = pane
            done = self._mounted(tab, pane)
            if done is not None:
                await done
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning if nobody waits
            raise
        finally:
            self._pending.pop(tab, None)
        future.set_result(pane)
        return pane

    async def load_rest(self, order: tuple[str, ...]) -> None:
        """Build every pane not built yet, in ``order``, importing in a thread."""
        for tab in order:
            if self._closing:
                return
            if tab not in self.panes:
                await self.get(tab, in_thread=True)
                await asyncio.sleep(0)  # let keys and the screen through between tabs

    async def settle(self) -> None:
        """Build nothing more, and wait for a pane being mounted now (the app is closing:
        a pane half-mounted when the screen goes would fail in its own on_mount)."""
        self._closing = True
        for future in list(self._pending.values()):
            try:
                await asyncio.shield(future)
            except BaseException:  # noqa: BLE001 - closing anyway
                pass
