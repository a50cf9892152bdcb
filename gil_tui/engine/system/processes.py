"""Run one demo script safely: own session, deadline, cap on child processes, stop flag.

:func:`run_capped` starts ``argv`` in a new session (its pid is its process
group id, and every process it starts, multiprocessing children, fork server
and resource tracker included, stays in that group), collects its output in
anonymous temporary files (no pipe can fill up or be held open by a
grandchild), and polls it every ``poll`` seconds:

* past ``deadline`` (a ``time.monotonic()`` value) the group is killed and the
  outcome says ``timed_out``;
* with ``max_descendants``, a psutil watchdog counts the processes below it and
  kills the group when there are more (``capped``);
* when the ``stop`` event is set the group is killed (``stopped``).

Whatever happens, when it returns nothing of the group is left: the group gets
a moment to end by itself (multiprocessing's resource tracker unlinks its
semaphores on the way out), then SIGKILL. With ``lifeline=True`` the script's
stdin is a pipe this side never writes to, so a script that watches it ends
when gil-tui dies, even by SIGKILL. POSIX only, like the runner.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Sequence

__all__ = ["ProcOutcome", "run_capped", "describe_exit", "end_group", "system_busy_seconds"]

OUTPUT_LIMIT = 1 << 20
LINGER_S = 0.5


@dataclass
class ProcOutcome:
    """What one run of a script did."""

    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    timed_out: bool = False
    capped: bool = False
    stopped: bool = False
    #: most processes seen below the script at once (0 without a watchdog)
    peak_descendants: int = 0
    #: why the script could not start at all (no such file, not executable)
    start_error: str | None = None

    @property
    def interrupted(self) -> bool:
        return self.timed_out or self.capped or self.stopped


def describe_exit(code: int | None) -> str:
    if code is None:
        return "did not finish"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def system_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy since boot (every process)."""
    import psutil

    times = psutil.cpu_times()
    busy = 0.0
    for name in times._fields:
        if name not in ("idle", "iowait", "guest", "guest_nice"):  # guest is inside user
            busy += getattr(times, name)
    return busy


def _start_error(program: str, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"{program}: no such interpreter (file not found)"
    if isinstance(exc, PermissionError):
        return f"{program}: not executable ({exc.strerror or exc})"
    return f"could not start {program}: {exc.strerror or exc}"


def _signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to the group; False when the group no longer exists."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _count_descendants(watched) -> int:
    import psutil

    try:
        return sum(
            1 for p in watched.children(recursive=True) if _alive(p)
        )
    except psutil.Error:
        return 0


def _alive(proc) -> bool:
    import psutil

    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _group_has_live_members(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is still running.

    Not ``killpg(pgid, 0)``: a member that has exited but was reparented stays a
    zombie until init reaps it, which on some machines takes a second or more.
    """
    import psutil

    for pid in psutil.pids():
        try:
            if os.getpgid(pid) == pgid and _alive(psutil.Process(pid)):
                return True
        except (OSError, psutil.Error):
            continue
    return False


def _read(handle) -> str:
    handle.seek(0)
    data = handle.read(OUTPUT_LIMIT)
    return data.decode("utf-8", errors="replace")


def end_group(proc: subprocess.Popen, linger: float = LINGER_S) -> None:
    """Kill what is left of ``proc``'s group (after ``linger`` s if it ended by itself); reap it."""
    pgid = proc.pid
    if proc.poll() is None:
        _signal_group(pgid, signal.SIGKILL)
    else:
        deadline = time.monotonic() + linger
        while _group_has_live_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.01)
        _signal_group(pgid, signal.SIGKILL)
    try:
        proc.wait(timeout=5.0)
    except subprocess.TimeoutExpired:  # pragma: no cover - a process in D state
        pass
    if proc.stdin is not None:
        try:
            proc.stdin.close()
        except OSError:  # pragma: no cover
            pass


def run_capped(
    argv: Sequence[str],
    *,
    deadline: float,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
    merge_stderr: bool = False,
    lifeline: bool = False,
    max_descendants: int | None = None,
    stop: threading.Event | None = None,
    poll: float = 0.02,
) -> ProcOutcome:
    """Run ``argv`` to its end or until a limit; see the module docstring. Never raises OSError."""
    import psutil

    outcome = ProcOutcome()
    began = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE if lifeline else subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT if merge_stderr else err,
                cwd=cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            outcome.start_error = _start_error(argv[0], exc)
            return outcome
        try:
            try:
                watched = psutil.Process(proc.pid) if max_descendants is not None else None
            except psutil.NoSuchProcess:
                watched = None
            while True:
                try:
                    proc.wait(timeout=poll)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if stop is not None and stop.is_set():
                    outcome.stopped = True
                    break
                if time.monotonic() >= deadline:
                    outcome.timed_out = True
                    break
                if watched is not None:
                    count = _count_descendants(watched)
                    outcome.peak_descendants = max(outcome.peak_descendants, count)
                    if max_descendants is not None and count > max_descendants:
                        outcome.capped = True
                        break
        finally:
            end_group(proc)
        outcome.returncode = proc.returncode
        outcome.seconds = time.monotonic() - began
        outcome.stdout = _read(out)
        outcome.stderr = "" if merge_stderr else _read(err)
    return outcome
