"""The Lessons tab's side of the demos: which ones the lesson offers, and its panel.

:class:`LessonDemos` keeps the panel under the lesson (mounted on the first demo,
not in the app's first frame), the interpreter the demos run in, and the rule
that a demo belongs to its lesson: moving to another lesson closes the panel.
The list of demos itself imports every demo, so it is loaded in a thread after
the first frame; until then no lesson offers one.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable

from textual.widget import Widget

if TYPE_CHECKING:  # imported when first needed: not in the app's first frame
    from gil_tui.ui.tabs.lessons.demo_panel import DemoChoice, DemoPanel

__all__ = ["LessonDemos"]

#: The worker group that imports the list of demos.
IMPORT_GROUP = "lesson-demos-import"
#: The engine's list of demos (it imports every demo).
REGISTRY = "gil_tui.engine.demos.registry"


def demos_loaded() -> bool:
    """True once the list of demos is imported (asking for a lesson's then costs nothing)."""
    return REGISTRY in sys.modules


def _load_demos() -> None:
    import gil_tui.engine.demos.registry  # noqa: F401
    import gil_tui.ui.tabs.lessons.demo_panel  # noqa: F401


class LessonDemos:
    """The demos of the lesson on show, for the lessons pane."""

    def __init__(self, pane: Widget, container: Callable[[], Widget]) -> None:
        self.pane = pane
        self._container = container  # where the panel goes (under the lesson)
        self.panel: DemoPanel | None = None
        self.python: str | None = None

    def load_soon(self) -> None:
        """Import the list of demos in a thread, after the first frame."""
        if not demos_loaded():
            self.pane.call_after_refresh(
                lambda: self.pane.run_worker(_load_demos, thread=True, group=IMPORT_GROUP,
                                             exit_on_error=False))

    @staticmethod
    def offered(slug: str) -> list[DemoChoice]:
        """The lesson's demos; none until the list of demos is loaded."""
        if not demos_loaded():
            return []
        from gil_tui.ui.tabs.lessons.demo_panel import choices_for

        return choices_for(slug)

    @property
    def shown(self) -> bool:
        """True while the panel is on screen."""
        return self.panel is not None and self.panel.shown

    @property
    def running(self) -> bool:
        return self.panel is not None and bool(self.panel.running)

    def use_python(self, python: str | None) -> None:
        self.python = python
        if self.panel is not None:
            self.panel.python = python

    async def get_panel(self) -> DemoPanel:
        from gil_tui.ui.tabs.lessons.demo_panel import DemoPanel

        if self.panel is None:
            self.panel = DemoPanel(id="lesson-demo")
            self.panel.python = self.python
            await self._container().mount(self.panel)
        return self.panel

    async def ask(self, slug: str) -> None:
        """Run the lesson's demo, asking which one first when it has several."""
        from gil_tui.ui.tabs.lessons.demo_panel import ChooseDemo, choices_for

        choices = choices_for(slug)
        if not choices:
            return
        panel = await self.get_panel()
        if len(choices) == 1:
            panel.start(choices[0])
            return
        by_name = {c.name: c for c in choices}
        self.pane.app.push_screen(ChooseDemo(choices),
                                  lambda name: name and panel.start(by_name[name]))

    async def start(self, slug: str, name: str) -> bool:
        """Run one of the lesson's demos by name; False if it has none of that name."""
        from gil_tui.ui.tabs.lessons.demo_panel import choices_for

        for choice in choices_for(slug):
            if choice.name == name:
                (await self.get_panel()).start(choice)
                return True
        return False

    def stop(self) -> bool:
        """Stop a running demo; False if none runs."""
        if not self.running:
            return False
        self.panel.stop()  # type: ignore[union-attr]
        return True

    def close(self) -> None:
        if self.panel is not None:
            self.panel.close()
