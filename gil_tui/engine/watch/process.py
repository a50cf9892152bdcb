"""Before and after watching a program: can it start, can we read it, end its group.

:func:`check_command` answers like a shell (127 command not found, 126 found
but not runnable); :func:`check_pid` refuses a PID that does not exist, that we
may not read, or that is gil-tui itself; :func:`end_group` ends every process
of a process group (SIGINT and/or SIGTERM, then SIGKILL) and waits until it is
empty.  POSIX only (process groups); Windows would need a job object.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from typing import Sequence

import psutil

EXIT_NOT_FOUND, EXIT_NOT_EXECUTABLE = 127, 126


class WatchError(RuntimeError):
    """A command that cannot start or a PID that cannot be watched; one line for a person."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def parse_argv(argv: Sequence[str]) -> list[str]:
    args = [str(a) for a in argv]
    if not args or not args[0]:
        raise WatchError("no command given", 2)
    return args


def check_command(argv: Sequence[str], cwd: str | os.PathLike | None = None) -> str:
    """The path ``argv[0]`` will run, or a WatchError (127 not found, 126 not runnable)."""
    prog = parse_argv(argv)[0]
    if os.sep in prog or (os.altsep and os.altsep in prog):
        path = os.path.join(cwd, prog) if cwd is not None else prog
        if not os.path.exists(path):
            raise WatchError(f"{prog}: no such file", EXIT_NOT_FOUND)
        if os.path.isdir(path):
            raise WatchError(f"{prog}: is a directory", EXIT_NOT_EXECUTABLE)
        if not os.access(path, os.X_OK):
            raise WatchError(f"{prog}: permission denied (not executable)", EXIT_NOT_EXECUTABLE)
        return prog
    found = shutil.which(prog)
    if found is None:
        raise WatchError(f"{prog}: command not found", EXIT_NOT_FOUND)
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
            owner = f", owned by {psutil.Process(pid).username()}"
        except (psutil.Error, KeyError):
            pass
        raise WatchError(f"not allowed to read process {pid}{owner}: "
                         "run gil-tui as its user") from None
    if status == psutil.STATUS_ZOMBIE:
        raise WatchError(f"process {pid} has already exited (a zombie its parent has not reaped)")
    return proc


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except OSError:
        pass


def wait_group_empty(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while group_alive(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def group_members(pgid: int) -> list[psutil.Process]:
    """Live (not zombie) processes of group ``pgid``."""
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (OSError, psutil.Error):
            pass
    return found


def wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until every process has exited (a zombie counts as gone); returns the rest."""
    deadline = time.monotonic() + timeout
    left = list(procs)
    while left:
        still = []
        for proc in left:
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    still.append(proc)
            except psutil.Error:
                pass
        left = still
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.02)
    return left


def end_group(pgid: int, grace: float, first: int = signal.SIGTERM) -> int:
    """End process group ``pgid``; returns how many live members it had.

    ``first`` SIGINT sends SIGINT, then SIGTERM, each followed by ``grace``
    seconds to end; ``first`` SIGTERM skips the SIGINT. Whatever is left gets
    SIGKILL.
    """
    if not group_alive(pgid):
        return 0
    count = len(group_members(pgid))
    signals = (signal.SIGINT, signal.SIGTERM) if first == signal.SIGINT else (signal.SIGTERM,)
    for sig in signals:
        signal_group(pgid, sig)
        if wait_group_empty(pgid, grace):
            return count
    signal_group(pgid, signal.SIGKILL)
    wait_group_empty(pgid, 2.0)
    return count


__all__ = [
    "EXIT_NOT_EXECUTABLE",
    "EXIT_NOT_FOUND",
    "WatchError",
    "check_command",
    "check_pid",
    "end_group",
    "group_alive",
    "group_members",
    "parse_argv",
    "wait_gone",
]
