"""How much time a compare matrix spends beyond its runs (target: under 5%).

    python benchmarks/compare_overhead.py [--workload cpu] [--scale 0.3] [--repeat 2]
                                          [--python PATH ...]

Runs one real matrix (history in a temporary directory) and prints three figures:

* the matrix's own bookkeeping: total time minus the time spent inside the
  runner for each run (launching the worker, its run, ending its group).
  This is what the matrix adds, and what the 5% target is about;
* the per-run cost of a worker process (interpreter start-up, import, ending
  the group): time inside the runner minus the worker's own wall time. It
  does not depend on the matrix, but it is time the user waits too, so it is
  printed next to the target;
* the sum of the runs' wall times against the matrix's total time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gil_tui.engine.compare.matrix import Matrix, MatrixPlan, Target  # noqa: E402
from gil_tui.engine.history.store import HistoryStore  # noqa: E402
from gil_tui.engine.system.interpreters import probe  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="cpu", choices=("cpu", "io", "hash"))
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--python", action="append", default=None)
    args = parser.parse_args()
    targets = [Target.from_interpreter(probe(p)) for p in (args.python or [sys.executable])]
    plan = MatrixPlan.make(args.workload, targets, workers=args.workers, scale=args.scale,
                           repeat=args.repeat, delay_ms=50)
    progress_calls = 0

    def on_progress(_p) -> None:
        nonlocal progress_calls
        progress_calls += 1

    with tempfile.TemporaryDirectory() as home:
        store = HistoryStore(os.path.join(home, "history.jsonl"))
        store.machine  # noqa: B018 - computed once, outside the timing, like a long-lived app
        matrix = Matrix(plan, history=store, on_progress=on_progress)
        t0 = time.perf_counter()
        result = asyncio.run(matrix.run())
        total = time.perf_counter() - t0
        saved = len(store.load()[0])
    walls = sum(r.wall_s for r in result.runs)
    inside = matrix.run_seconds
    runs = len(result.runs)
    bookkeeping = total - inside
    print(f"matrix: {args.workload}, {len(targets)} interpreter(s), {plan.total_runs} runs "
          f"(scale {args.scale:g}, {args.workers} workers, repeat {args.repeat}); "
          f"{runs} finished, {saved} saved to the history, {progress_calls} progress calls")
    print(f"total time                    {total:8.3f} s")
    print(f"inside the runner (all runs)  {inside:8.3f} s")
    print(f"workers' own wall time (sum)  {walls:8.3f} s")
    print(f"matrix bookkeeping            {bookkeeping:8.3f} s  = {100 * bookkeeping / total:5.2f}% "
          "of the total (target < 5%)")
    if matrix.setup_seconds:
        rest = bookkeeping - matrix.setup_seconds
        print(f"  of which the latency server {matrix.setup_seconds:8.3f} s (once per matrix: "
              f"aiohttp import + start); the rest {rest:.3f} s = {100 * rest / total:.2f}%")
    per_run = (inside - walls) / runs if runs else 0.0
    print(f"worker process cost per run   {per_run * 1000:8.1f} ms (start-up, import, group end)")
    print(f"total beyond the runs' walls  {total - walls:8.3f} s  = "
          f"{100 * (total - walls) / total:5.2f}% of the total")
    return 0 if bookkeeping / total < 0.05 else 1


if __name__ == "__main__":
    raise SystemExit(main())
