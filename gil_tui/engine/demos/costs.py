"""The ``costs`` demo: what a thread, a process and a subinterpreter cost here, measured now.

The costs worker (``gil_tui/worker/costs_worker.py``) runs in the chosen
interpreter (default: the one running gil-tui; imported by a ``-c`` bootstrap,
see :data:`BOOTSTRAP`), in its own session with a lifeline on stdin, within a
time limit, and measures create + start + join of one thread, of one process
per start method started from ``-c`` *and* from a script whose top imports
``json, decimal, asyncio``, of one subinterpreter (3.12+), the memory of each,
and 1 MB and 10 MB sent to a process and back. The answer is a
:class:`CostsResult` (:mod:`~gil_tui.engine.demos.costs_result`); its one table
and notes are :mod:`~gil_tui.engine.demos.costs_text` (names also available here).

Two ways in, one measurement:

* the demo, registered like every other one: ``run_demo("costs", python=None,
  timeout=None, repeat=20, ...)`` -> :class:`DemoResult` whose sections hold the
  table and its notes, ``data`` the figures (``CostsResult.to_dict()``) and
  ``data["table"]`` the rows as strings (``CostsTable.to_dict()``), for a UI;
* :func:`run_costs` -> :class:`CostsResult` (``gil-tui costs``, the Live tab),
  raising :class:`CostsError` / :class:`CostsCancelled`.

Both keep the table for the threads-vs-processes lesson (:func:`remember`,
:func:`last_table`). Blocking: call them from a thread; a ``threading.Event``
(``stop`` / ``cancel``) ends the measurement and every process of it.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

from gil_tui.engine.demos.base import (
    DemoFailed,
    DemoInfo,
    DemoInterpreter,
    DemoResult,
    DemoRun,
    run_body,
    whole_option,
)
from gil_tui.engine.demos.costs_result import (
    WORKER_VERSION,
    CostsCancelled,
    CostsError,
    CostsResult,
    KindCost,
    parse_worker_output,
)
from gil_tui.engine.demos.costs_text import (
    format_text,
    heading,
    markdown_table,
    memory_note,
    memory_text,
    notes,
    ratio_text,
    summary,
    table,
    text_table,
)
from gil_tui.engine.system.processes import ProcOutcome, run_capped
from gil_tui.engine.text import clean_line
from gil_tui.worker import WORKER_DIR

__all__ = [
    "BOOTSTRAP", "COSTS_DEFAULTS", "CostsCancelled", "CostsError", "CostsResult", "INFO",
    "KindCost", "LAST_TABLE", "WORKER_PATH", "WORKER_VERSION", "default_timeout",
    "format_text", "last_table", "markdown_table", "memory_note", "memory_text",
    "parse_worker_output", "ratio_text", "remember", "run_costs", "run_costs_demo",
]

WORKER_PATH = WORKER_DIR / "costs_worker.py"
#: Runs the worker as an imported module rather than as the main script: spawn
#: and forkserver children re-run the main script (compiling it from source
#: each time), which would add milliseconds of *this* file to every process
#: measured.  With a ``-c`` main they only import ``costs_worker`` (cached
#: bytecode), which is as close to a bare process as Python gets.
BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv.pop(1)); import costs_worker; "
             "sys.exit(costs_worker.main())")
DEFAULT_REPEAT = 20
MAX_REPEAT = 1000
#: the demo's options (``script_repeat`` None: as ``repeat``; 0 skips the script rows,
#: ``transfer_rounds`` 0 the rows of data sent to a process and back)
COSTS_DEFAULTS: dict[str, Any] = {"repeat": DEFAULT_REPEAT, "script_repeat": None,
                                  "memory_rounds": 3, "transfer_rounds": 5, "idle_threads": 50}


def default_timeout(repeat: int, script_repeat: int | None = None) -> float:
    """Generous: spawn from a script costs ~0.2 s a run on a slow, busy machine; from
    ``-c`` ~0.1 s; plus forkserver, memory runs and the transfers."""
    script = repeat if script_repeat is None else script_repeat
    return 30.0 + repeat * 0.6 + script * 0.9


def _worker_argv(python: str, repeat: int, *, idle_threads: int | None = None,
                 memory_rounds: int | None = None, script_repeat: int | None = None,
                 transfer_rounds: int | None = None) -> list[str]:
    if not 1 <= repeat <= MAX_REPEAT:
        raise CostsError(f"repeat must be from 1 to {MAX_REPEAT}, got {repeat}")
    cmd = [python, "-c", BOOTSTRAP, str(WORKER_PATH.parent), "--repeat", str(repeat),
           "--lifeline"]
    for flag, value in (("--idle-threads", idle_threads), ("--memory-rounds", memory_rounds),
                        ("--script-repeat", script_repeat),
                        ("--transfer-rounds", transfer_rounds)):
        if value is not None:
            cmd += [flag, str(value)]
    return cmd


def _measure(cmd: list[str], deadline: float, stop: threading.Event | None,
             on_start: Callable[[int], None] | None, poll: float) -> ProcOutcome:
    # the fork server ends by itself a moment after the worker, when its pipe closes
    return run_capped(cmd, deadline=deadline, lifeline=True, stop=stop, poll=poll, linger=1.0,
                      on_start=on_start)


def _failure(outcome: ProcOutcome, python: str) -> str | None:
    """Why the worker gave no result (None: it did), for an ended, not-timed-out run."""
    if outcome.start_error:
        exc = outcome.start_exception
        reason = (exc.strerror or exc) if exc is not None else outcome.start_error
        return f"could not start {python}: {reason}"
    if outcome.returncode != 0:
        tail = [line for line in outcome.stderr.splitlines() if line.strip()]
        why = tail[-1].strip() if tail else f"exit code {outcome.returncode}"
        return clean_line(f"the costs worker failed in {python}: {why}", max_len=400)
    return None


def run_costs(
    python: str | None = None,
    repeat: int = DEFAULT_REPEAT,
    *,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
    idle_threads: int | None = None,
    memory_rounds: int | None = None,
    script_repeat: int | None = None,
    transfer_rounds: int | None = None,
    on_start: Callable[[int], None] | None = None,
) -> CostsResult:
    """Measure in ``python`` (default ``sys.executable``); raises CostsError/CostsCancelled.

    ``on_start(pid)`` is called once the worker runs (its PID leads its own
    session and process group: a live view can watch it with a TreeSampler).
    """
    python = python or sys.executable
    cmd = _worker_argv(python, repeat, idle_threads=idle_threads, memory_rounds=memory_rounds,
                       script_repeat=script_repeat, transfer_rounds=transfer_rounds)
    timeout = default_timeout(repeat, script_repeat) if timeout is None else timeout
    measured_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    outcome = _measure(cmd, time.monotonic() + timeout, cancel, on_start, 0.1)
    if outcome.stopped:
        raise CostsCancelled("the measurement was cancelled")
    if outcome.timed_out:
        raise CostsError(f"the costs worker did not finish within {timeout:g} s")
    failure = _failure(outcome, python)
    if failure:
        raise CostsError(failure)
    return parse_worker_output(outcome.stdout, python, measured_at)


# ---------------------------------------------------------------- the demo


def _interpreter(result: CostsResult) -> DemoInterpreter:
    return DemoInterpreter(path=result.python, version=result.version,
                           gil_enabled=result.gil_enabled, free_threaded=result.free_threaded,
                           implementation=result.implementation, cpu_count=result.cpu_count)


def _costs(demo: DemoRun, opts: dict[str, Any]) -> str:
    repeat = whole_option(opts, "repeat", 1, MAX_REPEAT)
    script_repeat = None if opts["script_repeat"] is None else \
        whole_option(opts, "script_repeat", 0, MAX_REPEAT)
    memory_rounds = whole_option(opts, "memory_rounds", 1, 100)
    transfer_rounds = whole_option(opts, "transfer_rounds", 0, 100)
    idle_threads = whole_option(opts, "idle_threads", 1, 1000)
    demo.preflight()
    cmd = _worker_argv(demo.python, repeat, idle_threads=idle_threads,
                       memory_rounds=memory_rounds, script_repeat=script_repeat,
                       transfer_rounds=transfer_rounds)
    measured_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    outcome = _measure(cmd, demo.deadline, demo.stop, None, 0.05)
    if outcome.stopped:
        raise DemoFailed("the demo was stopped")
    if outcome.timed_out:
        raise demo.timed_out()
    failure = _failure(outcome, demo.python)
    if failure:
        raise DemoFailed(failure)
    try:
        result = parse_worker_output(outcome.stdout, demo.python, measured_at)
    except CostsError as exc:
        raise DemoFailed(str(exc)) from None
    demo.interpreter = _interpreter(result)
    remember(result)  # the lesson's table shows it from now on
    demo.data.update(result.to_dict())
    demo.data["table"] = table(result).to_dict()
    demo.sections.append(("Measured here, just now",
                          heading(result)[1:] + [""] + text_table(result)))
    demo.sections.append(("What each figure timed", _notes_lines(result)))
    return summary(result) + " The lesson's table shows these figures now."


def _notes_lines(result: CostsResult) -> list[str]:
    import textwrap

    lines: list[str] = []
    for note in notes(result):
        lines.extend(textwrap.wrap(note, 74, subsequent_indent="  ", break_on_hyphens=False))
    return lines


def run_costs_demo(python: str | None = None, timeout: float | None = None,
                   **options: Any) -> DemoResult:
    """Options: ``repeat`` (20 timed runs of each kind), ``script_repeat`` (None: as
    ``repeat``; 0 skips the starts from a script), ``memory_rounds`` (3),
    ``transfer_rounds`` (5 round trips per size; 0 skips them), ``idle_threads`` (50),
    ``stop``."""
    return run_body(INFO, python, timeout, options, _costs)


INFO = DemoInfo(
    "costs", "Costs: what a thread and a process cost on this machine", "threads-vs-processes",
    "Creates, starts and joins one thread, one subinterpreter (3.12+) and one process under "
    "each start method, from -c and from a script that imports json, decimal and asyncio, "
    "many times; reports the median time and the memory of each, and the time to send 1 MB "
    "and 10 MB to a process and back.",
    run_costs_demo, COSTS_DEFAULTS, timeout=default_timeout(DEFAULT_REPEAT))


# ---------------------------------------------------------------- for the lesson

#: Where the last costs measured on this machine are kept (as the lesson's table).
LAST_TABLE = "costs-last.md"


def remember(result: CostsResult) -> None:
    """Keep this measurement's table for the threads-vs-processes lesson (best effort)."""
    from gil_tui.paths import data_dir

    try:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (LAST_TABLE + ".tmp")
        tmp.write_text(markdown_table(result), encoding="utf-8")
        tmp.replace(folder / LAST_TABLE)
    except OSError:
        pass


def last_table() -> str | None:
    """The table of the last measurement made on this machine, if any."""
    from gil_tui.paths import data_dir

    try:
        return (data_dir() / LAST_TABLE).read_text(encoding="utf-8")
    except OSError:
        return None
