"""Does a run measured inside the app match the same run from `gil-tui bench`?

Runs the same spec alternately through `gil-tui bench --json` (a subprocess, no UI)
and through the Live tab (the real app, headless, sampling at 4 Hz), several times,
and prints the median wall times and their difference. Goal (issue 4): within 5%.

    python benchmarks/live_vs_bench.py [--repeat 3] [--mode threads] [--scale 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gil_tui.engine.spec import Mode, Workload  # noqa: E402
from gil_tui.ui.app import make_app  # noqa: E402
from gil_tui.ui.selection import Selection  # noqa: E402
from gil_tui.ui.tabs.live import LivePane  # noqa: E402


def bench_once(args) -> float:
    out = subprocess.run(
        [sys.executable, "-m", "gil_tui", "bench", "--workload", args.workload, "--mode",
         args.mode, "--workers", str(args.workers), "--scale", str(args.scale), "--json"],
        capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)["wall_s"]


async def live_once(args) -> float:
    app = make_app(tab="live")
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(LivePane)
        selection = Selection(workload=Workload(args.workload), mode=Mode.SEQUENTIAL,
                              scale=args.scale)
        pane.selection = selection
        await pilot.press("r")  # the baseline first, so the next run starts at once
        while pane.running or not pane.session.records:
            await pilot.pause(0.05)
        pane.selection = selection.replace(mode=Mode(args.mode), workers=args.workers)
        await pilot.press("r")
        await pilot.pause(0.1)
        while pane.running:
            await pilot.pause(0.05)
        record = pane.session.records[-1]
        if record.result is None:
            raise SystemExit(f"the run failed in the app: {record.error}")
        return record.result.wall_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workload", default="cpu")
    parser.add_argument("--mode", default="threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=0.5)
    args = parser.parse_args()
    bench, live = [], []
    for _ in range(args.repeat):
        bench.append(bench_once(args))
        live.append(asyncio.run(live_once(args)))
    b, lv = statistics.median(bench), statistics.median(live)
    print(f"{args.workload} {args.mode} x{args.workers}, scale {args.scale}, "
          f"{args.repeat} runs each (alternating)")
    print(f"gil-tui bench : median {b:.3f} s  ({', '.join(f'{x:.3f}' for x in bench)})")
    print(f"Live tab      : median {lv:.3f} s  ({', '.join(f'{x:.3f}' for x in live)})")
    print(f"difference    : {100 * (lv - b) / b:+.1f}%   (goal: within 5%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
