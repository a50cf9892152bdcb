"""`gil-tui bench`: run one benchmark headless and print its figures.

Output is an API. With ``--json`` stdout gets exactly one JSON object (the
``RunResult.to_dict()`` shape: ``spec``, ``interpreter`` {path, version,
gil_enabled, free_threaded, ...}, ``wall_s``, ``startup_s``, ``cpu_s``,
``workers`` [{index, pid, thread_id, seconds, ...}] and a few extras);
without it, a short human summary. A progress bar goes to stderr when stderr is
a terminal. Exit codes: 0 done, 1 the run failed (bad interpreter, crashed or
killed worker, latency server trouble), 2 usage error, 130 interrupted
(Ctrl+C or SIGTERM; the worker and all its processes are ended first).
Every failure is one line on stderr, never a traceback. ``--mode subinterpreters``
on an interpreter that cannot run it (before CPython 3.12, or a build without the
module) is a usage error: refused with exit code 2 before any work starts, from
the interpreter's version (or the worker's ``unsupported`` error). Its summary and
its JSON (``subinterpreters_api``) name the API the worker used, and whether it is
private (3.12 and 3.13).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Sequence, TextIO

from gil_tui.commands._common import (
    DELAY_MS,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    SCALE_HELP,
    TASKS,
    WORKERS,
    Interrupted,
    StatusLine,
    fail,
    progress_bar,
    run_async,
    scale_or_auto,
)

# Only the cheap spec module at import time: building the CLI parser must stay
# fast; the runner (and aiohttp behind it) load when a run starts.
from gil_tui.engine.run.spec import (
    MAX_WORKERS,
    START_METHODS,
    Mode,
    RunSpec,
    SpecError,
    Workload,
    mode_unavailable,
)
from gil_tui.engine.text import plural, seconds, version_label

#: the length of a sequential run with ``--scale auto``: the calibration's TARGET_S (a copy,
#: so that building the parser does not import the calibration; a test keeps them equal)
TARGET_S = 5.0

if TYPE_CHECKING:
    from gil_tui.engine.run.events import Event
    from gil_tui.engine.run.results import RunResult

PROG = "gil-tui bench"
SHOWN_WORKERS = 16


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "bench",
        help="run one benchmark headless and print its figures",
        description=(
            "Run one workload in one mode in a separate worker process (any CPython >= 3.8) "
            "and print wall time, start-up time, CPU time and per-worker figures. "
            "The total work depends only on --workload, --scale and --tasks, never on "
            "--mode or --workers, so runs compare on the same work."
        ),
    )
    parser.add_argument("--workload", required=True, choices=[w.value for w in Workload],
                        help="cpu: pure-Python arithmetic; io: HTTP GETs to a local server "
                        "that answers after --delay-ms; sleep: time.sleep; hash: sha256 of "
                        "1 MiB buffers (C code that releases the GIL)")
    parser.add_argument("--mode", required=True, choices=[m.value for m in Mode],
                        help="how the workers run (asyncio: io and sleep only; "
                        "subinterpreters: cpu, hash and sleep on CPython 3.12+, one thread per "
                        "subinterpreter, each with its own GIL)")
    parser.add_argument("--workers", type=WORKERS, default=2,
                        metavar="N", help=f"workers at once, 1-{MAX_WORKERS} (default 2; "
                        "sequential always uses 1)")
    parser.add_argument("--tasks", type=TASKS, default=None,
                        metavar="N", help="tasks the work is split into (default: 8 for cpu "
                        "and hash, 16 for io and sleep; for io/sleep, the number of requests/sleeps)")
    parser.add_argument("--scale", type=scale_or_auto, default=1.0, metavar="X",
                        help=f"{SCALE_HELP}; auto: the scale of a sequential run of about "
                        f"{TARGET_S:g} s on this machine (measured once per interpreter, "
                        "then remembered); default 1.0")
    parser.add_argument("--delay-ms", type=DELAY_MS, default=100,
                        metavar="MS", help="delay of each io request or sleep (default 100)")
    parser.add_argument("--python", metavar="PATH", default=None,
                        help="interpreter that runs the worker (default: the one running gil-tui)")
    parser.add_argument("--start-method", choices=START_METHODS, default=None,
                        help="processes mode only (default: the interpreter's own default)")
    parser.add_argument("--json", action="store_true",
                        help="print exactly one JSON object on stdout instead of a summary")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """The subcommand: validate, pre-flight the interpreter, run, print."""
    if args.start_method is not None and args.mode != Mode.PROCESSES.value:
        return fail("error: --start-method applies to --mode processes only", prog=PROG)
    python = version = None
    if args.python is not None:
        from gil_tui.engine.system.interpreters import probe
        from gil_tui.engine.text import clean_line

        interp = probe(args.python)
        if not interp.supported:
            reason = interp.reason or f"{args.python} cannot run the benchmarks"
            if args.python not in reason:
                reason = f"{args.python}: {reason}"
            return fail(clean_line(reason), EXIT_FAILED, prog=PROG)  # the path as typed: cleaned
        python = interp.path
        version = version_label(interp.version, interp.free_threaded)
        refusal = mode_refusal(args.mode, interp.version_info, interp.implementation,
                               interp.version, python)
    else:
        import platform

        refusal = mode_refusal(args.mode, sys.version_info, sys.implementation.name,
                               platform.python_version(), sys.executable)
    if refusal:  # before --scale auto measures anything
        return fail(refusal, EXIT_USAGE, prog=PROG)
    scale = args.scale
    if scale == "auto":
        scale, code = auto_scale(args.workload, args.mode, python, version)
        if scale is None:
            return code
    try:
        spec = RunSpec(
            workload=args.workload,
            mode=args.mode,
            workers=args.workers,
            tasks=args.tasks,
            scale=scale,
            delay_ms=args.delay_ms,
            start_method=args.start_method,
            python=python,
        )
    except SpecError as exc:
        return fail(f"error: {exc}", EXIT_USAGE, prog=PROG)
    return run_bench(spec, as_json=args.json, progress=sys.stderr.isatty())


def mode_refusal(mode: str, version_info: Sequence[int] | None, implementation: str | None,
                 version: str | None, python: str) -> str | None:
    """Why that interpreter cannot run ``mode`` at all, in one line (what is needed and
    what it is); None when it can, or when its version is unknown (the worker decides)."""
    if not version_info:
        return None
    why = mode_unavailable(mode, tuple(version_info[:3]), implementation or "cpython")
    if why is None:
        return None
    name = "CPython" if (implementation or "cpython") == "cpython" else implementation
    return (f"error: --mode {mode} {why}, the first with a GIL per interpreter; "
            f"{python} is {name} {version or '?'} (choose another with --python)")


def auto_scale(workload: str, mode: str, python: str | None, version: str | None = None, *,
               err: TextIO | None = None) -> tuple[float | None, int]:
    """``--scale auto``: (the scale of a ~5 s sequential run here, EXIT_OK), from the
    interpreter's calibration (measured now when there is none: a second or so, said on
    stderr); io and sleep: 1.0 (their length is ``--delay-ms`` and ``--tasks``). On
    failure: (None, the exit code), the reason said on stderr."""
    from gil_tui.engine.run.calibration import CalibrationStore, calibrated, default_scale
    from gil_tui.engine.run.results import RunError

    err = err or sys.stderr
    if Workload(workload).io_bound:
        return 1.0, EXIT_OK
    if python is None:  # this interpreter
        import platform
        import sysconfig

        free = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
        python, version = sys.executable, version_label(platform.python_version(), free)
    path = python
    store = CalibrationStore()
    if store.get(path, version) is None:
        print(f"{PROG}: measuring {path} once for --scale auto...", file=err)
    try:
        cal = run_async(lambda: calibrated(path, version, store=store))
    except Interrupted:
        return None, fail("interrupted while measuring the interpreter", EXIT_INTERRUPTED,
                          prog=PROG, err=err)
    except RunError as exc:
        return None, fail(f"cannot measure {path} for --scale auto: {exc.error.message}",
                          EXIT_FAILED, prog=PROG, err=err)
    for warning in store.warnings:
        print(f"{PROG}: note: {warning}", file=err)
    return default_scale(workload, mode, cal), EXIT_OK


def run_bench(
    spec: RunSpec,
    *,
    as_json: bool = False,
    progress: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``spec`` and print its result; returns the exit code (for tests, too)."""
    from gil_tui.engine.run.results import RunError
    from gil_tui.engine.run.runner import run as run_spec

    out = out or sys.stdout
    err = err or sys.stderr
    shown = RunProgress(spec, StatusLine(err)) if progress else None
    try:
        try:
            result = run_async(lambda: run_spec(spec, on_event=shown.on_event if shown else None))
        finally:
            if shown:
                shown.status.clear()  # before anything else is printed
    except Interrupted:
        return fail("interrupted; the worker and its processes were stopped", EXIT_INTERRUPTED,
                    prog=PROG, err=err)
    except RunError as exc:
        code = EXIT_USAGE if exc.error.unsupported else EXIT_FAILED  # refused before any work
        return fail(exc.error.message, code, prog=PROG, err=err)
    _remember(result, err)
    if as_json:
        out.write(json.dumps(result.to_dict()) + "\n")
    else:
        out.write(format_summary(result))
    out.flush()
    return EXIT_OK


