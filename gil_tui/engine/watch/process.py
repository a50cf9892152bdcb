"""Before and after watching a program: can it start, can we read it, end its group.

:func:`check_command` answers like a shell (127 command not found, 126 found
but not runnable); :func:`check_pid` refuses a PID that does not exist, that we
may not read, or that is gil-tui itself; :func:`end_group` and :func:`end_tree`
end a started program's group or whole tree through
:mod:`gil_tui.engine.system.processes`, the one module that signals process
groups.  POSIX only (process groups); Windows would need a job object.

:mod:`gil_tui.engine.system.guardian` starts the program, and ends it and its
descendants whatever ends gil-tui (SIGKILL included).
"""

from __future__ import annotations

import os
import shutil
import signal
from typing import Sequence

import psutil

from gil_tui.engine.system import processes
from gil_tui.engine.system.exit_codes import STOP_SIGNALS, stopped_exit_code
from gil_tui.engine.text import clean_line

EXIT_NOT_FOUND, EXIT_NOT_EXECUTABLE = 127, 126


class WatchError(RuntimeError):
    """A command that cannot start or a PID that cannot be watched; one line for a person."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def parse_argv(argv: Sequence[str]) -> list[str]:
    args = [str(a) for a in argv]
    if not args:
        raise WatchError("no command given", 2)
    if not args[0]:
        raise WatchError("the command is empty (\"\"): give a program to run", 2)
    return args


#: the signals that end a watch through its stop path, and the exit code each gives:
def check_command(argv: Sequence[str], cwd: str | os.PathLike | None = None) -> str:
    """The path ``argv[0]`` will run, or a WatchError (127 not found, 126 not runnable)."""
    prog = parse_argv(argv)[0]
    name = clean_line(prog)
    if os.sep in prog or (os.altsep and os.altsep in prog):
        path = os.path.join(cwd, prog) if cwd is not None else prog
        if not os.path.exists(path):
            raise WatchError(f"{name}: no such file", EXIT_NOT_FOUND)
        if os.path.isdir(path):
            raise WatchError(f"{name}: is a directory", EXIT_NOT_EXECUTABLE)
        if not os.access(path, os.X_OK):
            raise WatchError(f"{name}: permission denied (not executable)", EXIT_NOT_EXECUTABLE)
        return prog
    found = shutil.which(prog)
    if found is None:
        raise WatchError(f"{name}: command not found", EXIT_NOT_FOUND)
    return found


def check_pid(pid: int) -> psutil.Process:
    """The process to attach to, readable by us, or a WatchError (exit code 1)."""
    if pid <= 0:
        raise WatchError(f"{pid} is not a process ID (it must be a positive number)")
    if pid == os.getpid():
        raise WatchError(f"PID {pid} is gil-tui itself")
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            status = proc.status()
            proc.cpu_times()
            proc.memory_info()
            proc.num_threads()
    except psutil.NoSuchProcess:
        raise WatchError(f"no process with PID {pid}") from None
    except psutil.AccessDenied:
        owner = ""
        try:
            owner = f", owned by {clean_line(psutil.Process(pid).username())}"
        except (psutil.Error, KeyError):
            pass
        raise WatchError(f"not allowed to read process {pid}{owner}: "
                         "run gil-tui as its user") from None
    if status == psutil.STATUS_ZOMBIE:
        raise WatchError(f"process {pid} has already exited (a zombie its parent has not reaped)")
    return proc


# ------------------------------------------------ ending: through engine.system.processes


def _signals(first: int) -> tuple[int, ...]:
    return (signal.SIGINT, signal.SIGTERM) if first == signal.SIGINT else (signal.SIGTERM,)


def end_group(pgid: int, grace: float, first: int = signal.SIGTERM) -> int:
    """End process group ``pgid``; returns how many live members it had.

    ``first`` SIGINT sends SIGINT, then SIGTERM, each followed by ``grace``
    seconds to end; ``first`` SIGTERM skips the SIGINT. Whatever is left gets
    SIGKILL (:func:`gil_tui.engine.system.processes.end_group`, zombie aware).
    """
    return processes.end_group(pgid, grace, _signals(first))


def end_tree(pgid: int, grace: float) -> int:
    """End a started program's whole tree: its group and, by parentage, every descendant
    that left it (a session of its own); SIGINT, then SIGTERM, then SIGKILL."""
    return processes.end_tree(pgid, grace=grace, signals=_signals(signal.SIGINT))


def group_members(pgid: int) -> list[psutil.Process]:
    """Live (not zombie) processes of group ``pgid``, as psutil objects."""
    found = []
    for pid in processes.group_members(pgid):
        try:
            found.append(psutil.Process(pid))
        except psutil.Error:
            pass
    return found


__all__ = [
    "EXIT_NOT_EXECUTABLE",
    "EXIT_NOT_FOUND",
    "STOP_SIGNALS",
    "WatchError",
    "check_command",
    "check_pid",
    "end_group",
    "end_tree",
    "group_members",
    "parse_argv",
    "stopped_exit_code",
]
