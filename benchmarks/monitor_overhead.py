"""How much CPU does the Live tab cost while idle? Measured as a user would see it.

Starts `gil-tui live` in a detached tmux session (as a person would run it in a
terminal), lets it settle, then reads the CPU seconds of its whole process tree over
a window (default 30 s) with psutil. Does the same for htop and btop when they are
installed, at their default refresh rates, for comparison.

    python benchmarks/monitor_overhead.py [--seconds 30] [--size 120x40] [--hz 4]

Goal (issue 4): at most 3% of one core at 4 Hz.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def tree_cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def measure(name: str, command: str, seconds: float, size: str, settle: float) -> None:
    session = f"overhead-{name}"
    width, height = size.split("x")
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", width, "-y", height,
                    command], check=True)
    try:
        time.sleep(settle)
        pane_pid = int(subprocess.run(
            ["tmux", "display-message", "-p", "-t", session, "#{pane_pid}"],
            capture_output=True, text=True, check=True).stdout.strip())
        root = psutil.Process(pane_pid)
        start_cpu, start = tree_cpu(root), time.monotonic()
        time.sleep(seconds)
        used = tree_cpu(root) - start_cpu
        elapsed = time.monotonic() - start
        print(f"{name:<28} {100 * used / elapsed:6.2f}% of one core "
              f"({used:.2f} CPU s over {elapsed:.0f} s)")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)", file=sys.stderr)
        return 1
    gil_tui = str(Path(sys.executable).with_name("gil-tui"))
    print(f"idle CPU over {args.seconds:.0f} s at {args.size}, "
          f"load average {' '.join(f'{x:.2f}' for x in psutil.getloadavg())}")
    measure("gil-tui live (idle, 4 Hz)", f"{gil_tui} live", args.seconds, args.size, args.settle)
    measure("gil-tui lessons tab", f"{gil_tui}", args.seconds, args.size, args.settle)
    for tool in ("htop", "btop"):
        if shutil.which(tool):
            measure(f"{tool} (default rate)", tool, args.seconds, args.size, args.settle)
        else:
            print(f"{tool:<28} not installed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
