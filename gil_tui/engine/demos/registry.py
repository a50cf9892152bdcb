"""Live demos for the lessons: real runs in the chosen interpreter, shown as they happened.

This module only registers them; each demo lives in its own module, and what they
share (result, registry entry, one run with its deadline) in
:mod:`gil_tui.engine.demos.base`. Every demo is a function with the same shape::

    result = run_race(python=None, timeout=None, increments=1_000_000)   # -> DemoResult

``python`` is the interpreter to run in (default: the one running gil-tui);
``timeout`` bounds the whole demo, probe included (None: the demo's own,
``DEMOS[name].timeout``: 10 s, 20 s for main-guard, 60 s for costs). Every demo cleans up after
itself (temporary files, every process it started) and returns a
:class:`DemoResult`; it raises only for a programming error (an unknown option
or an impossible value, as ``ValueError``). A bad interpreter, a timeout, a
script that failed or a ``stop`` event give ``ok=False`` and ``error``.

The functions block: call them from a thread (``@work(thread=True)``), never
from a running event loop. Each accepts ``stop=threading.Event()``: setting it
ends the demo (and its processes) within about 50 ms.

* ``main-guard`` (:mod:`~gil_tui.engine.demos.main_guard`): a script that starts
  a process at its top level, under each start method, without and with the guard
  (and, with ``pool=True``, a Pool without it); what each run did is named by
  :mod:`~gil_tui.engine.demos.main_guard_analysis`.
* ``race`` (:mod:`~gil_tui.engine.demos.race`): threads sharing one counter,
  without and with a lock.
* ``switch-interval`` (:mod:`~gil_tui.engine.demos.switch_interval`): CPU-bound
  threads under three switch intervals.
* ``gil-release`` (:mod:`~gil_tui.engine.demos.gil_release`): hash threads vs
  cpu threads against their sequential baselines.
* ``costs`` (:mod:`~gil_tui.engine.demos.costs`): what a thread, a subinterpreter
  and a process (from ``-c`` and from a script) cost to create, their memory, and
  1 MB / 10 MB sent to a process and back; ``gil-tui costs`` measures the same.

Scripts live in ``gil_tui/worker/demo_scripts/`` (stdlib only, CPython 3.8+).
"""

from __future__ import annotations

from typing import Any

from gil_tui.engine.demos import costs, gil_release, main_guard, race, switch_interval
from gil_tui.engine.demos.base import (
    DEFAULT_TIMEOUT,
    SCRIPTS_DIR,
    DemoInfo,
    DemoInterpreter,
    DemoResult,
)
from gil_tui.engine.demos.costs import run_costs_demo
from gil_tui.engine.demos.gil_release import run_gil_release
from gil_tui.engine.demos.main_guard import MAX_DESCENDANTS, METHOD_LINE, run_main_guard
from gil_tui.engine.demos.race import run_race
from gil_tui.engine.demos.switch_interval import run_switch_interval

__all__ = [
    "DemoResult",
    "DemoInterpreter",
    "DemoInfo",
    "DEMOS",
    "DEFAULT_TIMEOUT",
    "run_demo",
    "demos_for_lesson",
    "run_main_guard",
    "run_race",
    "run_switch_interval",
    "run_gil_release",
    "run_costs_demo",
    "SCRIPTS_DIR",
    "MAX_DESCENDANTS",
    "METHOD_LINE",
]

DEMOS: dict[str, DemoInfo] = {
    module.INFO.name: module.INFO
    for module in (main_guard, race, switch_interval, gil_release, costs)
}


def demos_for_lesson(slug: str) -> list[DemoInfo]:
    """The demos that belong to lesson ``slug`` (in registry order)."""
    return [info for info in DEMOS.values() if info.lesson == slug]


def run_demo(name: str, python: str | None = None, timeout: float | None = None,
             **options: Any) -> DemoResult:
    """Run demo ``name`` (a key of :data:`DEMOS`); ``ValueError`` for an unknown name.

    ``timeout`` None: the demo's own time limit (``DEMOS[name].timeout``)."""
    info = DEMOS.get(name)
    if info is None:
        raise ValueError(f"unknown demo {name!r}; choose from {', '.join(DEMOS)}")
    return info.run(python=python, timeout=timeout, **options)
