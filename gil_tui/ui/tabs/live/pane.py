"""The Live tab: pick a run, press r, watch every core, process and thread."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.signal import Signal
from textual.widgets import Static
from textual.worker import get_current_worker

from gil_tui.engine.run.events import Error, Hello, Progress, Result
from gil_tui.engine.history.store import HistoryError
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.engine.run.latency import LatencyServer
from gil_tui.engine.system.monitor import CoreSample, TreeSample
from gil_tui.engine.run.results import RunResult
from gil_tui.engine.run.session import RunRecord, Session
from gil_tui.engine.run.spec import Mode, RunSpec, SpecError, Workload
from gil_tui.engine.run.tracker import RunTracker
from gil_tui.ui.selection import HZ_CHOICES, Selection, _next
from gil_tui.ui.services import RunnerLike, Services
from gil_tui.ui.widgets.core_bars import CoreBars
from gil_tui.ui.tabs.live.results_table import ResultsTable
from gil_tui.ui.tabs.live.run_status import RunStatus
from gil_tui.ui.widgets.workers_table import WorkersTable


def controls_text(items: list[tuple[str, str, str]], width: int) -> Text:
    """The controls as `key name value` groups, wrapped between groups, never inside one."""
    text = Text(no_wrap=True, overflow="crop")
    used = 0
    for key, label, value in items:
        size = len(key) + len(label) + len(value) + 4
        if used and used + size > width:
            text.append("\n")
            used = 0
        text.append(f" {key} ", style="reverse")
        text.append(f" {label} ")
        text.append(value, style="bold")
        text.append("  ")
        used += size + 2
    return text


#: The run's process tree (workers table, status) is sampled and drawn at most this
#: often; the cores at the chosen rate (4 Hz by default).
TREE_HZ = 2.0


class LivePane(Vertical):
    """Controls, per-core bars, run status, workers and results."""

    DEFAULT_CSS = """
    LivePane { height: 1fr; }
    LivePane #live-controls { height: auto; padding: 0 1; background: $boost; }
    LivePane #live-top { height: auto; max-height: 50%; }
    LivePane #live-cores { width: 1fr; max-height: 100%; overflow-y: auto; }
    LivePane #live-lower { height: 1fr; }
    LivePane DataTable, LivePane WorkersTable {
        border: none; border-top: solid $panel-lighten-2;
        border-title-color: $text-muted; border-title-style: bold; }
    LivePane #live-explain { height: auto; min-height: 1; padding: 0 1; color: $text; }
    """

    BINDINGS = [
        Binding("r", "run", "Run", id="live.run", tooltip="Start the selected run"),
        Binding("x", "cancel", "Cancel", id="live.cancel",
                tooltip="Stop the run; every worker process ends"),
        Binding("w", "cycle('workload')", "Workload", id="live.workload",
                tooltip="Next workload: cpu, io, sleep, hash"),
        Binding("m", "cycle('mode')", "Mode", id="live.mode",
                tooltip="Next mode: sequential, threads, processes, asyncio"),
        Binding("plus,equals_sign", "workers(1)", "+Worker", key_display="+", show=False,
                id="live.more", tooltip="One more worker"),
        Binding("minus", "workers(-1)", "-Worker", key_display="-", show=False,
                id="live.fewer", tooltip="One worker fewer"),
        Binding("i", "cycle('python')", "Python", id="live.python",
                tooltip="Next interpreter found on this machine"),
        Binding("c", "costs", "Costs", id="live.costs",
                tooltip="Measure what creating a thread and a process costs here"),
        Binding("t", "cycle('tasks')", "Tasks", show=False, id="live.tasks",
                tooltip="How many tasks the work is split into"),
        Binding("s", "cycle('scale')", "Scale", show=False, id="live.scale",
                tooltip="How much work (1 = a few seconds sequential)"),
        Binding("k", "cycle('start')", "Start method", show=False, id="live.start",
                tooltip="Start method for processes"),
        Binding("f", "cycle('hz')", "Sample rate", show=False, id="live.hz",
                tooltip="How often the cores are sampled (1-10 Hz)"),
    ]

    selection: reactive[Selection] = reactive(Selection, init=False)
    """What `r` will run."""

    running: reactive[bool] = reactive(False, init=False, bindings=True)
    """True while a run (or its automatic baseline) is under way."""

    class Sampled(Message, bubble=False):
        """A new sample of the cores (and of the run's process tree, during a run).

        It does not bubble: others get the cores from :attr:`LivePane.cores_signal`
        (a message climbing five parents four times a second is not free).
        """

        def __init__(self, cores: CoreSample, tree: TreeSample | None, pid: int | None) -> None:
            super().__init__()
            self.cores, self.tree, self.pid = cores, tree, pid

        def can_replace(self, message: Message) -> bool:
            # A newer sample replaces a waiting one, unless that one has the process
            # tree and this one has not (the tree comes only every other sample).
            return isinstance(message, LivePane.Sampled) and (
                self.tree is not None or message.tree is None)

    class RunFinished(Message):
        """A run ended (ok, failed or cancelled); the record is in the session."""

        def __init__(self, record: RunRecord) -> None:
            super().__init__()
            self.record = record

    def __init__(self, services: Services | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.services = services or Services()
        self.session = Session()
        self.interpreters: list[Interpreter] = []
        self.sample_hz = self.services.sample_hz
        self.tracker: RunTracker | None = None
        self.runner: RunnerLike | None = None
        self._tree_pid: int | None = None
        self._run_started: float | None = None
        self._run_elapsed: float | None = None
        self._tree_sample: TreeSample | None = None
        self._note = ""
        self._wake = threading.Event()
        self._latency: LatencyServer | None = None
        self._latency_url: str | None = None
        self.cores_signal: Signal[Sequence[float]] = Signal(self, "cores")
        """Publishes each sample of the cores (one percentage per core)."""

    def compose(self) -> ComposeResult:
        yield Static(id="live-controls")
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
            results = ResultsTable(id="live-results")
            results.border_title = "Results, newest first"
            yield results
            yield Static(id="live-explain")

    def on_mount(self) -> None:
        self._cores = self.query_one("#live-cores", CoreBars)
        self._workers = self.query_one("#live-workers", WorkersTable)
        self._show_controls()
        self._sample_loop()

    def on_resize(self) -> None:
        self._show_controls()

    async def on_unmount(self) -> None:
        self._wake.set()
        await self.shutdown()

    # ------------------------------------------------------------ selection

    def watch_selection(self) -> None:
        self._show_controls()

    def _show_controls(self) -> None:
        sel = self.selection
        items = [("w", "workload", sel.workload.value), ("m", "mode", sel.mode.value),
                 ("+/-", "workers", "1" if sel.mode is Mode.SEQUENTIAL else str(sel.workers)),
                 ("t", "tasks", str(sel.to_spec().effective_tasks))]
        if not sel.workload.io_bound:
            items.append(("s", "scale", f"{sel.scale:g}"))
        if sel.mode is Mode.PROCESSES:
            items.append(("k", "start", sel.start_method or "default"))
        items += [("i", "python", sel.python_label), ("f", "sampling", f"{self.sample_hz:g} Hz")]
        controls = self.query_one("#live-controls", Static)
        width = (controls.content_size.width or self.app.size.width) - 1
        controls.update(controls_text(items, max(20, width)))

    def action_cycle(self, what: str) -> None:
        sel = self.selection
        if what == "workload":
            self.selection = sel.next_workload()
        elif what == "mode":
            self.selection = sel.next_mode()
        elif what == "tasks":
            self.selection = sel.next_tasks()
        elif what == "scale":
            self.selection = sel.next_scale()
        elif what == "start":
            if sel.mode is not Mode.PROCESSES:
                self.notify("The start method is for processes: press m for processes first.",
                            timeout=3)
                return
            self.selection = sel.next_start_method()
        elif what == "python":
            self._next_python()
        elif what == "hz":
            self.sample_hz = _next(HZ_CHOICES, self.sample_hz)
            self._wake.set()
            self._show_controls()

    def action_workers(self, step: int) -> None:
        if self.selection.mode is Mode.SEQUENTIAL:
            self.notify("Sequential runs use one worker: press m for threads or processes.",
                        timeout=3)
            return
        self.selection = self.selection.add_workers(step)

    def _next_python(self) -> None:
        choices = [i for i in self.interpreters if i.supported]
        if not choices:
            self.notify("Still looking for interpreters (or none found besides this one).",
                        timeout=3)
            return
        paths = [i.path for i in choices]
        current = self.selection.python if self.selection.python in paths else None
        chosen = choices[0] if current is None else _next(choices, choices[paths.index(current)])
        self.selection = self.selection.replace(python=chosen.path, python_label=chosen.label())

    def set_interpreters(self, found: list[Interpreter]) -> None:
        """The interpreters this machine has (from the Interpreters tab)."""
        self.interpreters = list(found)
        if self.selection.python is None:
            current = next((i for i in found if i.source == "current"), None)
            if current is not None:
                self.selection = self.selection.replace(python_label=current.label())

    def select(self, values: dict[str, str]) -> bool:
        """Select a run from a lesson's Try it line; False (and a notice) if it is invalid."""
        try:
            self.selection = Selection.from_try(values, self.selection)
        except (SpecError, ValueError) as exc:
            self.notify(f"Cannot select that run: {exc}", severity="error")
            return False
        return True

    # ------------------------------------------------------------ sampling

    @work(thread=True, exclusive=True, group="live-sampler", exit_on_error=False)
    def _sample_loop(self) -> None:
        worker = get_current_worker()
        cores = self.services.core_sampler()
        tree = None
        tree_pid: int | None = None
        tree_at = 0.0
        while not worker.is_cancelled:
            started = time.monotonic()
            pid = self._tree_pid
            if pid != tree_pid:
                tree, tree_pid = (self.services.tree_sampler(pid) if pid else None), pid
                tree_at = 0.0
            # The run's processes and threads at most TREE_HZ times a second: reading
            # every thread's times and redrawing the table costs the run CPU, while
            # the cores keep the full rate.
            due = tree is not None and started - tree_at >= 1.0 / TREE_HZ - 0.02
            try:
                core_sample = cores.sample()
                tree_sample = tree.sample() if due else None
                if due:
                    tree_at = started
            except Exception:  # a vanished process: try again next tick
                tree_sample = None
                core_sample = None
            if core_sample is not None and not worker.is_cancelled:
                self.post_message(self.Sampled(core_sample, tree_sample, tree_pid))
            pause = 1.0 / self.sample_hz - (time.monotonic() - started)
            self._wake.wait(max(0.02, pause))
            self._wake.clear()

    def _visible(self) -> bool:
        """False while another tab is on show (its TabPane is not displayed)."""
        node = self.parent
        return node is None or bool(node.display)

    @on(Sampled)
    def _on_sampled(self, message: Sampled) -> None:
        visible = self._visible()
        self._cores.push(message.cores.percents, visible)
        self.cores_signal.publish(message.cores.percents)
        if self.tracker is not None and self.running and visible and message.tree is not None:
            # The table and the status follow the tree (TREE_HZ), not every sample.
            if message.pid == self._tree_pid:
                self._tree_sample = message.tree
                self._workers.show_rows(self.tracker.rows(message.tree, root_pid=message.pid))
            self._show_status()

    # ------------------------------------------------------------ running

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return True if self.running else None
        return True

    def action_run(self) -> None:
        if self.running:
            self.notify("A run is under way: wait for it, or press x to cancel it.",
                        severity="warning", timeout=3)
            return
        busy = getattr(self.app, "run_elsewhere", lambda _pane: None)(self)
        if busy:
            self.notify(busy, severity="warning", timeout=5)
            return
        try:
            spec = self.selection.to_spec()
        except SpecError as exc:
            self.notify(str(exc), severity="error")
            return
        self.running = True
        self._run(spec)

    async def action_cancel(self) -> None:
        if not self.running:
            return
        self._note = "cancelling…"
        self._show_status()
        await self.cancel_run()

    def action_costs(self) -> None:
        """The Costs preset: thread vs fork/spawn/forkserver, in the selected interpreter."""
        if self.running:
            self.notify("A run is under way: wait for it, or press x to cancel it.",
                        severity="warning", timeout=3)
            return
        self.running = True
        self._costs_cancel = threading.Event()
        self.tracker = None
        self._note = ""
        self.query_one("#live-status", RunStatus).show(
            None, note="measuring creation costs (x stops)…")
        self._measure_costs(self.selection.python, self._costs_cancel)

    @work(thread=True, exclusive=True, group="live-costs", exit_on_error=False)
    def _measure_costs(self, python: str | None, cancel: threading.Event) -> None:
        from gil_tui.engine.demos.costs import CostsError, format_text, remember, run_costs

        def started(pid: int) -> None:
            self._tree_pid = pid

        try:
            result = run_costs(python, repeat=20, cancel=cancel, on_start=started)
            remember(result)
            text = Text(format_text(result).rstrip())
        except CostsError as exc:
            text = Text(f"Costs not measured: {exc}", style="red")
        self.app.call_from_thread(self._costs_done, text)

    def _costs_done(self, text: Text) -> None:
        self.running = False
        self._tree_pid = None
        self.query_one("#live-explain", Static).update(text)
        self.query_one("#live-status", RunStatus).show(None, note="costs: see below")

    async def cancel_run(self) -> None:
        """Stop the run under way, if any; every worker process ends."""
        cancel_costs = getattr(self, "_costs_cancel", None)
        if cancel_costs is not None:
            cancel_costs.set()
        runner = self.runner
        if runner is not None:
            await runner.cancel()  # the run's worker then sees a "cancelled" error and ends
        else:
            self.workers.cancel_group(self, "live-run")

    async def shutdown(self) -> None:
        """Cancel any run and stop the latency server (quitting, unmounting)."""
        await self.cancel_run()
        if self._latency is not None:
            await self._latency.stop()
            self._latency = None

    @work(exclusive=True, group="live-run", exit_on_error=False)
    async def _run(self, spec: RunSpec) -> None:
        try:
            plan = [(spec, False)]
            baseline = self.session.baseline_spec(spec)
            if baseline is not None:
                self.notify("No sequential run of this work yet: running that baseline first, "
                            "to measure the speedup.", timeout=4)
                plan.insert(0, (baseline, True))
            for item, auto in plan:
                record = await self._run_one(item, auto)
                self.post_message(self.RunFinished(record))
                if not record.ok:
                    break
        finally:
            self.running = False
            self.runner = None
            self._tree_pid = None
            self._note = ""
            self._show_status()

    async def _run_one(self, spec: RunSpec, auto: bool) -> RunRecord:
        self.tracker = RunTracker(spec)
        self._note = "sequential baseline (automatic)" if auto else ""
        self._run_started = time.monotonic()
        self._run_elapsed = None
        self._tree_sample = None
        self.query_one("#live-workers", WorkersTable).show_rows([])
        self._show_status()
        hello: Hello | None = None
        try:
            url = await self._latency_for(spec)
            runner = self.runner = self.services.runner(spec, url)
            async for event in runner.events():
                self.tracker.feed(event)
                if isinstance(event, Hello):
                    hello = event
                    self._tree_pid = runner.pid
                elif isinstance(event, Result):
                    if hello is None:
                        return self._finish(self.session.add_failure(
                            spec, "the worker sent a result without a hello"))
                    result = RunResult.from_hello_result(spec, hello, event,
                                                         python=spec.python)
                    self._remember(result)
                    return self._finish(self.session.add_result(result, auto_baseline=auto))
                elif isinstance(event, Error):
                    return self._finish(self.session.add_failure(
                        spec, event.message, cancelled=event.cancelled))
                if not isinstance(event, Progress):
                    # Progress is drawn with the next sample of the cores (4 times a
                    # second, in one frame with the bars); the workers send it up to
                    # 4 times a second each, and every redraw costs the run some CPU.
                    self._show_status()
            cancelled = bool(getattr(runner, "cancelled", False))
            return self._finish(self.session.add_failure(
                spec, "cancelled" if cancelled else "the run ended without a result",
                cancelled=cancelled))
        except asyncio.CancelledError:
            if self.runner is not None:
                await self.runner.cancel()
            self._finish(self.session.add_failure(spec, "cancelled", cancelled=True))
            raise
        except Exception as exc:  # a bug or an environment problem: say it, keep going
            return self._finish(self.session.add_failure(spec, f"{type(exc).__name__}: {exc}"))

    @work(thread=True, group="live-history", exit_on_error=False)
    def _remember(self, result: RunResult) -> None:
        """Append the run to the results history (off the event loop)."""
        try:
            self.services.history().append(result, source="live")
        except (HistoryError, OSError) as exc:
            self.app.call_from_thread(
                self.notify, f"The run was not added to the history: {exc}", severity="warning")

    async def _latency_for(self, spec: RunSpec) -> str | None:
        if spec.workload is not Workload.IO:
            return None
        if self.services.latency_url is not None:
            return await self.services.latency_url()
        if self._latency is None:
            self._latency = LatencyServer()
            self._latency_url = await self._latency.start()
        return self._latency_url

    def _finish(self, record: RunRecord) -> RunRecord:
        if self._run_started is not None:
            self._run_elapsed = time.monotonic() - self._run_started
        self.query_one("#live-results", ResultsTable).show_records(self.session.records)
        explain = self.query_one("#live-explain", Static)
        text = Text(record.explanation)
        if record.auto_baseline:
            text.append("  (baseline ran automatically)", style="dim")
        if record.error and not record.cancelled:
            explain.styles.color = "red"
        else:
            explain.styles.clear_rule("color")
        explain.update(text)
        if self.tracker is not None and record.ok:
            self.query_one("#live-workers", WorkersTable).show_rows(self.tracker.final_rows())
        self._show_status()
        return record

    def _show_status(self) -> None:
        elapsed = self._run_elapsed
        if elapsed is None and self.tracker is not None and self._run_started is not None:
            elapsed = time.monotonic() - self._run_started
        self.query_one("#live-status", RunStatus).show(self.tracker, elapsed, self._note)
