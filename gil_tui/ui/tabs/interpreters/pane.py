"""The Interpreters tab: every Python found here, GIL or free-threaded, and paths to add.

Discovery and probing live in :mod:`gil_tui.engine.system.interpreters`; this pane only
calls them from thread workers and shows what they return.  Whenever the list
changes it posts :class:`InterpretersPane.Discovered`, so other tabs can update
their interpreter pickers.  What the tab says (added, removed, refused) goes in its
status line for a while (:meth:`InterpretersPane.tell`), never in a toast over the table.
"""

from __future__ import annotations

from typing import Callable, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from gil_tui.engine.system import interpreters as engine
from gil_tui.engine.system.interpreters import Interpreter
from gil_tui.engine.text import clean_line
from gil_tui.policy import commands_allowed
from gil_tui.ui.tabs.interpreters.keys import INTERPRETERS_BINDINGS
from gil_tui.ui.tabs.interpreters.path_box import PathBox
from gil_tui.ui.tabs.interpreters.rows import (COLUMNS, add_error_text, column_widths,
                                               detail_text, has_free_threaded, row_cells,
                                               remove_text, row_of, summary_text, with_added,
                                               without)
from gil_tui.ui.text import shorten_path
from gil_tui.ui.widgets.tab_message import MessageLine, SaysInItsLine

Discover = Callable[[], Sequence[Interpreter]]

HINT = """\
[b]No free-threaded build found.[/b] Get Python 3.14 and its free-threaded twin:
  [$accent]pyenv install 3.14[/]    [$accent]pyenv install 3.14t[/]
  or with uv:  [$accent]uv python install 3.14t[/]
then press [b]R[/b] to rescan."""
#: What `a` says when served to a browser without --allow-commands (the policy's
#: REFUSAL, short enough for the status line).
ADD_REFUSED = "Off in a browser: start `gil-tui serve --allow-commands` to add paths."


