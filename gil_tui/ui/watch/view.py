"""The watch view: any program's process tree, live, then a plain-words summary.

`gil-tui watch -- CMD` opens :class:`WatchApp`; inside the main app the palette's
"Watch a command…" pushes the same :class:`WatchScreen`. The engine
(:mod:`gil_tui.engine.watch.session`) starts the program and measures it; this module
only draws what it reports.
"""

from __future__ import annotations

import asyncio
import shlex
import signal
import threading
import time
from collections import deque
from typing import Mapping, Sequence

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Log, Static
from textual.worker import get_current_worker

from gil_tui.engine.text import bytes_text, clean_line, plural
from gil_tui.engine.watch.process import STOP_SIGNALS, stopped_exit_code
from gil_tui.engine.watch.session import WatchError, WatchSession, WatchSnapshot
from gil_tui.engine.watch.summary import Summary
from gil_tui.ui.settings_bridge import show_warnings
from gil_tui.ui.watch.dialogs import AskCommand, ConfirmStop
from gil_tui.ui.widgets.core_bars import CoreBars
from gil_tui.ui.widgets.key_bar import KeyBar
from gil_tui.ui.widgets.title_bar import TitleBar
from gil_tui.ui.text import cpu_cell

#: Output lines kept in the log panel.
LOG_LINES = 2000
#: Exit code when the user stopped the program (Ctrl+C in a shell gives the same).
EXIT_STOPPED = 130


