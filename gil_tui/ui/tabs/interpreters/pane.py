"""The Interpreters tab: every Python found here, GIL or free-threaded, and paths to add.

Discovery and probing live in :mod:`gil_tui.engine.system.interpreters`; this pane only
calls them from thread workers and shows what they return.  Whenever the list
changes it posts :class:`InterpretersPane.Discovered`, so other tabs can update
their interpreter pickers.
"""

from __future__ import annotations

import os
from typing import Callable, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from gil_tui.engine.system import interpreters as engine
from gil_tui.engine.system.interpreters import MIN_VERSION, Interpreter, InterpreterError

Discover = Callable[[], Sequence[Interpreter]]

PLACEHOLDER = "path to a python executable, e.g. ~/.pyenv/versions/3.14.0t/bin/python3.14t"
ADD_HELP = "Enter checks the interpreter and adds it · Escape cancels"

HINT = """\
[b]No free-threaded build found.[/b] Get Python 3.14 and its free-threaded twin:
  [$accent]pyenv install 3.14[/]    [$accent]pyenv install 3.14t[/]
  or with uv:  [$accent]uv python install 3.14t[/]
then press [b]R[/b] to rescan."""

#: (key, header) of the table's columns; the path comes last and takes what is left.
COLUMNS = (
    ("version", "Version"),
    ("build", "Build"),
    ("gil", "GIL now"),
    ("aiohttp", "aiohttp"),
    ("source", "Source"),
    ("supported", "Supported"),
    ("path", "Path"),
)
SUPPORTED_WIDTH = 14  # longer reasons are cut; the line under the table has them in full
MIN_PATH_WIDTH = 12


def shorten_path(path: str, width: int) -> str:
    """``~`` for the home directory, then keep the end: ``…/bin/python3.14t``."""
    home = os.path.expanduser("~")
    if home not in ("", "~", os.sep) and (path == home or path.startswith(home + os.sep)):
        path = "~" + path[len(home):]
    if len(path) <= width:
        return path
    if width <= 1:
        return "…"[:width]
    tail = path[-(width - 1):]
    cut = tail.find(os.sep)
    if 0 < cut <= len(tail) // 2:  # start at a directory boundary when it costs little
        tail = tail[cut:]
    return "…" + tail


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def support_text(interp: Interpreter) -> str:
    """``ok``, or why gil-tui cannot run benchmarks with this interpreter, briefly."""
    if interp.supported:
        return "ok"
    if interp.version is not None:
        if interp.implementation not in (None, "cpython"):
            return "not CPython"
        return f"needs {MIN_VERSION[0]}.{MIN_VERSION[1]}+"
    reason = interp.reason or "unknown problem"
    if interp.path:
        reason = reason.replace(interp.path, "")
    return " ".join(reason.split()).strip(" :") or "unknown problem"


def row_cells(interp: Interpreter) -> list[str]:
    """The table's cells for one interpreter, path excluded (it is shortened to fit)."""
    if interp.version is None:
        version = build = gil = "?"
    else:
        version = interp.version + ("t" if interp.free_threaded else "")
        if interp.implementation and interp.implementation != "cpython":
            version = f"{interp.implementation} {version}"
        build = "free-threaded" if interp.free_threaded else "GIL"
        gil = {True: "on", False: "off", None: "?"}[interp.gil_enabled]
    aiohttp = "yes" if interp.has_aiohttp else ("no" if interp.version else "?")
    return [version, build, gil, aiohttp, interp.source, support_text(interp)]


def has_free_threaded(interps: Sequence[Interpreter]) -> bool:
    return any(i.free_threaded and i.supported for i in interps)


def _same(a: Interpreter, b: Interpreter) -> bool:
    """The test :func:`engine.discover` uses to merge duplicates."""
    return a.realpath == b.realpath and a.prefix == b.prefix


