"""The Live tab: pick a run, press r, watch every core, process and thread.

The pane holds the widgets, the keys and the workers; the runs themselves are
:class:`~gil_tui.ui.tabs.live.runs.LiveRuns` (through the engine's drive()), the
sampling :class:`~gil_tui.ui.tabs.live.sampling.SampleLoop`, the default size of a
run :class:`~gil_tui.ui.tabs.live.sizing.RunSizes`, and the Costs preset
:func:`~gil_tui.ui.tabs.live.costs.measure_costs`, none of them Textual.

The tab says what it has to say in its status (:meth:`LivePane.tell`), never in
toasts: at 80x24 those covered the results.
"""

from __future__ import annotations

from typing import Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.signal import Signal
from textual.worker import get_current_worker

from gil_tui.engine.run.session import Session
from gil_tui.engine.run.spec import Mode, RunSpec, SpecError
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.engine.system.monitor import CoreSample, TreeSample
from gil_tui.ui.run_gate import RunGate
from gil_tui.ui.selection import HZ_CHOICES, Selection, next_option
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.live.controls import (
    control_items, mode_warning, next_python, next_scale, python_message,
    with_current_python)
from gil_tui.ui.tabs.live.costs import CostsKeys, CostsPanel
from gil_tui.ui.tabs.live.display import RunDisplay
from gil_tui.ui.tabs.live.explanation import RunExplanation
from gil_tui.ui.tabs.live.keys import LIVE_BINDINGS
from gil_tui.ui.tabs.live.results_table import ResultsTable, found_cell
from gil_tui.ui.tabs.live.run_status import MESSAGE_S, RunStatus
from gil_tui.ui.tabs.live.runs import LiveRuns
from gil_tui.ui.tabs.live.sampled import Sampled
from gil_tui.ui.tabs.live.sampling import SampleLoop, ours_percent
from gil_tui.ui.tabs.live.sizing import RunSizes, probe_with
from gil_tui.ui.tabs.live.workers_table import WorkersTable
from gil_tui.ui.text import without_paths
from gil_tui.ui.widgets.controls_line import ControlsLine
from gil_tui.ui.widgets.core_bars import CoreBars

BUSY = ("A Live run is under way: two runs at once would skew each other's times. "
        "Wait for it, or cancel it (x in the Live tab).")


#: The Live tab's layout (kept out of the class: the class holds behaviour).
LIVE_CSS = """
LivePane { height: 1fr; }
LivePane #live-controls { height: auto; padding: 0 1; background: $boost; }
LivePane #live-top { height: auto; max-height: 50%; }
LivePane #live-cores { width: 1fr; max-height: 100%; overflow-y: auto; }
LivePane #live-lower { height: 1fr; }
LivePane DataTable, LivePane WorkersTable {
    border: none; border-top: solid $panel-lighten-2;
    border-title-color: $text-muted; border-title-style: bold; }
LivePane #live-explain { height: auto; max-height: 50%; min-height: 1; padding: 0 1;
                         color: $text; }
LivePane #live-explain.-failed { color: $error; }
LivePane #live-explain.-shared { color: $warning; }
LivePane.-costs #live-workers, LivePane.-costs #live-results,
LivePane.-costs #live-explain { display: none; }
LivePane.-costs #live-costs { display: block; }
"""