class WatchScreen(Screen[int]):
    """Per-core load, the program's processes and threads, its output, and a verdict.

    However the screen goes away (q, Ctrl+Q, a signal, the app quitting), a program it
    started is stopped first, with its whole tree; an attached process is left alone.
    """

    DEFAULT_CSS = """
    WatchScreen #watch-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    WatchScreen #watch-stats { height: auto; padding: 0 1; }
    WatchScreen #watch-table { height: 1fr; min-height: 4; border-top: solid $panel-lighten-2;
                               border-title-color: $text-muted; }
    WatchScreen #watch-log { height: 8; border-top: solid $panel-lighten-2;
                             border-title-color: $text-muted; }
    WatchScreen.-no-log #watch-log { display: none; }
    WatchScreen #watch-end { height: auto; max-height: 50%; display: none; }
    WatchScreen.-ended #watch-end { display: block; }
    WatchScreen.-ended #watch-log { height: 1fr; min-height: 3; max-height: 8; }
    WatchScreen.-ended #watch-table { min-height: 3; }
    WatchScreen.-ended #watch-cores { display: none; }  /* frozen at the end: room for the verdict */
    WatchScreen #watch-summary { height: auto; padding: 0 1; color: $success; }
    WatchScreen #watch-summary.-failed { color: $warning; }
    """

    BINDINGS = [
        Binding("q", "leave", "Leave", id="watch.leave",
                tooltip="Leave the watch view (asks first if the program still runs)"),
        Binding("s", "stop", "Stop program", id="watch.stop",
                tooltip="End the program and every process it started"),
        Binding("l", "toggle_log", "Output", id="watch.log",
                tooltip="Show or hide the program's output"),
        Binding("question_mark,f1", "help", "Help", key_display="?", id="watch.help",
                tooltip="The keys, the bars and what the verdict means"),
    ]

    class Sampled(Message):
        def __init__(self, snapshot: WatchSnapshot, lines: list[tuple[str, str]]) -> None:
            super().__init__()
            self.snapshot, self.lines = snapshot, lines

        def can_replace(self, message: Message) -> bool:
            return False  # lines must not be lost

    class Exited(Message):
        def __init__(self, summary: Summary) -> None:
            super().__init__()
            self.summary = summary

    def __init__(self, argv: Sequence[str] | None = None, *, pid: int | None = None,
                 hz: float = 4.0, log: str | None = None) -> None:
        super().__init__()
        self.argv, self.pid, self.hz, self.log_path = argv, pid, max(0.5, min(hz, 20.0)), log
        self.session: WatchSession | None = None
        self.summary: Summary | None = None
        self.stopped_by_user = False
        self._lines: deque[tuple[str, str]] = deque(maxlen=LOG_LINES)
        self._lines_lock = threading.Lock()

    @property
    def what(self) -> str:
        """The command (or PID) as shown: quoted like a shell, control characters escaped."""
        return clean_line(shlex.join(self.argv)) if self.argv else f"PID {self.pid}"

    def compose(self) -> ComposeResult:
        yield TitleBar(id="watch-app-title")
        yield Static(f"watching: {self.what}", id="watch-title", markup=False)
        yield CoreBars(id="watch-cores")
        yield Static("starting…", id="watch-stats")
        table = DataTable(id="watch-table", cursor_type="row", zebra_stripes=True)
        table.border_title = "Processes and threads · CPU % of one core"
        yield table
        log = Log(id="watch-log", max_lines=LOG_LINES)
        log.border_title = "Output (l hides it)"
        yield log
        with VerticalScroll(id="watch-end"):
            yield Static(id="watch-summary", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#watch-table", DataTable)
        for key, label in (("kind", "kind"), ("pid", "pid"), ("tid", "thread id"),
                           ("name", "name"), ("cpu", "CPU %"), ("rss", "RSS")):
            table.add_column(label, key=key)
        if self.pid is not None:
            self.query_one("#watch-log", Log).write_line(
                "(attached to a running process: its output is not ours to show)")
        try:
            self.session = WatchSession(self.argv, pid=self.pid, on_line=self._on_line,
                                        on_exit=self._on_exit, log_path=self.log_path)
            self.session.start()
        except (WatchError, ValueError) as exc:
            message = getattr(exc, "message", str(exc))
            self.query_one("#watch-stats", Static).update(Text(message, style="bold red"))
            self.session = None
            return
        self._sample_loop()

    async def on_unmount(self) -> None:
        """Whatever removes the screen (the app quitting included) ends our program first."""
        session = self.session
        if session is not None:
            await asyncio.to_thread(session.close)

    # ------------------------------------------------------------ engine callbacks

    def _on_line(self, stream: str, text: str) -> None:  # reader threads
        with self._lines_lock:
            self._lines.append((stream, text))

    def _on_exit(self, summary: Summary) -> None:  # a session thread
        self.post_message(self.Exited(summary))

    @work(thread=True, exclusive=True, group="watch-sampler", exit_on_error=False)
    def _sample_loop(self) -> None:
        worker = get_current_worker()
        session = self.session
        while session is not None and not worker.is_cancelled:
            started = time.monotonic()
            snapshot = session.sample()
            with self._lines_lock:
                lines = list(self._lines)
                self._lines.clear()
            self.post_message(self.Sampled(snapshot, lines))
            if not snapshot.running and not session.running:  # the last one, reaped
                return
            time.sleep(max(0.02, 1 / self.hz - (time.monotonic() - started)))

    # ------------------------------------------------------------ drawing

    @on(Sampled)
    def _sampled(self, message: Sampled) -> None:
        snap = message.snapshot
        self.query_one("#watch-cores", CoreBars).push(
            snap.cores.percents, ours=snap.ours_percent, running=snap.running)
        self.query_one("#watch-stats", Static).update(stats_text(snap))
        if snap.processes or snap.running:
            self._fill_table(snap)  # after the end, keep the last picture of the tree
        if message.lines:
            log = self.query_one("#watch-log", Log)
            log.write_lines([text if stream == "stdout" else f"[stderr] {text}"
                             for stream, text in message.lines])

    def _fill_table(self, snap: WatchSnapshot) -> None:
        table = self.query_one("#watch-table", DataTable)
        table.clear()
        names = {p.pid: clean_line(p.name, max_len=20) for p in snap.processes}
        for proc in snap.processes:
            table.add_row("process", str(proc.pid), "", names[proc.pid],
                          cpu_cell(proc.cpu_percent), bytes_text(proc.rss))
        for thread in snap.threads:
            table.add_row("  thread", str(thread.pid), str(thread.tid),
                          names.get(thread.pid, ""), cpu_cell(thread.cpu_percent), "")

    @on(Exited)
    def _exited(self, message: Exited) -> None:
        self.summary = message.summary
        summary = self.query_one("#watch-summary", Static)
        summary.set_class(message.summary.exit_status() != 0, "-failed")
        summary.update(summary_text(message.summary))
        self.add_class("-ended")
        self.query_one("#watch-title", Static).update(f"q: leave · watched: {self.what}")
        self.refresh_bindings()

    # ------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":  # hidden once there is nothing (left) to stop
            return self.session is not None and self.session.can_stop
        return True

    def action_help(self) -> None:
        from gil_tui.ui.watch.help import WatchHelp, watch_help_text

        if not isinstance(self.app.screen, WatchHelp):
            self.app.push_screen(WatchHelp(watch_help_text(self.app, self.BINDINGS)))

    def action_toggle_log(self) -> None:
        self.toggle_class("-no-log")

    def action_stop(self) -> None:
        if self.session is not None and self.session.can_stop:
            self.stopped_by_user = True
            self.query_one("#watch-stats", Static).update("stopping the program…")
            self._stop()

    @work(thread=True, group="watch-stop", exit_on_error=False)
    def _stop(self) -> None:
        if self.session is not None:
            self.session.stop()

    def action_leave(self) -> None:
        session = self.session
        if session is not None and session.can_stop:
            self.app.push_screen(ConfirmStop(), self._leave_answer)
        else:
            self._close()

    def _leave_answer(self, stop: bool | None) -> None:
        if stop:
            self.stopped_by_user = True
            self._stop_and_close()

    @work(thread=True, group="watch-stop", exit_on_error=False)
    def _stop_and_close(self) -> None:
        if self.session is not None:
            self.session.stop()
        self.app.call_from_thread(self._close)

    def exit_code(self) -> int:
        if self.stopped_by_user:
            return EXIT_STOPPED
        if self.summary is not None:
            return self.summary.exit_status()
        return 1 if self.session is None else 0

    def quit_code(self) -> int:
        """The exit code when the app quits now: a program still running will be stopped."""
        if self.session is not None and self.session.can_stop:
            self.stopped_by_user = True
        return self.exit_code()

    def _close(self) -> None:
        if self.session is not None:
            self.session.close()
        self.dismiss(self.exit_code())


def stats_text(snap: WatchSnapshot) -> Text:
    """The line under the core bars: running or ended, the figures, the tree's size."""
    hidden = f" (+{snap.hidden_processes} not shown)" if snap.hidden_processes else ""
    if snap.running:
        state = "running"
    elif snap.exit_code is None:
        state = "ended"
    else:
        state = f"ended (exit {snap.exit_code})"
    tree = (f"{plural(snap.process_count, 'process', 'processes')}{hidden}, "
            f"{plural(snap.thread_count, 'thread')}")
    return Text.assemble(
        (state, "bold yellow" if snap.running else "bold"),
        f" · {snap.elapsed_s:6.1f} s · cores busy now {snap.cores_now:.2f}, "
        f"average {snap.avg_cores:.2f}, peak {snap.peak_cores:.2f} · CPU {snap.cpu_s:.1f} s"
        f" · {tree if snap.running else 'last seen: ' + tree}")


def summary_text(summary: Summary) -> Text:
    """The summary, verdict first: at 80x24 the sentence that matters is never cut."""
    figures = summary.format_text().strip().splitlines()
    verdict = summary.verdict()
    rest = [line.strip() for line in figures if line.strip() != verdict]
    return Text.assemble((verdict, "bold"), "\n", "\n".join(rest))


class WatchApp(App[int]):
    """`gil-tui watch -- CMD` on its own: the watch screen, then the exit code.

    Ctrl+Q and the signals that end a watch (SIGTERM, SIGHUP, SIGINT) leave through the
    app's normal exit, so the terminal is restored (alternate screen, mouse tracking), and
    the screen's unmount stops the program on the way out.
    """

    TITLE = "gil-tui watch"
    SUB_TITLE = "how a program uses the cores"

    def __init__(self, argv: Sequence[str] | None = None, *, pid: int | None = None,
                 hz: float = 4.0, log: str | None = None,
                 keymap: Mapping[str, str] | None = None,
                 settings_warnings: Sequence[str] = (),
                 keymap_warnings: Sequence[str] = ()) -> None:
        """``keymap``: the user's keymap, checked
        (:func:`gil_tui.ui.key_catalog.watch_keymap`); the warnings of loading the
        settings and of that check are shown once the screen is up, as the main app does."""
        super().__init__()
        self.screen_args = (argv, pid, hz, log)
        self.watch_screen: WatchScreen | None = None
        self._old_handlers: dict[int, object] = {}
        self._warnings = (list(settings_warnings), list(keymap_warnings))
        #: The user's keymap as applied (binding id -> keys).
        self.keymap: dict[str, str] = dict(keymap or {})
        if self.keymap:
            self.set_keymap(self.keymap)

    def on_mount(self) -> None:
        show_warnings(self, self._warnings[0], "Settings")
        show_warnings(self, self._warnings[1], "Keymap")
        argv, pid, hz, log = self.screen_args
        self._handle_signals()
        self.watch_screen = WatchScreen(argv, pid=pid, hz=hz, log=log)
        self.push_screen(self.watch_screen, self._done)

    def _handle_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            try:
                old = signal.getsignal(sig)
                loop.add_signal_handler(sig, self._on_stop_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
                continue
            self._old_handlers[sig] = old

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig, old in self._old_handlers.items():
            loop.remove_signal_handler(sig)
            if old is not None:
                signal.signal(sig, old)
        self._old_handlers.clear()

    def _on_stop_signal(self, sig: int) -> None:
        if self.watch_screen is not None:
            self.watch_screen.quit_code()
        self.exit(return_code=stopped_exit_code(sig))

    async def action_quit(self) -> None:
        """Ctrl+Q: leave now; a program still running is stopped on the way out."""
        code = self.watch_screen.quit_code() if self.watch_screen is not None else 0
        self.exit(code, return_code=code)

    def _done(self, code: int | None) -> None:
        self.exit(code, return_code=int(code or 0))


__all__ = ["AskCommand", "ConfirmStop", "WatchApp", "WatchScreen"]
