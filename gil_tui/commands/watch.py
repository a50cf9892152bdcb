"""`gil-tui watch`: run any command (or attach to a PID) and see how it uses the cores.

Without ``--no-tui``/``--json`` it opens the app's watch view. Headless, the
watched program's stdout and stderr pass through (its stdout goes to stderr
with ``--json``, so that stdout holds exactly one JSON object), a one-line
status is redrawn on stderr when stderr is a terminal, and at the end comes
the summary (text) or one JSON object (the ``Summary.to_dict()`` shape: ``v``,
``command``, ``pid``, ``attached``, ``wall_s``, ``cpu_s``, ``avg_cores``,
``peak_cores``, ``max_processes``, ``max_threads``, ``processes_seen``,
``exit_code``, ``signal``, ``exit_status``, ``interrupted``, ``verdict``, ...).

The program runs in its own session with stdin from /dev/null (it cannot read
the terminal), and with PYTHONUNBUFFERED=1 unless set, so that a Python
program's lines arrive as they are printed rather than when its buffer fills.

Exit codes: the program's own (128 + N when a signal N killed it; 0 for an
attached PID, whose exit code cannot be read), 127 a command not found
(126 one that cannot be run), 1 a PID that cannot be watched or a log that
cannot be written, 2 usage error, 130 interrupted (Ctrl+C or SIGTERM: the
program's whole tree is stopped first; an attached PID is left alone).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import TYPE_CHECKING, Sequence, TextIO

if TYPE_CHECKING:
    from gil_tui.engine.watch.session import WatchSnapshot

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
    print(f"{PROG}: {message}", file=sys.stderr)
    return code


def command_of(args: argparse.Namespace) -> list[str]:
    command = list(args.command or [])
    if command and command[0] == "--":
        command = command[1:]
    return command


def run(args: argparse.Namespace) -> int:
    from gil_tui.engine.watch.session import WatchError, check_command, check_pid

    command = command_of(args)
    if args.pid is not None and command:
        return _fail("error: give a COMMAND or --pid, not both", EXIT_USAGE)
    if args.pid is None and not command:
        return _fail("error: give a COMMAND to run (after --) or --pid PID", EXIT_USAGE)
    argv = command or None
    if args.no_tui or args.json:
        return run_headless(argv, pid=args.pid, hz=args.hz, log=args.log, as_json=args.json)
    try:  # fail before the app opens, with the shell's exit codes
        if argv is not None:
            check_command(argv)
        else:
            check_pid(args.pid)
    except WatchError as exc:
        return _fail(exc.message, exc.exit_code)
    try:
        from gil_tui.commands.app import open_watch
    except ImportError:
        return _fail("the watch view is not in this version of the app yet; "
                     "use --no-tui or --json", 1)
    return int(open_watch(argv=argv, pid=args.pid, hz=args.hz, log=args.log) or 0)


class StatusLine:
    """The one-line live status on a terminal (stderr), redrawn on every sample."""

    def __init__(self, stream: TextIO, lock: threading.Lock) -> None:
        self.stream = stream
        self.lock = lock
        self.drawn = False

    def update(self, snap: WatchSnapshot) -> None:
        hidden = f" (+{snap.hidden_processes} not shown)" if snap.hidden_processes else ""
        text = (f"\r{snap.elapsed_s:6.1f} s  cores now {snap.cores_now:4.2f}  avg "
                f"{snap.avg_cores:4.2f}  peak {snap.peak_cores:4.2f}  CPU {snap.cpu_s:.1f} s  "
                f"{snap.process_count} proc{hidden}  {snap.thread_count} thread"
                f"{'' if snap.thread_count == 1 else 's'}")
        with self.lock:
            self.stream.write(text + "\x1b[K")
            self.stream.flush()
            self.drawn = True

    def clear(self) -> None:
        """Erase the status line (the caller holds the lock)."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False


class _Terminated(Exception):
    pass


def _on_sigterm(signum, frame):  # noqa: ANN001
    raise _Terminated()


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
    from gil_tui.engine.watch.session import WatchError, WatchSession

    out = out or sys.stdout
    err = err or sys.stderr
    lock = threading.Lock()
    status = StatusLine(err, lock) if err.isatty() else None

    def on_line(stream: str, text: str) -> None:
        target = err if (stream == "stderr" or as_json) else out
        with lock:
            if status is not None:
                status.clear()
            try:
                target.write(text + "\n")
                target.flush()
            except (OSError, ValueError):
                pass

    session = WatchSession(argv, pid=pid, on_line=on_line, log_path=log)
    try:
        session.start()
    except WatchError as exc:
        return _fail(exc.message, exc.exit_code)
    interrupted = False
    try:
        old_term = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: no handler
        old_term = None
    try:
        summary = session.run_headless(hz, status.update if status else None)
    except (KeyboardInterrupt, _Terminated):
        interrupted = True
        try:
            old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C waits too
        except ValueError:
            old_int = None
        try:
            session.stop()
            session.wait(5.0)
        finally:
            if old_int is not None:
                signal.signal(signal.SIGINT, old_int)
        summary = session.summary()
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        session.close()
        if status is not None:
            with lock:
                status.clear()
    with lock:
        if as_json:
            out.write(json.dumps(summary.to_dict()) + "\n")
        else:
            out.write(summary.format_text())
        out.flush()
    if interrupted:
        print(f"{PROG}: interrupted" + ("; detached" if summary.attached else
                                        "; the program and its processes were stopped"),
              file=err)
        return EXIT_INTERRUPTED
    return summary.exit_status()


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
