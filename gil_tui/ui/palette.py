"""The command palette's own commands: run, cancel, costs, each lesson's demos, a sweep.

Each command names the key that does the same in its tab (as the keymap has it),
opens that tab (building its pane if it is not built yet) and asks the pane through
its public actions. Tabs and lessons come from :meth:`GilTuiApp.get_system_commands`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

if TYPE_CHECKING:
    from gil_tui.ui.app import GilTuiApp

__all__ = ["ActionCommand", "GilTuiCommands", "action_commands", "cancel_runs", "lesson_demos",
           "pane_action", "run_compare", "start_demo"]


@dataclass(frozen=True)
class ActionCommand:
    """One palette entry: what it does, which key does it in which tab, and how."""

    title: str
    help: str
    #: Binding ids whose keys do this (shown after the title), and the tab they work in.
    keys: tuple[str, ...]
    tab: str
    run: Callable[[], Awaitable[object] | object]


def _tab_name(tab: str) -> str:
    return {"lessons": "Lessons", "live": "Live", "compare": "Compare"}.get(tab, tab)


# ---------------------------------------------------------------- what they do


async def pane_action(app: GilTuiApp, tab: str, action: str) -> None:
    """Open ``tab`` and run one of its pane's actions (``run``, ``costs``)."""
    await app.action_show_tab(tab)
    pane = await app.loader.get(tab)
    result = getattr(pane, f"action_{action}")()
    if hasattr(result, "__await__"):
        await result


async def cancel_runs(app: GilTuiApp) -> None:
    """Cancel the Live run and the Compare matrix or sweep, whichever runs."""
    panes = [app.loader.ready(tab) for tab in ("live", "compare")]
    running = [pane for pane in panes if pane is not None and pane.running]  # type: ignore
    if not running:
        app.notify("Nothing is running.", timeout=3)
    for pane in running:
        result = pane.action_cancel()  # type: ignore[attr-defined]
        if hasattr(result, "__await__"):
            await result


async def run_compare(app: GilTuiApp, view: str) -> None:
    """Open the Compare tab in ``view`` (``matrix`` or ``scaling``) and run it."""
    await app.action_show_tab("compare")
    compare: Any = await app.loader.get("compare")
    compare.view = view
    compare.action_run()


def lesson_demos() -> Iterator[tuple[int, Any, Any]]:
    """(lesson number, lesson, demo choice) of every lesson demo."""
    from gil_tui.lessons import load_lessons
    from gil_tui.ui.tabs.lessons.demo_panel import choices_for

    for number, lesson in enumerate(load_lessons(), 1):
        for choice in choices_for(lesson.slug):
            yield number, lesson, choice


async def start_demo(app: GilTuiApp, slug: str, name: str) -> None:
    """Open a lesson and start one of its demos."""
    await app.action_open_lesson(slug)
    lessons: Any = await app.loader.get("lessons")
    await lessons.start_demo(name)


def action_commands(app: GilTuiApp) -> Iterator[ActionCommand]:
    """The commands the palette offers beside the tabs and the lessons."""
    yield ActionCommand("Run the Live selection", "Start the run selected in the Live tab",
                        ("live.run",), "live", lambda: pane_action(app, "live", "run"))
    yield ActionCommand("Cancel the run", "Stop the Live run, matrix or sweep under way; "
                        "every worker process ends", ("live.cancel",), "live",
                        lambda: cancel_runs(app))
    yield ActionCommand("Costs: what a thread and a process cost here",
                        "Measure creating a thread and a process in the Live tab's interpreter",
                        ("live.costs",), "live", lambda: pane_action(app, "live", "costs"))
    yield ActionCommand("Run the Compare matrix",
                        "Every mode on the interpreters picked in the Compare tab",
                        ("compare.run",), "compare", lambda: run_compare(app, "matrix"))
    yield ActionCommand("Sweep: how one mode scales with workers",
                        "The Compare tab's scaling view, then its sweep",
                        ("compare.view", "compare.run"), "compare",
                        lambda: run_compare(app, "scaling"))
    for number, lesson, choice in lesson_demos():
        yield ActionCommand(f"Demo: {choice.title}", f"In lesson {number}, {lesson.title}",
                            ("lessons.demo",), "lessons",
                            lambda slug=lesson.slug, name=choice.name: start_demo(app, slug,
                                                                                  name))


def _keys(app: GilTuiApp, command: ActionCommand) -> str:
    from gil_tui.ui.key_catalog import keys_text

    keys = [keys_text(binding_id, app.keymap, joiner="/") for binding_id in command.keys]
    keys = [k for k in keys if k]
    return f"{' then '.join(keys)} in {_tab_name(command.tab)}" if keys else ""


class GilTuiCommands(Provider):
    """Run, cancel, costs, demos and the sweep, with their keys."""

    @property
    def _app(self) -> GilTuiApp:
        return self.app  # type: ignore[return-value]

    def _entries(self) -> list[tuple[ActionCommand, str]]:
        app = self._app
        return [(command, _keys(app, command)) for command in action_commands(app)]

    @staticmethod
    def _display(title: Content | str, keys: str) -> Content:
        return Content.assemble(title, ("  " + keys, "$text-muted") if keys else "")

    async def discover(self) -> Hits:
        for command, keys in self._entries():
            yield DiscoveryHit(self._display(command.title, keys), command.run,
                               text=command.title, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command, keys in self._entries():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, self._display(matcher.highlight(command.title), keys),
                          command.run, text=command.title, help=command.help)
