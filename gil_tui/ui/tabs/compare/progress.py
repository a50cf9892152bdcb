"""ProgressRow: the Compare tab's matrix or sweep under way, and the line that follows it.

The row runs the :class:`~gil_tui.ui.tabs.compare.jobs.CompareJob` in one async
worker on the app's loop (its runs are asyncio subprocesses, so the keys keep
answering), draws what runs and a bar (with each sample of the cores, and a
ticker in the gaps), and tells the pane through messages when the job's result
exists, moves on and ends. While nothing runs it shows how the last job ended,
or what `r` would run. What the tab says (a copy, a refusal, a warning) goes in the
same line for a while (:meth:`ProgressRow.tell`), never in a toast over the verdict.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from gil_tui.engine.compare.model import MatrixResult
from gil_tui.engine.text import clean_line
from gil_tui.ui.services import Services
from gil_tui.ui.tabs.compare.jobs import CompareJob, Plan
from gil_tui.ui.text import without_paths
from gil_tui.ui.widgets.core_bars import progress_text
from gil_tui.ui.widgets.tab_message import TabMessage


class ProgressRow(Horizontal):
    """One line: what runs (or what `r` would run, or how the last job ended, or what the
    tab just said) and a bar (shown while the pane has the ``-running`` class)."""

    DEFAULT_CSS = """
    ProgressRow { height: 1; padding: 0 1; }
    ProgressRow #cmp-progress { width: 1fr; height: 1; margin-right: 1;
                                text-wrap: nowrap; text-overflow: ellipsis; }
    ProgressRow #cmp-bar { display: none; width: 34; height: 1; }
    ProgressRow.-narrow #cmp-bar { width: 15; }
    """

    #: Width of the bar, in cells (``NARROW_BAR`` under ``WIDE`` columns: the words of the
    #: line need them more).
    BAR = 28
    NARROW_BAR = 10
    WIDE = 120

    class Started(Message):
        """The job's result exists (empty, filled in as its runs end)."""

        def __init__(self, job: CompareJob) -> None:
            super().__init__()
            self.job = job

    class Progressed(Message):
        """The job moved on (only the newest one in the queue matters)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ProgressRow.Progressed)

    class Ended(Message):
        """The job ended: done, cancelled, or stopped by an error (see :attr:`summary`)."""

        def __init__(self, job: CompareJob) -> None:
            super().__init__()
            self.job = job

    def __init__(self, services: Services, idle: Callable[[], Text], *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.services = services
        self._idle = idle
        #: The job under way (or the last one).
        self.job: CompareJob | None = None
        #: How the last job ended (or ``cancelling…``), until the pane forgets it.
        self.summary = ""
        self._worker: Worker[None] | None = None
        # Kept, not queried: drawn up to 4 times a second during a matrix.
        self._line = Static(id="cmp-progress")
        # Text, not a ProgressBar: its label asks for a new layout at every update.
        self._bar = Static(id="cmp-bar")
        #: What the tab said last (shown over the rest of the line for a while).
        self.message = TabMessage(self, self._said)

    def compose(self) -> ComposeResult:
        yield self._line
        yield self._bar

    def on_mount(self) -> None:
        # Also redrawn with each sample of the cores (4 times a second, in the same
        # frame as the bars); this ticker covers the gaps.
        self._ticker = self.set_interval(1.0, self.redraw, pause=True)
        self.redraw()

    def on_unmount(self) -> None:
        self.stop()

    def on_resize(self) -> None:
        self.set_class(self.size.width < self.WIDE, "-narrow")

    @property
    def bar_width(self) -> int:
        return self.NARROW_BAR if self.has_class("-narrow") else self.BAR

    @property
    def running(self) -> bool:
        return self.job is not None and not self.job.done

    def start(self, plan: Plan) -> None:
        """Run a matrix or a sweep."""
        self.summary = ""
        self.message.clear()
        self.job = CompareJob(plan, self.services,
                              on_started=lambda job: self.post_message(self.Started(job)),
                              on_moved=lambda: self.post_message(self.Progressed()))
        self._worker = self._run(self.job)

    def cancel(self) -> None:
        """Stop the job; its runs' processes end, and it ends as cancelled."""
        if self.running:
            self.summary = "cancelling…"
            self.message.clear()
            self.redraw()
            self.stop(force=False)

    def stop(self, force: bool = True) -> None:
        """Cancel the job; with ``force``, its worker too (the row is going away)."""
        if self.job is not None:
            self.job.cancel()
        if force:
            self.workers.cancel_group(self, "compare")

    async def shutdown(self) -> None:
        """Cancel the job and wait until its processes have ended (quitting)."""
        self.stop(force=False)
        worker = self._worker
        if worker is not None and self.running:
            try:
                await asyncio.wait_for(worker.wait(), 5)
            except Exception:  # noqa: BLE001 - cancelled, failed or slow: force it
                self.stop()

    def forget(self) -> None:
        """Forget how the last job ended (the choice changed): show what `r` would run
        (once what the tab said has gone)."""
        self.summary = ""
        self.redraw()

    def tell(self, text: str, severity: str = "information",
             timeout: float | None = None) -> None:
        """Say ``text`` in the line (cut to one line, paths to their last part)."""
        self.message.say(text, severity, timeout)

    def _said(self) -> None:
        self._line.tooltip = Text(self.message.full) if self.message.full else None
        self.redraw()

    @work(exclusive=True, group="compare", exit_on_error=False)
    async def _run(self, job: CompareJob) -> None:
        self._ticker.resume()
        self.redraw()
        try:
            result = await job.run()
            self.summary = job.summary
            self.message.clear()  # what was said during the job (a refusal) is stale
            warnings = result.warnings if isinstance(result, MatrixResult) else ()
            if warnings:
                self.tell(" · ".join(clean_line(w) for w in warnings), "warning")
        except Exception as exc:  # noqa: BLE001 - a bug or the environment: say it
            self.summary = without_paths(clean_line(f"stopped: {type(exc).__name__}: {exc}"))
            self.message.clear()  # the summary says it, until the choice changes
        finally:
            self._ticker.pause()
            self.post_message(self.Ended(job))

    @on(Progressed)
    def _progressed(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        job = self.job
        said = self.message.text
        if said is not None:
            self._line.update(said, layout=False)
        if job is None or job.done or job.engine is None:
            if said is not None:
                return
            if self.running:
                text = Text("starting…")
            elif self.summary:
                text = Text(self.summary, style="bold red" if "stopped" in self.summary else "")
            else:
                text = self._idle()
            self._line.update(text, layout=False)  # one line, always: no new layout needed
            return
        if said is None:
            width = self._line.size.width or None
            self._line.update(Text(self.summary or job.status(width), style="bold"),
                              layout=False)
        fraction = job.fraction()
        if fraction is not None:
            self._bar.update(progress_text(fraction, self.bar_width)
                             + Text(f" {fraction:4.0%}"), layout=False)
