"""The ``main-guard`` demo: a tiny script that starts a process at its top level,
written to a fresh temporary directory and run under spawn, forkserver and fork
(those the interpreter offers), then the same script with the guard; with
``pool=True`` also a script that starts a ``Pool`` at its top level.

Each run has its own time limit (``run_timeout``, 3 s): a parent that hangs (a
Pool without the guard keeps replacing workers that die; on 3.13.8+ / 3.14.1+ it
can wait on a fork server that died) is stopped there and the run is reported as
hung, and the demo goes on with the next run. What each run did is named from its
output by :mod:`~gil_tui.engine.demos.main_guard_analysis`, which also says which
row of the lesson's version table the interpreter is in.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from gil_tui.engine.demos import analysis as an
from gil_tui.engine.demos import main_guard_analysis as mga
from gil_tui.engine.demos.base import (
    SCRIPTS_DIR,
    DemoFailed,
    DemoInfo,
    DemoResult,
    DemoRun,
    clean_lines,
    flag_option,
    number_option,
    run_body,
    whole_option,
)
from gil_tui.engine.system import scratch
from gil_tui.engine.system.guarded import run_guarded
from gil_tui.engine.system.processes import describe_exit
from gil_tui.engine.text import clean_line, seconds

__all__ = ["INFO", "MAIN_GUARD_DEFAULTS", "MAX_DESCENDANTS", "METHOD_LINE", "RUN_TIMEOUT",
           "SCRIPTS", "TEMPLATES_DIR", "run_main_guard"]

#: processes allowed below a main-guard script before the watchdog kills its group
MAX_DESCENDANTS = 6
#: seconds one run may take before it counts as hung and is stopped
RUN_TIMEOUT = 3.0
LEVEL_VAR = "GIL_TUI_DEMO_LEVEL"
METHOD_ORDER = ("spawn", "forkserver", "fork")
METHOD_LINE = 'START_METHOD = "spawn"'
#: where the script templates are read from (tests point it at variants)
TEMPLATES_DIR = SCRIPTS_DIR
#: (kind, guarded, template, the name it runs under); "pool" only with pool=True
SCRIPTS = (("process", False, "main_guard_without.py", "no_guard.py"),
           ("process", True, "main_guard_with.py", "guarded.py"),
           ("pool", False, "main_guard_pool.py", "pool_no_guard.py"))
#: lines of one run's output shown in its section (head and tail beyond that)
SHOWN_HEAD, SHOWN_TAIL = 40, 15

MAIN_GUARD_DEFAULTS: dict[str, Any] = {"methods": None, "max_descendants": MAX_DESCENDANTS,
                                       "pool": False, "run_timeout": RUN_TIMEOUT}


def _main_guard(demo: DemoRun, opts: dict[str, Any]) -> str:
    limit = whole_option(opts, "max_descendants", 0, 50)
    run_timeout = number_option(opts, "run_timeout", 0, 600)
    pool = flag_option(opts, "pool")
    wanted = opts["methods"] or METHOD_ORDER
    wanted = (wanted,) if isinstance(wanted, str) else tuple(wanted)
    if any(m not in METHOD_ORDER for m in wanted):
        raise ValueError(f"methods must be among {', '.join(METHOD_ORDER)}, got {wanted!r}")
    demo.preflight()
    probe = demo.run_script("demo_common.py", [], lifeline=False)
    demo.finish_script(probe, demo.read_lines(probe))
    version = demo.probe.get("version_info") or (demo.interpreter and demo.interpreter.version)
    offered = [m for m in METHOD_ORDER if m in demo.probe.get("start_methods", ())]
    methods = [m for m in wanted if m in offered]
    missing = [m for m in wanted if m not in offered]
    demo.data.update(methods=methods, not_offered=missing, max_descendants=limit,
                     run_timeout=run_timeout, pool=pool,
                     version=demo.interpreter.version if demo.interpreter else None,
                     forkserver_preloads_main=mga.forkserver_preloads_main(version),
                     default_method=clean_line(demo.probe.get("default_start_method"), max_len=40)
                     or None, runs=[])
    if not methods:
        raise DemoFailed("this interpreter offers none of the start methods "
                         f"{', '.join(wanted)}")
    env = {k: v for k, v in os.environ.items() if k != LEVEL_VAR}
    temp_dir = scratch.make("main-guard")
    demo.data["temp_dir"] = temp_dir
    try:
        for kind, guard, template, file_name in SCRIPTS:
            if kind == "pool" and not pool:
                continue
            source = (Path(TEMPLATES_DIR) / template).read_text(encoding="utf-8")
            if METHOD_LINE not in source:  # pragma: no cover - a broken install
                raise DemoFailed(f"{template} lacks the line {METHOD_LINE!r}")
            demo.sections.append((f"{file_name} (START_METHOD set to each method in turn)",
                                  source.rstrip("\n").splitlines()))
            for method in methods:
                path = Path(temp_dir) / file_name
                path.write_text(source.replace(METHOD_LINE, f"START_METHOD = {method!r}"),
                                encoding="utf-8")
                _main_guard_run(demo, method, (kind, guard), str(path), temp_dir, env, limit,
                                run_timeout, version)
    finally:
        scratch.remove(temp_dir)
    summary = mga.main_guard_summary(demo.data["runs"], version)
    if missing:
        summary += f" ({an.join_words(missing)}: not offered by this interpreter.)"
    return summary


def _title(method: str, kind: str, guard: bool) -> str:
    if kind == "pool":
        return f"{method}, a Pool without the guard"
    return f"{method}, {'with' if guard else 'without'} the guard"


def _shown(lines: list[str], path: str) -> list[str]:
    """The output as the section shows it: tracebacks shortened, a long run cut in the middle."""
    shown = an.condense_traceback(lines, keep=[path])
    if len(shown) > SHOWN_HEAD + SHOWN_TAIL + 1:
        left = len(shown) - SHOWN_HEAD - SHOWN_TAIL
        shown = (shown[:SHOWN_HEAD] + [f"[... {left} more lines left out ...]"]
                 + shown[-SHOWN_TAIL:])
    return shown


def _main_guard_run(demo: DemoRun, method: str, script: tuple[str, bool], path: str, cwd: str,
                    env: dict[str, str], limit: int, run_timeout: float, version: Any) -> None:
    kind, guard = script
    demo.check()
    own_deadline = time.monotonic() + run_timeout
    # through the guardian: a pool without the guard ends with gil-tui, even on SIGKILL
    outcome = run_guarded([demo.python, path], deadline=min(demo.deadline, own_deadline),
                          cwd=cwd, env=env, merge_stderr=True, max_descendants=limit,
                          stop=demo.stop)
    if outcome.start_error:
        raise DemoFailed(outcome.start_error)
    # the run's own limit stopped it (not the whole demo's): a hang, reported as one
    hung = outcome.timed_out and own_deadline <= demo.deadline
    lines = clean_lines(outcome.stdout)
    run = mga.read_run(lines, exit_code=outcome.returncode, timed_out=outcome.timed_out,
                       capped=outcome.capped, guard=guard, method=method, script=kind,
                       version=version)
    run.update(seconds=round(outcome.seconds, 3), limit_s=run_timeout if hung else None,
               stopped=outcome.stopped, peak_descendants=outcome.peak_descendants,
               output=lines)
    demo.data["runs"].append(run)
    if outcome.capped:
        note = (f"[gil-tui] more than {limit} processes below the script: gil-tui killed "
                "its process group")
    elif hung:
        note = (f"[gil-tui] the script neither finished nor failed within {seconds(run_timeout)} "
                "(the demo's time limit for one run): gil-tui stopped it and everything it "
                "started")
    elif outcome.timed_out or outcome.stopped:
        note = "[gil-tui] stopped before it finished"
    else:
        note = (f"[gil-tui] the script {describe_exit(outcome.returncode)} after "
                f"{seconds(outcome.seconds)}")
    demo.sections.append((_title(method, kind, guard), _shown(lines, path) + [note]))
    if outcome.stopped:
        raise DemoFailed("the demo was stopped")
    if outcome.timed_out and not hung:
        raise demo.timed_out()


def run_main_guard(python: str | None = None, timeout: float | None = None,
                   **options: Any) -> DemoResult:
    """Options: ``methods`` (subset of spawn, forkserver, fork), ``max_descendants`` (6),
    ``pool`` (False: also run a Pool without the guard), ``run_timeout`` (3 s for one run
    before it counts as hung), ``stop``. The whole demo: 20 s unless ``timeout`` says."""
    return run_body(INFO, python, timeout, options, _main_guard)


INFO = DemoInfo(
    "main-guard", "Main guard: the same script without and with it", "main-guard",
    "Runs a tiny script that starts a process at its top level under each start method, "
    "then the same script with the guard, and says what this Python version does "
    "(the child fails, the parent fails, or the parent hangs).", run_main_guard,
    MAIN_GUARD_DEFAULTS, timeout=20.0)
