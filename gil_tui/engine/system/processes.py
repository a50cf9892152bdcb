"""Every process gil-tui starts: start it in a group, signal it, wait for it, end it.

The one module that starts, signals, waits for and ends process groups (the
"no orphans, ever" promise); nothing else in the engine calls ``os.killpg``.
POSIX only, like the rest of gil-tui: on Windows a group would need a job
object or ``CREATE_NEW_PROCESS_GROUP``, which is not done yet.

Starting (the child leads a new session, so its pid is its process group id,
and every process it starts, multiprocessing children, fork server and
resource tracker included, stays in that group unless it calls ``setsid``):

* :func:`start` ``(argv, ...) -> subprocess.Popen``; ``lifeline=True`` makes its
  stdin a pipe this side never writes to (a worker that watches it ends when
  gil-tui dies, even by SIGKILL); ``scratch=True`` (the default) points its
  ``TMPDIR`` at a temp folder of our own (:mod:`.scratch`), removed when its
  group ends, at exit and on SIGTERM/SIGHUP. Pass ``scratch=False`` for a
  program that is not ours (its temp files are its business).
* :func:`start_async`: the same with ``asyncio.create_subprocess_exec``.

Looking (zombie aware: an exited member that waits to be reaped counts as gone;
``killpg(pgid, 0)`` would call such a group alive, sometimes for seconds):

* :func:`group_alive` ``(pgid) -> bool``; :func:`group_members` ``(pgid) -> [pid]``.

Ending:

* :func:`signal_group` ``(pgid, sig) -> bool``: False when the group is gone.
* :func:`end_group` ``(pgid, grace, signals, root=...) -> int``: each signal of
  ``signals`` (none: just wait) followed by up to ``grace`` s for everything to
  end, then SIGKILL; returns how many processes were alive. With ``root`` it
  also ends every descendant of ``root`` found by parentage (a child that
  called ``setsid`` escapes a group kill): the tree is taken before the first
  signal, since killing a parent hands its children to init.
* :func:`end_tree` ``(root, pgid=None, ...)``: :func:`end_group` of ``root``'s group and tree.
* :func:`end_process` / :func:`end_process_async` ``(proc, ...)``: end the group
  and tree of a child from :func:`start` / :func:`start_async`, reap it, close its stdin.
* :func:`end_all` ``(grace)``: every group started here and not ended yet (and
  any child of ours leading its own group), then our temp folders. It runs at
  exit, and on SIGTERM/SIGHUP: the first :func:`start` in the main thread
  handles those that still have their default action (end our children, remove
  our folders, then die of the signal as before); a command that handles them
  itself keeps its handler, and its clean-up runs through ``finally``.

Running: :func:`run_capped` runs a child to its end or a limit (deadline,
process cap, stop flag) and returns a :class:`ProcOutcome`; :func:`describe_exit`
and :func:`start_failure` word what happened. (:func:`group_alive`,
:func:`group_members` and :func:`system_busy_seconds` come from :mod:`.proctable`.)
"""

from __future__ import annotations

import asyncio
import atexit
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from gil_tui.engine.system import scratch as _scratch
from gil_tui.engine.system.proctable import (
    Tree, count_descendants, group_alive, group_members, snapshot, system_busy_seconds)

__all__ = [
    "GRACE_S", "KILL_WAIT_S", "LINGER_S", "ProcOutcome", "describe_exit", "end_all",
    "end_group", "end_process", "end_process_async", "end_tree", "group_alive",
    "group_members", "run_capped", "signal_group", "start", "start_async", "start_failure",
    "system_busy_seconds",
]

#: how long a group gets to end after a polite signal
GRACE_S = 0.5
#: how long a group gets to empty by itself after its leader exited (a resource
#: tracker unlinks semaphores on the way out)
LINGER_S = 0.5
#: how long to wait for SIGKILL to land
KILL_WAIT_S = 2.0
OUTPUT_LIMIT = 1 << 20

#: pgid -> its scratch folder, for every group started here and not ended yet
_started: dict[int, str | None] = {}
_owner = os.getpid()


# ---------------------------------------------------------------- words


@dataclass
class ProcOutcome:
    """What one :func:`run_capped` run of a program did."""

    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    timed_out: bool = False
    capped: bool = False
    stopped: bool = False
    #: most processes seen below the program at once (0 without a watchdog)
    peak_descendants: int = 0
    #: why the program could not start at all (no such file, not executable)
    start_error: str | None = None
    #: the OSError behind ``start_error``
    start_exception: OSError | None = None

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


