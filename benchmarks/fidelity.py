"""Do the benchmarks show what the lessons say? Print the ratios and the start-up costs.

    python benchmarks/fidelity.py [--repeat 3] [--scale 1.0] [--python PATH]

Each configuration runs ``--repeat`` times through the real engine (worker
process, JSON-lines events), round-robin with the configurations it is compared
with. Speed-up is sequential wall time / mode wall time on the same total work
(strong scaling), from the best run of each (as ``timeit`` advises: noise only
ever adds time) and, for comparison, from the medians. On a shared VM the speed
of a core can halve for seconds at a time; the best-of figures hide that, the
medians show it.
Targets, for a 2-core machine and a GIL build (issue 3):

* cpu processes x2 >= 1.6x, cpu threads x2 between 0.6x and 1.25x
* io (16 requests of 100 ms): threads x16 and asyncio x16 >= 6x
* hash threads x2 >= 1.5x
* cpu subinterpreters x2 >= 1.3x on CPython 3.12+ (a GIL per interpreter), next
  to cpu threads x2 on the same interpreter (issue 15); measured on every 3.12+
  found (``--subinterpreters PATH`` to choose, ``--subinterpreters none`` to skip)

Then the worker's own start-up overhead: from the start of worker creation to
the first ``worker_start`` (``first_start_s``), for a thread and for each
multiprocessing start method, median over several runs. The machine may be
shared: the load average is printed so a reader can judge the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gil_tui.engine.run.latency import LatencyServer  # noqa: E402
from gil_tui.engine.run.results import RunResult  # noqa: E402
from gil_tui.engine.run.runner import run  # noqa: E402
from gil_tui.engine.run.spec import RunSpec, mode_unavailable  # noqa: E402
from gil_tui.engine.system.interpreters import discover  # noqa: E402


async def interleaved(
    specs: dict[str, RunSpec], repeat: int, url: str | None
) -> dict[str, list[RunResult]]:
    """Run every spec ``repeat`` times, round-robin, so that a noisy neighbour
    slows all of them alike rather than one of them."""
    out: dict[str, list[RunResult]] = {label: [] for label in specs}
    for _ in range(repeat):
        for label, spec in specs.items():
            out[label].append(await run(spec, latency_url=url))
    return out


def median_wall(results: list[RunResult]) -> float:
    return statistics.median(r.wall_s for r in results)


def best_wall(results: list[RunResult]) -> float:
    return min(r.wall_s for r in results)


def subinterpreter_pythons(chosen: list[str] | None, measured: str | None) -> list[str]:
    """The interpreters to run the subinterpreters rows on: those given, else one per
    3.12+ minor version found (the measured one first)."""
    if chosen is not None:
        return [] if chosen == ["none"] else chosen
    found: dict[tuple[int, ...], str] = {}
    for interp in discover(extra=[measured] if measured else []):
        info = interp.version_info
        if not interp.supported or not info or interp.free_threaded:
            continue
        if mode_unavailable("subinterpreters", info, interp.implementation or "cpython"):
            continue
        if measured and interp.path == measured:
            found = {info[:2]: interp.path, **found}
        found.setdefault(info[:2], interp.path)
    return list(found.values())


def verdict(value: float, low: float | None, high: float | None) -> str:
    ok = (low is None or value >= low) and (high is None or value <= high)
    if low is not None and high is not None:
        target = f"target {low:g}x-{high:g}x"
    elif low is not None:
        target = f"target >= {low:g}x"
    else:
        target = f"target <= {high:g}x"
    return f"{target:<18} {'ok' if ok else 'NOT MET'}"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per configuration")
    parser.add_argument("--scale", type=float, default=0.5, help="cpu/hash amount of work")
    parser.add_argument("--python", default=None, help="interpreter to measure")
    parser.add_argument("--startup-runs", type=int, default=7)
    parser.add_argument("--subinterpreters", action="append", metavar="PATH", default=None,
                        help="a 3.12+ interpreter for the subinterpreters rows (repeatable; "
                        "default: one of each 3.12+ version found; 'none' to skip them)")
    args = parser.parse_args()

    base = dict(python=args.python)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    loads = f"   load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}" if load else ""
    print(f"CPUs usable: {cpus}{loads}")

    rows: list[tuple[str, list[RunResult], list[RunResult], float | None, float | None]] = []
    cpu = dict(scale=args.scale, **base)
    io = dict(tasks=16, delay_ms=100, **base)
    async with LatencyServer() as server:
        url = server.url
        runs = await interleaved({
            "seq": RunSpec("cpu", "sequential", **cpu),
            "processes": RunSpec("cpu", "processes", workers=2, **cpu),
            "threads": RunSpec("cpu", "threads", workers=2, **cpu),
        }, args.repeat, url)
        interp = runs["seq"][0].interpreter
        print(f"interpreter: CPython {interp.label()}  {interp.path}")
        walls = sorted(r.wall_s for r in runs["seq"])
        per_scale = walls[0] / args.scale
        print(f"calibration: cpu sequential, scale {args.scale:g}: best {walls[0]:.2f} s, "
              f"median {statistics.median(walls):.2f} s, worst {walls[-1]:.2f} s "
              f"-> scale 1.0 = {per_scale:.2f} s at best")
        print()
        rows.append(("cpu processes x2", runs["seq"], runs["processes"], 1.6, None))
        rows.append(("cpu threads x2", runs["seq"], runs["threads"], 0.6, 1.25))

        runs = await interleaved({
            "seq": RunSpec("io", "sequential", **io),
            "io threads x16": RunSpec("io", "threads", workers=16, **io),
            "io asyncio x16": RunSpec("io", "asyncio", workers=16, **io),
        }, args.repeat, url)
        seq = runs.pop("seq")
        for label, results in runs.items():
            rows.append((f"{label} ({results[0].io_client})", seq, results, 6.0, None))

        runs = await interleaved({
            "seq": RunSpec("hash", "sequential", **cpu),
            "threads": RunSpec("hash", "threads", workers=2, **cpu),
        }, args.repeat, url)
        rows.append(("hash threads x2", runs["seq"], runs["threads"], 1.5, None))

        subs_pythons = subinterpreter_pythons(args.subinterpreters, args.python)
        for python in subs_pythons:
            sub = dict(scale=args.scale, python=python)
            runs = await interleaved({
                "seq": RunSpec("cpu", "sequential", **sub),
                "threads": RunSpec("cpu", "threads", workers=2, **sub),
                "subinterpreters": RunSpec("cpu", "subinterpreters", workers=2, **sub),
            }, args.repeat, url)
            version = runs["seq"][0].interpreter.version
            rows.append((f"cpu threads x2 [{version}]", runs["seq"], runs["threads"], 0.6, 1.25))
            rows.append((f"cpu subinterpreters x2 [{version}]", runs["seq"],
                         runs["subinterpreters"], 1.3, None))

    print(f"{'run':<40} {'sequential':>10} {'this run':>9} {'speed-up':>9} {'(median)':>9} "
          f"{'cpu/wall':>8}   target")
    for label, seq, mine, low, high in rows:
        seq_best, best = best_wall(seq), best_wall(mine)
        median_ratio = median_wall(seq) / median_wall(mine)
        busy = statistics.median(r.cpu_s / r.wall_s for r in mine if r.wall_s > 0)
        print(f"{label:<40} {seq_best:>9.3f}s {best:>8.3f}s {seq_best / best:>8.2f}x "
              f"{median_ratio:>8.2f}x {busy:>8.2f}   {verdict(seq_best / best, low, high)}")
    print("cpu/wall: median CPU seconds per wall second of the run (above 1: more than one "
          "core busy at once)")
    print()
    print(f"worker start-up overhead: start of creation -> first worker_start "
          f"(median of {args.startup_runs}; all started = both of 2 workers)")
    tiny = dict(tasks=2, scale=0.001, **base)
    configs = [("thread", RunSpec("cpu", "threads", workers=2, **tiny))]
    for method in ("fork", "spawn", "forkserver"):
        configs.append((f"process ({method})",
                        RunSpec("cpu", "processes", workers=2, start_method=method, **tiny)))
    print(f"{'worker':<22} {'first started':>14} {'all started':>12}")
    for python in subs_pythons:
        spec = RunSpec("cpu", "subinterpreters", workers=2, **dict(tiny, python=python))
        version = (await run(spec)).interpreter.version
        configs.append((f"subinterpreter [{version}]", spec))
    for label, spec in configs:
        results = [await run(spec) for _ in range(args.startup_runs)]
        first_ms = statistics.median(r.first_start_s for r in results) * 1000
        all_ms = statistics.median(r.startup_s for r in results) * 1000
        print(f"{label:<22} {first_ms:>11.2f} ms {all_ms:>9.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
