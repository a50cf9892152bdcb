"""The Compare tab: one workload in every mode on several interpreters, and a scaling sweep.

The pane holds the controls, the keys and what the other parts tell each other:
the :class:`~gil_tui.ui.tabs.compare.progress.ProgressRow` runs a matrix or a sweep
(a :class:`~gil_tui.ui.tabs.compare.jobs.CompareJob`) and follows it; the
:class:`~gil_tui.ui.tabs.compare.matrix_view.MatrixView` shows and pages the tables
(this sitting's, and the history's, each one machine's); the
:class:`~gil_tui.ui.tabs.compare.scaling_view.ScalingView` shows the sweep. What the
tab says goes in the progress row's line (:meth:`ComparePane.tell`), not in toasts.
"""

from __future__ import annotations

from typing import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import ContentSwitcher

from gil_tui.engine.compare.matrix import Target
from gil_tui.engine.compare.model import usable_cores
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.ui.run_gate import RunGate
from gil_tui.ui.scroll_keys import scroll, scroll_bindings
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.compare.choice import CompareChoice, control_items
from gil_tui.ui.tabs.compare.history import TableBook
from gil_tui.ui.tabs.compare.jobs import CompareJob, make_plan
from gil_tui.ui.tabs.compare.keys import COMPARE_BINDINGS
from gil_tui.ui.tabs.compare.matrix_view import MatrixView
from gil_tui.ui.tabs.compare.picker import InterpreterPicker, Pickers
from gil_tui.ui.tabs.compare.progress import ProgressRow
from gil_tui.ui.tabs.compare.copying import copied_text, copy_payload, copy_source
from gil_tui.ui.tabs.compare.scaling_view import ScalingView
from gil_tui.ui.widgets.controls_line import ControlsLine
from gil_tui.ui.widgets.tab_message import SaysInItsLine

BUSY = "A Compare matrix is running: wait for it, or cancel it (x in the Compare tab)."