def start_failure(program: str, exc: OSError) -> str:
    """One line saying why ``program`` could not start."""
    if isinstance(exc, FileNotFoundError):
        return f"{program}: no such interpreter (file not found)"
    if isinstance(exc, PermissionError):
        return f"{program}: not executable ({exc.strerror or exc})"
    return f"could not start {program}: {exc.strerror or exc}"


# ---------------------------------------------------------------- signalling


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to group ``pgid``; False when the group no longer exists."""
    if pgid <= 1 or pgid == os.getpgrp():
        return False  # never everything, never our own group
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_tree(tree: Tree, sig: int) -> None:
    """``sig`` to the group (if it has members) and to each process that left it."""
    tree.scan()
    if tree.group_has_members:
        signal_group(tree.pgid, sig)
    for pid in tree.outside:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


# ---------------------------------------------------------------- ending


def end_group(pgid: int, grace: float = GRACE_S,
              signals: int | Iterable[int] | None = (signal.SIGTERM,), *,
              root: int | None = None, kill_wait: float = KILL_WAIT_S) -> int:
    """End group ``pgid`` (and ``root``'s tree); see the module docstring. Returns the count."""
    try:
        tree = Tree(pgid, root)
        count = len(tree.live)
        if count:
            steps = [signals] if isinstance(signals, int) else list(signals or ())
            for sig in steps or [None]:
                if sig is not None:
                    _signal_tree(tree, sig)
                if tree.wait_empty(kill_wait if sig == signal.SIGKILL else grace):
                    break
            else:
                _signal_tree(tree, signal.SIGKILL)
                tree.wait_empty(kill_wait)
        return count
    finally:
        _scratch.remove(_started.pop(pgid, None))


def end_tree(root: int, pgid: int | None = None, grace: float = GRACE_S,
             signals: int | Iterable[int] | None = (signal.SIGTERM,), **kwargs) -> int:
    """:func:`end_group` of ``pgid`` (default: ``root``, a session leader) and ``root``'s tree."""
    return end_group(root if pgid is None else pgid, grace, signals, root=root, **kwargs)


def end_process(proc: subprocess.Popen, grace: float = LINGER_S,
                signals: int | Iterable[int] | None = None, **kwargs) -> int:
    """End what is left of a child from :func:`start`, reap it, close its stdin.

    Default: a child still running gets SIGKILL at once; one that exited leaves
    its group ``grace`` s to empty by itself first.
    """
    running = proc.poll() is None  # an exited child's children went to init when it exited
    if signals is None and running:
        signals = (signal.SIGKILL,)
    count = end_group(proc.pid, grace, signals, root=proc.pid if running else None, **kwargs)
    try:
        proc.wait(timeout=5.0)
    except subprocess.TimeoutExpired:  # pragma: no cover - a process in D state
        pass
    if proc.stdin is not None:
        try:
            proc.stdin.close()
        except OSError:  # pragma: no cover
            pass
    return count


async def end_process_async(proc: asyncio.subprocess.Process, grace: float = LINGER_S,
                            signals: int | Iterable[int] | None = None, **kwargs) -> int:
    """:func:`end_process` for a child from :func:`start_async` (the waiting runs in a thread)."""
    running = proc.returncode is None
    if signals is None and running:
        signals = (signal.SIGKILL,)
    count = await asyncio.to_thread(end_group, proc.pid, grace, signals,
                                    root=proc.pid if running else None, **kwargs)
    if proc.returncode is None:
        try:
            await asyncio.wait_for(proc.wait(), 5.0)
        except asyncio.TimeoutError:  # pragma: no cover - a process in D state
            pass
    if proc.stdin is not None and not proc.stdin.is_closing():
        proc.stdin.close()
    return count


def end_all(grace: float = GRACE_S) -> None:
    """SIGTERM every group started here and not ended yet, SIGKILL what is left; drop scratch."""
    if os.getpid() != _owner:
        return
    me = os.getpid()  # and any child of ours leading its group that start() has not noted yet
    leaders = {pid for pid, row in snapshot().items() if row.ppid == me and row.pgid == pid}
    # a root that is no longer our child was reaped: its pid may be someone else's now
    trees = [Tree(pgid, pgid if pgid in leaders else None) for pgid in set(_started) | leaders]
    for tree in trees:
        _signal_tree(tree, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for tree in trees:
        if not tree.wait_empty(max(0.0, deadline - time.monotonic())):
            _signal_tree(tree, signal.SIGKILL)
    for tree in trees:
        tree.wait_empty(KILL_WAIT_S)
        _scratch.remove(_started.pop(tree.pgid, None))
    _scratch.remove_all()


def _on_fatal_signal(signum: int, frame) -> None:
    """SIGTERM/SIGHUP with nobody else handling them: end our children, then die of it."""
    die_of(signum)


def die_of(signum: int) -> None:
    """End every process started here, then die of ``signum`` (its default action)."""
    try:
        end_all()
    finally:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _forget_in_child() -> None:
    global _owner
    _owner = os.getpid()
    _started.clear()
    _scratch.forget_all()


atexit.register(end_all)
os.register_at_fork(after_in_child=_forget_in_child)


# ---------------------------------------------------------------- starting


def _prepare(env: dict[str, str] | None,
             use_scratch: bool) -> tuple[dict[str, str] | None, str | None]:
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
                signal.signal(sig, _on_fatal_signal)
    if not use_scratch:
        return env, None
    folder = _scratch.make()
    env = dict(os.environ if env is None else env)
    env["TMPDIR"] = folder
    return env, folder


def start(argv: Sequence[str], *, stdin=subprocess.DEVNULL, stdout=None, stderr=None,
          cwd: str | None = None, env: dict[str, str] | None = None, lifeline: bool = False,
          scratch: bool = True, **popen_kwargs) -> subprocess.Popen:
    """Start ``argv`` in a new session; see the module docstring. Raises OSError."""
    env, folder = _prepare(env, scratch)
    try:
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.PIPE if lifeline else stdin, stdout=stdout,
            stderr=stderr, cwd=cwd, env=env, start_new_session=True, **popen_kwargs)
    except BaseException:
        _scratch.remove(folder)
        raise
    _started[proc.pid] = folder
    return proc


async def start_async(argv: Sequence[str], *, stdin=asyncio.subprocess.DEVNULL,
                      stdout=None, stderr=None, cwd: str | None = None,
                      env: dict[str, str] | None = None, lifeline: bool = False,
                      scratch: bool = True, **kwargs) -> asyncio.subprocess.Process:
    """:func:`start` with ``asyncio.create_subprocess_exec`` (``limit=`` and the like pass through)."""
    env, folder = _prepare(env, scratch)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE if lifeline else stdin, stdout=stdout,
            stderr=stderr, cwd=cwd, env=env, start_new_session=True, **kwargs)
    except BaseException:
        _scratch.remove(folder)
        raise
    _started[proc.pid] = folder
    return proc


