"""InterpreterPicker: which interpreters the Compare tab's matrix runs on (ticks, at least
one), or which one interpreter the scaling view sweeps (a radio choice, exactly one).

Each row says its state in characters, not only in colour: ``[x]``/``[ ]`` for ticks,
``(•)``/``( )`` for the one choice (:class:`TickList`).
"""

from __future__ import annotations

from typing import Sequence

from rich.segment import Segment
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widgets import SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection as Choice

from gil_tui.engine.compare.model import Target, short_labels
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.engine.text import clean_line
from gil_tui.ui.tabs.compare.choice import (CompareChoice, idle_text, sweep_refusal,
                                            usable_interpreters)
from gil_tui.ui.tabs.compare.jobs import make_plan, plan_counts
from gil_tui.ui.text import shorten_path

TICKS = ("[x]", "[ ]")
RADIO = ("(•)", "( )")


def picker_prompt(interp: Interpreter) -> Text:
    """``3.14.0t (free-threaded, GIL off)  pyenv  …/bin/python3.14t``, free-threaded in green."""
    text = Text(clean_line(interp.label()), style="bold green" if interp.free_threaded else "bold")
    text.append(f"  {clean_line(interp.source)}  {clean_line(shorten_path(interp.path, 40))}",
                style="dim")
    return text


class TickList(SelectionList[str]):
    """A SelectionList whose rows start with ``[x]``/``[ ]`` (or ``(•)``/``( )`` when
    ``radio``) instead of a box that only its colour tells ticked from unticked."""

    def __init__(self, *, radio: bool = False, disabled: bool = False) -> None:
        super().__init__(disabled=disabled)
        self.radio = radio

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if len(segments) < 4:
            return strip
        on_, off = RADIO if self.radio else TICKS
        mark = on_ if option.value in self.selected else off
        style = segments[1].style  # the button's (with its click meta)
        return Strip([Segment(mark, style), *segments[3:]], strip.cell_length)


