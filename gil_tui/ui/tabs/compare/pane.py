"""The Compare tab: one workload in every mode on several interpreters, and a scaling sweep.

The matrix (:mod:`gil_tui.engine.compare.matrix`) and the sweep (:mod:`gil_tui.engine.compare.sweep`)
run in one async worker on the app's loop: their runs are asyncio subprocesses,
so the keys keep answering. The engine reports through callbacks; the pane turns
them into a coalescing :class:`ComparePane.Progressed` message, and a 4 Hz timer
redraws the progress line while something runs. Tables from the history are
reloaded in a thread and paged with ``[`` and ``]``; each one is one machine's,
so imported runs never mix with this machine's speedups.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import ContentSwitcher, Static

from gil_tui.engine.compare.matrix import Matrix, MatrixPlan, MatrixProgress, Target
from gil_tui.engine.run.events import Event, Hello, Progress
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.engine.compare.model import MatrixResult, short_labels, usable_cores
from gil_tui.engine.history.regroup import matrices_from_history
from gil_tui.engine.compare.sweep import Sweep, SweepPlan, SweepProgress, SweepResult
from gil_tui.ui.tabs.compare.choice import (CompareChoice, control_items, idle_text,
                                       usable_interpreters)
from gil_tui.ui.tabs.compare.keys import COMPARE_BINDINGS
from gil_tui.ui.scroll_keys import scroll, scroll_bindings
from gil_tui.ui.tabs.compare.rows import copy_payload, done_text, history_note, running_text
from gil_tui.ui.services import Services, app_run
from gil_tui.ui.tabs.live.pane import controls_text
from gil_tui.ui.tabs.compare.cores import CompactCores
from gil_tui.ui.widgets.core_bars import progress_text
from gil_tui.ui.tabs.compare.views import InterpreterPicker, MatrixView, ScalingView

#: At most this many tables are kept after a history reload (newest first).
MAX_TABLES = 50


class ComparePane(Vertical):
    """Controls, progress, and the matrix view or the scaling view."""

    DEFAULT_CSS = """
    ComparePane { height: 1fr; }
    ComparePane #cmp-controls { height: auto; padding: 0 1; background: $boost; }
    ComparePane #cmp-picker { display: none; }
    ComparePane #cmp-progress-row { height: 1; padding: 0 1; }
    ComparePane #cmp-progress { width: 1fr; height: 1; margin-right: 1;
                                text-wrap: nowrap; text-overflow: ellipsis; }
    ComparePane #cmp-bar { display: none; width: 34; height: 1; }
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

    class Progressed(Message):
        """The matrix or sweep moved on (only the newest one in the queue matters)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ComparePane.Progressed)

    class MatrixFinished(Message):
        """A matrix ended (finished or cancelled)."""

        def __init__(self, result: MatrixResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self, services: Services | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.services = services or Services()
        #: Supported interpreters, best first; None until set_interpreters() is called.
        self.interpreters: list[Interpreter] | None = None
        #: Tables of the matrix view, newest first, each with "comes from the history".
        self.tables: list[tuple[MatrixResult, bool]] = []
        self.index = 0
        self.sweep_result: SweepResult | None = None
        self.matrix: Matrix | None = None
        self.sweep: Sweep | None = None
        #: The last job's outcome, shown on the progress line until the choice changes.
        self.summary = ""
        self._user_picked = False
        self._progress: MatrixProgress | SweepProgress | None = None
        self._steps: dict[int, int] = {}
        self._total_steps = 0
        self._started = 0.0
        self._job: Any = None
        self._bars: CompactCores | None = None  # set on mount
        self._progress_line: Static | None = None
        self._progress_bar: Static | None = None
        #: seconds, for the elapsed times shown (tests freeze it)
        self._clock = self.services.extra.get("compare_clock", time.monotonic)

    def compose(self) -> ComposeResult:
        controls = Static(id="cmp-controls")
        controls.can_focus = True
        yield controls
        yield InterpreterPicker(id="cmp-picker")
        with Horizontal(id="cmp-progress-row"):
            yield Static(id="cmp-progress")
            # Text, not a ProgressBar: its label asks for a new layout at every update.
            yield Static(id="cmp-bar")
        with ContentSwitcher(initial="cmp-matrix", id="cmp-views"):
            yield MatrixView(id="cmp-matrix")
            yield ScalingView(id="cmp-scaling")

    def on_mount(self) -> None:
        # Kept, not queried: these are drawn up to 4 times a second during a matrix.
        self._bars = self.query_one("#cmp-cores", CompactCores)
        self._progress_line = self.query_one("#cmp-progress", Static)
        self._progress_bar = self.query_one("#cmp-bar", Static)
        # The progress line is also redrawn with each sample of the cores (4 times a
        # second, in the same frame as the bars); this ticker covers the gaps.
        self._ticker = self.set_interval(1.0, self._show_progress, pause=True)
        if self.interpreters is not None:
            self._fill_picker()
        self._show_controls()
        self._show_progress()

    def on_resize(self) -> None:
        self._show_controls()

    def on_unmount(self) -> None:
        self._stop_job()

    # ------------------------------------------------------------ interpreters

    def set_interpreters(self, found: list[Interpreter]) -> None:
        """The interpreters this machine has (from the Interpreters tab)."""
        keep = self.choice.paths if self._user_picked else ()
        self.interpreters, paths = usable_interpreters(found, keep)
        self.choice = self.choice.replace(paths=paths)
        if self.is_mounted:
            self._fill_picker()

    def _fill_picker(self) -> None:
        self.query_one(InterpreterPicker).fill(self.interpreters or [], self.choice.paths)

    def targets(self) -> list[Target]:
        """The selected interpreters, in the picker's order (the current one first)."""
        chosen = set(self.choice.paths)
        return [Target.from_interpreter(i) for i in self.interpreters or [] if i.path in chosen]

    def action_pick(self, show: bool | None = None) -> None:
        picker = self.query_one(InterpreterPicker)
        show = not picker.display if show is None else show
        if show and not self.interpreters:
            self.notify("Still looking for interpreters (the Interpreters tab scans them)."
                        if self.interpreters is None else
                        "No supported interpreter found: see the Interpreters tab.", timeout=3)
            return
        picker.open(show)
        if not show:
            self._focus_view()
        self.refresh_bindings()

    @on(InterpreterPicker.Changed)
    def _picked(self, event: InterpreterPicker.Changed) -> None:
        self._user_picked = True
        if event.paths != self.choice.paths:
            self.choice = self.choice.replace(paths=event.paths)

    # ------------------------------------------------------------ choices

    def watch_choice(self) -> None:
        self.summary = ""
        if self.interpreters is not None and self.is_mounted \
                and self.query_one(InterpreterPicker).paths != self.choice.paths:
            self._fill_picker()  # the choice was set from outside (a test, a scene)
        self._show_controls()
        self._show_progress()

    def watch_view(self) -> None:
        self.query_one("#cmp-views", ContentSwitcher).current = f"cmp-{self.view}"
        self.summary = ""
        self._show_controls()
        self._show_progress()
        self._focus_view()
        self.refresh_bindings()

    def watch_running(self) -> None:
        self.set_class(self.running, "-running")
        self.refresh_bindings()

    def _cores(self) -> int:
        return int(self.services.extra.get("compare_cores") or usable_cores())

    def _pythons(self) -> list[str] | None:
        """Labels of the selected interpreters (None while still looking for them)."""
        if self.interpreters is None:
            return None
        return list(short_labels(self.targets()).values())

    def _show_controls(self) -> None:
        try:
            controls = self.query_one("#cmp-controls", Static)
        except NoMatches:
            return
        items = control_items(
            self.choice, view=self.view, pythons=self._pythons(), cores=self._cores(),
            fixed_cores=self.services.extra.get("compare_cores"),
            table=(self.index + 1, len(self.tables)) if self.view == "matrix" else None)
        width = (controls.content_size.width or self.app.size.width) - 1
        controls.update(controls_text(items, max(20, width)))

    def action_cycle(self, what: str) -> None:
        c = self.choice
        if what == "workload":
            self.choice = c.next_workload()
        elif what == "scale":
            if c.workload.io_bound:
                self.notify("io work is set by its requests, not by a scale.", timeout=3)
                return
            self.choice = c.next_scale()
        elif what == "repeat":
            self.choice = c.next_repeat()
        elif what == "mode":
            self.choice = c.next_sweep_mode()

    def action_workers(self, step: int) -> None:
        if self.view == "scaling":
            self.choice = self.choice.add_sweep_max(step, self._cores())
        else:
            self.choice = self.choice.add_workers(step, self.services.extra.get("compare_cores"))

    def action_toggle_view(self) -> None:
        self.view = "scaling" if self.view == "matrix" else "matrix"

    def _focus_view(self) -> None:
        # The focus rests on the controls line, not on the view: focusing the view
        # would restyle everything in it; the scroll keys are the pane's.
        if not self.query_one(InterpreterPicker).display:
            self.query_one("#cmp-controls").focus()

    def action_scroll(self, where: str) -> None:
        """Scroll the view on show (matrix or scaling)."""
        scroll(self.query_one(f"#cmp-{self.view}"), where)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return True if self.running else None
        if action == "cycle" and parameters == ("mode",):
            return True if self.view == "scaling" else None
        if action == "page":
            return True if self.view == "matrix" and len(self.tables) > 1 else None
        if action == "copy":
            return True if self._copy_source() is not None else None
        if action == "pick" and parameters == (False,):
            return bool(self.query_one(InterpreterPicker).display)
        return True

    # ------------------------------------------------------------ cores

    def show_cores(self, percents: Sequence[float]) -> None:
        """A sample of the cores (0-100 each); drawn only while the matrix view is on show."""
        bars = self._bars
        if bars is None:  # not mounted yet
            return
        node: Any = bars
        while node is not None:
            if not node.display:
                return
            node = node.parent
        bars.push(percents)
        if self.running:
            self._show_progress()

    # ------------------------------------------------------------ running

    def action_run(self) -> None:
        if self.running:
            self.notify("A run is under way: wait for it, or press x to cancel it.",
                        severity="warning", timeout=3)
            return
        busy = getattr(self.app, "run_elsewhere", lambda _pane: None)(self)
        if busy:
            self.notify(busy, severity="warning", timeout=5)
            return
        targets = self.targets()
        if not targets:
            self.action_pick(True)
            return
        c = self.choice
        try:
            if self.view == "matrix":
                plan: MatrixPlan | SweepPlan = MatrixPlan.make(
                    c.workload, targets, workers=c.workers, scale=c.scale, repeat=c.repeat)
            else:
                plan = SweepPlan.make(c.workload, c.sweep_mode, targets[0],
                                      max_workers=c.sweep_max, cores=self._cores(),
                                      scale=c.scale, repeat=c.repeat)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.running = True
        self._job = self._run(plan)

    def action_cancel(self) -> None:
        if self.running:
            self.summary = "cancelling…"
            self._show_progress()
            self._stop_job(force=False)

    def _stop_job(self, force: bool = True) -> None:
        for job in (self.matrix, self.sweep):
            if job is not None:
                job.cancel()
        if force:
            self.workers.cancel_group(self, "compare")

    async def shutdown(self) -> None:
        """Cancel any matrix or sweep and wait until its processes have ended (quitting)."""
        self._stop_job(force=False)
        job = self._job
        if job is not None and self.running:
            try:
                await asyncio.wait_for(job.wait(), 5)
            except Exception:  # noqa: BLE001 - cancelled, failed or slow: force it
                self._stop_job()

    def _open_history(self) -> tuple[Any, dict[str, Any]]:
        """The history store and this machine's description (in a thread: it reads files)."""
        try:
            store = self.services.history()
            return store, store.machine
        except Exception:  # noqa: BLE001 - the runs go on without a history
            from gil_tui.engine.system.monitor import machine_info

            return None, machine_info()

    @work(exclusive=True, group="compare", exit_on_error=False)
    async def _run(self, plan: MatrixPlan | SweepPlan) -> None:
        self._started = self._clock()
        self._progress = None
        self.summary = ""
        self._ticker.resume()
        self._show_progress()
        run_fn = self.services.extra.get("compare_run_fn") or app_run
        try:
            store, machine = await asyncio.to_thread(self._open_history)
            if isinstance(plan, MatrixPlan):
                await self._run_matrix(plan, store, machine, run_fn)
            else:
                await self._run_sweep(plan, store, run_fn)
        except Exception as exc:  # noqa: BLE001 - a bug or the environment: say it
            self.summary = f"stopped: {type(exc).__name__}: {exc}"
            self.notify(self.summary, severity="error")
        finally:
            self.matrix = self.sweep = None
            self.running = False
            self._ticker.pause()
            if self.is_attached:
                self._show_progress()
                self._show_controls()

    async def _run_matrix(self, plan: MatrixPlan, store: Any, machine: dict[str, Any],
                          run_fn: Any) -> None:
        self.matrix = Matrix(plan, history=store, machine=machine, run_fn=run_fn,
                             on_progress=self._on_progress, on_event=self._on_event)
        self.tables.insert(0, (self.matrix.result, False))
        del self.tables[MAX_TABLES:]
        self.index = 0
        self._show_table()
        result = await self.matrix.run()
        self.matrix = None
        self.summary = done_text(len(result.runs), plan.total_runs,
                                 self._clock() - self._started, cancelled=result.cancelled,
                                 failed=len(result.failed))
        for warning in result.warnings:
            self.notify(warning, severity="warning")
        if self._shown() is not None and self._shown()[0] is result:
            self._show_table()
        self.post_message(self.MatrixFinished(result))

    async def _run_sweep(self, plan: SweepPlan, store: Any, run_fn: Any) -> None:
        self.sweep = Sweep(plan, history=store, run_fn=run_fn,
                           on_progress=self._on_progress, on_event=self._on_event)
        self.sweep_result = self.sweep.result
        self.query_one(ScalingView).show(self.sweep_result)
        result = await self.sweep.run()
        runs = len(result.baseline) + sum(len(v) for v in result.runs.values())
        self.summary = done_text(runs, plan.total_runs, self._clock() - self._started,
                                 cancelled=result.cancelled, failed=len(result.errors))
        self.query_one(ScalingView).show(result)

    def _on_progress(self, progress: MatrixProgress | SweepProgress) -> None:
        if progress.phase == "start":
            self._steps, self._total_steps = {}, 0
        self._progress = progress
        self.post_message(self.Progressed())

    def _on_event(self, _where: Any, event: Event) -> None:
        if isinstance(event, Hello):
            self._steps, self._total_steps = {}, event.total_steps
        elif isinstance(event, Progress):
            self._steps[event.index] = event.done

    @on(Progressed)
    def _progressed(self) -> None:
        self._show_progress()
        shown = self._shown()
        if self.matrix is not None and shown is not None and shown[0] is self.matrix.result:
            self._show_table()
        elif self.sweep is not None:
            self.query_one(ScalingView).show(self.sweep.result)

    def _idle_text(self) -> Text:
        if self.summary:
            return Text(self.summary, style="bold red" if "stopped" in self.summary else "")
        pythons = self._pythons()
        return Text(idle_text(self.choice, view=self.view, pythons=pythons, cores=self._cores()),
                    style="yellow" if pythons == [] else "dim")

    def _show_progress(self) -> None:
        if self._progress_line is None:  # not mounted yet
            return
        line, bar = self._progress_line, self._progress_bar
        job = self.matrix or self.sweep
        if not self.running or job is None:
            line.update(self._idle_text() if not self.running else Text("starting…"),
                        layout=False)  # one line, always: no need to lay the screen out
            return
        p = self._progress
        text = self.summary or running_text(p, job.plan, self._clock() - self._started)
        line.update(Text(text, style="bold"), layout=False)
        if p is not None:
            fraction = 0.0
            if p.phase == "start" and self._total_steps:
                fraction = min(1.0, sum(self._steps.values()) / self._total_steps)
            done = min(1.0, (p.done + fraction) / max(1, p.total))
            bar.update(progress_text(done, 28) + Text(f" {done:4.0%}"), layout=False)

    # ------------------------------------------------------------ tables

    def _shown(self) -> tuple[MatrixResult, bool] | None:
        return self.tables[self.index] if self.tables else None

    def _show_table(self) -> None:
        shown = self._shown()
        result, from_history = shown if shown is not None else (None, False)
        running = self.matrix is not None and result is self.matrix.result
        self.query_one(MatrixView).show(result, from_history=from_history, running=running,
                                        position=(self.index + 1, len(self.tables)))

    def action_page(self, step: int) -> None:
        if len(self.tables) > 1:
            self.index = max(0, min(len(self.tables) - 1, self.index + step))
            self._show_table()
            self._show_controls()
            self.query_one(MatrixView).scroll_home(animate=False)

    # ------------------------------------------------------------ history and copy

    def action_history(self) -> None:
        self._load_history()

    @work(thread=True, exclusive=True, group="compare-history", exit_on_error=False)
    def _load_history(self) -> None:
        try:
            entries, warnings = self.services.history().load()
            tables = matrices_from_history(entries)
        except Exception as exc:  # noqa: BLE001 - one line, the tab goes on
            self.app.call_from_thread(self.notify, f"Cannot read the history: {exc}",
                                      severity="error")
            return
        self.app.call_from_thread(self._history_loaded, tables, warnings)

    def _history_loaded(self, tables: list[MatrixResult], warnings: list[str]) -> None:
        newest = list(reversed(tables))[:MAX_TABLES]
        keep = [(self.matrix.result, False)] if self.matrix is not None else []
        self.tables = keep + [(t, True) for t in newest]
        self.index = 0
        self.view = "matrix"
        self._show_table()
        self._show_controls()
        self.refresh_bindings()
        for warning in warnings[:3]:
            self.notify(warning, severity="warning")
        self.notify(history_note(newest), timeout=5, markup=False)  # it has [ and ]

    def _copy_source(self) -> tuple[MatrixResult | SweepResult, bool] | None:
        """What `c` copies: the sweep or the table on show (and "from the history"), or None."""
        if self.view == "scaling":
            result = self.sweep_result
            return (result, False) if result is not None and result.points else None
        shown = self._shown()
        return shown if shown is not None and shown[0].runs else None

    def action_copy(self) -> None:
        source = self._copy_source()
        if source is None:
            self.notify("Nothing to copy yet: press r to run.", timeout=3)
            return
        markdown, command = copy_payload(source[0], from_history=source[1])
        self.app.copy_to_clipboard(markdown)
        self.notify(f"Copied the Markdown table to the clipboard. From the command line: "
                    f"{command}", title="Copied", timeout=8)