# ---------------------------------------------------------------- running


def _read(handle) -> str:
    handle.seek(0)
    return handle.read(OUTPUT_LIMIT).decode("utf-8", errors="replace")


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
    linger: float = LINGER_S,
    on_start: Callable[[int], None] | None = None,
) -> ProcOutcome:
    """Run ``argv`` (via :func:`start`) to its end or until a limit. Never raises OSError.

    Output goes to anonymous temporary files (no pipe can fill up or be held
    open by a grandchild). Past ``deadline`` (a ``time.monotonic()`` value) the
    outcome says ``timed_out``; with ``max_descendants``, more processes below
    it than that is ``capped``; a set ``stop`` is ``stopped``: each ends the
    group and tree at once (SIGKILL). A program that ends by itself leaves its
    group ``linger`` s to empty. ``on_start(pid)`` is called once it runs.
    Whatever happens, nothing of it is left when this returns.
    """
    outcome = ProcOutcome()
    began = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = start(argv, stdout=out, stderr=subprocess.STDOUT if merge_stderr else err,
                         cwd=cwd, env=env, lifeline=lifeline)
        except OSError as exc:
            outcome.start_error = start_failure(argv[0], exc)
            outcome.start_exception = exc
            return outcome
        try:
            if on_start is not None:
                on_start(proc.pid)
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
                if max_descendants is not None:
                    count = count_descendants(proc.pid)
                    outcome.peak_descendants = max(outcome.peak_descendants, count)
                    if count > max_descendants:
                        outcome.capped = True
                        break
        finally:
            end_process(proc, grace=linger)
        outcome.returncode = proc.returncode
        outcome.seconds = time.monotonic() - began
        outcome.stdout = _read(out)
        outcome.stderr = "" if merge_stderr else _read(err)
    return outcome
