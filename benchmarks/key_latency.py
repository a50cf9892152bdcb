"""Key press to first visible change, measured on a real terminal (tmux).

Starts `gil-tui live` in a detached tmux session, then for each key sends it with
`tmux send-keys` and polls `tmux capture-pane` until the screen differs: that is the
time a person would wait, terminal drawing included (plus a few ms of polling).
Goal (issue 4): under 100 ms.

    python benchmarks/key_latency.py [--repeat 10] [--size 100x30]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SESSION = "gil-tui-latency"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def press(key: str, timeout: float = 5.0) -> float:
    before = screen()
    start = time.perf_counter()
    tmux("send-keys", "-t", SESSION, key)
    while screen() == before:
        if time.perf_counter() - start > timeout:
            return float("inf")
        # A short rest between polls: polling flat out spawns tmux clients back to back,
        # which on 2 busy cores takes CPU from the very app being measured.
        time.sleep(0.004)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--size", default="100x30")
    parser.add_argument("--during-matrix", action="store_true",
                        help="instead: open the Compare tab, start a matrix, and time `v` "
                        "(matrix/scaling view) while it runs")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)", file=sys.stderr)
        return 1
    width, height = args.size.split("x")
    gil_tui = str(Path(sys.executable).with_name("gil-tui"))
    tmux("kill-session", "-t", SESSION)
    if args.during_matrix:
        return during_matrix(gil_tui, width, height, args.repeat)
    tmux("new-session", "-d", "-s", SESSION, "-x", width, "-y", height, f"{gil_tui} live")
    try:
        time.sleep(4)
        results = {
            "w (next workload)": [press("w") for _ in range(args.repeat)],
            "+ (one more worker)": [press("+") for _ in range(args.repeat)],
            "1/2 (switch tab)": [press("1" if n % 2 == 0 else "2") for n in range(args.repeat)],
        }
        press("1")
        time.sleep(1)
        results["n (next lesson)"] = [press("n") for _ in range(8)]
    finally:
        tmux("kill-session", "-t", SESSION)
    for name, values in results.items():
        ms = sorted(v * 1000 for v in values)
        print(f"{name:<22} median {statistics.median(ms):6.1f} ms   max {ms[-1]:6.1f} ms"
              f"   ({len(ms)} presses; goal < 100 ms)")
        print(f"{'':<22} in order: {' '.join(f'{v * 1000:.0f}' for v in values)}")
    return 0


def during_matrix(gil_tui: str, width: str, height: str, repeat: int) -> int:
    probe_file = Path(tempfile.mkdtemp()) / "probe.txt"
    probe = Path(__file__).with_name("_key_probe_app.py")
    tmux("new-session", "-d", "-s", SESSION, "-x", width, "-y", height,
         f"{sys.executable} {probe} {probe_file} v app --tab compare")
    try:
        time.sleep(6)  # the interpreters are discovered
        tmux("send-keys", "-t", SESSION, "r")
        time.sleep(3)  # the matrix is under way: both cores busy
        values = []
        for _ in range(repeat):
            values.append(press("v"))
            time.sleep(0.3)
        running = "run " in screen()
        tmux("send-keys", "-t", SESSION, "x")
        time.sleep(1.5)
        tmux("send-keys", "-t", SESSION, "q")
        time.sleep(1.5)
    finally:
        tmux("kill-session", "-t", SESSION)
    ms = sorted(v * 1000 for v in values)
    print(f"{'v during a matrix':<22} median {statistics.median(ms):6.1f} ms   max {ms[-1]:6.1f} ms"
          f"   ({len(ms)} presses; matrix still running at the end: {running}; goal < 100 ms)")
    print(f"{'':<22} all: {' '.join(f'{v:.0f}' for v in ms)}")
    if probe_file.exists() and probe_file.read_text().split():
        app_ms = sorted(float(v) for v in probe_file.read_text().split())
        print(f"{'  of which the app':<22} median {statistics.median(app_ms):6.1f} ms   max "
              f"{app_ms[-1]:6.1f} ms   (key read -> frame written, measured inside the app)")
        print(f"{'':<22} all: {' '.join(f'{v:.0f}' for v in app_ms)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