class InterpreterPicker(Vertical):
    """The interpreters found, to tick (the matrix's) or to choose one of (``radio``: the
    sweep's)."""

    DEFAULT_CSS = """
    InterpreterPicker { height: auto; border: round $accent; border-title-color: $text-accent;
                        padding: 0 1; }
    InterpreterPicker SelectionList { height: auto; max-height: 8; padding: 0; }
    InterpreterPicker SelectionList, InterpreterPicker SelectionList:focus { border: none; }
    InterpreterPicker .picker-note { color: $text-muted; height: 1; }
    """

    class Changed(Message):
        """The user changed the selection: ``paths`` in the list's order (one when radio)."""

        def __init__(self, picker: "InterpreterPicker", paths: tuple[str, ...]) -> None:
            super().__init__()
            self.picker = picker
            self.paths = paths

        @property
        def control(self) -> "InterpreterPicker":
            return self.picker

    def __init__(self, *, radio: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.radio = radio
        self.border_title = "Interpreter to sweep" if radio else "Interpreters in the matrix"
        #: The ticked paths (the chosen one when radio), in the list's order.
        self.paths: tuple[str, ...] = ()
        #: The supported interpreters, the current one first; None until offer().
        self.interpreters: list[Interpreter] | None = None
        #: True once the user changed what is ticked (a rescan keeps it then).
        self.user_picked = False
        self._order: list[str] = []

    def compose(self) -> ComposeResult:
        yield TickList(radio=self.radio, disabled=True)
        yield Static("space or enter chooses · i or escape closes" if self.radio else
                     "space ticks or unticks · i or escape closes · at least one stays in",
                     classes="picker-note")

    @property
    def options(self) -> TickList:
        return self.query_one(TickList)

    def offer(self, found: Sequence[Interpreter], selected: Sequence[str], *,
              picked: bool = False) -> tuple[str, ...]:
        """The interpreters found (by a scan); returns the paths to tick: ``selected`` where
        they still exist if the user picked them (``picked``: they are the user's, e.g.
        restored from the settings), else the default ones (the first one of them when
        radio)."""
        self.user_picked = self.user_picked or picked
        keep = selected if self.user_picked else ()
        self.interpreters, paths = usable_interpreters(found, keep)
        return paths[:1] if self.radio else paths

    def targets(self, paths: Sequence[str]) -> list[Target]:
        """The interpreters of ``paths``, in the list's order (the current one first)."""
        chosen = set(paths)
        return [Target.from_interpreter(i) for i in self.interpreters or [] if i.path in chosen]

    def labels(self, paths: Sequence[str]) -> list[str] | None:
        """Short labels of the interpreters of ``paths`` (None while still looking)."""
        if self.interpreters is None:
            return None
        return [clean_line(label) for label in short_labels(self.targets(paths)).values()]

    def fill(self, selected: Sequence[str]) -> None:
        """Show the interpreters with ``selected`` (paths) ticked."""
        interpreters = self.interpreters or []
        self._order = [i.path for i in interpreters]
        self.paths = tuple(p for p in self._order if p in set(selected))
        if self.radio:
            self.paths = self.paths[:1]
        options = self.options
        options.clear_options()
        options.add_options([Choice(picker_prompt(i), i.path, i.path in self.paths)
                             for i in interpreters])

    def open(self, show: bool) -> None:
        self.display = show
        self.options.disabled = not show
        if show:
            if self.options.highlighted is None and self.options.option_count:
                chosen = self._order.index(self.paths[0]) if self.paths else 0
                self.options.highlighted = chosen if self.radio else 0
            self.options.focus()

    @on(SelectionList.SelectedChanged)
    def _changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        selected = [p for p in self._order if p in set(self.options.selected)]
        if self.radio:
            self._chosen(selected)
            return
        if not selected and self._order:
            keep = self.paths[0] if self.paths else self._order[0]
            self.options.select(keep)
            self.notify("At least one interpreter stays in the matrix.", timeout=3)
            return
        self._picked(tuple(selected))

    def _chosen(self, selected: list[str]) -> None:
        """Radio: the row just ticked is the one; unticking the chosen one keeps it."""
        fresh = [p for p in selected if p not in self.paths]
        path = (fresh or list(self.paths) or self._order)[0] if self._order else None
        if path is None:
            return
        if selected != [path]:
            with self.options.prevent(SelectionList.SelectedChanged):
                self.options.deselect_all()
                self.options.select(path)
        self._picked((path,))

    def _picked(self, paths: tuple[str, ...]) -> None:
        if paths != self.paths:  # fill() sets self.paths first: only the user gets here
            self.paths = paths
            self.user_picked = True
            self.post_message(self.Changed(self, paths))


class Pickers:
    """The matrix's picker (ticks) and the sweep's (one choice), and what they hold; the
    pane's :class:`~gil_tui.ui.tabs.compare.choice.CompareChoice` keeps the paths."""

    def __init__(self) -> None:
        self.matrix = InterpreterPicker(id="cmp-picker")
        self.sweep = InterpreterPicker(radio=True, id="cmp-sweep-picker")

    @property
    def interpreters(self) -> list[Interpreter] | None:
        """Supported interpreters, best first; None until offer() is called."""
        return self.matrix.interpreters

    def of(self, view: str) -> InterpreterPicker:
        return self.sweep if view == "scaling" else self.matrix

    def toggle(self, view: str, show: bool | None = None) -> str | None:
        """Open or close the picker of ``view`` (close: whichever is open); returns why it
        cannot open, if it cannot."""
        picker = self.open if show is False else self.of(view)
        if picker is None:
            return None
        show = not picker.display if show is None else show
        if show and not self.interpreters:
            return ("Still looking for interpreters (the Interpreters tab scans them)."
                    if self.interpreters is None else
                    "No supported interpreter found: see the Interpreters tab.")
        picker.open(show)
        return None

    def picked(self, event: InterpreterPicker.Changed, choice: CompareChoice) -> CompareChoice:
        """The choice once the user ticked (or chose) what ``event`` says."""
        if event.picker.radio:
            if event.paths[:1] != (choice.sweep_path,):
                return choice.replace(sweep_path=event.paths[0])
            return choice
        if event.paths != choice.paths or not choice.picked:
            return choice.replace(paths=event.paths, picked=True)
        return choice

    @property
    def open(self) -> InterpreterPicker | None:
        """The picker on show, if any."""
        return next((p for p in (self.matrix, self.sweep) if p.display), None)

    def offer(self, found: Sequence[Interpreter], choice: CompareChoice) -> CompareChoice:
        """The interpreters found: the choice with the paths each picker keeps."""
        paths = self.matrix.offer(found, choice.paths, picked=choice.picked)
        swept = self.sweep.offer(found, (choice.sweep_path,) if choice.sweep_path else ())
        return choice.replace(paths=paths, sweep_path=swept[0] if swept else None)

    def fill(self, choice: CompareChoice, *, always: bool = False) -> None:
        """Tick what ``choice`` holds (only in a picker that differs, unless ``always``)."""
        if self.interpreters is None:
            return
        if always or self.matrix.paths != choice.paths:
            self.matrix.fill(choice.paths)
        swept = self.sweep_paths(choice)
        if always or self.sweep.paths != swept:
            self.sweep.fill(swept)

    def sweep_paths(self, choice: CompareChoice) -> tuple[str, ...]:
        """The one path the sweep runs on: the chosen one, else the matrix's first."""
        known = [i.path for i in self.interpreters or []]
        if choice.sweep_path in known:
            return (choice.sweep_path,)
        return tuple(p for p in choice.paths if p in known)[:1] or tuple(known[:1])

    def targets(self, choice: CompareChoice, view: str = "matrix") -> list[Target]:
        """The matrix's interpreters (the current one first), or the one to sweep."""
        if view == "scaling":
            return self.sweep.targets(self.sweep_paths(choice))
        return self.matrix.targets(choice.paths)

    def labels(self, choice: CompareChoice, view: str = "matrix") -> list[str] | None:
        """Short labels of those interpreters (None while still looking)."""
        if view == "scaling" and self.interpreters is not None:
            swept = self.sweep_paths(choice)  # named apart from the matrix's interpreters
            named = short_labels(self.matrix.targets((*choice.paths, *swept)))
            return [clean_line(named[p]) for p in swept if p in named]
        return self.matrix.labels(choice.paths)

    def swept(self, choice: CompareChoice) -> Interpreter | None:
        """The interpreter the sweep runs on, if any."""
        paths = self.sweep_paths(choice)
        return next((i for i in self.interpreters or [] if i.path in paths), None)

    def refusal(self, choice: CompareChoice, view: str) -> str | None:
        """Why `r` cannot run in ``view`` (the sweep's mode on the chosen interpreter:
        subinterpreters need CPython 3.12+), in one line; None when it can."""
        swept = self.swept(choice) if view == "scaling" else None
        if swept is None:
            return None
        label = (self.labels(choice, view) or ["?"])[0]
        return sweep_refusal(choice, label, swept.version_info, swept.implementation)

    def next_run(self, choice: CompareChoice, view: str, cores: int) -> Text:
        """What `r` would run, for the progress line while nothing runs (in yellow when it
        cannot)."""
        pythons = self.labels(choice, view)
        runs = modes = None
        if view == "matrix" and pythons:
            try:
                runs, modes = plan_counts(make_plan(choice, view, self.targets(choice), cores))
            except ValueError:
                pass
        refused = self.refusal(choice, view)
        text = idle_text(choice, view=view, pythons=pythons, cores=cores, runs=runs,
                         modes=modes, refused=refused)
        return Text(text, style="yellow" if pythons == [] or refused else "dim")
