"""`gil-tui watch`: run any command (or attach to a PID) and see how it uses the cores.

Without ``--no-tui``/``--json`` it opens the app's watch view. Headless, the
watched program's stdout and stderr pass through (its stdout goes to stderr
with ``--json``, so that stdout holds exactly one JSON object), a one-line
status is redrawn on stderr when stderr is a terminal, and at the end comes
the summary (text) or one JSON object (the ``Summary.to_dict()`` shape: ``v``,
``command``, ``pid``, ``attached``, ``wall_s``, ``cpu_s``, ``avg_cores``,
``peak_cores``, ``max_processes``, ``max_threads``, ``processes_seen``,
``exit_code``, ``signal``, ``exit_status``, ``interrupted``, ``others_cores`` (cores
other programs kept busy meanwhile, or null), ``verdict``, ...).

The program runs in its own session with stdin from /dev/null (it cannot read
the terminal), and with PYTHONUNBUFFERED=1 unless set, so that a Python
program's lines arrive as they are printed rather than when its buffer fills.

The program's output passes through byte for byte (binary data, CRLF, a last
line without a newline); the status line waits while the program has left a
line open, and the summary starts on a line of its own.

A program started here ends with gil-tui, whatever ends gil-tui: Ctrl+C,
SIGTERM and SIGHUP stop its whole tree before gil-tui exits (the same stop path
as the app's quit key), and on Linux a guardian process ends it and every
process below it (``setsid`` ones included) if gil-tui itself is SIGKILLed (see
:mod:`gil_tui.engine.system.guardian`). An attached PID is never signalled.

Exit codes: the program's own (128 + N when a signal N killed it; 0 for an
attached PID, whose exit code cannot be read), 127 a command not found
(126 one that cannot be run), 1 a PID that cannot be watched, a log that
cannot be written or a closed stdout, 2 usage error (an empty COMMAND or
``--log`` included), 130 interrupted (Ctrl+C or SIGTERM: the program's whole tree
is stopped first; an attached PID is left alone), 129 the terminal closed
(SIGHUP; the same stop first).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Sequence, TextIO

from gil_tui.engine.text import plural

if TYPE_CHECKING:
    from gil_tui.engine.watch.session import WatchSession, WatchSnapshot
    from gil_tui.engine.watch.summary import Summary

PROG = "gil-tui watch"
EXIT_USAGE, EXIT_INTERRUPTED = 2, 130
MIN_HZ, MAX_HZ, DEFAULT_HZ = 0.5, 20.0, 4.0
USAGE = ("%(prog)s [-h] [--pid PID] [--hz HZ] [--log FILE] [--no-tui] [--json] "
         "[-- COMMAND [ARGS ...]]")


def _hz(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"hz must be a number, got {text!r}") from None
    if not MIN_HZ <= value <= MAX_HZ:  # also rejects nan
        raise argparse.ArgumentTypeError(f"hz must be from {MIN_HZ:g} to {MAX_HZ:g}, got {text}")
    return value


def _pid(text: str) -> int:
    if not text.strip():
        raise argparse.ArgumentTypeError('PID is empty (""): give a process ID')
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"PID must be a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"PID must be a positive number, got {value}")
    return value


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pid", type=_pid, default=None,
                        help="attach to this running process instead (read-only; the figures "
                        "start at the moment of attaching)")
    parser.add_argument("--hz", type=_hz, default=DEFAULT_HZ,
                        help=f"samples per second, {MIN_HZ:g}-{MAX_HZ:g} (default {DEFAULT_HZ:g})")
    parser.add_argument("--log", metavar="FILE", default=None,
                        help="also append the program's output to FILE")
    parser.add_argument("--no-tui", action="store_true",
                        help="no app: let the output through and print a summary at the end")
    parser.add_argument("--json", action="store_true",
                        help="no app: print the summary as exactly one JSON object on stdout")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND ARGS",
                        help="the program to start and watch")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "watch",
        usage=USAGE,
        help="run any program and see how many cores it really uses",
        description=(
            "Start COMMAND (or attach to --pid) and watch its process tree: per-core load, "
            "each process and thread, and how many cores it kept busy on average and at the "
            "peak; at the end a summary with one sentence on what that suggests "
            "(one core: the GIL or a single thread; several: processes or C code that "
            "releases the GIL; far below one: waiting on I/O)."
        ),
    )
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _fail(message: str, code: int) -> int:
    try:
        print(f"{PROG}: {message}", file=sys.stderr)
    except (OSError, ValueError, AttributeError):  # stderr closed too: the exit code says it
        pass
    return code


def command_of(args: argparse.Namespace) -> list[str]:
    command = list(args.command or [])
    if command and command[0] == "--":
        command = command[1:]
    return command


def _usable(stream: TextIO | None) -> bool:
    """Whether ``stream`` is open: with ``>&-`` Python starts with ``sys.stdout`` None."""
    if stream is None:
        return False
    try:
        os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return True


def check_args(args: argparse.Namespace) -> tuple[list[str] | None, str | None]:
    """(argv, None) when the arguments make sense, else (None, the usage error)."""
    command = command_of(args)
    if args.pid is not None and command:
        return None, "error: give a COMMAND or --pid, not both"
    if args.pid is None and not command:
        return None, "error: give a COMMAND to run (after --) or --pid PID"
    if command and not command[0].strip():
        return None, 'error: the COMMAND is empty (""): give a program to run'
    if args.log is not None and not args.log.strip():
        return None, 'error: --log needs a file name, got ""'
    return command or None, None


def run(args: argparse.Namespace) -> int:
    from gil_tui.engine.watch.session import WatchError, check_command, check_pid

    argv, problem = check_args(args)
    if problem is not None:
        return _fail(problem, EXIT_USAGE)
    if not _usable(sys.stdout):
        return _fail("stdout is closed: there is nowhere to write the program's output and "
                     "the summary (redirect it to a file or /dev/null instead)", 1)
    if args.no_tui or args.json:
        return run_headless(argv, pid=args.pid, hz=args.hz, log=args.log, as_json=args.json)
    try:  # fail before the app opens, with the shell's exit codes
        if argv is not None:
            check_command(argv)
        else:
            check_pid(args.pid)
    except WatchError as exc:
        return _fail(exc.message, exc.exit_code)
    from gil_tui.terminal import require_terminal

    refused = require_terminal("gil-tui watch",
                               hint="for scripts use gil-tui watch --no-tui or --json")
    if refused is not None:
        return refused
    from gil_tui.commands.app import open_watch

    return int(open_watch(argv=argv, pid=args.pid, hz=args.hz, log=args.log) or 0)


class StatusLine:
    """The one-line live status on a terminal (stderr), redrawn on every sample."""

    def __init__(self, stream: TextIO, lock: threading.Lock) -> None:
        self.stream = stream
        self.lock = lock
        self.drawn = False
        #: the program's last output did not end a line: drawing now would overwrite it
        self.held = False

    def update(self, snap: WatchSnapshot) -> None:
        hidden = f" (+{snap.hidden_processes} not shown)" if snap.hidden_processes else ""
        text = (f"\r{snap.elapsed_s:6.1f} s  cores now {snap.cores_now:4.2f}  avg "
                f"{snap.avg_cores:4.2f}  peak {snap.peak_cores:4.2f}  CPU {snap.cpu_s:.1f} s  "
                f"{snap.process_count} proc{hidden}  {plural(snap.thread_count, 'thread')}")
        with self.lock:
            if self.held:
                return
            try:
                self.stream.write(text + "\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                return
            self.drawn = True

    def clear(self) -> None:
        """Erase the status line (the caller holds the lock)."""
        if self.drawn:
            self.drawn = False
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass


def _write_bytes(stream: TextIO, data: bytes) -> None:
    """Write bytes unchanged to a text stream's binary buffer (text streams without one,
    as in tests, get the bytes decoded)."""
    buffer = getattr(stream, "buffer", None)
    stream.flush()  # what was written as text comes first
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8", "replace"))
        stream.flush()


class Passthrough:
    """The program's bytes to our stdout/stderr, unchanged (``--json``: all to stderr)."""

    def __init__(self, out: TextIO, err: TextIO, as_json: bool, lock: threading.Lock,
                 status: StatusLine | None) -> None:
        self.out, self.err, self.as_json, self.lock, self.status = out, err, as_json, lock, status
        self.open_line: set[int] = set()  # ids of the streams whose last byte was not \n

    def write(self, stream: str, data: bytes) -> None:  # reader threads
        target = self.err if (stream == "stderr" or self.as_json) else self.out
        with self.lock:
            if self.status is not None:
                self.status.clear()
            try:
                _write_bytes(target, data)
            except (OSError, ValueError):
                return  # a closed or broken stdout: the program still runs, its output is lost
            if data.endswith(b"\n"):
                self.open_line.discard(id(target))
            else:
                self.open_line.add(id(target))
            if self.status is not None:
                self.status.held = bool(self.open_line)

    def end_line(self, target: TextIO) -> None:
        """Before our own text: end a line the program left open (the caller holds the lock)."""
        if id(target) in self.open_line:
            self.open_line.discard(id(target))
            try:
                target.write("\n")
            except (OSError, ValueError):
                pass


