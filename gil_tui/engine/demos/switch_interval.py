"""The ``switch-interval`` demo: the same CPU-bound threads with
``sys.setswitchinterval`` at 0.5, 5 and 50 ms: wall time, switches seen, fairness,
a per-thread timeline."""

from __future__ import annotations

from typing import Any

from gil_tui.engine.demos import analysis as an
from gil_tui.engine.demos import text
from gil_tui.engine.demos.base import (
    DemoFailed,
    DemoInfo,
    DemoResult,
    DemoRun,
    number_option,
    run_body,
    whole_option,
)

__all__ = ["INFO", "SWITCH_DEFAULTS", "run_switch_interval"]

SWITCH_DEFAULTS: dict[str, Any] = {"intervals_ms": (0.5, 5, 50), "threads": 2,
                                   "work": 1_000_000, "chunk": 250}


def _switch_interval(demo: DemoRun, opts: dict[str, Any]) -> str:
    threads = whole_option(opts, "threads", 2, 16)
    work = whole_option(opts, "work", 1, 1_000_000_000)
    chunk = whole_option(opts, "chunk", 1, work)
    intervals = list(opts["intervals_ms"])
    for value in intervals:
        number_option({"interval": value}, "interval", 0, 1000)
    if not intervals:
        raise ValueError("intervals_ms needs at least one interval")
    if work // chunk < 20:
        raise ValueError("work must be at least 20 chunks, for the timeline")
    demo.preflight()
    outcome = demo.run_script("switch_interval.py", [
        "--intervals-ms", ",".join(repr(float(v)) for v in intervals), "--threads", str(threads),
        "--work", str(work), "--chunk", str(chunk)])
    lines = demo.read_lines(outcome)
    rows = []
    for obj in lines:
        if obj["demo"] != "interval":
            continue
        figures = an.switch_metrics(obj["stamps"], obj["wall_s"], obj["cpu_s"])
        rows.append({"interval_ms": obj["interval_ms"], "wall_s": obj["wall_s"],
                     "cpu_s": obj["cpu_s"], **figures})
    default = demo.probe.get("switch_interval")
    demo.data.update(threads=threads, work=work, chunk=chunk, intervals=rows,
                     legend=text.SWITCH_LEGEND,
                     default_interval_ms=None if default is None else round(default * 1000, 3))
    for row in rows:
        demo.sections.append((f"switch interval {row['interval_ms']:g} ms",
                              text.switch_lines(row)))
    demo.finish_script(outcome, lines)
    if not rows:
        raise DemoFailed("the switch-interval script printed no interval")
    return an.switch_summary(rows)


def run_switch_interval(python: str | None = None, timeout: float | None = None,
                        **options: Any) -> DemoResult:
    """Options: ``intervals_ms`` (0.5, 5, 50), ``threads`` (2), ``work`` (1_000_000
    iterations per thread), ``chunk`` (250 iterations between time stamps), ``stop``."""
    return run_body(INFO, python, timeout, options, _switch_interval)


INFO = DemoInfo(
    "switch-interval", "Switch interval: how CPU threads share the GIL", "the-gil",
    "The same CPU-bound threads with a 0.5, 5 and 50 ms switch interval: wall time, switches "
    "and how evenly they progressed.", run_switch_interval, SWITCH_DEFAULTS)