class ComparePane(SaysInItsLine, Vertical):
    """Controls, progress, and the matrix view or the scaling view."""

    DEFAULT_CSS = """
    ComparePane { height: 1fr; }
    ComparePane #cmp-controls { height: auto; padding: 0 1; background: $boost; }
    ComparePane InterpreterPicker { display: none; }
    ComparePane.-running #cmp-bar { display: block; }
    ComparePane #cmp-views { height: 1fr; }
    """

    BINDINGS = [*COMPARE_BINDINGS, *scroll_bindings("compare")]

    choice: reactive[CompareChoice] = reactive(CompareChoice, init=False)
    """What `r` will run next."""

    view: reactive[str] = reactive("matrix", init=False)
    """``matrix`` or ``scaling``."""

    running: reactive[bool] = reactive(False, init=False)
    """True while a matrix or a sweep runs."""

    def __init__(self, services: Services | None = None, *, gate: RunGate | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.services = services or Services()
        self.gate = gate or RunGate()
        self.gate.join(self, lambda: self.running, BUSY)
        #: The matrix view's tables, newest first, and the one on show.
        self.book = TableBook()
        # Kept: drawn up to 4 times a second; idle, its line says what `r` would run.
        self._progress = ProgressRow(
            self.services, lambda: self._pickers.next_run(self.choice, self.view, self._cores()),
            id="cmp-progress-row")
        self._matrix = MatrixView(self.book, id="cmp-matrix")
        self._scaling = ScalingView(id="cmp-scaling")
        self._pickers = Pickers()
        self._controls = ControlsLine(id="cmp-controls", focusable=True)
        self._mounted = False

    def compose(self) -> ComposeResult:
        yield self._controls
        yield self._pickers.matrix
        yield self._pickers.sweep
        yield self._progress
        with ContentSwitcher(initial="cmp-matrix", id="cmp-views"):
            yield self._matrix
            yield self._scaling

    def on_mount(self) -> None:
        self._pickers.fill(self.choice, always=True)
        self._show_controls()
        self._mounted = True

    @property
    def job(self) -> CompareJob | None:
        """The matrix or sweep under way (or the last one)."""
        return self._progress.job

    def tell(self, text: str, severity: str = "information",
             timeout: float | None = None) -> None:
        """Say ``text`` in the progress row's line (paths cut), not over the verdict."""
        self._progress.tell(text, severity, timeout)

    # ------------------------------------------------------------ interpreters

    @property
    def interpreters(self) -> list[Interpreter] | None:
        """Supported interpreters, best first; None until set_interpreters() is called."""
        return self._pickers.interpreters

    def set_interpreters(self, found: list[Interpreter]) -> None:
        """The interpreters this machine has (from the Interpreters tab)."""
        self.choice = self._pickers.offer(found, self.choice)
        if self.is_mounted:
            self._pickers.fill(self.choice, always=True)

    def targets(self, view: str = "matrix") -> list[Target]:
        """The matrix's interpreters, in the picker's order (the current one first); in
        the scaling view, the one to sweep."""
        return self._pickers.targets(self.choice, view)

    def action_pick(self, show: bool | None = None) -> None:
        """Open or close the picker of the view on show (close: whichever is open)."""
        problem = self._pickers.toggle(self.view, show)
        if problem:
            self.tell(problem)
            return
        self._focus_view()
        self.refresh_bindings()

    @on(InterpreterPicker.Changed)
    def _picked(self, event: InterpreterPicker.Changed) -> None:
        self.choice = self._pickers.picked(event, self.choice)

    # ------------------------------------------------------------ choices

    def watch_choice(self) -> None:
        if self.is_mounted:
            self._pickers.fill(self.choice)  # when set from outside (a test, settings)
        self._show_controls()
        self._progress.message.clear()  # what was said was about the previous choice
        self._progress.forget()

    def watch_view(self) -> None:
        self._pickers.toggle(self.view, False)  # each view has a picker of its own
        self.query_one("#cmp-views", ContentSwitcher).current = f"cmp-{self.view}"
        self._show_controls()
        self._progress.forget()
        self._focus_view()
        self.refresh_bindings()

    def watch_running(self) -> None:
        self.set_class(self.running, "-running")
        self.refresh_bindings()

    def _cores(self) -> int:
        return int(self.services.compare_cores or usable_cores())

    def _show_controls(self) -> None:
        self._controls.show(control_items(
            self.choice, view=self.view, pythons=self._pickers.labels(self.choice, self.view),
            cores=self._cores(), fixed_cores=self.services.compare_cores,
            table=self.book.position if self.view == "matrix" else None))

    def action_cycle(self, what: str) -> None:
        if what == "scale" and self.choice.workload.io_bound:
            self.tell("io work is set by its requests, not by a scale.")
            return
        self._matrix.leave_history()  # what r runs changed: back to the current matrix
        self.choice = self.choice.next(what)

    def action_workers(self, step: int) -> None:
        self._matrix.leave_history()
        if self.view == "scaling":
            self.choice = self.choice.add_sweep_max(step, self._cores())
        else:
            self.choice = self.choice.add_workers(step, self.services.compare_cores)

    def action_toggle_view(self) -> None:
        self.view = "scaling" if self.view == "matrix" else "matrix"

    def _focus_view(self) -> None:
        # The focus rests on the controls line, not on the view: focusing the view
        # would restyle everything in it; the scroll keys are the pane's.
        if self._pickers.open is None:
            self._controls.focus()

    def action_scroll(self, where: str) -> None:
        """Scroll the view on show (matrix or scaling)."""
        scroll(self.query_one(f"#cmp-{self.view}"), where)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return True if self.running else None
        if action == "cycle" and parameters == ("mode",):
            return True if self.view == "scaling" else None
        if action == "page":
            return True if self.view == "matrix" and len(self.book) > 1 else None
        if action == "copy":
            return True if copy_source(self.view, self._scaling.result, self.book.shown) else None
        if action == "pick" and parameters == (False,):
            return self._pickers.open is not None
        if action == "history" and parameters:  # escape: out of the history (shown there)
            return self.book.in_history and self._pickers.open is None
        return True

    def show_cores(self, percents: Sequence[float]) -> None:
        """A sample of the cores (0-100 each); drawn only while the matrix view is on show."""
        if self._mounted and self._matrix.show_cores(percents) and self.running:
            self._progress.redraw()

    # ------------------------------------------------------------ running

    def action_run(self) -> None:
        if self.gate.refuse(self):
            return
        targets = self.targets(self.view)
        if not targets:
            self.action_pick(True)
            return
        refused = self._pickers.refusal(self.choice, self.view)
        if refused:
            self.tell(refused, "warning")
            return
        try:
            plan = make_plan(self.choice, self.view, targets, self._cores())
        except ValueError as exc:
            self.tell(str(exc), "error")
            return
        self.running = True
        self._progress.start(plan)

    def action_cancel(self) -> None:
        if self.running:
            self._progress.cancel()

    async def shutdown(self) -> None:
        """Cancel any matrix or sweep and wait until its processes have ended (quitting)."""
        await self._progress.shutdown()

    def _view_of(self, job: CompareJob) -> MatrixView | ScalingView:
        return self._matrix if job.matrix is not None else self._scaling

    @on(ProgressRow.Started)
    def _job_started(self, event: ProgressRow.Started) -> None:
        """The job's result exists (empty): show it, and fill it in as runs end."""
        self._view_of(event.job).start(event.job.result)

    @on(ProgressRow.Progressed)
    def _job_moved(self) -> None:
        job = self.job
        if job is not None and not job.done and job.result is not None:
            self._view_of(job).moved(job.result)

    @on(ProgressRow.Ended)
    def _job_ended(self, event: ProgressRow.Ended) -> None:
        self.running = False
        if event.job.result is not None:
            self._view_of(event.job).ended(event.job.result)
        self._progress.redraw()
        self._show_controls()

    # ------------------------------------------------------------ tables and copy

    def action_page(self, step: int) -> None:
        if self._matrix.page(step):
            self._show_controls()

    def action_history(self, back: str = "") -> None:
        """Load the tables of the history; in it (or with ``back``), back to the current
        matrix."""
        if not self._matrix.leave_history() and not back:
            self._matrix.load_history(self.services.history)

    @on(MatrixView.Reloaded)
    def _reloaded(self) -> None:
        """Into the history's tables, or back from them."""
        self.view = "matrix"
        self._show_controls()
        self.refresh_bindings()

    def action_copy(self) -> None:
        source = copy_source(self.view, self._scaling.result, self.book.shown)
        if source is None:
            self.tell("Nothing to copy yet: press r to run.")
            return
        markdown, command = copy_payload(source[0], from_history=source[1])
        self.app.copy_to_clipboard(markdown)
        self.tell(copied_text(command))