class LivePane(CostsKeys, Vertical):
    """Controls, per-core bars, run status, workers and results (or the Costs panel)."""

    # Below the cores: the workers as tall as their rows (up to half), the results the
    # rest, the explanation under them; the Costs panel in their place while open.
    DEFAULT_CSS = LIVE_CSS

    BINDINGS = LIVE_BINDINGS

    selection: reactive[Selection] = reactive(Selection, init=False)
    """What `r` will run."""

    running: reactive[bool] = reactive(False, init=False, bindings=True)
    """True while a run (or its automatic baseline, or the Costs preset) is under way."""

    costs_open: reactive[bool] = reactive(False, init=False, bindings=True)
    """True while the Costs panel is shown (in place of the workers and results)."""

    class Selected(Message):
        """The selection changed (demos in the lessons run in its interpreter)."""

        def __init__(self, selection: Selection) -> None:
            super().__init__()
            self.selection = selection

    def __init__(self, services: Services | None = None, *, gate: RunGate | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.services = services or Services()
        self.gate = gate or RunGate()
        self.gate.join(self, lambda: self.running, BUSY)
        self.interpreters: list[Interpreter] = []
        self.sampler = SampleLoop(self.services.core_sampler, self.services.tree_sampler,
                                  self.services.sample_hz, self._sampled,
                                  own_cpu=self.services.own_cpu)
        self.sizes = RunSizes(self.services.calibrations, probe_with(self.services.runner))
        #: The CPU of the run's process tree in its latest sample (percent of one core).
        self._tree_percent: float | None = None
        self.cores_signal: Signal[Sequence[float]] = Signal(self, "cores")
        """Publishes each sample of the cores (one percentage per core)."""

    def compose(self) -> ComposeResult:
        yield ControlsLine(id="live-controls")
        with Horizontal(id="live-top"):
            yield CoreBars(id="live-cores")
            yield RunStatus(id="live-status")
        # In a container of their own: Textual redraws every widget that shares a
        # parent with the core bars whenever they change (4 times a second).
        with Vertical(id="live-lower"):
            workers = WorkersTable(id="live-workers")
            workers.border_title = (
                "Workers of this run · CPU % of one core (at the end: average)")
            yield workers
            yield ResultsTable(id="live-results")
            yield RunExplanation(id="live-explain")
            yield CostsPanel(id="live-costs")

    def on_mount(self) -> None:
        self._cores = self.query_one("#live-cores", CoreBars)  # drawn 4 times a second
        self.costs_panel = self.query_one("#live-costs", CostsPanel)  # kept for unmounting
        self.run_display = RunDisplay(self, self.sampler, self.tell,
                                      lambda spec: found_cell(spec.python, self.interpreters))
        self.runs = LiveRuns(self.services, self.run_display)
        self.selection = self.sizes.sized(self.selection, self.interpreters)
        self._show_controls()
        self._sample_loop()

    @property
    def session(self) -> Session:
        """Every run of this sitting."""
        return self.runs.session

    async def on_unmount(self) -> None:
        self.sampler.wake()
        await self.shutdown()

    # ------------------------------------------------------------ messages

    def tell(self, text: str, severity: str = "information",
             timeout: float | None = MESSAGE_S) -> None:
        """Say something in the status, short (paths cut to their last part)."""
        if not hasattr(self, "run_display"):  # before the pane is built: a toast after all
            super().notify(without_paths(text), severity=severity, timeout=timeout)
            return
        self.run_display.status.tell(without_paths(text), severity, timeout)

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """What would be a toast (the run gate's refusals, too) goes to the status."""
        self.tell(f"{title}: {message}" if title else message, severity,
                  MESSAGE_S if timeout is None else max(timeout, MESSAGE_S))

    # ------------------------------------------------------------ selection

    def watch_selection(self, old: Selection, selection: Selection) -> None:
        own = self.sizes.switched(old, selection, self.interpreters)  # its workload's scale
        sized = self.sizes.sized(own, self.interpreters)
        if sized != selection:  # the watcher runs again with the sized one
            self.selection = sized
            return
        self._show_controls()
        self.post_message(self.Selected(selection))

    def _show_controls(self) -> None:
        sel, found = self.selection, self.interpreters
        lines = self.query("#live-controls").results(ControlsLine)
        for line in lines:  # none while the app exits in the middle of the first mount
            line.show(control_items(sel, self.sampler.hz, found,
                                    scale=self.sizes.scale_text(sel, found)))

    def action_cycle(self, what: str) -> None:
        self.run_display.status.tell(None)  # what was said was about the previous key
        if what == "hz":
            self.sampler.set_rate(next_option(HZ_CHOICES, self.sampler.hz))
            self._show_controls()
        elif what == "python":
            chosen = next_python(self.selection, self.interpreters)
            if chosen is None:
                self.tell("Still looking for interpreters (or none found besides this one).")
            else:
                self.selection = chosen
                self.tell(python_message(self.selection, self.interpreters))
        elif what == "start" and self.selection.mode is not Mode.PROCESSES:
            self.tell("The start method is for processes: press m for processes first.")
        elif what == "scale":
            sel = self.selection
            self.selection = next_scale(sel, self.sizes.default_of(sel, self.interpreters))
        else:
            self.selection = self.selection.next(what)
            warning = mode_warning(self.selection, self.interpreters, running=False)
            if warning and what == "mode":
                self.tell(warning, "warning")

    def action_workers(self, step: int) -> None:
        if self.selection.mode is Mode.SEQUENTIAL:
            self.tell("Sequential runs use one worker: press m for threads or processes.")
            return
        self.selection = self.selection.add_workers(step)

    def set_interpreters(self, found: list[Interpreter]) -> None:
        """The interpreters this machine has (from the Interpreters tab)."""
        self.interpreters = list(found)
        self.selection = with_current_python(self.selection, found)
        self._show_controls()  # where each comes from, the default start method

    def select(self, values: dict[str, str]) -> bool:
        """Select a run from a lesson's Try it line; False (and a message) if it is invalid."""
        try:
            self.selection = Selection.from_try(values, self.selection)
        except (SpecError, ValueError) as exc:
            self.tell(f"Cannot select that run: {exc}", severity="error")
            return False
        return True

    # ------------------------------------------------------------ sampling

    @work(thread=True, exclusive=True, group="live-sampler", exit_on_error=False)
    def _sample_loop(self) -> None:
        worker = get_current_worker()
        self.sampler.run(lambda: worker.is_cancelled)

    def _sampled(self, cores: CoreSample, tree: TreeSample | None, pid: int | None,
                 own: float | None = None) -> None:
        self.post_message(Sampled(cores, tree, pid, own))  # from the sampling thread

    def _visible(self) -> bool:
        """False while another tab is on show (its TabPane is not displayed)."""
        node = self.parent
        return node is None or bool(node.display)

    @on(Sampled)
    def _on_sampled(self, message: Sampled) -> None:
        visible = self._visible()
        if self.sampler.pid is None or message.pid != self.sampler.pid:
            self._tree_percent = None
        elif message.tree is not None:
            self._tree_percent = message.tree.total_cpu_percent
        self._cores.push(message.cores.percents, visible,
                         ours_percent(message.own, self._tree_percent),
                         running=self._tree_percent is not None)
        self.cores_signal.publish(message.cores.percents)
        if self.running and visible and message.tree is not None:
            self.run_display.sampled(message.tree, message.pid)

    # ------------------------------------------------------------ running

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return True if self.running else None
        if action == "close_costs":
            return self.costs_open
        return True

    def action_run(self) -> None:
        self.run_display.status.tell(None)
        if self.gate.refuse(self):
            return
        refused = mode_warning(self.selection, self.interpreters, running=True)
        if refused:
            self.tell(refused, "warning")
            return
        try:
            spec = self.selection.to_spec()
        except SpecError as exc:
            self.tell(str(exc), severity="error")
            return
        self.action_close_costs()
        self.running = True
        self.runs.arm()  # before the worker exists: a cancel from now on is this run's
        self._run(spec, self.sizes.needs_probe(self.selection, self.interpreters))

    async def action_cancel(self) -> None:
        if not self.running:
            return
        self.run_display.status.set_note("cancelling…")
        await self.cancel_run()

    async def cancel_run(self) -> None:
        """Stop the run under way, if any; every worker process ends.

        The run's worker is not cancelled: it may not have started yet (`r` then `x` in
        one read of the terminal), and then it would never clear :attr:`running`. The
        plan is cancelled instead, and the worker ends it with the run it was at
        recorded as cancelled, whenever the cancel came (see
        :mod:`~gil_tui.ui.tabs.live.runs`)."""
        self.costs_panel.stop()
        await self.runs.cancel()

    async def shutdown(self) -> None:
        """Cancel any run and stop the latency server (quitting, unmounting)."""
        await self.cancel_run()
        self.workers.cancel_group(self, "live-run")  # the app goes: do not wait for it
        await self.runs.close()

    @work(exclusive=True, group="live-run", exit_on_error=False)
    async def _run(self, spec: RunSpec, probe: bool = False) -> None:
        try:
            if probe:  # a cancel while measuring stops the probe; the run is then cancelled
                sized = await self.runs.unless_cancelled(lambda: self.sizes.sized_spec(
                    spec, self.selection, self.interpreters, self.run_display.status.idle,
                    lambda text: self.tell(text, "warning")))
                if sized is not None:
                    spec = sized
                    self.selection = self.sizes.sized(self.selection, self.interpreters)
                    self._show_controls()  # the time of its run is known now
            await self.runs.run(self.runs.plan(spec))
        finally:
            self.running = False
            self.sampler.pid = None
            self.run_display.status.set_note("")
