"""The worker scripts' lifeline: end with gil-tui, and take every process of the run along.

Standard library only (``os``, ``signal``, ``sys``, ``threading``: nothing a
worker has not imported already, so importing this costs no measurable time);
runs on CPython 3.8 and later; never imports gil_tui. The worker scripts import
it by name: run by path, their folder is ``sys.path[0]`` (the demo scripts,
one folder down, add this folder); tests and tools import it as
``gil_tui.worker.lifeline``.

gil-tui starts a worker in a new session (its pid is its process group id)
with stdin a pipe it never writes to (see DESIGN.md, "Lifeline"):

* :func:`start` starts a daemon thread that blocks on reading stdin (without
  holding the GIL, so it takes no part in what is measured). End of file means
  gil-tui is gone, even by SIGKILL. The thread then sends SIGTERM to its own
  process, so the main thread ends the run the usual way (its handler, then
  :func:`end_group`); if the process still runs ``grace`` seconds later (the
  main thread stuck in C code, or no handler at all), it kills the whole group,
  itself included. With ``grace=0`` it kills the group at once.
* :func:`end_group` stops every process of the run and exits: when we lead our
  group, one signal reaches all our children, the fork server and the resource
  tracker included; otherwise (someone ran us from a shell, the group is not
  ours) only our own multiprocessing children are killed. It also removes
  multiprocessing's ``pymp-*`` folder, which ``os._exit`` would leave behind.
"""

import os
import signal
import sys
import threading

__all__ = ["GRACE_S", "end_group", "leads_group", "start"]

GRACE_S = 2.0


def leads_group():
    """True when this process leads its process group (it was started in a new session)."""
    return os.name == "posix" and os.getpgrp() == os.getpid()


def end_group(sig=signal.SIGTERM, exit_code=1):
    """Stop every process of the run with ``sig``, then exit with ``exit_code``.

    SIGTERM rather than SIGKILL is the usual choice: multiprocessing's resource
    tracker ignores it, outlives us by a moment and unlinks the semaphores our
    queues left behind (a SIGKILL would leak them in /dev/shm). With SIGKILL the
    group, ourselves included, ends at once.
    """
    try:
        sys.stdout.flush()
    except Exception:
        pass
    _remove_multiprocessing_folder()
    if leads_group():
        if sig != signal.SIGKILL:
            try:
                signal.signal(sig, signal.SIG_IGN)  # the signal is for the others
            except ValueError:  # only the main thread may do that: no time for politeness
                sig = signal.SIGKILL
        try:
            os.killpg(os.getpgrp(), sig)  # with SIGKILL, that ends us too
        except OSError:
            pass
    else:
        try:
            import multiprocessing

            for child in multiprocessing.active_children():
                child.kill()
        except Exception:
            pass
    os._exit(exit_code)


def _remove_multiprocessing_folder():
    """multiprocessing's ``pymp-*`` folder (the fork server's socket): its clean-up runs at
    exit, which ``os._exit`` skips."""
    mp = sys.modules.get("multiprocessing")
    if mp is None:
        return
    try:
        folder = mp.process.current_process()._config.get("tempdir")
        if folder:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    except Exception:
        pass


def _wait_for_eof():
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass


def start(grace=GRACE_S):
    """Watch stdin in a daemon thread; at end of file end the run (see the module docstring)."""

    def watch():
        _wait_for_eof()
        if grace > 0:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
            except OSError:
                pass
            threading.Event().wait(grace)
        end_group(signal.SIGKILL, 1)

    thread = threading.Thread(target=watch, name="gil-tui-lifeline")
    thread.daemon = True
    thread.start()
    return thread
