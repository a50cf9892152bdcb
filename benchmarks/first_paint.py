"""Launch to first frame on a real terminal (tmux): gil-tui against a minimal Textual app.

Starts, in alternation, ``gil-tui`` (the Lessons tab) and a minimal Textual app that shows
two core bars (the smallest app that draws what gil-tui is about), each in a fresh tmux
window of one private tmux server, and polls ``tmux capture-pane`` until a known text is
on screen: that is the time a person waits, terminal drawing included (plus a few ms of
polling). Each app is then closed with ``q`` (or its window killed).

For gil-tui two moments are timed: ``frame`` (the lesson heading, with the tabs and the
key bar: the first frame) and ``text`` (the lesson's first paragraph, drawn by the
document view). The ratio is gil-tui's ``frame`` over the minimal app's. Goal (issue 16.5):
within 10% of the minimal app (ratio <= 1.10).

    python benchmarks/first_paint.py [--repeat 15] [--size 80x24]

``PYTHONPATH=/other/checkout python benchmarks/first_paint.py`` measures another copy of
gil-tui (an older one, to compare). The machine's load moves both figures; alternating the two apps spreads it evenly. A
throwaway GIL_TUI_HOME keeps the user's settings and history out of it (a first start).
Bytecode is cached as for an installed package (``PYTHONDONTWRITEBYTECODE`` would make
every launch compile gil-tui's modules again): in a throwaway ``PYTHONPYCACHEPREFIX``,
filled by the warm-up launches, so the checkout gets no ``__pycache__``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SOCKET = "gil-tui-first-paint"

#: The minimal app: Textual, two core bars, `q` quits. Imports only what it draws.
MINIMAL_APP = """\
from textual.app import App
from gil_tui.ui.widgets.core_bars import CoreBars

class Minimal(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield CoreBars()

    def on_mount(self):
        self.query_one(CoreBars).push((35.0, 70.0))

Minimal().run()
"""

#: (name, what ends the wait) for each app; gil-tui's first frame and its lesson text.
GIL_TUI_MARKS = {"frame": "Lesson 1 of", "text": "When you run a Python script"}
MINIMAL_MARKS = {"frame": "CPU1"}


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True,
                          text=True).stdout


def launch(argv: list[str], marks: dict[str, str], size: tuple[int, int], env: dict[str, str],
           timeout: float = 20.0) -> dict[str, float]:
    """Seconds from launch to each mark's text on screen (inf: never seen)."""
    command = " ".join(_quote(part) for part in argv)
    env_args = [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
    seen: dict[str, float] = {}
    start = time.perf_counter()
    # Started in the throwaway home, not here: `python -m gil_tui` would find the package
    # in the current directory before PYTHONPATH (which can point at another checkout).
    tmux("new-session", "-d", "-s", "trial", "-x", str(size[0]), "-y", str(size[1]),
         "-c", env.get("GIL_TUI_HOME", "/"), *env_args, command)
    while len(seen) < len(marks):
        now = time.perf_counter() - start
        if now > timeout:
            break
        text = tmux("capture-pane", "-p", "-t", "trial")
        now = time.perf_counter() - start
        for name, mark in marks.items():
            if name not in seen and mark in text:
                seen[name] = now
        # A short rest between polls: polling flat out spawns tmux clients back to back,
        # which on 2 busy cores takes CPU from the very app being measured.
        time.sleep(0.004)
    _close()
    return {name: seen.get(name, float("inf")) for name in marks}


def _close() -> None:
    tmux("send-keys", "-t", "trial", "q")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "trial" in tmux("list-sessions", "-F", "#S"):
        time.sleep(0.05)
    tmux("kill-session", "-t", "trial")


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="launches of each app")
    parser.add_argument("--size", default="80x24", help="terminal size, WxH")
    parser.add_argument("--warm-up", type=int, default=2,
                        help="launches of each app first, not counted (bytecode, disk cache)")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)", file=sys.stderr)
        return 1
    width, height = (int(part) for part in args.size.split("x"))
    gil_tui = [sys.executable, "-m", "gil_tui"]
    minimal = [sys.executable, "-c", MINIMAL_APP]
    times: dict[str, list[float]] = {"gil-tui frame": [], "gil-tui text": [], "minimal": []}
    with tempfile.TemporaryDirectory(prefix="gil-tui-first-paint-") as home:
        env = {"GIL_TUI_HOME": home, "TERM": os.environ.get("TERM", "xterm-256color"),
               "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": f"{home}/pycache"}
        tmux("kill-server")
        tmux("new-session", "-d", "-s", "idle")  # the server stays up between trials
        try:
            for n in range(args.warm_up + args.repeat):
                counted = n >= args.warm_up
                # Alternate which app goes first, so neither always follows the other.
                order = [(gil_tui, GIL_TUI_MARKS), (minimal, MINIMAL_MARKS)]
                for argv, marks in (order if n % 2 == 0 else order[::-1]):
                    seen = launch(argv, marks, (width, height), env)
                    if not counted:
                        continue
                    if argv is gil_tui:
                        times["gil-tui frame"].append(seen["frame"])
                        times["gil-tui text"].append(seen["text"])
                    else:
                        times["minimal"].append(seen["frame"])
        finally:
            tmux("kill-server")
    print(f"launch to first frame, {args.repeat} launches each at {args.size} "
          f"(median, [min-max]):")
    for name, values in times.items():
        finite = [v for v in values if v != float("inf")]
        missed = len(values) - len(finite)
        extra = f"  ({missed} never seen)" if missed else ""
        print(f"  {name:14} {median(finite) * 1000:6.0f} ms  "
              f"[{min(finite, default=0) * 1000:.0f}-{max(finite, default=0) * 1000:.0f}]{extra}")
    ratio = median(times["gil-tui frame"]) / median(times["minimal"])
    text_ratio = median(times["gil-tui text"]) / median(times["minimal"])
    # Each launch of one app against the launch of the other just before or after it:
    # the machine's load drifts slowly, so pairs are fairer than whole medians.
    paired = [g / m for g, m in zip(times["gil-tui frame"], times["minimal"])
              if g != float("inf") and m != float("inf") and m > 0]
    print(f"  ratio gil-tui/minimal: {ratio:.2f} (first frame), {text_ratio:.2f} "
          f"(lesson text); median of paired launches {median(paired):.2f}   goal: <= 1.10")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
