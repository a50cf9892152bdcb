"""Does a run measured inside the app match the same run from `gil-tui bench`?

Runs the same spec alternately through `gil-tui bench --json` (no UI; the sequential
baseline first, as the app runs it) and through the real app in a tmux terminal, as a person would (`gil-tui live ... --run`: the app
draws its cores, workers and status all along), several times, and prints the median
wall times and their difference. The app's figure is read from its results history
(each run uses a fresh GIL_TUI_HOME). Goal (issue 4): within 5%.

    python benchmarks/live_vs_bench.py [--repeat 5] [--mode threads] [--scale 0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SESSION = "gil-tui-live-vs-bench"


def spec_args(args) -> list[str]:
    return ["--workload", args.workload, "--mode", args.mode, "--workers",
            str(args.workers), "--scale", str(args.scale)]


def gil_tui() -> str:
    return str(Path(sys.executable).with_name("gil-tui"))


def bench_once(args, home: str) -> float:
    """The sequential baseline first, then the run, as the app does: the run then starts
    on a machine in the same state (on this VM a busy core runs slower a moment later)."""
    env = {**os.environ, "GIL_TUI_HOME": home}
    baseline = [a if a != args.mode else "sequential" for a in spec_args(args)]
    subprocess.run([gil_tui(), "bench", *baseline, "--json"],
                   capture_output=True, text=True, check=True, env=env)
    out = subprocess.run([gil_tui(), "bench", *spec_args(args), "--json"],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout)["wall_s"]


def history_runs(home: str) -> list[dict]:
    runs = []
    for path in Path(home).rglob("history*.jsonl"):
        for line in path.read_text().splitlines():
            try:
                runs.append(json.loads(line))
            except ValueError:
                pass
    return runs


def live_once(args, home: str, timeout: float = 120.0) -> float:
    """The app runs the baseline (sequential) first, then the run; both go to history."""
    command = " ".join([f"GIL_TUI_HOME={home}", gil_tui(), "live", *spec_args(args), "--run"])
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40",
                    command], check=True)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = [r for r in history_runs(home) if r.get("spec", {}).get("mode") == args.mode]
            if runs:
                return runs[-1]["wall_s"]
            time.sleep(0.2)
        raise SystemExit("the app did not finish the run in time")
    finally:
        subprocess.run(["tmux", "send-keys", "-t", SESSION, "q"], capture_output=True)
        time.sleep(1.0)
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workload", default="cpu")
    parser.add_argument("--mode", default="threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=0.5)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)", file=sys.stderr)
        return 1
    bench, live = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as home:
            bench.append(bench_once(args, home))
        with tempfile.TemporaryDirectory() as home:
            live.append(live_once(args, home))
    b, lv = statistics.median(bench), statistics.median(live)
    print(f"{args.workload} {args.mode} x{args.workers}, scale {args.scale}, "
          f"{args.repeat} runs each (alternating; the app in tmux at 120x40, 4 Hz)")
    print(f"gil-tui bench : median {b:.3f} s  ({', '.join(f'{x:.3f}' for x in bench)})")
    print(f"Live tab      : median {lv:.3f} s  ({', '.join(f'{x:.3f}' for x in live)})")
    ratios = sorted(x / y for x, y in zip(live, bench))
    print(f"difference    : {100 * (lv - b) / b:+.1f}% at the median, "
          f"{100 * (min(live) - min(bench)) / min(bench):+.1f}% best against best, "
          f"{100 * (statistics.median(ratios) - 1):+.1f}% median of the pairs   (goal: within 5%)")
    print("  pairs (Live/bench, each pair run back to back): "
          + " ".join(f"{100 * (r - 1):+.0f}%" for r in ratios)
          + "\n  On a machine whose speed drifts, the pairs are the steadiest estimate.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