class InterpretersPane(Vertical):
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
    InterpretersPane #interp-add-message {
        height: auto; max-height: 2; padding: 0 1; color: $text-muted;
    }
    InterpretersPane #interp-add-message.-error { color: $text-error; }
    InterpretersPane #interp-hint {
        height: auto; padding: 0 1; display: none;
        background: $boost; border-left: outer $warning;
    }
    InterpretersPane.-no-free-threaded #interp-hint { display: block; }
    """

    BINDINGS = [
        Binding("a", "add", "Add path", id="interpreters.add",
                tooltip="Add a Python interpreter by the path of its executable"),
        Binding("d", "remove", "Remove", id="interpreters.remove",
                tooltip="Forget the selected interpreter (only paths you added)"),
        Binding("R,ctrl+r", "rescan", "Rescan", key_display="R", id="interpreters.rescan",
                tooltip="Look for interpreters again (pyenv, uv, PATH, added paths)"),
        Binding("escape", "cancel_add", "Cancel", id="interpreters.cancel_add",
                tooltip="Close the path box without adding anything"),
    ]

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

    def compose(self) -> ComposeResult:
        yield Static("Scanning for Python interpreters…", id="interp-status")
        yield DataTable(cursor_type="row", cell_padding=0, zebra_stripes=True, id="interp-table")
        yield Static(id="interp-detail")
        with Vertical(id="interp-add"):
            yield Input(placeholder=PLACEHOLDER, id="interp-path")
            yield Static(ADD_HELP, id="interp-add-message")
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
            self.interpreters = tuple(worker.result or ())
        else:
            error = worker.error
            self.add_class("-failed")
            self._status(f"Scan failed: {error or 'unknown error'} · press R to try again")

    def _add_done(self, worker: Worker, state: WorkerState) -> None:
        if state is WorkerState.ERROR:
            error = worker.error
            if isinstance(error, InterpreterError):
                text = str(error)
            elif isinstance(error, OSError):
                text = f"could not save the list of interpreters: {error}"
            else:
                text = f"could not add it: {error}"
            self._add_message(text, error=True)
            return
        added: Interpreter = worker.result
        held = next((i for i in self.interpreters if _same(i, added)), None)
        if held is not None and held.source == "current":
            self._select = held  # already listed, under a better name ("current")
            self.notify(f"Added {added.path}; it is also the {held.source} interpreter.",
                        timeout=4)
            interps = list(self.interpreters)
        else:
            self._select = added
            self.notify(f"Added {added.path}: {added.label()}", timeout=4)
            interps = [added if held is not None and i is held else i for i in self.interpreters]
            if held is None:
                interps.append(added)
        self.adding = False
        self.interpreters = tuple(interps)

    # ------------------------------------------------------------ drawing

    def watch_interpreters(self, interps: tuple[Interpreter, ...]) -> None:
        self.set_class(self._scanned and not has_free_threaded(interps), "-no-free-threaded")
        self._fill_table()
        self._status(self._summary())
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
        field = self.query_one("#interp-path", Input)
        if adding:
            field.value = ""
            self._add_message(ADD_HELP)
            field.focus()
        else:
            field.value = ""
            self.query_one("#interp-table", DataTable).focus()

    def _status(self, text: str) -> None:
        self.query_one("#interp-status", Static).update(text)

    def _add_message(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#interp-add-message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def _summary(self) -> str:
        interps = self.interpreters
        if not interps:
            return "No Python interpreter found · press a to add one by path"
        parts = [f"{len(interps)} interpreter{'s' if len(interps) != 1 else ''}"]
        free = sum(1 for i in interps if i.free_threaded and i.supported)
        parts.append(f"{free} free-threaded")
        bad = sum(1 for i in interps if not i.supported)
        if bad:
            parts.append(f"{bad} unsupported")
        return " · ".join(parts)

    def _widths(self, rows: list[list[str]]) -> list[int]:
        """Widths of every column: the reasons get what the paths leave; the path the rest."""
        widths = [max([len(header)] + [len(row[col]) for row in rows])
                  for col, (_, header) in enumerate(COLUMNS[:-1])]
        table_width = self.query_one("#interp-table", DataTable).size.width or self.size.width
        # one space before each column, one column for the vertical scrollbar
        room = (table_width or 80) - len(COLUMNS) - 1
        supported = widths[-1]
        widths[-1] = min(supported, SUPPORTED_WIDTH)
        paths = max([len("Path")] + [len(shorten_path(i.path, 999)) for i in self.interpreters])
        spare = room - sum(widths) - paths
        if spare > 0:
            widths[-1] += min(spare, supported - widths[-1])
        widths.append(max(MIN_PATH_WIDTH, room - sum(widths)))
        return widths

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
            cells = cells[:-1] + [_clip(cells[-1], widths[-2])]
            cells.append(shorten_path(interp.path, path_width))
            table.add_row(*(" " + cell for cell in cells))
        if previous is not None:
            for row, interp in enumerate(self.interpreters):
                if _same(interp, previous) and interp.path == previous.path:
                    table.move_cursor(row=row, animate=False)
                    break
            else:
                for row, interp in enumerate(self.interpreters):
                    if _same(interp, previous):
                        table.move_cursor(row=row, animate=False)
                        break
        self._show_detail()

    def _show_detail(self) -> None:
        interp = self.selected
        if interp is None:
            text = ""
        elif interp.supported:
            cpus = f" · {interp.cpu_count} CPUs" if interp.cpu_count else ""
            text = f"{interp.label()}{cpus} · {interp.path}"
        else:
            text = interp.reason or f"{interp.path}: unknown problem"
        self.query_one("#interp-detail", Static).update(text)

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
        if self.adding:
            self.query_one("#interp-path", Input).focus()
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
            self.notify(
                f"{interp.path} was found as a {interp.source} interpreter, not added by you: "
                "only paths added with a can be removed.",
                severity="warning", timeout=5,
            )
            return
        try:
            removed = engine.remove_path(interp.path)
        except OSError as exc:
            self.notify(f"Could not save the list of interpreters: {exc}", severity="error")
            return
        if not removed:
            self.notify(f"{interp.path} was not in the list of added paths.",
                        severity="warning", timeout=4)
        else:
            self.notify(f"Removed {interp.path}.", timeout=3)
        self.interpreters = tuple(i for i in self.interpreters if i is not interp)

    @on(Input.Submitted, "#interp-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        if not path:
            self._add_message("Type the path of a python executable first.", error=True)
            return
        if self._add_worker is not None:
            return  # one check at a time: a second add_path() could persist twice
        self._add_message(f"Checking {path}…")
        self._add_worker = self._add(path)