class InterpretersPane(SaysInItsLine, Vertical):
    """A table of the interpreters found, a hint when none is free-threaded, and a path box."""

    DEFAULT_CSS = """
    InterpretersPane { height: 1fr; }
    InterpretersPane #interp-status {
        height: 1; padding: 0 1; background: $boost; color: $text-muted;
    }
    InterpretersPane.-scanning #interp-status { color: $text-accent; }
    InterpretersPane.-failed #interp-status { color: $text-error; }
    InterpretersPane #interp-table { height: 1fr; min-height: 3; scrollbar-size-vertical: 1; }
    InterpretersPane #interp-detail {
        height: auto; max-height: 2; padding: 0 1; color: $text-muted;
    }
    InterpretersPane #interp-add { height: auto; display: none; }
    InterpretersPane.-adding #interp-add { display: block; }
    InterpretersPane #interp-hint {
        height: auto; padding: 0 1; display: none;
        background: $boost; border-left: outer $warning;
    }
    InterpretersPane.-no-free-threaded #interp-hint { display: block; }
    """

    BINDINGS = INTERPRETERS_BINDINGS

    class Discovered(Message):
        """The list of interpreters changed: a scan ended, or one was added or removed."""

        def __init__(self, pane: InterpretersPane, interpreters: list[Interpreter]) -> None:
            super().__init__()
            self.pane = pane
            self.interpreters = interpreters

        @property
        def control(self) -> InterpretersPane:
            return self.pane

    interpreters: reactive[tuple[Interpreter, ...]] = reactive((), init=False, always_update=True)
    """Every interpreter found, in the table's order (set by a scan, an add or a remove)."""

    scanning: reactive[bool] = reactive(False, init=False)
    """True while a discovery worker runs."""

    adding: reactive[bool] = reactive(False, init=False)
    """True while the path box is open."""

    def __init__(self, *, id: str | None = None, discover: Discover | None = None) -> None:
        super().__init__(id=id)
        self._discover: Discover = discover or engine.discover
        self._scan_worker: Worker | None = None
        self._add_worker: Worker | None = None
        self._scanned = False
        self._select: Interpreter | None = None  # the row to put the cursor on next fill
        self._path_width = 0
        self._rows: tuple[Interpreter, ...] = ()  # what the table shows, row by row
        #: added path -> the interpreter (found by a scan) its row replaced, until a rescan
        self._replaced: dict[str, Interpreter] = {}

    def compose(self) -> ComposeResult:
        yield MessageLine("Scanning for Python interpreters…", id="interp-status")
        yield DataTable(cursor_type="row", cell_padding=0, zebra_stripes=True, id="interp-table")
        yield Static(id="interp-detail")
        yield PathBox(id="interp-add")
        yield Static(HINT, id="interp-hint")

    def on_mount(self) -> None:
        self.rescan()

    def on_resize(self) -> None:
        if self._path_width_now() != self._path_width:
            self._fill_table()

    # ------------------------------------------------------------ public

    @property
    def selected(self) -> Interpreter | None:
        """The interpreter under the table's cursor, if any."""
        table = self.query_one("#interp-table", DataTable)
        row = table.cursor_row
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rescan(self) -> None:
        """Look for interpreters again, in a thread; the table stays until the answer."""
        if self.is_mounted:  # the status line says how the scan goes
            self.query_one("#interp-status", MessageLine).message.clear()
        self.scanning = True
        self._scan_worker = self._scan()

    # ------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group="interpreters", exit_on_error=False,
          name="interpreters.scan")
    def _scan(self) -> list[Interpreter]:
        return list(self._discover())

    @work(thread=True, exclusive=True, group="interpreters.add", exit_on_error=False,
          name="interpreters.add")
    def _add(self, path: str) -> Interpreter:
        return engine.add_path(path)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker, state = event.worker, event.state
        if worker is self._scan_worker and state in (WorkerState.SUCCESS, WorkerState.ERROR):
            event.stop()
            self._scan_done(worker, state)
        elif worker is self._add_worker and state in (WorkerState.SUCCESS, WorkerState.ERROR):
            event.stop()
            self._add_worker = None
            self._add_done(worker, state)

    def _scan_done(self, worker: Worker, state: WorkerState) -> None:
        self._scan_worker = None
        self._scanned = True
        self.scanning = False
        if state is WorkerState.SUCCESS:
            self.remove_class("-failed")
            self._replaced.clear()
            self.interpreters = tuple(worker.result or ())
        else:
            error = worker.error
            self.add_class("-failed")
            self._status(f"Scan failed: {error or 'unknown error'} · press R to try again")

    def _add_done(self, worker: Worker, state: WorkerState) -> None:
        if state is WorkerState.ERROR:
            self.query_one(PathBox).say(add_error_text(worker.error), error=True)
            return
        interps, self._select, note, replaced = with_added(self.interpreters, worker.result)
        if replaced is not None:
            self._replaced[worker.result.path] = replaced
        self.tell(note)
        self.adding = False
        self.interpreters = tuple(interps)

    # ------------------------------------------------------------ drawing

    def watch_interpreters(self, interps: tuple[Interpreter, ...]) -> None:
        self.set_class(self._scanned and not has_free_threaded(interps), "-no-free-threaded")
        self._fill_table()
        self._status(summary_text(self.interpreters))
        self.refresh_bindings()
        self.post_message(self.Discovered(self, list(interps)))

    def watch_scanning(self, scanning: bool) -> None:
        self.set_class(scanning, "-scanning")
        if scanning:
            self.remove_class("-failed")
            self._status("Scanning for Python interpreters…")

    def watch_adding(self, adding: bool) -> None:
        self.set_class(adding, "-adding")
        self.refresh_bindings()
        box = self.query_one(PathBox)
        if adding:
            box.open()
        else:
            box.close()
            self.query_one("#interp-table", DataTable).focus()

    def tell(self, text: str, severity: str = "information",
             timeout: float | None = None) -> None:
        """Say ``text`` in the status line (paths cut), over the summary for a while."""
        self.query_one("#interp-status", MessageLine).tell(text, severity, timeout)

    def _status(self, text: str) -> None:
        self.query_one("#interp-status", MessageLine).show(text)

    def _widths(self, rows: list[list[str]]) -> list[int]:
        table_width = self.query_one("#interp-table", DataTable).size.width or self.size.width
        return column_widths(rows, [i.path for i in self.interpreters], table_width)

    def _path_width_now(self) -> int:
        return self._widths([row_cells(i) for i in self.interpreters])[-1]

    def _fill_table(self) -> None:
        table = self.query_one("#interp-table", DataTable)
        previous = self._select or self.selected
        self._select = None
        rows = [row_cells(i) for i in self.interpreters]
        widths = self._widths(rows)
        self._path_width = path_width = widths[-1]
        table.clear(columns=True)
        self._rows = self.interpreters
        for (key, header), width in zip(COLUMNS, widths):
            table.add_column(" " + header, width=width + 1, key=key)
        for interp, cells in zip(self.interpreters, rows):
            cells = cells[:-1] + [clean_line(cells[-1], max_len=widths[-2])]
            cells.append(shorten_path(clean_line(interp.path), path_width))
            table.add_row(*(" " + cell for cell in cells))
        row = row_of(self.interpreters, previous) if previous is not None else None
        if row is not None:
            table.move_cursor(row=row, animate=False)
        self._show_detail()

    def _show_detail(self) -> None:
        self.query_one("#interp-detail", Static).update(detail_text(self.selected))

    @on(DataTable.RowHighlighted, "#interp-table")
    def _row_highlighted(self) -> None:
        self._show_detail()

    # ------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_add":
            return self.adding
        if action == "remove":
            return bool(self.interpreters) or None
        return True

    def action_add(self) -> None:
        if not commands_allowed():  # served to a browser: whoever reaches it could run anything
            self.tell(ADD_REFUSED, "warning")
            return
        if self.adding:
            self.query_one(PathBox).field.focus()
        else:
            self.adding = True

    def action_cancel_add(self) -> None:
        self.adding = False

    def action_rescan(self) -> None:
        self.rescan()

    def action_remove(self) -> None:
        interp = self.selected
        if interp is None:
            return
        if interp.source != "added":
            self.tell(remove_text(interp, None), "warning")
            return
        try:
            removed = engine.remove_path(interp.path)
        except OSError as exc:
            self.tell(clean_line(f"Could not save the list of interpreters: {exc}"), "error")
            return
        self.tell(remove_text(interp, removed), "information" if removed else "warning")
        replaced = self._replaced.pop(interp.path, None)
        self._select = replaced
        self.interpreters = tuple(without(self.interpreters, interp, replaced))

    @on(PathBox.Submitted)
    def _path_submitted(self, event: PathBox.Submitted) -> None:
        if self._add_worker is not None:
            return  # one check at a time: a second add_path() could persist twice
        self.query_one(PathBox).say(f"Checking {clean_line(event.path)}…")
        self._add_worker = self._add(event.path)
