"""SIGTERM and SIGHUP leave a Textual app through its normal exit.

Killed by the default action, an app leaves the terminal in the alternate screen with
mouse tracking on (Textual never gets to restore it). A terminal that goes away
without a SIGHUP (gil-tui is not its session's controlling process: a pty whose other
end closed) is noticed by a thread polling stdin for a hang-up, and does the same. :func:`exit_on_stop_signals`
wraps ``app.run()``: while the app runs, SIGTERM and SIGHUP (the terminal closed) ask
it to exit, from its own event loop, with the watch's exit codes (130 for SIGTERM,
129 for SIGHUP, :func:`gil_tui.engine.system.exit_codes.stopped_exit_code`). The exit
restores the terminal, the screens' unmount stops their work, and at exit
:mod:`gil_tui.engine.system.processes` ends whatever gil-tui started. A second signal
while the exit is under way (an app that no longer answers) ends every process
gil-tui started and dies of it, as before.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

from gil_tui.engine.system.exit_codes import stopped_exit_code

__all__ = ["STOP_SIGNALS", "exit_on_stop_signals"]

#: how long a signal that comes while the app is still mounting waits for it to be up
#: (an exit in the middle of its first mount breaks it) before gil-tui dies of it
READY_WAIT_S = 10.0
#: how long an app asked to exit because its terminal went away gets before gil-tui ends
#: what it started and leaves without it (a dead terminal can block the app's exit)
HANGUP_GRACE_S = 5.0

#: the signals that end the app through its exit
STOP_SIGNALS = tuple(s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s)


@contextmanager
def exit_on_stop_signals(app: Any) -> Iterator[None]:
    """Around ``app.run()`` in the main thread: SIGTERM/SIGHUP become ``app.exit``."""
    asked: list[int] = []

    def handler(signum: int, frame) -> None:
        try:
            loop = asyncio.get_running_loop()  # the app's: a handler runs in the main thread
        except RuntimeError:
            loop = None
        if asked or loop is None or loop.is_closed():  # no app to ask, or it did not answer
            _processes().die_of(signum)
            return
        asked.append(signum)
        loop.call_soon_threadsafe(_exit_when_ready, app, signum, loop.time() + READY_WAIT_S)

    old: dict[int, Any] = {}
    for sig in STOP_SIGNALS:
        try:
            old[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread: the default stays
            pass
    done = threading.Event()
    watcher = threading.Thread(target=_watch_hangup, args=(app, done), daemon=True,
                               name="gil-tui-hangup")
    watcher.start()
    try:
        yield
    finally:
        done.set()
        for sig, previous in old.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)


def _exit_when_ready(app: Any, signum: int, until: float) -> None:
    """In the app's loop: ``app.exit`` with the signal's code once the app is mounted."""
    loop = asyncio.get_running_loop()
    if app.is_running and getattr(app, "_is_mounted", True):
        app.exit(return_code=stopped_exit_code(signum))
    elif loop.time() < until:
        loop.call_later(0.05, _exit_when_ready, app, signum, until)
    else:  # never came up: end what gil-tui started and die of the signal
        _processes().die_of(signum)


def _watch_hangup(app: Any, done: threading.Event) -> None:
    """A terminal that hangs up without a SIGHUP (no controlling terminal: a pty whose
    other end closed) ends the app as SIGHUP would: its exit, code 129."""
    try:
        fd = sys.stdin.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLHUP | select.POLLERR)
    except (AttributeError, ValueError, OSError):  # no stdin, or no poll (Windows)
        return
    while not done.is_set():
        try:
            events = poller.poll(250)
        except OSError:
            return
        if any(mask & (select.POLLHUP | select.POLLERR) for _, mask in events):
            break
    else:
        return
    hup = getattr(signal, "SIGHUP", 1)
    try:
        app.call_from_thread(_exit_when_ready, app, hup, time.monotonic() + READY_WAIT_S)
    except Exception:  # noqa: BLE001 - the app is not running (any more): nothing to ask
        pass
    if done.wait(HANGUP_GRACE_S):
        return
    _processes().end_all()  # the exit did not come: end what gil-tui started, then leave
    os._exit(stopped_exit_code(hup))


def _processes():
    """:mod:`gil_tui.engine.system.processes`, imported when a signal needs it (it pulls
    in asyncio: not worth its cost before the app's first frame)."""
    from gil_tui.engine.system import processes

    return processes
