"""Watch any program: start a command (or attach to a PID) and measure its process tree.

A :class:`WatchSession` either starts ``argv`` in its own session and process
group (stdin from /dev/null; its output drained by an
:class:`~gil_tui.engine.watch.output.OutputPump`: the bytes unchanged to
``on_bytes`` and the log, text lines to ``on_line``) or attaches read-only to a
PID (figures from the moment of attaching; gil-tui never signals it).

The caller drives the sampling: the UI calls :meth:`WatchSession.sample` from a
thread at about 4 Hz, the CLI :meth:`WatchSession.run_headless`.  Each sample
gives a :class:`~gil_tui.engine.watch.counting.WatchSnapshot`, measured by a
:class:`~gil_tui.engine.watch.measure.Measure`; what counts as one of the
program's processes, and its CPU time, is decided in
:mod:`gil_tui.engine.watch.counting`, the same for every front end.  A program
started here gets its final CPU figure from ``os.wait4`` (the kernel's total for
the tree it reaped), so one that exits in 10 ms still gets a true summary.
Callbacks run on the session's own threads: a UI turns them into messages.

**A program gil-tui started ends with gil-tui, descendants included.**  When it
exits, what it left in its group is ended; :meth:`stop` ends the whole tree, and
the front ends route every way out there (Ctrl+C, SIGTERM, SIGHUP, the quit key).
For the ending nobody can catch, a SIGKILL of gil-tui, on Linux the program is
started by a guardian (:mod:`gil_tui.engine.system.guardian`): a subreaper below
gil-tui that ends the program and every descendant it has (``setsid`` or not) when
gil-tui goes, and that ends what the program left when it exits by itself.  The
exit code and the kernel's CPU total come from the guardian, which reaps the program.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timezone
from typing import Callable, Sequence

import psutil

from gil_tui.engine.system import guardian
from gil_tui.engine.text import clean_line
from gil_tui.engine.watch.counting import ThreadRow, WatchSnapshot
from gil_tui.engine.watch.measure import Measure
from gil_tui.engine.watch.output import BytesCallback, LineCallback, OutputPump
from gil_tui.engine.watch.process import (
    EXIT_NOT_EXECUTABLE,
    EXIT_NOT_FOUND,
    WatchError,
    check_command,
    check_pid,
    end_group,
    end_tree,
    parse_argv,
)
from gil_tui.engine.watch.summary import Summary

MAX_ROWS = 200


class WatchSession:
    """One watched program. Construct, :meth:`start`, sample, read :meth:`summary`."""

    def __init__(
        self,
        argv: Sequence[str] | None = None,
        *,
        pid: int | None = None,
        on_line: LineCallback | None = None,
        on_bytes: BytesCallback | None = None,
        on_exit: Callable[[Summary], None] | None = None,
        log_path: str | os.PathLike | None = None,
        max_rows: int = MAX_ROWS,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
        unbuffered: bool = True,
    ) -> None:
        if (argv is None) == (pid is None):
            raise ValueError("give either argv or pid")
        self.argv = parse_argv(argv) if argv is not None else None
        self.attached = pid is not None
        self.pid: int = pid if pid is not None else 0
        self.on_exit = on_exit
        self.log_path = log_path
        self.max_rows = max_rows
        self._env, self._cwd, self._unbuffered = env, cwd, unbuffered
        self.cpu_count = psutil.cpu_count() or 1
        self._output = OutputPump(on_bytes=on_bytes, on_line=on_line, log_path=log_path)
        self._launched: guardian.Launched | None = None
        self._measure: Measure | None = None
        self._exited = threading.Event()
        self._finished = threading.Event()
        self._t0 = 0.0
        self._started_at = ""
        self._interrupted = False
        self._leftovers = 0

    # ------------------------------------------------------------ start

    def start(self) -> WatchSession:
        """Start the command or attach to the PID; raises WatchError."""
        if self._measure is not None:
            raise RuntimeError("this session has already started")
        try:
            self._output.open_log()
        except OSError as exc:
            raise WatchError(f"cannot write the log {clean_line(os.fspath(self.log_path))}: "
                             f"{exc.strerror or exc}") from None
        try:
            if self.attached:
                self._attach()
            else:
                self._launch()
        except BaseException:
            self._output.close_log()
            raise
        self._started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return self

    def _measuring(self, root: psutil.Process | None, t0: float | None = None,
                   wall0: float | None = None) -> Measure:
        measure = Measure(self.pid, root, attached=self.attached, max_rows=self.max_rows,
                          cpu_count=self.cpu_count, t0=t0, wall0=wall0)
        self._t0 = measure.t0
        measure.prime()
        return measure

    def _launch(self) -> None:
        assert self.argv is not None
        check_command(self.argv, self._cwd)
        env = dict(os.environ if self._env is None else self._env)
        if self._unbuffered:
            env.setdefault("PYTHONUNBUFFERED", "1")  # Python programs: lines as they come
        name = clean_line(self.argv[0])
        try:  # a new session: its pid is its group's id
            self._launched = guardian.launch(self.argv, env=env, cwd=self._cwd)
        except FileNotFoundError as exc:
            raise WatchError(f"{name}: cannot run it ({exc.strerror})", EXIT_NOT_FOUND) from None
        except OSError as exc:
            raise WatchError(f"{name}: cannot run it ({exc.strerror or exc})",
                             EXIT_NOT_EXECUTABLE) from None
        self.pid = self._launched.pid
        try:
            root: psutil.Process | None = psutil.Process(self.pid)
        except psutil.Error:
            root = None
        self._measure = self._measuring(root, self._launched.t0, self._launched.wall0)
        launched = self._launched
        self._output.start((("stdout", launched.stdout), ("stderr", launched.stderr)))
        threading.Thread(target=self._wait_child, name="watch-wait", daemon=True).start()

    def _attach(self) -> None:
        root = check_pid(self.pid)
        self._measure = self._measuring(root)
        self._measure.baseline()
        threading.Thread(target=self._poll_attached, args=(root,), name="watch-poll",
                         daemon=True).start()

    # ------------------------------------------------------------ threads

    def _wait_child(self) -> None:
        assert self._launched is not None and self._measure is not None
        code, cpu = self._launched.wait()
        self._measure.end(code, cpu)
        self._exited.set()
        self._finish()

    def _poll_attached(self, root: psutil.Process) -> None:
        assert self._measure is not None
        while not self._exited.is_set():
            try:
                gone = root.status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                gone = True
            except psutil.AccessDenied:
                gone = False
            if gone:
                self._measure.end()
                self._exited.set()
                break
            time.sleep(0.05)
        self._finish()

    def _finish(self) -> None:
        """After the root exited: drain output, end leftovers, close the log, tell."""
        if not self.attached:
            self._output.join(0.5)
            left = end_group(self.pid, grace=0.5, first=signal.SIGTERM)
            left += self._launched.release() if self._launched is not None else 0
            self._leftovers = 0 if self._interrupted else left
            self._output.join(1.0)
            launched = self._launched
            for stream in (launched.stdout, launched.stderr) if launched is not None else ():
                if stream is not None and not self._output.reading:
                    stream.close()
        self._output.close_log()
        self._finished.set()
        if self.on_exit is not None:
            try:
                self.on_exit(self.summary())
            except Exception:  # noqa: BLE001 - the callback is the caller's business
                pass

    def stop(self, grace: float = 1.0) -> None:
        """End the whole tree (attached: only stop watching); waits until it has ended."""
        self._interrupted = True
        if self.attached:
            if self._measure is not None:
                self._measure.end()
            self._exited.set()
            self._finished.wait(2.0)
            return
        if self._launched is None or self._finished.is_set():
            return
        end_tree(self.pid, grace)
        self._finished.wait(grace + 5.0)

    # ------------------------------------------------------------ sampling and results

    def sample(self) -> WatchSnapshot:
        """Sample the tree now (blocks a few ms; call it from a thread, not an event loop)."""
        if self._measure is None:
            raise RuntimeError("start() the session first")
        return self._measure.sample()[0]

    @property
    def running(self) -> bool:
        return self._measure is not None and not self._exited.is_set()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    @property
    def can_stop(self) -> bool:
        """False when attached: gil-tui only watches a process it did not start."""
        return not self.attached and self.running

    @property
    def exit_code(self) -> int | None:
        ending = self._measure.ending if self._measure is not None else None
        return ending.exit_code if ending is not None else None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the program ended and its output was read; True when it has."""
        return self._finished.wait(timeout)

    def run_headless(self, hz: float = 4.0, on_sample: Callable[[WatchSnapshot], None] | None = None,
                     until: threading.Event | None = None) -> Summary:
        """Sample at ``hz`` until the program ends, or until ``until`` is set (a signal
        handler sets it; the caller then stops the program). Returns the summary."""
        period = 1.0 / hz
        next_t = time.monotonic() + period
        while not (until is not None and until.is_set()):
            if self._exited.wait(max(0.0, min(0.05, next_t - time.monotonic()))):
                self._finished.wait()
                break
            if time.monotonic() >= next_t:
                next_t += period
                snapshot = self.sample()
                if on_sample is not None:
                    on_sample(snapshot)
        return self.summary()

    def summary(self) -> Summary:
        """The figures so far (``finished`` False while it runs), or the final ones."""
        if self._measure is not None:
            figures = self._measure.figures()
        else:
            figures = dict(wall_s=0.0, cpu_s=0.0, avg_cores=0.0, peak_cores=0.0,
                           max_processes=0, max_threads=0, processes_seen=0, exit_code=None,
                           cpu_count=self.cpu_count, samples=0, cpu_source="samples")
        return Summary(
            command=tuple(self.argv) if self.argv is not None else None,
            pid=self.pid,
            attached=self.attached,
            started_at=self._started_at,
            interrupted=self._interrupted,
            finished=self._finished.is_set(),
            leftovers_ended=self._leftovers,
            **figures,
        )

    def close(self) -> None:
        """Stop the program if it still runs, and release everything."""
        if self._measure is not None and not self._finished.is_set():
            self.stop()
        self._output.close_log()

    def __enter__(self) -> WatchSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "MAX_ROWS",
    "Summary",
    "ThreadRow",
    "WatchError",
    "WatchSession",
    "WatchSnapshot",
    "check_command",
    "check_pid",
]