class _StopSignals:
    """While installed: Ctrl+C, SIGTERM and SIGHUP only note that the watch must end.

    Nothing is raised in the middle of starting or sampling; the sampling loop sees
    the note within 50 ms and the program is stopped in order. A second signal while
    it stops changes nothing.
    """

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self._old: dict[int, object] = {}

    def _note(self, signum, frame) -> None:  # noqa: ANN001
        if self.signum is None:
            self.signum = signum
        self.event.set()

    def __enter__(self) -> _StopSignals:
        from gil_tui.engine.watch.process import STOP_SIGNALS

        for sig in STOP_SIGNALS:
            try:
                self._old[sig] = signal.signal(sig, self._note)
            except (ValueError, OSError):  # not the main thread: no handlers
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)


def run_headless(
    argv: Sequence[str] | None,
    *,
    pid: int | None = None,
    hz: float = DEFAULT_HZ,
    log: str | None = None,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Watch without the app; returns the exit code (the program's own when it ran)."""
    from gil_tui.engine.watch.process import stopped_exit_code
    from gil_tui.engine.watch.session import WatchError, WatchSession

    out = out or sys.stdout
    err = err or sys.stderr
    lock = threading.Lock()
    status = StatusLine(err, lock) if _isatty(err) else None
    passthrough = Passthrough(out, err, as_json, lock, status)
    try:
        session = WatchSession(argv, pid=pid, on_bytes=passthrough.write, log_path=log)
    except WatchError as exc:
        return _fail(exc.message, exc.exit_code)
    with _StopSignals() as signals:  # before the start: no moment without a stop path
        try:
            try:
                session.start()
            except WatchError as exc:
                return _fail(exc.message, exc.exit_code)
            summary = session.run_headless(hz, status.update if status else None,
                                           until=signals.event)
            if signals.signum is not None:
                session.stop()
                session.wait(5.0)
                summary = session.summary()
        finally:
            session.close()
            if status is not None:
                with lock:
                    status.clear()
    ended = signals.signum
    _report(summary, out, err, as_json, passthrough, ended)
    if ended is not None:
        return stopped_exit_code(ended)
    return summary.exit_status()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError, AttributeError):
        return False


def _report(summary: Summary, out: TextIO, err: TextIO, as_json: bool,
            passthrough: Passthrough, ended: int | None) -> None:
    """The summary on stdout, and one line on stderr when a signal ended the watch."""
    with passthrough.lock:
        try:
            if as_json:
                out.write(json.dumps(summary.to_dict()) + "\n")
            else:
                passthrough.end_line(out)
                out.write(summary.format_text())
            out.flush()
        except (OSError, ValueError):
            pass  # a terminal that closed (SIGHUP) or a broken pipe: nobody to tell
        if ended is None:
            return
        what = ("detached" if summary.attached
                else "the program and its processes were stopped")
        why = "the terminal closed (SIGHUP)" if ended == getattr(signal, "SIGHUP", -1) \
            else "interrupted"
        passthrough.end_line(err)
        try:
            err.write(f"{PROG}: {why}; {what}\n")
            err.flush()
        except (OSError, ValueError):
            pass


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m gil_tui.commands.watch ARGS`: the subcommand without the rest of the CLI."""
    parser = argparse.ArgumentParser(prog=PROG, usage=USAGE, description=__doc__.splitlines()[0])
    _add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
