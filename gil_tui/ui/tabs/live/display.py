"""RunDisplay: draws the Live tab's runs as :class:`~gil_tui.ui.tabs.live.runs.LiveRuns`
reports them (it is that :class:`~gil_tui.ui.tabs.live.runs.RunView`): the status, the
workers, the results and the explanation under them."""

from __future__ import annotations

from typing import Callable, Sequence

from textual.widget import Widget

from gil_tui.engine.demos.costs_result import CostsResult
from gil_tui.engine.run.events import Error, Event, Hello, Progress, Result
from gil_tui.engine.run.session import RunRecord
from gil_tui.engine.run.spec import RunSpec
from gil_tui.engine.run.tracker import RunTracker
from gil_tui.engine.system.monitor import TreeSample
from gil_tui.ui.tabs.live.explanation import RunExplanation
from gil_tui.ui.tabs.live.results_table import ResultsTable, interpreter_cell
from gil_tui.ui.tabs.live.run_status import RunStatus
from gil_tui.ui.tabs.live.sampling import SampleLoop
from gil_tui.ui.tabs.live.workers_table import WorkersTable


class RunDisplay:
    """The widgets that show a run, kept (not queried: they redraw a few times a second)."""

    def __init__(self, pane: Widget, sampler: SampleLoop,
                 tell: Callable[[str, str], None],
                 python_label: Callable[[RunSpec], str] = lambda spec: "") -> None:
        self._tell = tell  # the pane's messages (in the status)
        #: The interpreter of a run that ended before its worker said which it is.
        self._python_label = python_label
        self._sampler = sampler
        self.status = pane.query_one("#live-status", RunStatus)
        self._workers = pane.query_one("#live-workers", WorkersTable)
        self._results = pane.query_one("#live-results", ResultsTable)
        self._explain = pane.query_one("#live-explain", RunExplanation)
        #: The status before the Costs panel opened (None: it is not open).
        self._before_costs: tuple | None = None

    @property
    def tracker(self) -> RunTracker | None:
        """The run on show (the last one, once it ended)."""
        return self.status.tracker

    def run_started(self, tracker: RunTracker, note: str) -> None:
        self._workers.show_rows([])
        self.status.begin(tracker, note)

    def run_event(self, event: Event, pid: int | None) -> None:
        if isinstance(event, Hello):
            self._sampler.pid = pid  # its process tree is sampled from now on
        if not isinstance(event, (Progress, Result, Error)):
            # Progress is drawn with the next sample of the cores (4 times a second,
            # in one frame with the bars); the workers send it up to 4 times a second
            # each, and every redraw costs the run some CPU.
            self.status.redraw()

    def run_finished(self, record: RunRecord, records: Sequence[RunRecord]) -> None:
        self._sampler.pid = None  # a late sample must not replace the final rows
        tracker = self.tracker
        if record.result is None:  # cancelled or failed: its python, as far as it is known
            hello = tracker.hello if tracker is not None else None
            self._results.note_python(len(records) - 1, interpreter_cell(
                hello.version, hello.free_threaded, hello.gil_enabled)
                if hello is not None else self._python_label(record.spec))
        self._results.show_records(records)
        self._explain.show_record(record)
        if tracker is not None and record.ok:
            self._workers.show_rows(tracker.final_rows())
        self.status.end()

    def warn(self, text: str) -> None:
        self._tell(text, "warning")

    def sampled(self, tree: TreeSample, pid: int | None) -> None:
        """A sample of the run's process tree (``pid``: whose) during a run."""
        tracker = self.tracker
        if tracker is None or tracker.result is not None or tracker.error is not None:
            return  # no run, or it ended: its final rows stay
        # The table and the status follow the tree (TREE_HZ), not every sample.
        if pid == self._sampler.pid:
            self._workers.show_rows(tracker.rows(tree, root_pid=pid))
        self.status.redraw()

    def costs_started(self) -> None:
        """The Costs panel opens: the status says so until it closes (:meth:`costs_closed`)."""
        if self._before_costs is None:
            self._before_costs = self.status.saved()
        self.status.idle("measuring creation costs (x stops)…")

    def costs_done(self, outcome: CostsResult | str, shown: bool = True) -> None:
        """The measurement ended; ``shown``: its panel is still open (else the status is
        back to what it was)."""
        if not shown:
            self.costs_closed()
        elif isinstance(outcome, str):
            self.status.idle("costs not measured (c or escape closes)")
        else:
            self.status.idle("costs measured (c or escape closes)")

    def costs_closed(self) -> None:
        """The Costs panel closed: the status shows what it showed before it opened."""
        if self._before_costs is not None:
            self.status.restore(self._before_costs)
            self._before_costs = None