def _remember(result: "RunResult", err: TextIO) -> None:
    """Add the run to the results history; a history problem is a note, not a failure."""
    from gil_tui.engine.history.store import HistoryError, HistoryStore

    try:
        HistoryStore().append(result, source="bench")
    except (HistoryError, OSError) as exc:
        print(f"{PROG}: note: the run was not added to the history: {exc}", file=err)


class RunProgress:
    """A run's progress bar on the status line: ``cpu, threads x2  [####----] 50%  1.2 s``."""

    WIDTH = 28

    def __init__(self, spec: RunSpec, status: StatusLine) -> None:
        from gil_tui.engine.run.tracker import RunTracker

        self.spec = spec
        self.status = status
        self.tracker = RunTracker(spec)
        self.t0 = time.monotonic()

    def on_event(self, event: Event) -> None:
        from gil_tui.engine.run.events import Error, Result, WorkerDone

        if isinstance(event, (Result, Error)):
            return
        self.tracker.feed(event)
        fraction = self.tracker.fraction
        self.status.show(f"{self.spec.label()}  [{progress_bar(fraction, self.WIDTH)}] "
                         f"{fraction:4.0%}  {time.monotonic() - self.t0:5.1f} s",
                         force=isinstance(event, WorkerDone))


def format_summary(result: RunResult) -> str:
    """The human summary `gil-tui bench` prints without --json."""
    from gil_tui.engine.run.results import api_text

    spec = result.spec
    interp = result.interpreter
    lines = [f"{spec.label()} on CPython {interp.label()}  {interp.path}"]
    what = plural(result.tasks, "task")
    if spec.workload in (Workload.CPU, Workload.HASH):
        what += f", scale {spec.scale:g}"
    else:
        what += f" of {spec.delay_ms} ms"
    if result.io_client:
        what += f", client {result.io_client}"
    if result.start_method:
        what += f", start method {result.start_method}"
    if result.subinterpreters_api:
        what += f", through {api_text(result.subinterpreters_api)}"
    lines.append(f"  {what}")
    lines.append(
        f"  wall {seconds(result.wall_s)}   start-up {seconds(result.startup_s)}   "
        f"CPU {seconds(result.cpu_s)} ({result.busy_cores:.2f} cores busy)"
    )
    lines.append(f"  {'worker':>6}  {'pid':>7}  {'thread':>7}  {'time':>9}  {'CPU':>9}  tasks")
    for w in result.workers[:SHOWN_WORKERS]:
        lines.append(
            f"  {w.index:>6}  {w.pid:>7}  {w.thread_id:>7}  {seconds(w.seconds):>9}  "
            f"{seconds(w.cpu_s):>9}  {w.tasks:>5}"
        )
    hidden = len(result.workers) - SHOWN_WORKERS
    if hidden > 0:
        lines.append(f"  ... and {hidden} more workers (see --json)")
    return "\n".join(lines) + "\n"
