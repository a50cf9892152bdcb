"""The ``gil-release`` demo: hash threads vs cpu threads against their sequential
baselines, through the benchmark runner (:mod:`gil_tui.engine.run.runner`)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from gil_tui.engine.demos import text
from gil_tui.engine.demos.base import (
    MAX_LINE,
    DemoFailed,
    DemoInfo,
    DemoInterpreter,
    DemoResult,
    DemoRun,
    number_option,
    run_body,
    whole_option,
)
from gil_tui.engine.run.results import RunError, RunResult
from gil_tui.engine.run.spec import RunSpec
from gil_tui.engine.system.processes import system_busy_seconds
from gil_tui.engine.text import clean_line

__all__ = ["INFO", "GIL_RELEASE_DEFAULTS", "run_gil_release"]

GIL_RELEASE_DEFAULTS: dict[str, Any] = {"threads": 2, "hash_scale": 0.2, "cpu_scale": 0.25}


def _gil_release(demo: DemoRun, opts: dict[str, Any]) -> str:
    threads = whole_option(opts, "threads", 2, 16)
    scales = {"hash": number_option(opts, "hash_scale", 0, 10),
              "cpu": number_option(opts, "cpu_scale", 0, 10)}
    specs = [RunSpec(w, m, workers=threads, scale=scales[w], python=demo.python)
             for w in ("hash", "cpu") for m in ("sequential", "threads")]
    demo.preflight()
    specs = [spec.replace(python=demo.python) for spec in specs]
    busy0, began = system_busy_seconds(), time.monotonic()
    results = asyncio.run(_run_specs(demo, specs))
    ours = sum(r.cpu_s for r in results)
    others = (system_busy_seconds() - busy0 - ours) / max(1e-6, time.monotonic() - began)
    rows = [{"workload": r.spec.workload.value, "mode": r.spec.mode.value,
             "workers": r.spec.workers, "scale": r.spec.scale, "wall_s": r.wall_s,
             "cpu_s": r.cpu_s, "busy_cores": round(r.busy_cores, 3)} for r in results]
    info = results[0].interpreter
    speedup = {w: rows[2 * n]["wall_s"] / rows[2 * n + 1]["wall_s"]
               for n, w in enumerate(("hash", "cpu"))}
    busy = {w: rows[2 * n + 1]["busy_cores"] for n, w in enumerate(("hash", "cpu"))}
    demo.data.update(threads=threads, runs=rows, cpu_count=info.cpu_count,
                     speedup={w: round(v, 3) for w, v in speedup.items()}, busy_cores=busy,
                     other_busy_cores=round(max(0.0, others), 2))
    demo.sections.append(("hash threads vs cpu threads",
                          text.gil_release_table(rows, threads, speedup)))
    return text.gil_release_summary(rows, threads, speedup, busy, info.cpu_count,
                                    other_busy=max(0.0, others))


async def _run_specs(demo: DemoRun, specs: list[RunSpec]) -> list[RunResult]:
    from gil_tui.engine.run.runner import run

    results: list[RunResult] = []
    for spec in specs:
        demo.check()
        task = asyncio.ensure_future(run(spec))
        try:
            while not task.done():
                await asyncio.wait([task], timeout=0.05)
                if not task.done() and (demo.remaining() <= 0 or demo.stopped()):
                    task.cancel()
                    try:
                        await task
                    except asyncio.CancelledError:
                        pass
                    demo.check()
            results.append(task.result())
            demo.data.setdefault("finished", []).append(spec.label())
            if demo.interpreter is None:  # what the worker's hello said about itself
                info = results[0].interpreter
                demo.interpreter = DemoInterpreter(
                    path=demo.python, version=clean_line(info.version, max_len=40),
                    gil_enabled=info.gil_enabled, free_threaded=info.free_threaded,
                    implementation=clean_line(info.implementation, max_len=40),
                    cpu_count=info.cpu_count)
        except RunError as exc:
            raise DemoFailed(clean_line(exc.error.message, max_len=MAX_LINE)) from None
        finally:
            if not task.done():  # interrupted (Ctrl+C): the runner ends the worker
                task.cancel()
                try:
                    await task
                except BaseException:  # noqa: BLE001
                    pass
    return results


def run_gil_release(python: str | None = None, timeout: float | None = None,
                    **options: Any) -> DemoResult:
    """Options: ``threads`` (2), ``hash_scale`` (0.2: about 200 MiB), ``cpu_scale``
    (0.25: about 3.75 M iterations), ``stop``. About a second per run at the defaults."""
    return run_body(INFO, python, timeout, options, _gil_release)


INFO = DemoInfo(
    "gil-release", "GIL release: hash threads vs cpu threads", "the-gil",
    "sha256 threads (which release the GIL) against pure-Python threads, each against one "
    "thread: speedup and cores busy.", run_gil_release, GIL_RELEASE_DEFAULTS)
