"""A program run to its end or a limit, below the guardian: it dies with gil-tui, tree and all.

:func:`run_guarded` is :func:`gil_tui.engine.system.processes.run_capped` for programs
whose descendants must not outlive gil-tui even when gil-tui gets SIGKILL (the
main-guard demo's scripts, whose pools and spawn children re-run the module): on
Linux it starts them through :func:`gil_tui.engine.system.guardian.launch`, a child
subreaper whose lifeline is gil-tui itself, so when gil-tui dies, by any signal, the
guardian ends every process below it. Elsewhere it is ``run_capped`` as before.

The guardian ends the tree (SIGTERM, a grace, SIGKILL) when its lifeline is closed:
after the program exits, on a timeout, over ``max_descendants``, or when ``stop`` is
set. Output goes to anonymous temporary files, as with ``run_capped``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from typing import Sequence

from gil_tui.engine.system import guardian, processes
from gil_tui.engine.system import scratch as _scratch
from gil_tui.engine.system.processes import ProcOutcome, run_capped, start_failure

__all__ = ["run_guarded"]


def run_guarded(argv: Sequence[str], *, deadline: float, cwd: str | None = None,
                env: dict[str, str] | None = None, merge_stderr: bool = False,
                max_descendants: int | None = None, stop: threading.Event | None = None,
                poll: float = 0.02) -> ProcOutcome:
    """Like ``run_capped`` (the same outcome), through the guardian where there is one.
    Never raises OSError; nothing of the program is left when this returns."""
    if not guardian.SUPPORTED:
        return run_capped(argv, deadline=deadline, cwd=cwd, env=env, merge_stderr=merge_stderr,
                          max_descendants=max_descendants, stop=stop, poll=poll)
    outcome = ProcOutcome()
    began = time.monotonic()
    folder = _scratch.make()  # its TMPDIR: the pymp-* folders a killed pool leaves
    env = {**(os.environ if env is None else env), "TMPDIR": folder}
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                launched = guardian.launch(argv, env=env, cwd=cwd, stdout=out,
                                           stderr=subprocess.STDOUT if merge_stderr else err)
            except OSError as exc:
                outcome.start_error = start_failure(argv[0], exc)
                outcome.start_exception = exc
                return outcome
            try:
                _watch(launched, outcome, deadline, max_descendants, stop, poll)
            finally:
                launched.release()  # the lifeline closes: the guardian ends what is left
            if outcome.returncode is None:
                outcome.returncode = launched.exit_code
            outcome.seconds = time.monotonic() - began
            outcome.stdout = processes._read(out)
            outcome.stderr = "" if merge_stderr else processes._read(err)
    finally:
        _scratch.remove(folder)
    return outcome


def _watch(launched: guardian.Launched, outcome: ProcOutcome, deadline: float,
           max_descendants: int | None, stop: threading.Event | None, poll: float) -> None:
    """Until the program exits or a limit is reached (the outcome says which)."""
    from gil_tui.engine.system.proctable import count_descendants

    while True:
        code = launched.exited(poll)
        if code is not None:
            outcome.returncode = code
            return
        if launched.proc.poll() is not None:  # the guardian died: nobody can tell
            outcome.returncode = -1
            return
        if stop is not None and stop.is_set():
            outcome.stopped = True
            return
        if time.monotonic() >= deadline:
            outcome.timed_out = True
            return
        if max_descendants is not None:
            count = max(0, count_descendants(launched.proc.pid) - 1)  # not the program itself
            outcome.peak_descendants = max(outcome.peak_descendants, count)
            if count > max_descendants:
                outcome.capped = True
                return
